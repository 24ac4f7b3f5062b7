/**
 * Real-browser helpers for the e2e tests: Debian's Chromium driven by playwright-core (the machine
 * cannot download a browser of its own), and axe-core run inside the page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

// Resolves from the project root: works both under jest (CommonJS) and in the built bench (ESM).
const require_ = createRequire(join(process.cwd(), 'package.json'));

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Containers may give /dev/shm only 64 MB, where Chromium can crash on large full-page
      // screenshots; this makes it use /tmp for that memory instead.
      '--disable-dev-shm-usage',
      // The UI language decides how <input type="date"> shows its value (the context's locale alone
      // leaves it mm/dd/yyyy); a UK GP's machine shows dd/mm/yyyy. Chromium needs its en-GB locale
      // file for this (Debian: the chromium-l10n package); without it the display stays US.
      '--lang=en-GB',
    ],
    env: { ...process.env, LANG: 'en_GB.UTF-8', LANGUAGE: 'en_GB' },
  });
}

/** The date every e2e sandbox builds its records for, and the date the browser's clock shows. */
export const E2E_TODAY = '2026-11-21';

export interface UkContextOptions {
  /** Viewport width in CSS pixels (400: the EHR's side panel). */
  width: number;
  height?: number;
  /**
   * The browser's date (`YYYY-MM-DD`): Date.now() is fixed at noon on it (timers still run), so the
   * app's "today" matches the sandbox's records whatever day the tests run. Default E2E_TODAY;
   * `null` leaves the real clock.
   */
  today?: string | null;
}

/**
 * A browser context set up like a UK GP's machine: en-GB locale (so `<input type="date">` shows
 * dd/mm/yyyy) and the Europe/London time zone. CSP is bypassed so axe can be injected.
 */
export async function newUkContext(browser: Browser, options: UkContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height ?? 900 },
    bypassCSP: true,
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  const today = options.today === undefined ? E2E_TODAY : options.today;
  if (today !== null) await context.clock.setFixedTime(new Date(`${today}T12:00:00Z`));
  return context;
}

/** A page in its own UK context (closing the page's context closes the page). */
export async function newUkPage(browser: Browser, options: UkContextOptions): Promise<Page> {
  const context = await newUkContext(browser, options);
  const page = await context.newPage();
  // The close event can arrive after the suite has started closing the browser; the context then goes
  // with it, and the rejection (which jest would pin on the suite's afterAll, failing every test in the
  // file) says nothing worth reporting.
  page.once('close', () => {
    context.close().catch(() => undefined);
  });
  return page;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core (WCAG 2.x A/AA and best practice) on the page; returns its violations. `disableRules`
 * turns named rules off (say why where it is used).
 */
export async function axe(page: Page, disableRules: readonly string[] = []): Promise<AxeViolation[]> {
  const source = readFileSync(require_.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  return page.evaluate(async (disabled) => {
    const result = await (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      rules: Object.fromEntries(disabled.map((id) => [id, { enabled: false }])),
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  }, disableRules);
}

/** Readable summary of violations for a failing assertion. */
export function describeViolations(violations: readonly AxeViolation[]): string[] {
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
