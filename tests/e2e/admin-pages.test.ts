/**
 * The IT-lead console's directory, dry-run, figures and audit pages in Chromium against the sandbox
 * and its hub, signed in as the IT lead of practice A99999 through the sandbox's OpenID page:
 * - Providers: pausing a provider from the list reaches the GP's configuration (/config/A99999.json)
 *   at once; the edit form refuses an empty name next to the field and in the summary; "Test
 *   connection" reports a reachable provider in plain English.
 * - Dry run: the last 12 months over the practice's records gives a chart (a drawn canvas) and the
 *   table, per rule, with the focus-group range.
 * - Figures: after a GP sets a prompt aside with a reason, the rule's row counts it shown and
 *   overridden (with the reason); the CSV downloads.
 * - Audit: a filter by action shows only those records; the CSV downloads.
 * Axe and no sideways scroll at 1024 and 400 px on every page; screenshots SHOTS_DIR/c2-*.png.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { newUkPage } from './browser.js';
import { appShowsPrompt, checkScreen, openApp, setUpE2e, signInAsStaff } from './support.js';

const env = setUpE2e();
jest.setTimeout(240_000);

function hubUrl(): string {
  const hub = env.sandbox.hub;
  if (hub === undefined) throw new Error('The sandbox started no hub.');
  return hub.url;
}

async function at(page: Page, width: number, name: string): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  if (process.env.C2_DEBUG)
    console.log(
      name,
      await page.evaluate(
        (w) =>
          [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > w)
            .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
            .slice(0, 8),
        width,
      ),
    );
  await checkScreen(page, name);
}

async function bothWidths(page: Page, name: string): Promise<void> {
  await at(page, 1024, `c2-${name}-1024`);
  await at(page, 400, `c2-${name}-400`);
  await page.setViewportSize({ width: 1024, height: 900 });
}

async function gpConfigStatus(providerId: string): Promise<unknown> {
  const res = await fetch(`${env.sandbox.url}/config/A99999.json`);
  const doc = (await res.json()) as { directory: { providers: Array<{ id: string; status: string }> } };
  return doc.directory.providers.find((p) => p.id === providerId)?.status;
}

let page: Page;

beforeAll(async () => {
  if (!existsSync('dist/web/admin/index.html'))
    throw new Error('Build the console first: npm run build:web.');
  page = await newUkPage(env.browser, { width: 1024 });
  await page.goto(`${hubUrl()}/admin/providers`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signInAsStaff(page, env.sandbox, 'it-lead-a99999');
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor({ timeout: 20_000 });
});

afterAll(async () => {
  await page?.context().close();
});

it('pauses a provider and the GP’s configuration has it paused at once; the form checks fields; test connection', async () => {
  expect(await gpConfigStatus('work-coach-service')).toBe('open');
  const card = page.locator('[data-provider="work-coach-service"]');
  expect(await card.getByText('Taking referrals').count()).toBe(1);
  await bothWidths(page, 'providers');

  await card.getByRole('button', { name: 'Pause Northfield Work Coach Service' }).click();
  await page.getByRole('status').filter({ hasText: 'Northfield Work Coach Service paused.' }).waitFor();
  expect(await card.getByText('Paused: not taking referrals').count()).toBe(1);
  expect(await gpConfigStatus('work-coach-service')).toBe('paused');
  await bothWidths(page, 'providers-paused');

  await card.getByRole('button', { name: 'Resume Northfield Work Coach Service' }).click();
  await page.getByRole('status').filter({ hasText: 'taking referrals again' }).waitFor();
  expect(await gpConfigStatus('work-coach-service')).toBe('open');

  // Editing: an empty name is refused inline and in the summary; nothing is saved.
  await page.getByRole('link', { name: /^Aireside Occupational Health Service/ }).click();
  await page.getByRole('heading', { name: 'Edit Aireside Occupational Health Service' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/admin/providers/local-oh-service');
  await bothWidths(page, 'provider-edit');
  await page.getByLabel('Name', { exact: true }).fill('');
  await page.getByLabel('Phone', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  expect(await summary.textContent()).toContain('Name must not be empty');
  expect(await summary.getByRole('link').first().getAttribute('href')).toBe('#p-name');
  expect(await page.locator('#p-name-error').textContent()).toMatch(/Error:.*must not be empty/);
  await bothWidths(page, 'provider-edit-errors');

  // Test connection: the sandbox hosts this provider's FHIR server.
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.getByRole('status').filter({ hasText: /Connected|Not connected/ });
  await result.waitFor({ timeout: 15_000 });
  const text = (await result.textContent()) ?? '';
  expect(text).toMatch(/^Connected/);
  expect(text).toContain('/providers/local-oh-service/fhir');
  await bothWidths(page, 'provider-test-connection');

  // Cancel leaves the saved entry as it was.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('heading', { name: 'Providers', level: 1 }).waitFor();
  expect(await page.getByRole('link', { name: /^Aireside Occupational Health Service/ }).count()).toBe(1);
});

it('runs a dry run over the last 12 months and shows a chart and the table', async () => {
  await page.getByRole('link', { name: 'Dry run' }).first().click();
  await page.getByRole('heading', { name: 'Dry run', level: 1 }).waitFor();
  expect(await page.getByText('The draft is the live version').count()).toBeGreaterThan(0);
  await bothWidths(page, 'dry-run-form');
  await page.getByLabel('Last 12 months').check();
  await page.getByRole('button', { name: 'Run the dry run' }).click();
  const table = page.getByRole('table', { name: 'Prompts per rule: draft and live' });
  await table.waitFor({ timeout: 30_000 });
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  expect(await table.textContent()).toContain('Off work six weeks: offer an occupational health assessment');
  expect(await table.textContent()).toMatch(/4–6/);
  const charts = page.locator('canvas[role="img"]');
  expect(await charts.count()).toBe(2);
  // chart.js drew something (a blank canvas's pixels are all transparent).
  const drawn = await charts.first().evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx) return 0;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
    return painted;
  });
  expect(drawn).toBeGreaterThan(1000);
  await bothWidths(page, 'dry-run-results');
});

it('shows figures after a GP answers a prompt, and downloads them as CSV', async () => {
  const app = await openApp(env, 'peter');
  try {
    expect(await appShowsPrompt(app)).toBe(true);
    const dialog = app.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Not appropriate' }).click();
    await dialog.getByRole('radio', { name: 'Employer occupational health in place' }).check();
    await dialog.getByRole('button', { name: 'Record reason' }).click();
    await app.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
    const hub = env.sandbox.hub;
    const deadline = Date.now() + 10_000;
    while (
      hub !== undefined &&
      (await hub.store.listPromptEvents({ practiceOds: 'A99999' })).length < 2 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
  } finally {
    await app.context().close();
  }

  await page.getByRole('link', { name: 'Figures' }).first().click();
  await page.getByRole('heading', { name: 'Figures', level: 1 }).waitFor();
  const table = page.getByRole('table', { name: /^Prompts by rule,/ });
  await table.waitFor({ timeout: 15_000 });
  const header = await table.locator('thead th').allTextContents();
  const rows: Array<Record<string, string | null | undefined>> = [];
  for (const row of await table.locator('tbody tr').all()) {
    const cells = [await row.locator('th').textContent(), ...(await row.locator('td').allTextContents())];
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i]])));
  }
  const answered = rows.filter((r) => r.Shown !== '0');
  expect(answered).toEqual([
    expect.objectContaining({
      Shown: '1',
      'Acted on (referral sent)': '0',
      Overridden: '1',
      'Overridden: Employer occupational health in place': '1',
    }),
  ]);
  expect(await page.locator('canvas[role="img"]').count()).toBeGreaterThan(0);
  await bothWidths(page, 'figures');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Download CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^figures-A99999-\d{4}-\d{2}-\d{4}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path()) as string, 'utf8');
  expect(csv).toMatch(/employer-oh-in-place|Employer occupational health in place/);
});

it('filters the audit trail and downloads it as CSV', async () => {
  await page.getByRole('link', { name: 'Audit' }).first().click();
  await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
  const table = page.getByRole('table', { name: /records?, newest first$/ });
  await table.waitFor({ timeout: 15_000 });
  await bothWidths(page, 'audit');

  await page.getByLabel('What happened').selectOption('audit-read');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('table tbody tr td:nth-child(2)')].map((c) => c.textContent);
    return cells.length > 0 && cells.every((t) => t === 'What happened Audit trail read');
  });
  const whats = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  // Each cell starts with its column's name, shown in place of the header on a narrow screen.
  expect(new Set(whats)).toEqual(new Set(['What happened Audit trail read']));
  await bothWidths(page, 'audit-filtered');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Download CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path()) as string, 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toContain('recorded');
  expect(lines.slice(1).every((l) => l.includes('audit-read'))).toBe(true);
  // The CSV is read after the table's own query was audited: at least as many records.
  expect(lines.length).toBeGreaterThanOrEqual(whats.length + 1);
});
