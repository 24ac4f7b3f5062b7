/**
 * The IT-lead console in a real browser against the sandbox and its referral hub. The IT lead of
 * practice A99999 signs in through the sandbox's OpenID page and changes the six-week occupational
 * health rule to four weeks (the editor refuses an empty threshold first, next to the field and in the
 * error summary); the dry-run page over the practice's records (and its API) shows the draft prompting
 * more than the live version; the IT lead publishes, and a GP
 * launch for a patient off five weeks (Test Overlap: 35 days of sciatica) now gets the occupational
 * health prompt instead of the four-week one. A bad import is refused with the reason and changes
 * nothing; restoring version 1 makes a new draft with the national six weeks, and publishing it puts
 * the GP's prompt back. An expired sign-in comes back to the same page. Axe and no sideways scroll at
 * 1024 and 400 px on every console page here; screenshots in SHOTS_DIR (c1-*.png).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { newUkPage } from './browser.js';
import { appShowsPrompt, checkScreen, openApp, SHOTS_DIR, setUpE2e, signInAsStaff } from './support.js';

const env = setUpE2e();
jest.setTimeout(240_000);

const IT_LEAD = 'it-lead-a99999';
const SIX_WEEKS = 'Off work six weeks: offer an occupational health assessment';
const PATIENT_OFF_FIVE_WEEKS = 'overlap';

function hubUrl(): string {
  const hub = env.sandbox.hub;
  if (hub === undefined) throw new Error('The sandbox started no hub.');
  return hub.url;
}

/** The GP's prompt for a patient on a fresh launch (its summary), or undefined when there is none. */
async function gpPrompt(patient: string, shot?: string): Promise<string | undefined> {
  const app = await openApp(env, patient);
  try {
    if (!(await appShowsPrompt(app))) return undefined;
    const heading = app.getByRole('dialog').getByRole('heading', { level: 2 }).first();
    const text = (await heading.textContent()) ?? '';
    if (shot) await app.screenshot({ path: `${SHOTS_DIR}/${shot}.png`, fullPage: true });
    return text;
  } finally {
    await app.context().close();
  }
}

/** Calls the console's API from the page, with the console's own token (as its pages do). */
async function consoleApi<T>(
  page: Page,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ({ apiPath, body }) => {
      const session = JSON.parse(sessionStorage.getItem('fitnote-admin.session') ?? '{}') as {
        accessToken?: string;
      };
      const res = await fetch(apiPath, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    { apiPath, body },
  ) as Promise<{ status: number; json: T }>;
}

interface VersionSummary {
  version: number;
  published: boolean;
  body: { rules: Array<{ id: string; when: { absenceDaysAtLeast?: number } }> };
}

async function versions(page: Page): Promise<VersionSummary[]> {
  const res = await consoleApi<{ versions: VersionSummary[] }>(page, '/admin/api/rules/versions');
  expect(res.status).toBe(200);
  return res.json.versions;
}

function sixWeeksDays(v: VersionSummary): number | undefined {
  return v.body.rules.find((r) => r.id === 'six-weeks-oh')?.when.absenceDaysAtLeast;
}

async function at(page: Page, width: number, name: string): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await checkScreen(page, name);
}

