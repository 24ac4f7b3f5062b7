/**
 * The GP's journey in a real browser against the sandbox, with the app as built by `npm run build:web`:
 * Peter's record in the EHR launches the app in its side panel, the four-week prompt appears, the GP
 * refers from it, and the ServiceRequest, Consent and Task are in the sandbox FHIR server. Every
 * screen on the way passes axe at 400 px (the side panel's width); screenshots go to test-results/.
 */
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { ID_SYSTEM } from '../../src/domain/codes.js';
import { newUkPage } from './browser.js';
import { checkScreen, openApp as openAppFor, REFERRAL_DONE, setUpE2e } from './support.js';

const env = setUpE2e();

const check = (page: Page, shot: string) => checkScreen(page, `journey-${shot}-400`, { dir: 'test-results' });

/** The app as the EHR's side panel launches it for a patient, opened at panel width. */
const openApp = (patient: string) => openAppFor(env, patient);

async function count(
  resourceType: 'ServiceRequest' | 'Task' | 'Consent',
  code: string,
  patient: string,
): Promise<number> {
  const bundle = await env.sandbox.fhir.repo.search({
    resourceType,
    filters: [{ code, operator: 'eq' as never, value: `Patient/${patient}` }],
  });
  return (bundle.entry ?? []).length;
}
const referralCounts = async (patient: string) =>
  Promise.all([
    count('ServiceRequest', 'subject', patient),
    count('Task', 'subject', patient),
    count('Consent', 'patient', patient),
  ]);

it('Peter: the prompt appears in the record, and one click leads to a referral that is in the FHIR server', async () => {
  const ehr = await newUkPage(env.browser, { width: 1280 });
  await ehr.goto(`${env.sandbox.url}/ehr/patient/peter`);
  const panel = ehr.frameLocator('iframe[title="Fit note prompt"]');
  await expect(
    panel.getByRole('dialog').getByRole('heading', { level: 2 }).first().textContent({ timeout: 20_000 }),
  ).resolves.toMatch(/Off work 4 weeks/);
  await ehr.screenshot({ path: 'test-results/journey-ehr-peter-1280.png' });
  await ehr.close();

  const before = await referralCounts('peter');
  const page = await openApp('peter');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ timeout: 20_000 });
  await check(page, 'prompt');

  await dialog.getByRole('button', { name: 'Refer now' }).click();
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  await check(page, 'referral-form');
  // The contact details come from the record; the provider is one whose endpoint the sandbox hosts.
  expect(await page.getByLabel('Phone', { exact: true }).inputValue()).toBe('07700 900104');
  await page.getByRole('radio', { name: 'Pennine Work and Wellbeing Case Management' }).check();
  await page.getByLabel(/The patient agrees to this referral/).check();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: REFERRAL_DONE }).waitFor({ timeout: 20_000 });
  await check(page, 'sent');
  expect(await referralCounts('peter')).toEqual(before.map((n) => n + 1));
  // Handed to the sandbox's referral hub, which delivers it: the same ServiceRequest, by its
  // identifier, arrives at the provider's own FHIR endpoint, and the hub says it is delivered.
  expect(
    await page.locator('[data-destination]').evaluateAll((items) => items.map((li) => li.textContent)),
  ).toEqual([
    'Done In the patient’s record',
    'Sending With the referral hub, which delivers it to Pennine Work and Wellbeing Case Management and tells you if it cannot',
  ]);
  // The referral's status, in words, next to where it is.
  expect(await page.locator('.fp-referral-status').textContent()).toBe(
    'Status: Waiting for Pennine Work and Wellbeing Case Management to accept it',
  );
  const reference = (await page.locator('.fp-identifier').textContent())?.replace('Reference: ', '') ?? '';
  const providerSearch = `${env.sandbox.url}/providers/case-managed-support/fhir/ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|${reference}`)}`;
  let found: Bundle<ServiceRequest> = { resourceType: 'Bundle', type: 'searchset', total: 0 };
  for (let i = 0; i < 100 && !found.total; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    found = (await (await fetch(providerSearch)).json()) as Bundle<ServiceRequest>;
  }
  expect(found.total).toBe(1);
  expect(found.entry?.[0]?.resource?.subject?.identifier?.value).toBe('9990000042');
  const stored = await env.sandbox.hub?.store.getReferral(reference);
  expect(stored).toMatchObject({ deliveryState: 'delivered', providerId: 'case-managed-support' });
  await page.close();
}, 90_000);

it('a patient under every threshold gets no prompt, sees the current absence and a working Refer button', async () => {
  // short-absence: employed, one fit note from 13 to 22 November (E2E_TODAY is the 21st), 10 days in all;
  // the first rule is at 14.
  const page = await openApp('short-absence');
  const refer = page.getByRole('button', { name: 'Refer', exact: true });
  await refer.waitFor({ timeout: 20_000 });
  expect(await page.getByRole('dialog').count()).toBe(0);
  const absence = page.locator('.fp-panel dl .nhsuk-summary-list__row');
  expect(await absence.filter({ hasText: 'Days off' }).locator('dd').textContent()).toBe(
    '10 days, covered to 22 November 2026',
  );
  expect(await absence.filter({ hasText: 'Fit notes' }).locator('dd').textContent()).toBe(
    '1 fit note, latest issued 13 November 2026',
  );
  expect(await absence.filter({ hasText: 'Condition' }).locator('dd').textContent()).toBe('Sprained ankle');
  await check(page, 'no-prompt');
  await refer.click();
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  await page.close();
}, 60_000);
