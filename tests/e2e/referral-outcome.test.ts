/**
 * What happened to the referral, shown to the GP, in a real browser against the sandbox and its
 * referral hub. Peter is referred to Pennine, which declines it (outside its area): a new launch shows
 * the reason, Pennine's phone and *Refer to another provider*, which opens the referral form; the
 * second referral goes to Northfield, which accepts it, contacts Peter, books an appointment he misses,
 * books another and completes the referral with an outcome. The provider's steps are applied the way
 * the provider routes apply them (applyProviderAction on the sandbox hub's store). Each new launch
 * shows them in the GP's words; the outcome block gives the goal, the adjustments for the next fit note
 * and the report (long text behind Show the whole report). Axe at 400 px; screenshots in SHOTS_DIR
 * (gp-outcome-*.png).
 */
import type { Page } from 'playwright-core';
import type { ProviderAction } from '../../src/domain/outcome.js';
import { applyProviderAction } from '../../src/server/providerActions.js';
import { checkScreen, openApp, REFERRAL_DONE, setUpE2e, waitForOrExplain } from './support.js';

const env = setUpE2e();

const PENNINE = 'Pennine Work and Wellbeing Case Management';
const NORTHFIELD = 'Northfield Work Coach Service';

/** Applies provider steps as the inbox and the provider FHIR API do. */
async function provider(referralId: string, providerId: string, ...actions: ProviderAction[]): Promise<void> {
  const store = env.sandbox.hub?.store;
  if (store === undefined) throw new Error('The sandbox started without its referral hub.');
  for (const action of actions) {
    await applyProviderAction(
      { store, now: () => Date.now() },
      { referralId, providerId, action, agent: 'staff:synthetic-provider-staff-1' },
    );
  }
}

/** Fills in and sends the open referral form to `providerName`; returns the referral's reference. */
async function sendReferral(page: Page, providerName: string): Promise<string> {
  await page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  const offered = await page.locator('.nhsuk-radios__label').allTextContents();
  expect(offered).toContain(providerName);
  await page.getByRole('radio', { name: providerName }).check();
  await page.getByLabel(/The patient agrees to this referral/).check();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: REFERRAL_DONE }).waitFor({ timeout: 20_000 });
  const reference = (await page.locator('.fp-identifier').textContent())?.replace('Reference: ', '') ?? '';
  expect(reference).not.toBe('');
  return reference;
}

/** A new launch for Peter, with the hub's view of `reference` in the panel. */
async function panelItem(reference: string, what: string) {
  const page = await openApp(env, 'peter');
  const item = page.locator(`[data-referral="${reference}"]`);
  await waitForOrExplain(page, item, what);
  return { page, item };
}

const timelineOf = async (item: ReturnType<Page['locator']>) =>
  item.locator('details li').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).textContent ?? ''));

const LONG_REPORT = [
  'Peter was seen twice by an employment adviser. He described low mood and worry about returning to a busy open-plan office after four weeks off.',
  'He agreed a plan with his line manager on 9 December: mornings only for two weeks, a quiet desk, and no customer calls until the end of January.',
  'He feels ready to try this. We will check in with him by phone after his first week back and will tell the practice if the plan changes.',
].join('\n\n');

