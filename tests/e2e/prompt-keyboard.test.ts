/**
 * The prompt by keyboard only, in Chromium at the side panel's width: Tab and Shift+Tab stay inside the
 * dialog and wrap both ways (the two disclosures are stops, a link in a closed one is not), Enter and
 * Space open "What the practice says", the override view is used with arrow keys and typing, Escape
 * from it goes back to the prompt with focus on its button, and "Not appropriate" and "Not now" are
 * sent without a mouse. axe runs on each view; screenshots go to /tmp/shots/.
 */
import type { Page } from 'playwright-core';
import { checkScreen, openApp, setUpE2e, waitForOrExplain } from './support.js';

const env = setUpE2e();

let page: Page;

beforeEach(async () => {
  page = await openApp(env, 'peter');
  await waitForOrExplain(page, page.getByRole('dialog'), 'Peter’s prompt');
}, 35_000);

afterEach(async () => {
  await page?.close();
});

/** What has focus: its tag, its text, and whether it is inside the dialog. */
async function focused(): Promise<{ tag: string; text: string; inDialog: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.localName ?? '',
      text: (el?.innerText ?? el?.textContent ?? '').trim(),
      inDialog: Boolean(el?.closest('[role="dialog"]')),
    };
  });
}

/** Presses a key and checks focus is still in the dialog; returns what has focus. */
async function press(key: string): Promise<{ tag: string; text: string }> {
  await page.keyboard.press(key);
  const now = await focused();
  expect({ key, ...now }).toEqual({ key, tag: now.tag, text: now.text, inDialog: true });
  return { tag: now.tag, text: now.text };
}

async function storedFeedback(): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(() => {
    const all: Array<Record<string, unknown>> = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? '';
      if (key.startsWith('fitnote-prompt:feedback:'))
        all.push(...JSON.parse(localStorage.getItem(key) ?? '[]'));
    }
    return all;
  });
}

const MAIN_STOPS = [
  'What the practice says',
  /^Not eligible \(\d+\)$/,
  'Refer now',
  'Give self-referral details',
  'Not now',
  'Not appropriate',
];

it('Tab and Shift+Tab wrap inside the dialog; Enter and Space open the disclosures; focus is visible', async () => {
  // Opening puts focus on the heading; Shift+Tab from it wraps to the last button, not the EHR page.
  expect((await focused()).tag).toBe('h2');
  expect(await press('Shift+Tab')).toEqual({ tag: 'button', text: 'Not appropriate' });
  // Forward twice round: every stop in order, wrapping from the last to the first.
  const forward: string[] = [];
  for (let i = 0; i < MAIN_STOPS.length * 2; i++) forward.push((await press('Tab')).text);
  expect(forward).toEqual([...MAIN_STOPS, ...MAIN_STOPS].map((s) => expect.stringMatching(s)));
  // And backwards round, wrapping from the first to the last.
  const backward: string[] = [];
  for (let i = 0; i < MAIN_STOPS.length + 1; i++) backward.push((await press('Shift+Tab')).text);
  expect(backward).toEqual(
    [...MAIN_STOPS.slice(0, -1).reverse(), MAIN_STOPS.at(-1), MAIN_STOPS.at(-2)].map((s) =>
      expect.stringMatching(s as string | RegExp),
    ),
  );
  // To the first summary, Enter opens it, Space closes and reopens it.
  for (let i = 0; i < 8 && (await focused()).text !== 'What the practice says'; i++) await press('Tab');
  const details = page.locator('details').first();
  await press('Enter');
  expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  await press('Space');
  expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
  await press('Space');
  expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  // The second disclosure by keyboard too.
  expect((await press('Tab')).text).toMatch(/^Not eligible/);
  await press('Enter');
  expect(
    await page
      .locator('details')
      .nth(1)
      .evaluate((d) => (d as HTMLDetailsElement).open),
  ).toBe(true);
  // Both open, focus on the second summary: the screenshot shows the focus style.
  await checkScreen(page, 'prompt-keyboard-01-disclosures-open');
  // Still wraps with the disclosures open (Peter's practice wording has no link to stop at).
  expect(await press('Shift+Tab')).toEqual({ tag: 'summary', text: 'What the practice says' });
  expect((await press('Shift+Tab')).text).toBe('Not appropriate');
}, 60_000);

