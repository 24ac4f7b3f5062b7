/**
 * Shared set-up for the e2e suites that drive the GP app: one sandbox and one Chromium per suite
 * (started in beforeAll, closed in afterAll), SMART EHR launches of the app for a patient, and the
 * accessibility check every screen gets (axe, no sideways scroll, a screenshot).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import type { SimulatedError } from '../../src/sandbox/smartAuth.js';
import { axe, describeViolations, E2E_TODAY, launchBrowser, newUkPage } from './browser.js';

/** Where screenshots a person should look at go. */
export const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? '/tmp/shots';

/** The side panel's width in the EHR, the width every GP app screen is checked at. */
export const PANEL_WIDTH = 400;

export interface E2eEnvironment {
  readonly sandbox: RunningSandbox;
  readonly browser: Browser;
}

/**
 * Registers beforeAll/afterAll hooks that start a sandbox (127.0.0.1, a free port, records built for
 * E2E_TODAY) and Chromium, and returns an object whose properties are usable from the tests on.
 * With `requireApp` (default true) the suite fails at once, saying how, when the app is not built.
 */
export function setUpE2e(
  options: { requireApp?: boolean; sandbox?: Omit<SandboxOptions, 'port' | 'host' | 'today'> } = {},
): E2eEnvironment {
  let sandbox: RunningSandbox | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (options.requireApp !== false && !existsSync('dist/web/app/index.html')) {
      throw new Error('Build the app first: npm run build && npm run build:web (npm test does).');
    }
    mkdirSync(SHOTS_DIR, { recursive: true });
    mkdirSync('test-results', { recursive: true });
    sandbox = await startSandbox({ ...options.sandbox, port: 0, host: '127.0.0.1', today: E2E_TODAY });
    browser = await launchBrowser();
    browser.on('disconnected', () => {
      if (!closing) {
        // Every later test then fails with "Target page, context or browser has been closed"; say why.
        console.error(`Chromium exited during ${expect.getState().currentTestName ?? 'the suite'}.`);
      }
    });
  }, 60_000);
  let closing = false;
  afterAll(async () => {
    closing = true;
    await browser?.close();
    await sandbox?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`The ${what} is not started yet: use it inside a test.`);
    return value;
  };
  return {
    get sandbox() {
      return started(sandbox, 'sandbox');
    },
    get browser() {
      return started(browser, 'browser');
    },
  };
}

export interface LaunchOptions {
  /** The signed-in clinician (default gp-1). */
  clinician?: string;
  /** false: the authorization server shows its clinician picker instead of answering at once. */
  skipLogin?: boolean;
}

/**
 * A fresh EHR launch of the GP app for a patient, as the sandbox EHR's side panel makes one:
 * `/launch/?iss=…&launch=…` (relative to the sandbox origin).
 */
export async function launchPath(
  sandbox: RunningSandbox,
  patient: string,
  options: LaunchOptions = {},
): Promise<string> {
  const response = await fetch(`${sandbox.url}/auth/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      patient,
      fhirUser: `Practitioner/${options.clinician ?? 'gp-1'}`,
      needPatientBanner: false,
      smartStyleUrl: `${sandbox.url}/ehr/smart-style.json`,
      skipLogin: options.skipLogin ?? true,
    }),
  });
  if (response.status !== 201) throw new Error(`The sandbox refused the launch: ${await response.text()}`);
  const { launch, iss } = (await response.json()) as { launch: string; iss: string };
  return `/launch/?${new URLSearchParams({ iss, launch })}`;
}

/** Opens the app for a patient in a new page of `context` (so several launches share localStorage). */
export async function openAppIn(
  context: BrowserContext,
  sandbox: RunningSandbox,
  patient: string,
  options: LaunchOptions = {},
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${sandbox.url}${await launchPath(sandbox, patient, options)}`);
  return page;
}

/** Opens the app for a patient at panel width in its own UK browser context. */
export async function openApp(
  env: E2eEnvironment,
  patient: string,
  options: LaunchOptions = {},
): Promise<Page> {
  const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
  await page.goto(`${env.sandbox.url}${await launchPath(env.sandbox, patient, options)}`);
  return page;
}

