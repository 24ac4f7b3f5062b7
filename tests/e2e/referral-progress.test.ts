/**
 * The referral's progress in the GP app, in a real browser against the sandbox and its referral hub:
 * Peter is referred, the patient panel shows the referral as the hub has it (delivered to the
 * provider, in its timeline), the GP requests cancellation, the panel says it is cancelled, and the
 * hub's worker tells the provider: its copy of the ServiceRequest becomes `revoked`. The panel with the
 * timeline open and the cancel confirmation pass axe at 400 px; screenshots go to SHOTS_DIR.
 */
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { ID_SYSTEM } from '../../src/domain/codes.js';
import { checkScreen, openApp, REFERRAL_DONE, setUpE2e, waitForOrExplain } from './support.js';

const env = setUpE2e();

async function providerCopy(reference: string): Promise<ServiceRequest | undefined> {
  const url = `${env.sandbox.url}/providers/case-managed-support/fhir/ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|${reference}`)}`;
  const found = (await (await fetch(url)).json()) as Bundle<ServiceRequest>;
  return found.entry?.[0]?.resource;
}

/** Polls up to ~10 s until `check` holds for the provider's copy; returns the last copy seen. */
async function waitForProviderCopy(
  reference: string,
  check: (sr: ServiceRequest | undefined) => boolean,
): Promise<ServiceRequest | undefined> {
  let sr: ServiceRequest | undefined;
  for (let i = 0; i < 100; i++) {
    sr = await providerCopy(reference);
    if (check(sr)) return sr;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sr;
}

async function referPeter(page: Page): Promise<string> {
  const dialog = page.getByRole('dialog');
  await waitForOrExplain(page, dialog, 'The four-week prompt');
  await dialog.getByRole('button', { name: 'Refer now' }).click();
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  await page.getByRole('radio', { name: 'Pennine Work and Wellbeing Case Management' }).check();
  await page.getByLabel(/The patient agrees to this referral/).check();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: REFERRAL_DONE }).waitFor({ timeout: 20_000 });
  return (await page.locator('.fp-identifier').textContent())?.replace('Reference: ', '') ?? '';
}

it('Peter: the panel shows the referral’s progress from the hub, and the GP cancels it', async () => {
  const page = await openApp(env, 'peter');
  const reference = await referPeter(page);
  expect(reference).not.toBe('');
  // Delivered to the provider's own endpoint before the panel is looked at.
  expect((await waitForProviderCopy(reference, (sr) => sr !== undefined))?.status).toBe('active');

  await page.getByRole('button', { name: 'Back to the patient' }).click();
  const hubList = page.getByRole('list', { name: 'Referrals through the referral hub' });
  await waitForOrExplain(page, hubList, 'The hub’s referrals in the panel');
  const item = hubList.locator(`[data-referral="${reference}"]`);
  expect(await item.locator('.nhsuk-tag').textContent()).toBe('Sent');
  expect(await item.textContent()).toContain('Pennine Work and Wellbeing Case Management');

  await item.getByText('Progress', { exact: false }).click();
  const events = await item
    .locator('details li')
    .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.event));
  expect(events).toEqual(['accepted', 'delivered']);
  expect(await item.locator('details').textContent()).toContain(
    'Pennine Work and Wellbeing Case Management received the referral.',
  );
  await checkScreen(page, 'referral-progress-timeline-400');

  await item.getByRole('button', { name: /^Request cancellation/ }).click();
  await page.getByLabel('Reason for cancelling (optional)').fill('Back at work on amended duties');
  await checkScreen(page, 'referral-progress-cancel-confirm-400');
  const yes = item.getByRole('button', { name: 'Yes, cancel the referral' });
  await yes.dblclick();
  await item.getByText('Cancellation requested', { exact: false }).waitFor({ timeout: 10_000 });
  expect(await item.locator('.nhsuk-tag').first().textContent()).toBe('Cancelled');
  expect(await item.textContent()).toContain('Reason for cancelling: Back at work on amended duties');
  expect(await item.getByRole('button', { name: /^Request cancellation/ }).count()).toBe(0);
  await checkScreen(page, 'referral-progress-cancelled-400');

  const stored = await env.sandbox.hub?.store.getReferral(reference);
  expect(stored).toMatchObject({ status: 'cancelled', statusReason: 'Back at work on amended duties' });
  // The hub's worker tells the provider: its ServiceRequest is revoked.
  const revoked = await waitForProviderCopy(reference, (sr) => sr?.status === 'revoked');
  expect(revoked?.status).toBe('revoked');

  // A fresh launch reads the same state from the hub, with the cancellation, and the provider told of it, in the timeline.
  const again = await openApp(env, 'peter');
  const againItem = again.locator(`[data-referral="${reference}"]`);
  await waitForOrExplain(again, againItem, 'The cancelled referral after a new launch');
  expect(await againItem.locator('.nhsuk-tag').first().textContent()).toBe('Cancelled');
  const againEvents = await againItem
    .locator('details li')
    .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.event));
  expect(againEvents).toEqual(['accepted', 'delivered', 'status', 'cancellation-sent']);
  await again.close();
  await page.close();
}, 120_000);