it('an IT lead moves the six-week rule to four weeks, checks the dry run, publishes, and the GP gets the prompt at five weeks', async () => {
  if (!existsSync('dist/web/admin/index.html'))
    throw new Error('Build the console first: npm run build:web.');

  // Before: five weeks off gets the four-week prompt, not the occupational health one.
  const before = await gpPrompt(PATIENT_OFF_FIVE_WEEKS);
  expect(before).toBeDefined();
  expect(before).not.toMatch(/occupational health/);

  const page = await newUkPage(env.browser, { width: 1024 });
  await page.goto(`${hubUrl()}/admin/rules`);
  await page.getByRole('heading', { name: 'Sign in to set up your practice’s fit note prompts' }).waitFor();
  await at(page, 1024, 'c1-sign-in-1024');
  await at(page, 400, 'c1-sign-in-400');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signInAsStaff(page, env.sandbox, IT_LEAD);

  // The rules list: every rule, its trigger in words, national or changed, on or off.
  await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor({ timeout: 20_000 });
  expect(new URL(page.url()).pathname).toBe('/admin/rules');
  expect(await page.locator('header').textContent()).toContain('A99999');
  expect(await page.getByText('Off work 6 weeks or more').count()).toBe(1);
  expect(await page.getByRole('switch', { name: new RegExp(`^On\\W+${SIX_WEEKS}$`) }).isChecked()).toBe(true);
  await at(page, 1024, 'c1-rules-1024');
  await at(page, 400, 'c1-rules-400');

  // Adding a rule, and the settings for every rule: every field there, axe-clean at both widths.
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.getByRole('link', { name: 'Add a rule' }).click();
  await page.getByRole('heading', { name: 'Add a rule', level: 1 }).waitFor();
  await page.getByLabel('Rule id').fill('eight-weeks-physio');
  await page.getByRole('button', { name: 'Save as a draft' }).click();
  const newRuleProblems = page.getByRole('alert').filter({ hasText: 'This rule cannot be saved yet' });
  await newRuleProblems.waitFor();
  expect(await newRuleProblems.textContent()).toContain('Enter the time off work as a whole number of weeks');
  await at(page, 1024, 'c1-rule-new-errors-1024');
  await at(page, 400, 'c1-rule-new-errors-400');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.getByRole('link', { name: /^Settings for every rule/ }).click();
  await page.getByRole('heading', { name: 'Settings for every rule' }).waitFor();
  expect(await page.getByLabel('Days back at work that end an episode').inputValue()).toBe('7');
  await at(page, 400, 'c1-settings-400');
  await at(page, 1024, 'c1-settings-1024');
  await page.getByRole('link', { name: 'Back to the rules' }).click();
  await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
  expect((await versions(page)).length).toBe(1);

  // The editor: an empty threshold is refused next to the field and in the summary.
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.getByRole('link', { name: SIX_WEEKS }).click();
  await page.getByRole('heading', { name: `Rule: ${SIX_WEEKS}` }).waitFor();
  expect(await page.getByLabel('Time off work').inputValue()).toBe('6');
  expect(await page.getByLabel('Unit').inputValue()).toBe('weeks');
  await at(page, 1024, 'c1-rule-editor-1024');
  await page.getByLabel('Time off work').fill('');
  await page.getByRole('button', { name: 'Save as a draft' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'This rule cannot be saved yet' });
  await summary.waitFor();
  expect(await summary.getByRole('link').first().getAttribute('href')).toBe('#rule-absence');
  expect(await page.locator('#rule-absence-error').textContent()).toMatch(
    /Error:.*Enter the time off work as a whole number of weeks, 1 or more/,
  );
  await at(page, 1024, 'c1-rule-editor-errors-1024');
  await at(page, 400, 'c1-rule-editor-errors-400');

  // Four weeks: the preview says what the GP will see.
  await page.getByLabel('Time off work').fill('4');
  const preview = page.getByRole('figure', { name: 'Preview of the prompt' });
  expect(await preview.textContent()).toContain(
    'Off work 4 weeks (Low back pain): consider an occupational health assessment',
  );
  await page.getByLabel('Note for the version history (optional)').fill('Occupational health at four weeks');
  await at(page, 400, 'c1-rule-editor-400');
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.getByRole('button', { name: 'Save as a draft' }).click();
  await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
  await page.getByText('Off work 4 weeks or more').first().waitFor();
  const draftBanner = page.locator('.ad-draft');
  expect(await draftBanner.textContent()).toContain('Unpublished draft');
  expect(await page.getByText('Changed locally').count()).toBe(1);
  await at(page, 1024, 'c1-rules-draft-1024');
  await at(page, 400, 'c1-rules-draft-400');

  const afterSave = await versions(page);
  const draft = afterSave[0] as VersionSummary;
  expect(draft.published).toBe(false);
  expect(sixWeeksDays(draft)).toBe(28);

  // The dry-run page, from the draft banner: the six-week rule prompts more in the draft than live.
  await page.getByRole('link', { name: 'See what the draft would do (dry run)' }).click();
  await page.getByRole('heading', { name: 'Dry run', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Run the dry run' }).click();
  const sixWeeksRow = page.getByRole('row', { name: new RegExp(`^${SIX_WEEKS}`) });
  await sixWeeksRow.waitFor({ timeout: 30_000 });
  const cells = await sixWeeksRow.getByRole('cell').allTextContents();
  // Draft, then live, prompts a month per 1,000 patients.
  expect(Number(cells[0])).toBeGreaterThan(Number(cells[2]));
  await page.screenshot({ path: `${SHOTS_DIR}/c1-dry-run-400.png`, fullPage: true });
  await page.getByRole('link', { name: 'Rules', exact: true }).click();
  await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();

  // The dry run of the draft against the live version over the practice's records (the same figures from the API, exactly).
  const dryRun = await consoleApi<{
    rules: Array<{ ruleId: string; draft: { prompts: number }; live?: { prompts: number } }>;
  }>(page, '/admin/api/dry-run', { rules: draft.body, from: '2025-12-01', to: '2026-11-21', source: 'ehr' });
  expect(dryRun.status).toBe(200);
  const row = dryRun.json.rules.find((r) => r.ruleId === 'six-weeks-oh');
  expect(row?.draft.prompts).toBeGreaterThan(row?.live?.prompts ?? Number.POSITIVE_INFINITY);

  // Publish from the banner: the GP gets the OH prompt at five weeks.
  await page.getByRole('button', { name: `Publish version ${draft.version}` }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Version ${draft.version} is published` })
    .waitFor();
  expect(await page.locator('.ad-draft').count()).toBe(0);
  // What the GP app reads on its next launch: the sandbox EHR's copy of the hub's published configuration.
  const served = (await (await fetch(`${env.sandbox.url}/config/A99999.json`)).json()) as {
    rules: VersionSummary['body'];
  };
  expect(served.rules.rules.find((r) => r.id === 'six-weeks-oh')?.when.absenceDaysAtLeast).toBe(28);
  const after = await gpPrompt(PATIENT_OFF_FIVE_WEEKS, 'c1-gp-prompt-after-publish');
  expect(after).toMatch(/^Off work 5 weeks .*: consider an occupational health assessment$/);

  // Versions: a bad import is refused with the reason, and nothing changes.
  await page.getByRole('link', { name: 'Versions' }).click();
  await page.getByRole('heading', { name: 'Versions of your rules' }).waitFor();
  expect(await page.getByText('“Occupational health at four weeks”').count()).toBe(1);
  await at(page, 1024, 'c1-versions-1024');
  await at(page, 400, 'c1-versions-400');
  const dir = mkdtempSync(path.join(tmpdir(), 'c1-import-'));
  const bad = path.join(dir, 'bad-rules.json');
  const badBody = structuredClone(draft.body) as VersionSummary['body'];
  (badBody.rules.find((r) => r.id === 'six-weeks-oh') as { when: Record<string, unknown> }).when = {
    absenceDaysAtLeast: 0,
  };
  writeFileSync(bad, JSON.stringify(badBody));
  const countBefore = (await versions(page)).length;
  await page.setInputFiles('#import-file', bad);
  const refused = page.getByRole('alert').filter({ hasText: 'bad-rules.json was not imported' });
  await refused.waitFor();
  expect(await refused.textContent()).toMatch(/six-weeks-oh.*absenceDaysAtLeast/);
  expect((await versions(page)).length).toBe(countBefore);
  await at(page, 400, 'c1-import-refused-400');
  await at(page, 1024, 'c1-import-refused-1024');

  // Restore version 1 (the national six weeks): a new draft; publishing it puts the GP's prompt back.
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await page.getByRole('status').filter({ hasText: 'Version 1’s rules are now version' }).waitFor();
  const restored = (await versions(page))[0] as VersionSummary;
  expect(restored.version).toBe(countBefore + 1);
  expect(restored.published).toBe(false);
  expect(sixWeeksDays(restored)).toBe(42);
  await page
    .getByRole('button', { name: `Publish version ${restored.version}` })
    .first()
    .click();
  await page
    .getByRole('status')
    .filter({ hasText: `Version ${restored.version} is published` })
    .waitFor();
  expect(await gpPrompt(PATIENT_OFF_FIVE_WEEKS)).toBe(before);

  // An expired sign-in: sign in again and come back to the same page.
  await page.evaluate(() => {
    const key = 'fitnote-admin.session';
    const session = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { accessToken?: string };
    sessionStorage.setItem(key, JSON.stringify({ ...session, accessToken: 'not.a.valid-token' }));
  });
  await page.reload();
  await page.getByText('Your sign-in has expired').waitFor();
  await at(page, 400, 'c1-expired-400');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const account = page.getByRole('button', { name: /^Sign in as IT lead/ });
  const back = page.getByRole('heading', { name: 'Versions of your rules' });
  await Promise.race([account.waitFor({ timeout: 20_000 }), back.waitFor({ timeout: 20_000 })]);
  if (await account.isVisible()) await account.click();
  await back.waitFor();
  expect(new URL(page.url()).pathname).toBe('/admin/versions');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  await page.close();
});
