/**
 * Every view of the prompt at the side panel's width (400 px) in Chromium: the dialog, its
 * self-referral details (on screen and as printed), the snooze and override views (with their error
 * states), the referral form (empty and with errors) and the confirmation. axe finds nothing on any of
 * them and nothing scrolls sideways; screenshots go to /tmp/shots/ for a person to look at.
 */
import type { Locator, Page } from 'playwright-core';
import { checkScreen, openApp, REFERRAL_DONE, setUpE2e, waitForOrExplain } from './support.js';

const env = setUpE2e();

let page: Page;
let dialog: Locator;

beforeEach(async () => {
  page = await openApp(env, 'peter');
  dialog = page.getByRole('dialog');
  await waitForOrExplain(page, dialog, 'Peter’s prompt');
}, 35_000);

afterEach(async () => {
  await page?.close();
});

const button = (name: string) => dialog.getByRole('button', { name, exact: true });

/** The heading a view moves focus to, once it has it. */
async function focusedHeading(name: string): Promise<void> {
  const heading = page.getByRole('heading', { name });
  await heading.waitFor();
  await page.waitForFunction((h) => h === document.activeElement, await heading.elementHandle(), {
    timeout: 5000,
  });
}

it('the dialog, closed and with the practice’s wording open', async () => {
  expect(await dialog.getByRole('heading', { level: 2 }).first().textContent()).toMatch(/^Off work 4 weeks/);
  await checkScreen(page, 'prompt-01-dialog');
  await dialog.getByText('What the practice says').click();
  await checkScreen(page, 'prompt-02-dialog-details');
}, 30_000);

it('self-referral details, on screen and printed', async () => {
  await button('Give self-referral details').click();
  await focusedHeading('Self-referral details');
  await checkScreen(page, 'prompt-03-self-referral');
  await page.emulateMedia({ media: 'print' });
  try {
    // Printed: the provider's details only (no text-message box, no buttons).
    expect(await page.getByRole('button', { name: 'Print for the patient' }).isVisible()).toBe(false);
    // Paper has no landmarks to jump between: the print stylesheet hides the page's <main> and <h1>
    // on purpose, so those two navigation rules are off here and every other rule still applies.
    await checkScreen(page, 'prompt-04-self-referral-print', {
      disableRules: ['landmark-one-main', 'page-has-heading-one'],
    });
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
}, 30_000);

it('Not now: the snooze view, the date choice in UK format, and its error', async () => {
  await button('Not now').click();
  await focusedHeading('Not now: show this prompt again');
  await checkScreen(page, 'prompt-05-snooze');
  await dialog.getByLabel('From a date').check();
  const date = dialog.getByLabel('Show again from');
  // The default is a week from today; en-GB shows it day first.
  expect(await date.inputValue()).toBe('2026-11-28');
  expect(await page.evaluate(() => new Intl.DateTimeFormat().resolvedOptions().locale)).toBe('en-GB');
  await checkScreen(page, 'prompt-06-snooze-date');
  await date.fill('2026-11-21');
  await button('Snooze prompt').click();
  await dialog.getByText('Enter a date after today (21 November 2026).').waitFor();
  await checkScreen(page, 'prompt-07-snooze-error');
}, 30_000);

it('Not appropriate: the override view and its error', async () => {
  await button('Not appropriate').click();
  await focusedHeading('Why is a referral not appropriate?');
  await checkScreen(page, 'prompt-08-override');
  await button('Record reason').click();
  await dialog.getByText('Choose why a referral is not appropriate.').waitFor();
  await checkScreen(page, 'prompt-09-override-error');
}, 30_000);

it('Refer now: the referral form, its errors, and the confirmation', async () => {
  await button('Refer now').click();
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  expect(await page.getByRole('dialog').count()).toBe(0);
  await checkScreen(page, 'prompt-10-referral-form');
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await checkScreen(page, 'prompt-11-referral-form-errors');
  await page.getByLabel('Phone', { exact: true }).fill('07700 900123');
  await page.getByLabel(/The patient agrees to this referral/).check();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: REFERRAL_DONE }).waitFor({ timeout: 20_000 });
  await checkScreen(page, 'prompt-12-referral-sent');
}, 30_000);
