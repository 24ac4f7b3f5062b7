/**
 * Every launch error screen of the GP app in Chromium at the side panel's width, reached the way it
 * happens in practice: no launch context, sign-in state lost on reload, access refused or too narrow,
 * an expired token, the record server down or slow, and a patient without an NHS number. Each screen
 * shows its heading and plain-English text and passes axe; screenshots go to /tmp/shots/.
 */
import type { Page } from 'playwright-core';
import { startSandbox } from '../../src/sandbox/server.js';
import { newUkContext, newUkPage } from './browser.js';
import { checkScreen, launchPath, openApp, PANEL_WIDTH, setUpE2e, simulate } from './support.js';

const env = setUpE2e();

afterEach(async () => {
  await simulate(env.sandbox, null);
});

interface ErrorScreen {
  kind: string | null;
  title: string;
  text: string;
}

/** The app's launch error screen once it is shown: its kind, heading and all its text. */
async function appErrorScreen(page: Page): Promise<ErrorScreen> {
  const screen = page.locator('main.fp-launch-error');
  await screen.waitFor({ timeout: 20_000 });
  return {
    kind: await screen.getAttribute('data-kind'),
    title: (await screen.getByRole('heading', { level: 1 }).textContent()) ?? '',
    text: (await screen.textContent()) ?? '',
  };
}

/** Opens "More detail" (so the screenshot shows the launch's own words too), then checks the screen. */
async function checkErrorScreen(page: Page, name: string): Promise<void> {
  const more = page.locator('main.fp-launch-error summary');
  if ((await more.count()) > 0) await more.click();
  await checkScreen(page, name);
}

describe('no launch context', () => {
  it('the launch page opened without iss and launch says to open the app from a record', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      await page.goto(`${env.sandbox.url}/launch/`);
      const failure = page.getByRole('alert');
      await failure.waitFor();
      // The same title as the app's own screen for this failure (one source: src/app/smart/failureCopy.ts).
      expect(await failure.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Open the app from a patient’s record',
      );
      expect(await failure.textContent()).toContain(
        'The app was opened without the launch details from the clinical system, so it does not know whose record to read. Open it from the patient’s record in the clinical system.',
      );
      expect(await page.title()).toBe('Fit note prompt: could not start');
      await checkScreen(page, 'error-launch-page-no-params');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('the launch page for a clinical system the app is not registered with says so, with its own title', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      await page.goto(
        `${env.sandbox.url}/launch/?iss=${encodeURIComponent('https://ehr.unknown.example/fhir')}&launch=abc`,
      );
      const failure = page.getByRole('alert');
      await failure.waitFor();
      expect(await failure.getByRole('heading', { level: 1 }).textContent()).toBe(
        'The app is not set up for this clinical system',
      );
      expect(await failure.textContent()).toContain(
        'The app is not set up to work with this clinical system (https://ehr.unknown.example/fhir). Ask your practice IT lead to register the app',
      );
      await checkScreen(page, 'error-launch-page-unregistered');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('the app opened directly (never launched in this tab) says to open it from a patient’s record', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      await page.goto(`${env.sandbox.url}/app/`);
      const screen = await appErrorScreen(page);
      // fhirclient reports "No 'state' parameter found" both here and after a reload that lost the
      // launch; the app tells them apart by the navigation type (reload or not).
      expect(screen).toMatchObject({
        kind: 'no-launch-context',
        title: 'Open the app from a patient’s record',
      });
      expect(screen.text).toContain('It only works when started from inside the clinical record.');
      await checkErrorScreen(page, 'error-app-direct');
    } finally {
      await page.close();
    }
  }, 30_000);
});

it('state lost: reloading the app after the tab lost its session storage', async () => {
  // The real clock: Playwright's fake clock also fakes `performance`, hiding that the page was reloaded
  // (the app tells a lost launch from one that never happened by the navigation type).
  const page = await newUkPage(env.browser, { width: PANEL_WIDTH, today: null });
  try {
    await page.goto(`${env.sandbox.url}${await launchPath(env.sandbox, 'peter')}`);
    // Launched: the prompt or the panel is on screen (which depends on the real date).
    await page.waitForFunction(
      () => /Work and health|Off work/.test(document.body.textContent ?? ''),
      undefined,
      {
        timeout: 20_000,
      },
    );
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    const screen = await appErrorScreen(page);
    expect(screen).toMatchObject({ kind: 'state-lost', title: 'The app needs to be opened again' });
    expect(screen.text).toContain('its sign-in details were lost');
    expect(screen.text).toContain('Open the app again from the patient’s record.');
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await checkErrorScreen(page, 'error-state-lost');
  } finally {
    await page.close();
  }
}, 30_000);

