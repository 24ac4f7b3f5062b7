/**
 * The sandbox's own pages in a real browser, at desktop width and at 400 px (the app's side panel):
 * the index, the clinician picker of the SMART authorization server, and its error page. Each must
 * pass axe; screenshots go to test-results/ for a person to look at.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { startSandbox } from '../../src/sandbox/server.js';
import { axe, describeViolations, launchBrowser } from './browser.js';

let browser: Browser;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;

beforeAll(async () => {
  mkdirSync('test-results', { recursive: true });
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

async function authorizeUrl(): Promise<string> {
  const response = await fetch(`${sandbox.url}/auth/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      patient: 'peter',
      fhirUser: 'Practitioner/gp-1',
      needPatientBanner: true,
      smartStyleUrl: `${sandbox.url}/style.json`,
    }),
  });
  const { launch } = (await response.json()) as { launch: string };
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'fitnote-prompt',
    redirect_uri: `${sandbox.url}/app/`,
    scope: 'launch openid fhirUser patient/Patient.r patient/Observation.rs',
    state: 'e2e-state',
    aud: sandbox.fhirBaseUrl,
    launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return `${sandbox.url}/auth/authorize?${params}`;
}

const pages: Array<[string, () => Promise<string>]> = [
  ['index', async () => `${sandbox.url}/`],
  ['clinician picker', authorizeUrl],
  [
    'authorization error',
    async () => `${sandbox.url}/auth/authorize?client_id=unknown-app&response_type=code`,
  ],
];

describe.each([
  ['desktop', 1024],
  ['side panel', 400],
])('sandbox pages at %s width (%d px)', (_label, width) => {
  it.each(pages)(
    '%s passes axe and fits the width',
    async (name, url) => {
      const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
      try {
        await page.goto(await url());
        const violations = await axe(page);
        expect(describeViolations(violations)).toEqual([]);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth).toBeLessThanOrEqual(width);
        await page.screenshot({
          path: `test-results/sandbox-${name.replace(/ /g, '-')}-${width}.png`,
          fullPage: true,
        });
      } finally {
        await page.close();
      }
    },
    30_000,
  );
});
