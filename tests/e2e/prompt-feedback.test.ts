/**
 * What the GP answers to a prompt is remembered (localStorage, per patient and card): in Chromium, a
 * prompt declined as not appropriate does not come back on the next launch, a prompt snoozed until a
 * date comes back on that date, and one snoozed until the next fit note comes back when a new note
 * makes the rules fire. Each launch is a fresh EHR launch in the same browser context, as the GP's
 * browser would keep the storage between consultations.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { newUkContext } from './browser.js';
import { appShowsPrompt, checkScreen, issueFitNote, openAppIn, PANEL_WIDTH, setUpE2e } from './support.js';

const env = setUpE2e();

let context: BrowserContext;

beforeEach(async () => {
  context = await newUkContext(env.browser, { width: PANEL_WIDTH });
});

afterEach(async () => {
  await context.close();
});

/** Opens the app for a patient in the test's context; says whether it prompts, and closes it. */
async function promptsOnLaunch(patient: string, inContext: BrowserContext = context): Promise<boolean> {
  const page = await openAppIn(inContext, env.sandbox, patient);
  try {
    return await appShowsPrompt(page);
  } finally {
    await page.close();
  }
}

/** The feedback the app stored in this context's localStorage, for every patient. */
async function storedFeedback(page: Page): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(() => {
    const all: Array<Record<string, unknown>> = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? '';
      if (!key.startsWith('fitnote-prompt:feedback:')) continue;
      const value = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
      const list = Array.isArray(value) ? value : ((value as { feedback?: unknown[] }).feedback ?? []);
      all.push(...(list as Array<Record<string, unknown>>));
    }
    return all;
  });
}

it('Not appropriate with a reason: the prompt does not return, the compact panel shows and Refer works', async () => {
  const page = await openAppIn(context, env.sandbox, 'peter');
  expect(await appShowsPrompt(page)).toBe(true);
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Not appropriate' }).click();
  await dialog.getByRole('radio').first().check();
  await dialog.getByLabel('Comment (optional)').fill('Already under the community mental health team.');
  await dialog.getByRole('button', { name: 'Record reason' }).click();
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await dialog.count()).toBe(0);
  expect(await storedFeedback(page)).toEqual([
    expect.objectContaining({
      outcome: 'overridden',
      overrideReason: expect.objectContaining({
        userComment: 'Already under the community mental health team.',
      }),
    }),
  ]);
  await page.close();

  const again = await openAppIn(context, env.sandbox, 'peter');
  try {
    expect(await appShowsPrompt(again)).toBe(false);
    await checkScreen(again, 'feedback-01-panel-after-decline');
    await again.getByRole('button', { name: 'Refer', exact: true }).click();
    await again.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  } finally {
    await again.close();
  }

  // Another browser (no stored answer) still gets the prompt: the stored answer is what suppresses it.
  const other = await newUkContext(env.browser, { width: PANEL_WIDTH });
  try {
    expect(await promptsOnLaunch('peter', other)).toBe(true);
  } finally {
    await other.close();
  }
}, 60_000);

it('Not now until a date: no prompt before that date, the prompt again on it', async () => {
  const page = await openAppIn(context, env.sandbox, 'gap-seven');
  expect(await appShowsPrompt(page)).toBe(true);
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Not now' }).click();
  await dialog.getByLabel('From a date').check();
  await dialog.getByLabel('Show again from').fill('2026-11-24');
  await dialog.getByRole('button', { name: 'Snooze prompt' }).click();
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await storedFeedback(page)).toEqual([
    expect.objectContaining({ outcome: 'snoozed', snooze: { until: '2026-11-24' } }),
  ]);
  await page.close();

  expect(await promptsOnLaunch('gap-seven')).toBe(false);
  await context.clock.setFixedTime(new Date('2026-11-23T12:00:00Z'));
  expect(await promptsOnLaunch('gap-seven')).toBe(false);
  await context.clock.setFixedTime(new Date('2026-11-24T09:00:00Z'));
  expect(await promptsOnLaunch('gap-seven')).toBe(true);
}, 60_000);