it('Peter: a declined referral, another provider, each step in words, and the outcome for the next fit note', async () => {
  // 1. Referred from the prompt to Pennine, which declines it.
  const page = await openApp(env, 'peter');
  const dialog = page.getByRole('dialog');
  await waitForOrExplain(page, dialog, 'The four-week prompt');
  await dialog.getByRole('button', { name: 'Refer now' }).click();
  const first = await sendReferral(page, PENNINE);
  await page.close();
  await provider(first, 'case-managed-support', {
    action: 'decline',
    reason: 'outside-area',
    text: 'We cover Calderdale only.',
  });

  // 2. A new launch: the reason, the phone number, and Refer to another provider.
  const declined = await panelItem(first, 'The declined referral after a new launch');
  expect(await declined.item.locator('.nhsuk-tag').first().textContent()).toBe('Declined by provider');
  const declinedText = await declined.item.textContent();
  expect(declinedText).toContain(
    'Reason: The patient lives or works outside the service’s area: We cover Calderdale only.',
  );
  expect(declinedText).toContain(`Phone ${PENNINE} on 0113 496 0005 to talk about it`);
  await declined.item.getByText('Progress', { exact: false }).click();
  expect((await timelineOf(declined.item)).at(-1)).toMatch(
    new RegExp(`: ${PENNINE} declined the referral: The patient lives or works outside the service’s area`),
  );
  await checkScreen(declined.page, 'gp-outcome-declined-400');
  await declined.item.getByRole('button', { name: 'Refer to another provider' }).click();
  // The form lists Pennine last, saying it declined Peter and why, and does not choose it for the GP.
  await declined.page.getByRole('heading', { name: 'Refer to a work and health provider' }).waitFor();
  const labels = await declined.page.locator('input[name=provider] + label').allTextContents();
  expect(labels.at(-1)).toBe(PENNINE);
  const pennine = declined.page.getByRole('radio', { name: PENNINE });
  expect(await pennine.isChecked()).toBe(false);
  expect(
    await declined.page.locator(`#${await pennine.getAttribute('aria-describedby')}`).textContent(),
  ).toMatch(
    /Declined this patient on \d{1,2} \w+ 2026: The patient lives or works outside the service’s area/,
  );
  await checkScreen(declined.page, 'gp-form-after-decline-400');
  const second = await sendReferral(declined.page, NORTHFIELD);
  await declined.page.close();

  // 3. Northfield accepts, contacts Peter, books an appointment he misses.
  await provider(
    second,
    'work-coach-service',
    { action: 'accept' },
    { action: 'contacted' },
    { action: 'scheduled', date: '2026-12-01' },
    { action: 'did-not-attend' },
  );
  const missed = await panelItem(second, 'The referral Peter missed the appointment for');
  expect(await missed.item.locator('.nhsuk-tag').first().textContent()).toBe('Did not attend');
  expect(await missed.item.textContent()).toContain(
    `The patient did not attend the appointment on 1 December 2026. Phone ${NORTHFIELD} on 0113 496 0002 to find out what happens next.`,
  );
  await checkScreen(missed.page, 'gp-outcome-did-not-attend-400');
  await missed.page.close();

  // 4. Another appointment, then the outcome.
  await provider(
    second,
    'work-coach-service',
    { action: 'scheduled', date: '2026-12-08' },
    {
      action: 'complete',
      outcome: {
        returnToWorkGoal: 'same-role',
        adjustments: [
          { code: 'phased-return', text: 'Mornings only for two weeks, then full days' },
          { code: 'amended-duties', text: 'No customer calls until the end of January' },
          { code: 'workplace-adaptations', text: 'A desk in a quiet area' },
        ],
        report: { title: 'Employment adviser summary', text: LONG_REPORT },
      },
    },
  );
  const done = await panelItem(second, 'The completed referral');
  const { item } = done;
  expect(await item.locator('.nhsuk-tag').first().textContent()).toBe('Completed');
  expect(await item.getByRole('button', { name: /^Request cancellation/ }).count()).toBe(0);

  await item.getByText('Progress', { exact: false }).click();
  const steps = (await timelineOf(item)).map((line) => line.replace(/^[^:]+:\d\d: /, ''));
  expect(steps).toEqual([
    `The hub received the referral and is sending it to ${NORTHFIELD}.`,
    `${NORTHFIELD} received the referral.`,
    `${NORTHFIELD} accepted the referral.`,
    `${NORTHFIELD} contacted the patient.`,
    `${NORTHFIELD} booked an appointment for the patient on 1 December 2026.`,
    `The patient did not attend the appointment with ${NORTHFIELD} on 1 December 2026.`,
    `${NORTHFIELD} booked an appointment for the patient on 8 December 2026.`,
    `${NORTHFIELD} completed the referral: return to the same role; recommends: phased return to work, amended duties, workplace adaptations.`,
  ]);

  const outcome = item.locator('.fp-outcome');
  expect(await outcome.getByRole('heading', { level: 3 }).textContent()).toBe(`Outcome from ${NORTHFIELD}`);
  expect(await outcome.textContent()).toContain('Return to work: Return to the same role');
  expect(await outcome.textContent()).toContain('You can use these on the next fit note');
  expect(await outcome.locator('li').allTextContents()).toEqual([
    'Phased return to work: Mornings only for two weeks, then full days',
    'Amended duties: No customer calls until the end of January',
    'Workplace adaptations: A desk in a quiet area',
  ]);
  const report = outcome.locator('.fp-outcome__report');
  expect(await report.textContent()).toMatch(/…$/);
  expect(await report.textContent()).not.toContain('check in with him by phone');
  await checkScreen(done.page, 'gp-outcome-completed-400');

  // Keyboard: the report opens with Enter on its button.
  const show = outcome.locator('button[aria-controls]');
  expect(await show.textContent()).toBe('Show the whole report');
  await show.focus();
  await done.page.keyboard.press('Enter');
  expect(await show.getAttribute('aria-expanded')).toBe('true');
  expect(await show.textContent()).toBe('Show less of the report');
  expect(await report.textContent()).toContain('check in with him by phone');
  await checkScreen(done.page, 'gp-outcome-completed-report-400');
  await done.page.close();
}, 180_000);
