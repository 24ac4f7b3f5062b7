/**
 * The provider inbox in a real browser against the sandbox and its referral hub: a referral for Peter
 * to a provider that works from the hub's inbox (Northfield Work Coach Service), sent to the hub as the
 * GP app sends it (with a SMART token from the sandbox's EHR launch); the provider's coordinator signs
 * in through the sandbox's OpenID provider page, finds the referral in the list, opens it (only what
 * Peter agreed to share: his job and employer are not on the page; his fit notes' dates and findings
 * are, but not their advice, which he did not share), prints it on one page, accepts it,
 * marks him contacted and completes it with an outcome (the form's error summary first). The GP's view
 * at the hub then says completed. A sign-in that the hub no longer accepts shows "Your sign-in has
 * expired" and signing in again comes back to the same referral. Axe and no sideways scroll at 400 px
 * and 1024 px; screenshots in SHOTS_DIR (inbox-*.png).
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { ID_SYSTEM } from '../../src/domain/codes.js';
import { launchAsApp } from '../../src/sandbox/appLaunch.js';
import { exampleProviders, peterReferral } from '../../src/server/testSupport.js';
import type { ReferralView } from '../../src/server/views.js';
import { peterFitNotes, peterForm } from '../fixtures/referralForms.js';
import { newUkPage } from './browser.js';
import { checkScreen, SHOTS_DIR, setUpE2e } from './support.js';

const env = setUpE2e();
jest.setTimeout(120_000);

const PROVIDER = 'work-coach-service';

function hubUrl(): string {
  const hub = env.sandbox.hub;
  if (hub === undefined) throw new Error('The sandbox started no hub.');
  return hub.url;
}

/**
 * Peter's referral to the work coach service with his two fit notes: everything shared but his job and
 * employer and the advice on his fit notes.
 */
function referral(): Bundle {
  return peterReferral({
    provider: exampleProviders()[PROVIDER],
    fitNotes: peterFitNotes,
    form: peterForm({
      serviceTypes: ['employment-support'],
      shareWithProvider: ['contact-details', 'fit-note-dates', 'diagnosis'],
    }),
  });
}