/** Switches one of the authorization server's simulated errors on (or, with null, off). */
export async function simulate(sandbox: RunningSandbox, error: SimulatedError | null): Promise<void> {
  const response = await fetch(`${sandbox.url}/auth/simulate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error }),
  });
  if (!response.ok) throw new Error(`The sandbox refused the simulated error: ${await response.text()}`);
}

/**
 * The check every screen gets: axe finds nothing, nothing scrolls sideways at the page's width, and a
 * full-page screenshot goes to `<dir>/<name>.png` (default SHOTS_DIR) for a person to look at.
 */
export async function checkScreen(
  page: Page,
  name: string,
  options: { disableRules?: readonly string[]; dir?: string } = {},
): Promise<void> {
  expect(describeViolations(await axe(page, options.disableRules))).toEqual([]);
  const width = page.viewportSize()?.width ?? PANEL_WIDTH;
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  await fullScreenshot(page, `${options.dir ?? SHOTS_DIR}/${name}.png`);
}

/**
 * A screenshot of everything, including what scrolls inside a fixed layer (the prompt's backdrop
 * scrolls, not the page): the viewport is made as tall as the tallest such layer for the shot.
 */
export async function fullScreenshot(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: PANEL_WIDTH, height: 900 };
  const tallest = await page.evaluate(() =>
    Math.max(
      0,
      ...[...document.querySelectorAll('body *')]
        .filter((el) => getComputedStyle(el).position === 'fixed')
        .map((el) => el.scrollHeight),
    ),
  );
  if (tallest <= viewport.height) {
    await page.screenshot({ path, fullPage: true });
    return;
  }
  await page.setViewportSize({ width: viewport.width, height: tallest });
  try {
    await page.screenshot({ path, fullPage: true });
  } finally {
    await page.setViewportSize(viewport);
  }
}

export interface FitNoteEntry {
  /** First day covered (YYYY-MM-DD). */
  start: string;
  days: number;
  fitness: 'not-fit' | 'may-be-fit';
  /** One of the EHR form's condition choices, e.g. `depression`. */
  condition: string;
}

/**
 * Issues a fit note through the sandbox EHR's "Issue fit note" form on the patient's record (in
 * `page`, so the app the record relaunches afterwards runs in the page's browser context).
 */
export async function issueFitNote(
  page: Page,
  sandbox: RunningSandbox,
  patient: string,
  note: FitNoteEntry,
): Promise<void> {
  await page.goto(`${sandbox.url}/ehr/patient/${encodeURIComponent(patient)}`);
  await page.fill('#start', note.start);
  await page.fill('#days', String(note.days));
  await page.check(note.fitness === 'not-fit' ? '#fitness' : '#fitness-2');
  await page.selectOption('#condition', note.condition);
  await Promise.all([
    page.waitForURL(/\?issued=[^&]+$/),
    page.getByRole('button', { name: 'Issue fit note' }).click(),
  ]);
}

/** Waits until the app has loaded the record; true when it shows a prompt. */
export async function appShowsPrompt(app: Page | FrameLocator): Promise<boolean> {
  await app.locator('.fp-panel').waitFor({ state: 'attached', timeout: 25_000 });
  return (await app.locator('[role="dialog"]').count()) > 0;
}

/**
 * The heading of the referral form's confirmation: "Referral sent to <provider>" once delivered, or
 * "Referral saved in the record, …" when it is in the record but not (yet) delivered.
 */
export const REFERRAL_DONE = /^Referral (sent to |saved in the record)/;

/**
 * Waits for `locator`; on timeout fails saying what was awaited and what the page showed instead
 * (an error screen, a half-built app), rather than a bare locator timeout.
 */
export async function waitForOrExplain(
  page: Page,
  locator: ReturnType<Page['locator']>,
  what: string,
  timeout = 25_000,
): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (err) {
    const shown = await page
      .locator('body')
      .textContent({ timeout: 1000 })
      .then((t) => (t ?? '').replace(/\s+/g, ' ').trim())
      .catch(() => '(the page could not be read)');
    throw new Error(
      `${what} did not appear within ${timeout / 1000} s (${(err as Error).message.split('\n')[0]}). The page shows: ${shown.slice(0, 600)}`,
    );
  }
}

/**
 * On the sandbox's OpenID sign-in page, picks a staff account (e.g. `it-lead-a99999`, the IT lead of
 * practice A99999 for the console at `${hub}/admin/`). Waits up to 20 s for the page.
 */
export async function signInAsStaff(page: Page, sandbox: RunningSandbox, accountId: string): Promise<void> {
  const account = sandbox.oidc?.accounts.find((a) => a.id === accountId);
  if (account === undefined) throw new Error(`The sandbox has no staff account ${accountId}.`);
  const button = page.getByRole('button', { name: `Sign in as ${account.name}` });
  await button.waitFor({ timeout: 20_000 });
  await button.click();
}
