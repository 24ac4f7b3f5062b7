/**
 * The sandbox EHR pages in a real browser: the patient list, Peter's record (with the "Signed in as"
 * form and today's consultation), a record right after a fit note is issued and the "Patient not
 * found" page, at desktop width and at 400 px, pass axe with no horizontal scroll (screenshots in
 * test-results/); a fit note issued through the form appears in the record's table. The app in the
 * iframe need not be built (the frame may show the "build the app first" page), except for "Choose
 * at sign-in to the app", which signs in through the SMART clinician picker and waits for the app.
 */
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { newUkPage } from './browser.js';
import { appShowsPrompt, checkScreen, setUpE2e } from './support.js';

const env = setUpE2e({ requireApp: false });

async function withPage(width: number, run: (page: Page) => Promise<void>): Promise<void> {
  const page = await newUkPage(env.browser, { width });
  try {
    await run(page);
  } finally {
    await page.close();
  }
}

const checkPage = (page: Page, width: number, shot: string) =>
  checkScreen(page, `${shot}-${width}`, { dir: 'test-results' });

describe.each([
  ['desktop', 1024],
  ['side panel', 400],
])('EHR pages at %s width (%d px)', (_label, width) => {
  it('the patient list passes axe and fits', async () => {
    await withPage(width, async (page) => {
      await page.goto(`${env.sandbox.url}/ehr/`);
      expect(await page.locator('table').textContent()).toContain('TESTBROOK, Peter');
      await checkPage(page, width, 'ehr-patient-list');
    });
  }, 30_000);

  it("Peter's record passes axe and fits, with the app's iframe in the side panel", async () => {
    await withPage(width, async (page) => {
      await page.goto(`${env.sandbox.url}/ehr/patient/peter`);
      const frame = page.locator('iframe[title="Fit note prompt"]');
      await frame.waitFor();
      const box = await frame.boundingBox();
      expect(box?.width).toBeGreaterThan(width >= 1000 ? 380 : width - 48);
      expect(box?.width).toBeLessThanOrEqual(width >= 1000 ? 400 : width);
      await checkPage(page, width, 'ehr-record-peter');
    });
  }, 30_000);

  it('the record shows who is signed in, with the choice of another user, and the consultation in progress', async () => {
    await withPage(width, async (page) => {
      await page.goto(`${env.sandbox.url}/ehr/patient/cathy`);
      const user = page.getByRole('combobox', { name: 'Signed in as' });
      expect(await user.inputValue()).toBe('gp-1');
      expect(await user.locator('option').allTextContents()).toEqual([
        'Dr Alex Testdoctor (general practitioner)',
        'Dr Sam Testgp (general practitioner)',
        'Jo Testphysio (first contact physiotherapist)',
        'Choose at sign-in to the app',
      ]);
      expect(await page.getByRole('form', { name: 'Signed-in user' }).count()).toBe(1);
      expect(await page.locator('.ehr-consultation').textContent()).toMatch(
        /^Consultation in progress: GP consultation with Dr Alex Testdoctor, started \d{1,2}:\d{2}$/,
      );
      const form = await page.locator('form.ehr-account').boundingBox();
      expect(form?.height).toBeLessThan(width >= 1000 ? 80 : 160);
      await checkPage(page, width, 'ehr-record-account');
    });
  }, 30_000);

  it('an unknown patient gets "Patient not found" with a way back', async () => {
    await withPage(width, async (page) => {
      const response = await page.goto(`${env.sandbox.url}/ehr/patient/no-such-patient`);
      expect(response?.status()).toBe(404);
      expect(await page.title()).toBe('Patient not found – Sandbox EHR');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Patient not found');
      expect(await page.locator('main').textContent()).toContain(
        'The sandbox holds no patient with the id "no-such-patient". Check the address, or choose the patient from the list.',
      );
      await checkPage(page, width, 'ehr-patient-not-found');
      await page.getByRole('link', { name: 'Back to patients' }).click();
      await page.waitForURL(/\/ehr\/$/);
    });
  }, 30_000);

  it('a form with errors shows the error summary, passes axe and fits', async () => {
    await withPage(width, async (page) => {
      await page.goto(`${env.sandbox.url}/ehr/patient/john`);
      await page.fill('#days', 'ten');
      await page.click('button:has-text("Issue fit note")');
      await page.waitForSelector('.nhsuk-error-summary');
      expect(await page.title()).toMatch(/^Error: /);
      expect(await page.inputValue('#days')).toBe('ten');
      await checkPage(page, width, 'ehr-record-errors');
    });
  }, 30_000);
});