describe('scopes not granted', () => {
  const TITLE = 'The app was not given the access it needs';

  it('the EHR refuses access (simulated access_denied)', async () => {
    await simulate(env.sandbox, 'access_denied');
    const page = await openApp(env, 'peter');
    try {
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({ kind: 'scopes-not-granted', title: TITLE });
      expect(screen.text).toContain('Ask your practice IT lead to give the app read access');
      expect(screen.text).toContain('sign-in was cancelled or not allowed');
      await checkErrorScreen(page, 'error-access-denied');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('the clinician cancels sign-in on the authorization page', async () => {
    const page = await openApp(env, 'peter', { skipLogin: false });
    try {
      await page.getByRole('button', { name: 'Cancel' }).click();
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({ kind: 'scopes-not-granted', title: TITLE });
      expect(screen.text).toContain('sign-in was cancelled or not allowed');
      await checkErrorScreen(page, 'error-sign-in-cancelled');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a token without the patient read scopes the app needs', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      // The EHR grants less than asked: the token response's scope lacks every patient/ scope.
      await page.route('**/auth/token', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { scope: string };
        body.scope = body.scope
          .split(' ')
          .filter((s) => !s.startsWith('patient/'))
          .join(' ');
        await route.fulfill({ response, json: body });
      });
      await page.goto(`${env.sandbox.url}${await launchPath(env.sandbox, 'peter')}`);
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({ kind: 'scopes-not-granted', title: TITLE });
      expect(screen.text).toContain(
        'did not give the app permission to read the patient’s details, fit notes and observations, earlier referrals',
      );
      await checkErrorScreen(page, 'error-no-patient-scope');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a narrower grant (simulated invalid_scope: reads only) opens the app, which says it cannot save', async () => {
    await simulate(env.sandbox, 'invalid_scope');
    const page = await openApp(env, 'peter');
    try {
      const dialog = page.getByRole('dialog');
      await dialog.waitFor({ timeout: 20_000 });
      await dialog.getByRole('button', { name: 'Refer now' }).click();
      await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
      expect(await page.locator('main').textContent()).toContain('This app may not save to the record here');
      await checkScreen(page, 'error-read-only-form');
    } finally {
      await page.close();
    }
  }, 30_000);
});

it('token expired: the FHIR server refuses the token (401) and the app says the session has ended', async () => {
  await simulate(env.sandbox, 'expired_token');
  const page = await openApp(env, 'peter');
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/fhir/') && r.request().method() !== 'OPTIONS')
      statuses.push(r.status());
  });
  try {
    const screen = await appErrorScreen(page);
    expect(screen).toMatchObject({ kind: 'token-expired', title: 'Your session has ended' });
    expect(screen.text).toContain('Nothing has been sent.');
    expect(screen.text).toContain('Open the app again from the patient’s record.');
    expect(statuses).toContain(401);
    await checkErrorScreen(page, 'error-token-expired');
  } finally {
    await page.close();
  }
}, 30_000);

describe('record server down or slow', () => {
  it('down: every FHIR request fails at the network', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      await page.route(/\/fhir\/(?!\.well-known\/)/, (route) => route.abort('connectionrefused'));
      await page.goto(`${env.sandbox.url}${await launchPath(env.sandbox, 'peter')}`);
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({
        kind: 'fhir-unreachable',
        title: 'The patient’s record could not be reached',
      });
      expect(screen.text).toContain('The app could not connect to the clinical system to read the record.');
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await checkErrorScreen(page, 'error-fhir-down');

      // The server is back: Try again reloads, the sign-in is still in the tab, the record loads.
      await page.unroute(/\/fhir\/(?!\.well-known\/)/);
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('dialog').waitFor({ timeout: 20_000 });
    } finally {
      await page.close();
    }
  }, 30_000);

  it('5xx: the authorization server fails (simulated server_error on the token endpoint)', async () => {
    await simulate(env.sandbox, 'server_error');
    const page = await openApp(env, 'peter');
    try {
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({
        kind: 'fhir-unreachable',
        title: 'The patient’s record could not be reached',
      });
      expect(screen.text).toContain(
        'The clinical system’s sign-in server had a problem answering (HTTP 500)',
      );
      await checkErrorScreen(page, 'error-token-server-error');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('5xx: the record server answers 503 to every read', async () => {
    const page = await newUkPage(env.browser, { width: PANEL_WIDTH });
    try {
      await page.route(/\/fhir\/(?!\.well-known\/)/, (route) =>
        route.request().method() === 'OPTIONS'
          ? route.continue()
          : route.fulfill({
              status: 503,
              contentType: 'application/fhir+json',
              headers: { 'access-control-allow-origin': '*' },
              json: {
                resourceType: 'OperationOutcome',
                issue: [{ severity: 'error', code: 'transient', diagnostics: 'Down for maintenance' }],
              },
            }),
      );
      await page.goto(`${env.sandbox.url}${await launchPath(env.sandbox, 'peter')}`);
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({
        kind: 'fhir-unreachable',
        title: 'The patient’s record could not be reached',
      });
      expect(screen.text).toContain('(HTTP 503)');
      await checkErrorScreen(page, 'error-fhir-503');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('slow: a record server that takes longer than the app waits (8 s)', async () => {
    // A second sandbox whose FHIR server answers every request after 8.5 s.
    const slow = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', latencyMs: 8500 });
    const context = await newUkContext(env.browser, { width: PANEL_WIDTH });
    try {
      const page = await context.newPage();
      await page.goto(`${slow.url}${await launchPath(slow, 'peter')}`);
      const screen = await appErrorScreen(page);
      expect(screen).toMatchObject({
        kind: 'fhir-slow',
        title: 'The patient’s record is taking too long to load',
      });
      expect(screen.text).toContain('The clinical system did not answer in time.');
      expect(screen.text).toMatch(/did not answer within 8 seconds/);
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await checkErrorScreen(page, 'error-fhir-slow');
    } finally {
      await context.close();
      await slow.close();
    }
  }, 40_000);
});

it('a patient without an NHS number', async () => {
  const page = await openApp(env, 'no-nhs-number');
  try {
    const screen = await appErrorScreen(page);
    expect(screen).toMatchObject({
      kind: 'no-nhs-number',
      title: 'This patient has no NHS number in the record',
    });
    expect(screen.text).toContain('Trace and record the patient’s NHS number, then open the app again.');
    await checkErrorScreen(page, 'error-no-nhs-number');
  } finally {
    await page.close();
  }
}, 30_000);
