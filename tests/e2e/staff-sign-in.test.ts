/**
 * The sandbox's staff sign-in page in real Chromium: at a desktop width and 400 px, axe clean; choosing
 * an account lands on the client's redirect URI with a code; Cancel lands there with access_denied.
 * Screenshots go to /tmp/shots/oidc-audit-*.png.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { axe, describeViolations, launchBrowser, newUkPage } from './browser.js';

jest.setTimeout(90_000);

let sandbox: RunningSandbox;
let browser: Browser;
const SHOTS = '/tmp/shots';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

function authorizeUrl(clientId: string): { url: string; redirectUri: string } {
  const redirectUri = sandbox.oidc?.redirectUris[clientId]?.[0] as string;
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${sandbox.oidc?.issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid fitnote',
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.href, redirectUri };
}

/**
 * Playwright bounds its own waits, but not opening a context or closing a page; under a busy CI machine
 * this file's Cancel test once ran into jest's 90 s limit with no word of where. Each step here has
 * its own deadline and names itself when it misses it.
 */
async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the sign-in page; `landed` resolves with the client's redirect URI once the browser gets there. */
async function openSignIn(
  width: number,
  clientId: string,
): Promise<{ page: Page; landed: () => Promise<URL> }> {
  const page = await within('Opening a browser page', 20_000, newUkPage(browser, { width, today: null }));
  // Every wait in this file ends well inside jest's limit, with Playwright saying what it waited for.
  page.setDefaultTimeout(20_000);
  page.setDefaultNavigationTimeout(20_000);
  const { url, redirectUri } = authorizeUrl(clientId);
  // Armed before anything is clicked, so a redirect that commits quickly is not missed.
  const arrival = page.waitForURL((u) => u.href.startsWith(redirectUri), { waitUntil: 'commit' });
  arrival.catch(() => undefined);
  await within('Loading the sign-in page', 25_000, page.goto(url));
  return {
    page,
    landed: async () => {
      await within("Arriving at the client's redirect URI", 25_000, arrival);
      return new URL(page.url());
    },
  };
}

describe('staff sign-in page', () => {
  it.each([
    [1024, 'provider-inbox'],
    [400, 'it-lead-console'],
  ])('at %i px for %s: accounts as buttons, axe clean', async (width, clientId) => {
    const { page } = await openSignIn(width, clientId);
    await page.getByRole('heading', { name: 'Sign in to the referral hub' }).waitFor();
    expect(await page.getByRole('button', { name: /^Sign in as / }).count()).toBe(
      sandbox.oidc?.accounts.length,
    );
    await page.getByRole('button', { name: 'Cancel' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/oidc-audit-sign-in-${width}.png`, fullPage: true });
    expect(describeViolations(await axe(page))).toEqual([]);
    // Nothing wider than the screen at 400 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.close();
  });

  it('choosing an account returns a code to the inbox; the next sign-in asks again', async () => {
    const { page, landed } = await openSignIn(1024, 'provider-inbox');
    await page
      .getByRole('button', {
        name: 'Sign in as Referral coordinator, Aireside Occupational Health Service (synthetic)',
      })
      .click();
    const url = await landed();
    expect(url.pathname).toBe('/inbox/');
    expect(url.searchParams.get('code')).toMatch(/./);
    expect(url.searchParams.get('state')).toBe('st');
    // Signing in again (after the inbox's sign-out) shows the accounts again, not a silent sign-in.
    await page.goto(authorizeUrl('provider-inbox').url);
    await page.getByRole('heading', { name: 'Sign in to the referral hub' }).waitFor();
    await page.close();
  });

  it('Cancel returns access_denied', async () => {
    const { page, landed } = await openSignIn(400, 'it-lead-console');
    await within('Clicking Cancel', 25_000, page.getByRole('button', { name: 'Cancel' }).click());
    const url = await landed();
    expect(url.pathname).toBe('/admin/');
    expect(url.searchParams.get('error')).toBe('access_denied');
    await within('Closing the page', 15_000, page.close());
  });

  it('shows a plain page, not a redirect, for a sign-in request from an unknown address', async () => {
    const page = await newUkPage(browser, { width: 400, today: null });
    const url = new URL(authorizeUrl('provider-inbox').url);
    url.searchParams.set('redirect_uri', 'http://elsewhere.example/cb');
    await page.goto(url.href);
    await page.getByRole('heading', { name: 'Sign-in did not work' }).waitFor();
    expect(await page.textContent('main')).toMatch(/sign in again/);
    await page.screenshot({ path: `${SHOTS}/oidc-audit-error-400.png`, fullPage: true });
    expect(describeViolations(await axe(page))).toEqual([]);
    await page.close();
  });

  it('shows a plain page for a sign-in link that has expired', async () => {
    const page = await newUkPage(browser, { width: 400, today: null });
    await page.goto(`${sandbox.oidc?.issuer}/interaction/nosuchinteraction`);
    await page.getByRole('heading', { name: 'This sign-in has expired' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/oidc-audit-expired-400.png`, fullPage: true });
    expect(describeViolations(await axe(page))).toEqual([]);
    await page.close();
  });
});