async function sendReferral(): Promise<{ id: string; gpHeaders: Record<string, string> }> {
  const token = await launchAsApp(env.sandbox, 'peter');
  const gpHeaders = {
    authorization: `Bearer ${token.access_token}`,
    'x-ehr-fhir-base': env.sandbox.fhirBaseUrl,
  };
  const bundle = referral();
  const res = await fetch(`${hubUrl()}/referrals`, {
    method: 'POST',
    headers: { ...gpHeaders, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`The hub answered ${res.status}: ${await res.text()}`);
  const sr = bundle.entry?.[0]?.resource as { identifier?: Array<{ system?: string; value?: string }> };
  const id = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
  return { id, gpHeaders };
}

async function signInAs(page: Page, accountId: string): Promise<void> {
  const account = env.sandbox.oidc?.accounts.find((a) => a.id === accountId);
  if (account === undefined) throw new Error(`The sandbox has no staff account ${accountId}.`);
  await page.getByRole('button', { name: `Sign in as ${account.name}` }).click();
}

/** Pages in a PDF (Chromium's print to PDF). */
function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
}

it('a coordinator signs in, opens Peter’s referral, prints it, and takes it to completed', async () => {
  if (!existsSync('dist/web/inbox/index.html')) throw new Error('Build the inbox first: npm run build:web.');
  const { id, gpHeaders } = await sendReferral();
  const page = await newUkPage(env.browser, { width: 1024 });

  // Not signed in yet.
  await page.goto(`${hubUrl()}/inbox/`);
  await page.getByRole('heading', { name: 'Sign in to see your referrals' }).waitFor();
  await checkScreen(page, 'inbox-sign-in-1024');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signInAs(page, `coordinator-${PROVIDER}`);

  // The list: by practice, with the status filter.
  await page.getByRole('heading', { name: 'Referrals: open' }).waitFor({ timeout: 20_000 });
  expect(await page.getByRole('heading', { name: 'Example Street Surgery (A99999)' }).count()).toBe(1);
  const link = page.getByRole('link', { name: 'Peter Example' });
  expect(await link.count()).toBe(1);
  expect(await page.getByRole('link', { name: 'Waiting for you (1)' }).count()).toBe(1);
  await checkScreen(page, 'inbox-list-1024');
  await page.setViewportSize({ width: 400, height: 900 });
  await checkScreen(page, 'inbox-list-400');

  // The detail: what Peter agreed to share, and nothing else.
  await link.click();
  await page.getByRole('heading', { name: 'Peter Example' }).waitFor();
  const text = (await page.locator('main').textContent()) ?? '';
  expect(text).toContain('No interpreter needed');
  expect(text).toContain('07700 900123');
  expect(text).toContain('999 000 0026');
  expect(text).toContain('Dr A Example');
  for (const withheld of ['Call-centre adviser', 'Example Contact Centre', '250 staff'])
    expect(await page.content()).not.toContain(withheld);
  // His fit notes: dates, findings and diagnosis (shared); the advice and its words (not shared) absent.
  const fitNotes = page.getByRole('table', { name: 'Fit notes' });
  const rows = (await fitNotes.getByRole('row').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
  expect(rows).toHaveLength(3);
  expect(rows[1]).toContain('24 Oct 2026 to 20 Nov 2026');
  expect(rows[1]).toContain('26 Oct 2026');
  expect(rows[1]).toContain('Not fit for work');
  expect(rows[1]).toContain('Anxiety and depression');
  expect(rows[2]).toContain('From 21 Nov 2026, no end date');
  expect(rows[2]).toContain('May be fit for work');
  expect(await fitNotes.getByRole('columnheader', { name: 'Advice' }).count()).toBe(0);
  for (const withheld of ['Half days for two weeks', 'Phased return', 'Amended duties'])
    expect(await page.content()).not.toContain(withheld);
  await checkScreen(page, 'inbox-detail-400');
  await fitNotes.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS_DIR}/fitnotes-detail-400.png`, fullPage: true });
  await page.setViewportSize({ width: 1024, height: 900 });
  await checkScreen(page, 'inbox-detail-1024');
  await page.screenshot({ path: `${SHOTS_DIR}/fitnotes-detail-1024.png`, fullPage: true });
  expect(page.url()).toBe(`${hubUrl()}/inbox/referrals/${id}`);

  // Print: one page, no buttons.
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: `${SHOTS_DIR}/inbox-print.png`, fullPage: true });
  await page.screenshot({ path: `${SHOTS_DIR}/fitnotes-print.png`, fullPage: true });
  expect(await page.getByRole('button', { name: 'Accept' }).isVisible()).toBe(false);
  const pdf = await page.pdf({ format: 'A4' });
  writeFileSync(`${SHOTS_DIR}/inbox-print.pdf`, pdf);
  expect(pageCount(pdf)).toBe(1);
  await page.emulateMedia({ media: 'screen' });

  // Accept, contacted.
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('status').filter({ hasText: 'You accepted the referral' }).waitFor();
  await page.getByRole('button', { name: 'Mark contacted' }).click();
  await page.getByRole('status').filter({ hasText: 'Marked as contacted' }).waitFor();

  // Complete: the error summary first, then the outcome.
  await page.getByRole('button', { name: 'Complete…' }).click();
  await page.getByRole('button', { name: 'Complete the referral' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  expect(await summary.textContent()).toContain('Choose the return-to-work goal');
  await page.setViewportSize({ width: 400, height: 900 });
  await checkScreen(page, 'inbox-complete-errors-400');
  await page.getByRole('radio', { name: 'Return to the same role' }).check();
  await page.getByRole('checkbox', { name: 'Phased return to work' }).check();
  await page.getByLabel('What and for how long').fill('Four-hour days for two weeks, then full days');
  await page.getByLabel('Report title').fill('Work coaching summary');
  await page.getByLabel('Report for the GP').fill('Peter has agreed a phased return plan with his manager.');
  await page.getByRole('button', { name: 'Complete the referral' }).click();
  await page.getByRole('status').filter({ hasText: 'You completed the referral' }).waitFor();
  expect(await page.getByText('Four-hour days for two weeks, then full days').count()).toBe(1);
  await checkScreen(page, 'inbox-completed-400');

  // The GP's view at the hub.
  const gpView = (await (
    await fetch(`${hubUrl()}/referrals/${id}`, { headers: gpHeaders })
  ).json()) as ReferralView;
  expect(gpView.status).toBe('completed');
  expect(gpView.timeline.map((t) => t.text).join(' ')).toContain('opened the referral');

  // A sign-in the hub no longer accepts: "expired", and back to the same referral after signing in.
  await page.evaluate(() => {
    const key = 'fitnote-inbox.session';
    const session = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { accessToken?: string };
    sessionStorage.setItem(key, JSON.stringify({ ...session, accessToken: 'not.a.valid-token' }));
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Your sign-in has expired' }).waitFor();
  await checkScreen(page, 'inbox-expired-400');
  await page.getByRole('button', { name: 'Sign in again' }).click();
  const account = page.getByRole('button', { name: /^Sign in as Referral coordinator, Northfield/ });
  const back = page.getByRole('heading', { name: 'Peter Example' });
  await Promise.race([account.waitFor(), back.waitFor()]);
  if (await account.isVisible()) await account.click();
  await back.waitFor();
  expect(page.url()).toBe(`${hubUrl()}/inbox/referrals/${id}`);

  // Sign out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  await page.close();
});