it('Not appropriate by keyboard: arrow keys choose, Escape goes back, then the reason is sent', async () => {
  for (let i = 0; i < 10 && (await focused()).text !== 'Not appropriate'; i++) await press('Tab');
  await press('Enter');
  expect(await focused()).toEqual(
    expect.objectContaining({ tag: 'h3', text: 'Why is a referral not appropriate?' }),
  );
  // Tab to the first reason; arrows move and check.
  const first = await press('Tab');
  expect(first.tag).toBe('input');
  await press('ArrowDown');
  const checked = await page.getByRole('radio', { checked: true }).getAttribute('id');
  expect(checked).not.toBeNull();
  await press('Tab');
  expect((await focused()).tag).toBe('textarea');
  await page.keyboard.type('Typed by keyboard');
  await checkScreen(page, 'prompt-keyboard-02-override');
  // Escape while typing: back to the prompt, focus on "Not appropriate", nothing recorded.
  expect(await press('Escape')).toEqual({ tag: 'button', text: 'Not appropriate' });
  expect(await page.getByRole('dialog').count()).toBe(1);
  expect(await storedFeedback()).toEqual([]);
  // Again, and send it.
  await press('Enter');
  await press('Tab');
  await press('ArrowDown');
  await press('ArrowDown');
  await press('Tab');
  await page.keyboard.type('Sent by keyboard');
  await press('Tab');
  expect((await focused()).text).toBe('Record reason');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await page.getByRole('dialog').count()).toBe(0);
  expect(await storedFeedback()).toEqual([
    expect.objectContaining({
      outcome: 'overridden',
      overrideReason: expect.objectContaining({ userComment: 'Sent by keyboard' }),
    }),
  ]);
}, 60_000);

it('Not now by keyboard: the date choice reveals its field, Escape goes back, then a snooze is sent', async () => {
  for (let i = 0; i < 10 && (await focused()).text !== 'Not now'; i++) await press('Tab');
  await press('Enter');
  expect((await focused()).text).toBe('Not now: show this prompt again');
  // The checked radio is the stop; ArrowDown chooses "From a date" and reveals the date field.
  await press('Tab');
  const fromDate = page.getByRole('radio', { name: 'From a date' });
  const controls = await fromDate.getAttribute('aria-controls');
  expect(await page.locator(`[id="${controls}"]`).isVisible()).toBe(false);
  await press('ArrowDown');
  expect(await fromDate.isChecked()).toBe(true);
  expect(await page.locator(`[id="${controls}"]`).isVisible()).toBe(true);
  await press('Tab');
  expect(await focused()).toEqual(expect.objectContaining({ tag: 'input' }));
  await checkScreen(page, 'prompt-keyboard-03-snooze-date');
  // Escape from the date field: back to the prompt, focus on "Not now", nothing recorded.
  expect(await press('Escape')).toEqual({ tag: 'button', text: 'Not now' });
  expect(await storedFeedback()).toEqual([]);
  // Again: the default (until the next fit note) sent with Tab to the button and Enter.
  await press('Enter');
  await press('Tab');
  await press('Tab');
  expect((await focused()).text).toBe('Snooze prompt');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await storedFeedback()).toEqual([
    expect.objectContaining({ outcome: 'snoozed', snooze: expect.objectContaining({ untilNextNote: true }) }),
  ]);
}, 60_000);

it('Escape in the main view is "Not now" until the next fit note, as the dialog says', async () => {
  expect(
    await page.getByRole('dialog').getByText('Escape: not now, until the next fit note.').isVisible(),
  ).toBe(true);
  await page.keyboard.press('Escape');
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  expect(await storedFeedback()).toEqual([
    expect.objectContaining({ outcome: 'snoozed', snooze: expect.objectContaining({ untilNextNote: true }) }),
  ]);
}, 30_000);
