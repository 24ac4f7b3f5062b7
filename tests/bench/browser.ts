/**
 * The GP app's launch figures, measured in Debian's Chromium against the sandbox with 50 ms of
 * latency injected on every FHIR request: sequential round trips from the token to the prompt,
 * time from the token response to the prompt on screen, the same figure for the built app using the
 * naive loader (one resource type after another; the bench asks for it through sessionStorage, see
 * main.tsx) and the ratio, the two loaders alone in Node for reference, and the gzipped size of the
 * JavaScript the app page loads first. Needs `npm run build:web` (npm run bench does it).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { loadContext } from '../../src/app/load/loadContext.js';
import { loadContextNaive } from '../../src/app/load/naive.js';
import { fetchRequester } from '../../src/app/smart/index.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { createLaunch } from '../../src/sandbox/smartAuth.js';
import { launchBrowser } from '../e2e/browser.js';

interface Timing {
  url: string;
  start: number;
  end: number;
}

interface PageFigures {
  tokenAt: number;
  promptAt: number;
  requests: Timing[];
  token: { access_token: string; patient: string; scope: string };
}

/** Runs in the page before the app: times every fetch and notes when the prompt dialog appears. */
function instrument(): void {
  const bench = { requests: [] as Timing[], tokenAt: 0, promptAt: 0, token: undefined as unknown };
  (window as unknown as { __bench: typeof bench }).__bench = bench;
  const original = window.fetch.bind(window);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const start = performance.now();
    const response = await original(input, init);
    const end = performance.now();
    bench.requests.push({ url, start, end });
    if (url.includes('/auth/token')) {
      bench.tokenAt = end;
      bench.token = await response.clone().json();
    }
    return response;
  };
  new MutationObserver(() => {
    if (bench.promptAt === 0 && document.querySelector('[role="dialog"]')) bench.promptAt = performance.now();
  }).observe(document, { childList: true, subtree: true });
}

/**
 * The longest chain of requests between the token and the prompt on screen, each starting after the
 * one before it ended. (Requests after the prompt, such as the panel asking the hub for referral
 * progress, do not hold the prompt up.)
 */
function sequentialRounds(requests: readonly Timing[], after: number, before: number): number {
  const later = requests.filter((r) => r.start >= after && r.end <= before).sort((a, b) => a.start - b.start);
  const depth = new Map<Timing, number>();
  for (const r of later) {
    let d = 1;
    for (const q of later) if (q.end <= r.start && (depth.get(q) ?? 0) + 1 > d) d = (depth.get(q) ?? 0) + 1;
    depth.set(r, d);
  }
  return Math.max(0, ...depth.values());
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Gzipped bytes of the scripts the app page loads before anything else (entry and its preloads). */
function initialScriptBytes(): { files: number; gzipped: number } {
  const html = readFileSync('dist/web/app/index.html', 'utf8');
  const urls = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => (m[1] ?? m[2]) as string);
  const gzipped = urls.reduce(
    (sum, url) => sum + gzipSync(readFileSync(`dist/web${url}`), { level: 9 }).length,
    0,
  );
  return { files: urls.length, gzipped };
}

export async function browserFigures(
  line: (label: string, value: string, goal: string) => void,
): Promise<void> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', latencyMs: 50 });
  // The same Chromium, with the same flags, as the browser tests.
  const browser = await launchBrowser();
  try {
    /** Token → prompt in Chromium, six launches of Peter (the first warms up), with the given loader. */
    const measure = async (loader: 'app' | 'naive') => {
      const runs: PageFigures[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await browser.newPage({ viewport: { width: 400, height: 900 } });
        if (loader === 'naive')
          await page.addInitScript(() => sessionStorage.setItem('fitnote-prompt:loader', 'naive'));
        await page.addInitScript(instrument);
        const launch = createLaunch({
          patient: 'peter',
          fhirUser: 'Practitioner/gp-1',
          needPatientBanner: false,
          smartStyleUrl: `${sandbox.url}/ehr/smart-style.json`,
          skipLogin: true,
        });
        await page.goto(
          `${sandbox.url}/launch/?iss=${encodeURIComponent(sandbox.fhirBaseUrl)}&launch=${launch}`,
        );
        await page.getByRole('dialog').waitFor({ timeout: 30_000 });
        runs.push(
          (await page.evaluate(() => (window as unknown as { __bench: PageFigures }).__bench)) as PageFigures,
        );
        await page.close();
      }
      const measured = runs.slice(1); // the first run warms the server and the browser's caches
      return {
        runs,
        rounds: Math.max(...measured.map((r) => sequentialRounds(r.requests, r.tokenAt, r.promptAt))),
        toPrompt: median(measured.map((r) => r.promptAt - r.tokenAt)),
      };
    };
    const app = await measure('app');
    const naiveApp = await measure('naive');
    const runs = app.runs;
    line('GP app: sequential round trips, token → prompt (50 ms latency)', String(app.rounds), '≤ 2');
    line(
      'GP app: token → prompt on screen, Chromium, median of 5',
      `${app.toPrompt.toFixed(0)} ms`,
      '≤ 300 ms',
    );
    line(
      `  the same app, naive loader (${naiveApp.rounds} sequential round trips)`,
      `${naiveApp.toPrompt.toFixed(0)} ms`,
      '',
    );
    line('  ratio, token → prompt (naive ÷ app)', `${(naiveApp.toPrompt / app.toPrompt).toFixed(1)}×`, '');

    // The same load by both loaders in Node, with a token the app was given.
    const token = (runs[runs.length - 1] as PageFigures).token;
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
    const options = {
      patientId: token.patient,
      fhirUser: 'Practitioner/gp-1',
      grantedScope: token.scope,
      config: { baseUrl: sandbox.url },
    };
    const time = async (load: typeof loadContext) => {
      const times: number[] = [];
      let trips = 0;
      for (let i = 0; i < 6; i++) {
        const start = performance.now();
        trips = (await load(requester, options)).roundTrips;
        if (i > 0) times.push(performance.now() - start);
      }
      return { ms: median(times), trips };
    };
    const fast = await time(loadContext);
    const naive = await time(loadContextNaive);
    line(`  loader alone in Node: app's loader (${fast.trips} round trips)`, `${fast.ms.toFixed(0)} ms`, '');
    line(
      `  loader alone in Node: naive loader (${naive.trips} round trips)`,
      `${naive.ms.toFixed(0)} ms`,
      '',
    );
    line('  ratio, loaders alone (naive ÷ app)', `${(naive.ms / fast.ms).toFixed(1)}×`, '');
  } finally {
    await browser.close();
    await sandbox.close();
  }
  const size = initialScriptBytes();
  line(
    `GP app: initial JavaScript, gzipped (${size.files} files)`,
    `${(size.gzipped / 1024).toFixed(1)} KB`,
    '≤ 150 KB',
  );
}