it('Not now until the next fit note: no prompt on relaunch; the next note, even the same day, brings it back', async () => {
  const page = await openAppIn(context, env.sandbox, 'peter');
  expect(await appShowsPrompt(page)).toBe(true);
  const dialog = page.getByRole('dialog');
  expect(await dialog.getByRole('heading', { level: 2 }).first().textContent()).toMatch(/^Off work 4 weeks/);
  await dialog.getByRole('button', { name: 'Not now' }).click();
  // "When the next fit note is issued" is the default choice.
  expect(await dialog.getByLabel('When the next fit note is issued').isChecked()).toBe(true);
  await dialog.getByRole('button', { name: 'Snooze prompt' }).click();
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await storedFeedback(page)).toEqual([
    expect.objectContaining({
      outcome: 'snoozed',
      snooze: { untilNextNote: true, latestIssued: '2026-11-21', noteCount: 2 },
    }),
  ]);
  await page.close();
  expect(await promptsOnLaunch('peter')).toBe(false);

  // The GP issues the next fit note the same day as the last one (the episode reaches 35 days, still
  // the four-week rule): it is the next fit note, so the snoozed prompt comes back.
  const ehr = await context.newPage();
  try {
    await ehr.setViewportSize({ width: 1024, height: 900 });
    await issueFitNote(ehr, env.sandbox, 'peter', {
      start: '2026-12-04',
      days: 7,
      fitness: 'not-fit',
      condition: 'depression',
    });
    const panel = ehr.frameLocator('iframe[title="Fit note prompt"]');
    expect(await appShowsPrompt(panel)).toBe(true);
    expect(await panel.getByRole('dialog').getByRole('heading', { level: 2 }).first().textContent()).toMatch(
      /^Off work 5 weeks/,
    );
  } finally {
    await ehr.close();
  }
}, 60_000);

it('Refer now then Cancel brings the prompt back; a referral sent answers it, through a send error and a failed delivery', async () => {
  let page = await openAppIn(context, env.sandbox, 'peter');
  expect(await appShowsPrompt(page)).toBe(true);
  await page.getByRole('dialog').getByRole('button', { name: 'Refer now' }).click();
  const formTitle = () => page.getByRole('heading', { name: 'Refer to a work and health provider' });
  await formTitle().waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  // Nothing was sent: the prompt is back, and nothing is stored as its answer.
  await page.getByRole('dialog').waitFor();
  expect(await storedFeedback(page)).toEqual([]);

  await page.getByRole('dialog').getByRole('button', { name: 'Refer now' }).click();
  await formTitle().waitFor();
  await page.getByRole('radio', { name: 'Pennine Work and Wellbeing Case Management' }).check();
  await page.getByLabel('Anything else the provider should know (optional)').fill('Prefers mornings');
  await page.getByLabel(/The patient agrees to this referral/).check();
  // The record refuses the first save: the session has ended.
  const isFhirBase = (url: URL) => /\/fhir\/?$/.test(url.pathname);
  await page.route(isFhirBase, (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({
          status: 401,
          contentType: 'application/fhir+json',
          body: JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'login', diagnostics: 'Access token expired' }],
          }),
        })
      : route.continue(),
  );
  await page.getByRole('button', { name: 'Send referral' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('The referral was not sent').waitFor();
  expect(await alert.textContent()).toMatch(/Your session with the clinical system has ended/);
  expect(await alert.textContent()).not.toMatch(/HTTP 401/);
  expect(await page.getByLabel('Anything else the provider should know (optional)').inputValue()).toBe(
    'Prefers mornings',
  );
  await checkScreen(page, 'referral-send-error-400', { dir: '/tmp/shots' });
  await page.close();

  // As the error says, the GP opens the app again: nothing was sent, so the prompt is there.
  page = await openAppIn(context, env.sandbox, 'peter');
  expect(await appShowsPrompt(page)).toBe(true);
  expect(await storedFeedback(page)).toEqual([]);
  await page.getByRole('dialog').getByRole('button', { name: 'Refer now' }).click();
  await page.getByRole('radio', { name: 'Pennine Work and Wellbeing Case Management' }).check();
  await page.getByLabel(/The patient agrees to this referral/).check();

  // The record takes it; the hub does not answer: saved, not delivered.
  const isHubPost = (url: URL) => url.pathname === '/referrals';
  await page.route(isHubPost, (route) =>
    route.request().method() === 'POST' ? route.abort('connectionrefused') : route.continue(),
  );
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: /^Referral saved in the record, not delivered/ }).waitFor();
  expect(await page.locator('.fp-referral-status').textContent()).toMatch(/does not have it yet/);
  expect(await storedFeedback(page)).toEqual([]);
  await checkScreen(page, 'referral-delivery-failed-400', { dir: '/tmp/shots' });
  await page.unroute(isHubPost);

  await page.getByRole('button', { name: 'Try delivery again' }).click();
  await page.getByRole('heading', { name: /^Referral sent to Pennine/ }).waitFor();
  expect(await page.locator('.fp-referral-status').textContent()).toBe(
    'Status: Waiting for Pennine Work and Wellbeing Case Management to accept it',
  );
  expect(await page.getByRole('status').filter({ hasText: 'referral hub' }).textContent()).toMatch(/^Sent/);
  await checkScreen(page, 'referral-confirmation-sent-400', { dir: '/tmp/shots' });
  // Sent: now the prompt's answer is stored.
  expect(await storedFeedback(page)).toEqual([expect.objectContaining({ outcome: 'accepted' })]);
  await page.getByRole('button', { name: 'Back to the patient' }).click();
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await page.getByRole('dialog').count()).toBe(0);
  await page.close();

  expect(await promptsOnLaunch('peter')).toBe(false);
}, 90_000);
