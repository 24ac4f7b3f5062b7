/**
 * The sandbox EHR pages in a real browser: the patient list and Peter's record at desktop width and
 * at 400 px pass axe with no horizontal scroll (screenshots in test-results/), and a fit note issued
 * through the form appears in the record's table. The app in the iframe need not be built: the
 * frame may show the "build the app first" page.
 */
import type { Page } from 'playwright-core';
import { newUkPage } from './browser.js';
import { checkScreen, setUpE2e } from './support.js';

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
    await page.screenshot({ path: 'test-results/ehr-record-issued-1024.png', fullPage: true });
  });
}, 30_000);