it('issuing a fit note through the form shows the new note in the table and relaunches the app', async () => {
  await withPage(1024, async (page) => {
    await page.goto(`${env.sandbox.url}/ehr/patient/peter`);
    const firstLaunch = await page.getAttribute('iframe[title="Fit note prompt"]', 'src');
    const rowsBefore = await page.locator('section[aria-labelledby="fit-notes-heading"] tbody tr').count();
    await page.fill('#start', '2026-11-23');
    await page.fill('#days', '21');
    await page.check('#fitness-2');
    await page.check('input[name=advice][value=phased-return]');
    await page.selectOption('#condition', 'depression');
    await Promise.all([
      page.waitForURL(/\/ehr\/patient\/peter\?issued=[^&]+$/),
      page.click('button:has-text("Issue fit note")'),
    ]);
    expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Fit note issued');
    const rows = page.locator('section[aria-labelledby="fit-notes-heading"] tbody tr');
    expect(await rows.count()).toBe(rowsBefore + 1);
    const first = (await rows.first().textContent()) ?? '';
    expect(first).toContain('23 Nov 2026 to 13 Dec 2026');
    expect(first).toContain('May be fit for work: phased return');
    expect(first).toContain('Depression');
    expect(await page.getAttribute('iframe[title="Fit note prompt"]', 'src')).not.toBe(firstLaunch);
    expect(await page.locator('.ehr-consultation').textContent()).toContain('Consultation in progress:');
    await checkPage(page, 1024, 'ehr-record-issued');
    await page.setViewportSize({ width: 400, height: 900 });
    await checkPage(page, 400, 'ehr-record-issued');
  });
}, 30_000);

it('"Choose at sign-in to the app": the app in the side panel signs in through the SMART clinician picker', async () => {
  if (!existsSync('dist/web/app/index.html')) {
    throw new Error('Build the app first: npm run build && npm run build:web (npm test does).');
  }
  // A fresh browser context: the choice is a cookie, so no other test sees it.
  await withPage(1024, async (page) => {
    await page.goto(`${env.sandbox.url}/ehr/patient/peter`);
    const user = page.getByRole('combobox', { name: 'Signed in as' });
    await user.selectOption('choose');
    await Promise.all([
      page.waitForURL(/\/ehr\/patient\/peter$/),
      page.getByRole('button', { name: 'Change user' }).click(),
    ]);
    expect(await user.inputValue()).toBe('choose');
    expect(await page.locator('.ehr-header__context').textContent()).toContain(
      'Clinician chosen at sign-in to the app',
    );
    expect(await page.locator('.ehr-consultation').count()).toBe(0);

    const app = page.frameLocator('iframe[title="Fit note prompt"]');
    await app.getByRole('heading', { name: 'Sign in to the sandbox EHR' }).waitFor({ timeout: 20_000 });
    await checkPage(page, 1024, 'ehr-record-choose-at-sign-in');
    await app.getByLabel('Dr Sam Testgp, General practitioner').check();
    await app.getByRole('button', { name: 'Continue' }).click();
    expect(await appShowsPrompt(app)).toBe(true);

    await user.selectOption('gp-1');
    await Promise.all([
      page.waitForURL(/\/ehr\/patient\/peter$/),
      page.getByRole('button', { name: 'Change user' }).click(),
    ]);
    expect(await user.inputValue()).toBe('gp-1');
    expect(await page.locator('.ehr-consultation').textContent()).toContain('Dr Alex Testdoctor');
  });
}, 60_000);
