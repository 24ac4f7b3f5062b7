/**
 * The referral hub's figures (issue 4): referrals accepted per second on SQLite (a real file, WAL,
 * synchronous FULL) with 16 clients, and p50/p99 acceptance latency at a steady 100 requests/s; then
 * the same bundles POSTed as transactions to @medplum/fhir-router + MemoryRepository behind a plain
 * HTTP server (a sandbox-hosted provider endpoint, src/sandbox/providers.ts), and the ratio.
 *
 * The hub runs as production runs it: in its own Node process (hubProcess.ts, startHub from HUB_*
 * variables), while the sandbox (the EHR) and the load client share this process. The sandbox
 * issues one real access token for Peter through its SMART launch, checked by the hub at the
 * sandbox's introspection endpoint (then cached, as in production). The delivery worker is off:
 * acceptance is what is measured. Each figure is taken with profile validation on (the default) and
 * off (HUB_VALIDATE_PROFILES=false), each on a fresh database.
 *
 * Run on its own (after `npm run build`): `node dist/tests/bench/hub.js` (HUB_BENCH_MODES=on|off to
 * take one mode, HUB_BENCH_ROUTER=false to skip fhir-router, HUB_BENCH_NODE_OPTIONS for the hub
 * process, e.g. --cpu-prof).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { PROFILE, type ServiceType } from '../../src/domain/codes.js';
import { type Provider, parseDirectory } from '../../src/domain/directory.js';
import { buildReferral } from '../../src/domain/referral.js';
import { validateAgainstProfile, validateAgainstProfileFast } from '../../src/fhir/validate.js';
import { launchAsApp } from '../../src/sandbox/appLaunch.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { examplesConfigSource } from '../../src/server/config/files.js';
import { readReferralBundle } from '../../src/server/routes/referralBundle.js';
import { peterFitNotes, peterForm } from '../fixtures/referralForms.js';

type Line = (label: string, value: string, goal: string) => void;

const CLIENTS = 16;
/** Referrals for the accepted/s figure: with profile validation (about 100/s) fewer, to keep the run short. */
const THROUGHPUT_REFERRALS = { plain: 2_000, validating: 1_000 };
/**
 * Transactions for the fhir-router figure: MemoryRepository answers each conditional create by
 * scanning every stored resource of the type, so its rate falls as it fills (about 25/s after 300).
 */
const ROUTER_TRANSACTIONS = 200;
const RATE_PER_SECOND = 100;
const RATE_SECONDS = 10;
/**
 * Referrals sent one at a time before measuring: a long-running hub's steady state, not its first
 * seconds (V8 compiles the validator's hot paths only after a few hundred referrals per thread).
 */
const WARM_UP = 200;
const PROVIDER_ID = 'case-managed-support';
const SERVICES: ServiceType[] = ['case-management', 'workplace-mediation', 'psychological-therapy'];

/**
 * `count` distinct referrals for Peter (serialised): each combination of the provider's services
 * with episode starts on successive days, so every business identifier differs.
 */
function referralBodies(count: number, provider: Provider): string[] {
  const combos: ServiceType[][] = [];
  for (let mask = 1; mask < 1 << SERVICES.length; mask++) {
    combos.push(SERVICES.filter((_, i) => mask & (1 << i)));
  }
  const bodies: string[] = [];
  const last = Date.UTC(2026, 10, 19);
  for (let i = 0; i < count; i++) {
    const serviceTypes = combos[i % combos.length] as ServiceType[];
    const start = new Date(last - Math.floor(i / combos.length) * 86_400_000).toISOString().slice(0, 10);
    const bundle: Bundle = buildReferral({
      patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
      practice: { odsCode: 'A99999', name: 'Example Street Surgery' },
      requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr A Example' },
      provider,
      episode: { start },
      // As the GP app sends it: the episode's fit notes referenced, and copied in as the consent allows.
      fitNoteRefs: peterFitNotes.map((n) => n.ref),
      fitNotes: peterFitNotes,
      form: peterForm({ serviceTypes }),
      authoredOn: '2026-11-20T10:20:00Z',
    });
    bodies.push(JSON.stringify(bundle));
  }
  return bodies;
}

