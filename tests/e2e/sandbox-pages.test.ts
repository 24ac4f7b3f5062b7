/**
 * The sandbox's own pages in a real browser, at desktop width and at 400 px (the app's side panel):
 * the index, the clinician picker of the SMART authorization server, and its error page, and the
 * index's form switching a simulated sign-in error on and off. Each must pass axe; screenshots go to
 * test-results/ for a person to look at.
 */
import { createHash, randomBytes } from 'node:crypto';
import { getSimulatedError } from '../../src/sandbox/smartAuth.js';
import { newUkPage } from './browser.js';
import { checkScreen, setUpE2e, simulate } from './support.js';

const env = setUpE2e({ requireApp: false });

async function authorizeUrl(): Promise<string> {
  const response = await fetch(`${env.sandbox.url}/auth/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      patient: 'peter',
      fhirUser: 'Practitioner/gp-1',
      needPatientBanner: true,
      smartStyleUrl: `${env.sandbox.url}/style.json`,
    }),
  });
  const { launch } = (await response.json()) as { launch: string };
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'fitnote-prompt',
    redirect_uri: `${env.sandbox.url}/app/`,
    scope: 'launch openid fhirUser patient/Patient.r patient/Observation.rs',
    state: 'e2e-state',
    aud: env.sandbox.fhirBaseUrl,
    launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return `${env.sandbox.url}/auth/authorize?${params}`;
}

const pages: Array<[string, () => Promise<string>]> = [
  ['index', async () => `${env.sandbox.url}/`],
  ['clinician picker', authorizeUrl],
  [
    'authorization error',
    async () => `${env.sandbox.url}/auth/authorize?client_id=unknown-app&response_type=code`,
  ],
];

describe.each([
  ['desktop', 1024],
  ['side panel', 400],
])('sandbox pages at %s width (%d px)', (_label, width) => {
  it.each(pages)(
    '%s passes axe and fits the width',
    async (name, url) => {
      const page = await newUkPage(env.browser, { width, height: 800 });
      try {
        await page.goto(await url());
        await checkScreen(page, `sandbox-${name.replace(/ /g, '-')}-${width}`, { dir: 'test-results' });
      } finally {
        await page.close();
      }
    },
    30_000,
  );
});

describe.each([
  ['desktop', 1024],
  ['side panel', 400],
])('the index page at %s width (%d px)', (_label, width) => {
  it('switches a simulated sign-in error on, says so, and switches back to None', async () => {
    const page = await newUkPage(env.browser, { width, height: 800 });
    try {
      const switchAndReload = () =>
        Promise.all([
          page.waitForResponse((r) => r.url() === `${env.sandbox.url}/` && r.request().method() === 'GET'),
          page.getByRole('button', { name: 'Switch' }).click(),
        ]).then(() => page.waitForLoadState());
      await page.goto(`${env.sandbox.url}/`);
      const status = page.getByRole('status');
      expect(await status.textContent()).toBe('None is on: sign-in works normally.');
      expect(await page.getByRole('radio', { name: 'None: everything works normally' }).isChecked()).toBe(
        true,
      );

      await page.getByRole('radio', { name: /^Token expired/ }).check();
      await switchAndReload();
      expect(await status.textContent()).toBe(
        'On now: Token expired: access tokens are issued already expired.',
      );
      expect(await page.getByRole('radio', { name: /^Token expired/ }).isChecked()).toBe(true);
      expect(getSimulatedError()).toBe('expired_token');
      await checkScreen(page, `sandbox-index-error-on-${width}`, { dir: 'test-results' });

      await page.getByRole('radio', { name: 'None: everything works normally' }).check();
      await switchAndReload();
      expect(await status.textContent()).toBe('None is on: sign-in works normally.');
      expect(getSimulatedError()).toBeUndefined();
    } finally {
      await simulate(env.sandbox, null);
      await page.close();
    }
  }, 30_000);
});
