/**
 * The GP's journey in a real browser against the sandbox, with the app as built by `npm run build:web`:
 * Peter's record in the EHR launches the app in its side panel, the four-week prompt appears, the GP
 * refers from it, and the ServiceRequest, Consent and Task are in the sandbox FHIR server. Every
 * screen on the way passes axe at 400 px (the side panel's width); screenshots go to test-results/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { axe, describeViolations, launchBrowser } from './browser.js';

let browser: Browser;
let sandbox: RunningSandbox;

beforeAll(async () => {
  if (!existsSync('dist/web/app/index.html'))
    throw new Error('Build the app first: npm run build:web (npm test does).');
  mkdirSync('test-results', { recursive: true });
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

async function check(page: Page, shot: string): Promise<void> {
  expect(describeViolations(await axe(page))).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
  await page.screenshot({ path: `test-results/journey-${shot}-400.png`, fullPage: true });
}

/** The app as the EHR's side panel launches it for a patient, opened at panel width. */
async function openApp(patient: string): Promise<Page> {
  const ehr = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await ehr.goto(`${sandbox.url}/ehr/patient/${patient}`);
  const src = await ehr.locator('iframe[title="Fit note prompt"]').getAttribute('src');
  await ehr.close();
  const page = await browser.newPage({
    viewport: { width: 400, height: 900 },
    bypassCSP: true,
    locale: 'en-GB',
  });
  await page.goto(`${sandbox.url}${src}`);
  return page;
}

async function count(
  resourceType: 'ServiceRequest' | 'Task' | 'Consent',
  code: string,
  patient: string,
): Promise<number> {
  const bundle = await sandbox.fhir.repo.search({
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
  const ehr = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await ehr.goto(`${sandbox.url}/ehr/patient/peter`);
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
  await page.getByLabel('Phone', { exact: true }).fill('07700 900123');
  await page.getByLabel(/The patient agrees to this referral/).check();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: /^Referral sent to / }).waitFor({ timeout: 20_000 });
  await check(page, 'sent');
  expect(await referralCounts('peter')).toEqual(before.map((n) => n + 1));
  await page.close();
}, 90_000);

it('a patient under every threshold gets no prompt and a working Refer button', async () => {
  const page = await openApp('no-notes');
  const refer = page.getByRole('button', { name: 'Refer', exact: true });
  await refer.waitFor({ timeout: 20_000 });
  expect(await page.getByRole('dialog').count()).toBe(0);
  await check(page, 'no-prompt');
  await refer.click();
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  await page.close();
}, 60_000);
