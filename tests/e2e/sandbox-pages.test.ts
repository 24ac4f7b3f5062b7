/**
 * The sandbox's own pages in a real browser, at desktop width and at 400 px (the app's side panel):
 * the index, the clinician picker of the SMART authorization server, and its error page. Each must
 * pass axe; screenshots go to test-results/ for a person to look at.
 */
import { createHash, randomBytes } from 'node:crypto';
import { newUkPage } from './browser.js';
import { checkScreen, setUpE2e } from './support.js';

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
