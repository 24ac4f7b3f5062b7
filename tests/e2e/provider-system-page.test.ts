/**
 * The sandbox provider's page as a stand-in for the provider's own system: in real Chromium, a person
 * accepts Peter's referral and completes it with an outcome; the buttons go through the hub's
 * Backend Services API and the GP's view of the referral shows it completed. Axe at 1000 and 400 px.
 */
import { mkdirSync } from 'node:fs';
import type { ServiceRequest } from '@medplum/fhirtypes';
import type { Browser } from 'playwright-core';
import { ID_SYSTEM } from '../../src/domain/codes.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { peterReferral, type SandboxToken, sandboxToken } from '../../src/server/testSupport.js';
import { axe, describeViolations, E2E_TODAY, launchBrowser, newUkPage } from './browser.js';

jest.setTimeout(90_000);

let sandbox: RunningSandbox;
let browser: Browser;
let gp: SandboxToken;
let id = '';

beforeAll(async () => {
  mkdirSync('/tmp/shots', { recursive: true });
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: E2E_TODAY });
  browser = await launchBrowser();
  gp = await sandboxToken(sandbox, 'peter');
  const bundle = peterReferral();
  const sr = bundle.entry?.[0]?.resource as ServiceRequest;
  id = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
  const sent = await fetch(`${sandbox.hub?.url}/referrals`, {
    method: 'POST',
    headers: { ...gpHeaders(), 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  expect(sent.status).toBe(201);
  const until = Date.now() + 20_000;
  while ((await view()).deliveryState !== 'delivered') {
    if (Date.now() > until) throw new Error('The referral was not delivered to the sandbox provider.');
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

function gpHeaders(): Record<string, string> {
  return { authorization: `Bearer ${gp.access_token}`, 'x-ehr-fhir-base': sandbox.fhirBaseUrl };
}

async function view(): Promise<{ status: string; deliveryState: string; outcome?: unknown }> {
  const res = await fetch(`${sandbox.hub?.url}/referrals/${id}`, { headers: gpHeaders() });
  return (await res.json()) as { status: string; deliveryState: string };
}

it.each([1000, 400])(
  'at %i px: accept, then complete with an outcome; the GP sees it completed',
  async (width) => {
    const page = await newUkPage(browser, { width, today: null });
    await page.goto(`${sandbox.url}/providers/case-managed-support/`);
    const row = page.locator('tr', { hasText: id });
    await page.screenshot({ path: `/tmp/shots/provider-api-page-${width}.png`, fullPage: true });
    expect(describeViolations(await axe(page))).toEqual([]);
    if (width === 1000) {
      await row.getByRole('button', { name: 'Accept' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toMatch(/accepted/);
      await row.getByText('Complete', { exact: true }).first().click();
      await row.getByLabel('Return-to-work goal').selectOption('different-role-same-employer');
      await row.getByRole('checkbox', { name: 'Phased return to work' }).check();
      await row.getByLabel('Phased return to work: details').fill('Four-hour days for two weeks');
      await row.getByLabel('Report', { exact: true }).fill('Peter agreed a plan with his manager.');
      await page.screenshot({ path: `/tmp/shots/provider-api-complete-form-${width}.png`, fullPage: true });
      expect(describeViolations(await axe(page))).toEqual([]);
      await row.getByRole('button', { name: 'Complete' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toMatch(/completed/);
      await page.screenshot({ path: `/tmp/shots/provider-api-done-${width}.png`, fullPage: true });
      const seen = await view();
      expect(seen.status).toBe('completed');
      expect(seen.outcome).toMatchObject({
        returnToWorkGoal: 'different-role-same-employer',
        adjustments: [{ code: 'phased-return', text: 'Four-hour days for two weeks' }],
      });
    } else {
      await expect(
        page.locator('td[data-label="At the hub"]', { hasText: id ? 'completed' : '' }).count(),
      ).resolves.toBe(1);
    }
    await page.close();
  },
);