interface Answer {
  status: number;
  body: string;
}

/** A keep-alive HTTP client posting FHIR JSON to one URL. */
function poster(url: string, headers: Record<string, string>, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const post = (body: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: {
            ...headers,
            'content-type': 'application/fhir+json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

function check(answer: Answer, expected: number[], what: string): void {
  if (!expected.includes(answer.status)) {
    throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  }
}

/** Posts every body with `clients` requests in flight; bodies per second. */
async function closedLoop(
  bodies: readonly string[],
  clients: number,
  post: (body: string) => Promise<Answer>,
  expected: number[],
  what: string,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        check(await post(body), expected, what);
      }
    }),
  );
  return (bodies.length / (performance.now() - start)) * 1000;
}

/**
 * Sends one body every 1000/rate ms whatever the answers (open loop); each latency runs from when
 * the request was due, so a stall counts against every request it delays.
 */
async function openLoop(
  bodies: readonly string[],
  rate: number,
  post: (body: string) => Promise<Answer>,
  what: string,
): Promise<number[]> {
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      post(bodies[i] as string).then((answer) => {
        check(answer, [201], what);
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

const fmt = (n: number) => n.toLocaleString('en-GB');

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface HubProcess {
  url: string;
  /** The CPU time the hub process has used so far (ms). */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the hub in its own process (hubProcess.ts) and waits for its address. */
function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  const entry = new URL('./hubProcess.js', import.meta.url);
  const extra = process.env.HUB_BENCH_NODE_OPTIONS;
  const child = spawn(process.execPath, [...(extra ? extra.split(' ') : []), entry.pathname], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (let newline = out.indexOf('\n'); newline >= 0; newline = out.indexOf('\n')) {
      const line = out.slice(0, newline);
      out = out.slice(newline + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = lines.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      exited.then(() => reject(new Error('The hub process stopped.')));
    });
  return nextLine().then((first) => {
    const { url } = JSON.parse(first) as { url: string };
    return {
      url,
      cpuMs: async () => {
        child.stdin.write('cpu\n');
        return (JSON.parse(await nextLine()) as { cpuMs: number }).cpuMs;
      },
      close: async () => {
        child.stdin.end();
        child.kill('SIGTERM');
        await exited;
      },
    };
  });
}

/** Profile validation alone on this thread: CPU ms per referral, exact (Medplum) and fast (validate.ts). */
function validatorFigures(line: Line, bodies: string[]): void {
  const parts = bodies.map((body) => readReferralBundle(JSON.parse(body)));
  const cpuMs = (check: typeof validateAgainstProfile, rounds: number) => {
    const start = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      for (const p of parts) {
        check(p.serviceRequest.resource, PROFILE.workHealthReferral);
        check(p.task.resource, PROFILE.referralTask);
        check(p.consent.resource, PROFILE.referralConsent);
      }
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / (rounds * parts.length);
  };
  for (const check of [validateAgainstProfile, validateAgainstProfileFast]) cpuMs(check, 4); // warm up
  const exact = cpuMs(validateAgainstProfile, 6);
  const fast = cpuMs(validateAgainstProfileFast, 6);
  line(
    'Profile validation CPU/referral, one thread: exact / fast (ratio)',
    `${exact.toFixed(2)} / ${fast.toFixed(2)} ms (${(exact / fast).toFixed(1)}×)`,
    '',
  );
}

export async function hubFigures(line: Line): Promise<void> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', hub: false });
  const dir = mkdtempSync(path.join(tmpdir(), 'hub-bench-'));
  try {
    const token = (await launchAsApp(sandbox, 'peter')).access_token;
    const configs = examplesConfigSource();
    const parsed = parseDirectory((await configs.get('A99999'))?.directory);
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const provider = parsed.directory.providers.find((p) => p.id === PROVIDER_ID) as Provider;
    const rateCount = RATE_PER_SECOND * RATE_SECONDS;
    const all = referralBodies(WARM_UP + THROUGHPUT_REFERRALS.plain + rateCount, provider);
    const warmUp = all.slice(0, WARM_UP);
    const throughput = all.slice(WARM_UP, WARM_UP + THROUGHPUT_REFERRALS.plain);
    const steady = all.slice(WARM_UP + THROUGHPUT_REFERRALS.plain);
    const gpHeaders = { authorization: `Bearer ${token}`, 'x-ehr-fhir-base': sandbox.fhirBaseUrl };
    validatorFigures(line, warmUp.slice(0, 50));

    const hubRates: Record<string, number> = {};
    const modes = (process.env.HUB_BENCH_MODES ?? 'on,off').split(',');
    for (const validate of [true, false].filter((v) => modes.includes(v ? 'on' : 'off'))) {
      const hub = await startHubProcess({
        HUB_PORT: '0',
        HUB_HOST: '127.0.0.1',
        HUB_DB_PATH: path.join(dir, `hub-${validate ? 'validating' : 'plain'}.sqlite`),
        HUB_EHR_BASES: sandbox.fhirBaseUrl,
        HUB_INTROSPECTION_CLIENT_ID: sandbox.introspectionClient.id,
        HUB_INTROSPECTION_CLIENT_SECRET: sandbox.introspectionClient.secret,
        HUB_VALIDATE_PROFILES: String(validate),
      });
      const closed = poster(`${hub.url}/referrals`, gpHeaders, CLIENTS);
      const open = poster(`${hub.url}/referrals`, gpHeaders, Number.POSITIVE_INFINITY);
      try {
        const what = 'The hub';
        await closedLoop(warmUp, CLIENTS, closed.post, [200, 201], what);
        gc();
        const count = validate ? THROUGHPUT_REFERRALS.validating : THROUGHPUT_REFERRALS.plain;
        const cpuBefore = await hub.cpuMs();
        const rate = await closedLoop(throughput.slice(0, count), CLIENTS, closed.post, [201], what);
        const cpuPerReferral = ((await hub.cpuMs()) - cpuBefore) / count;
        hubRates[String(validate)] = rate;
        gc();
        const latencies = await openLoop(steady, RATE_PER_SECOND, open.post, what);
        const mode = validate ? 'profiles on' : 'profiles off';
        line(
          `Hub (own process): accepted/s, SQLite file, ${CLIENTS} clients, ${mode} (${fmt(count)})`,
          rate.toFixed(0),
          validate ? '≥ 500/s' : '',
        );
        line('  hub process CPU per accepted referral (all threads)', `${cpuPerReferral.toFixed(2)} ms`, '');
        line(
          `  acceptance at ${RATE_PER_SECOND}/s for ${RATE_SECONDS} s: p50 / p99`,
          `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`,
          validate ? 'p99 < 25 ms' : '',
        );
      } finally {
        closed.close();
        open.close();
        await hub.close();
      }
    }

    if (process.env.HUB_BENCH_ROUTER === 'false') return;
    // The same bundles as FHIR transactions to fhir-router + MemoryRepository (a provider endpoint),
    // hosted by the sandbox in this process.
    const base = `${sandbox.url}/providers/${PROVIDER_ID}/fhir`;
    const router = poster(base, {}, CLIENTS);
    try {
      const what = 'The fhir-router server';
      // 20 only: MemoryRepository slows as it fills, and its figure has always followed 20.
      for (const body of warmUp.slice(0, 20)) check(await router.post(body), [200], what);
      gc();
      const routerRate = await closedLoop(
        throughput.slice(0, ROUTER_TRANSACTIONS),
        CLIENTS,
        router.post,
        [200],
        what,
      );
      line(
        `fhir-router + MemoryRepository: transactions/s (${ROUTER_TRANSACTIONS})`,
        routerRate.toFixed(0),
        'baseline',
      );
      line(
        'Ratio (hub ÷ fhir-router), profiles on / off',
        `${((hubRates.true ?? 0) / routerRate).toFixed(2)}× / ${((hubRates.false ?? 0) / routerRate).toFixed(2)}×`,
        '',
      );
    } finally {
      router.close();
    }
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/tests/bench/hub.js`: the hub's figures alone.
if (process.argv[1] !== undefined && new URL(import.meta.url).pathname === path.resolve(process.argv[1])) {
  await hubFigures((label, value, goal) =>
    console.log(`${label.padEnd(70)} ${value.padStart(16)}   ${goal}`),
  );
}
