/**
 * The referral hub as a real process (`node dist/src/server/bin.js`, built by `npm run build`),
 * delivering to providers' endpoints that go down, fail, slow down and recover, and killed with
 * SIGKILL mid-delivery: every referral the hub accepted arrives exactly once (counted at the provider
 * by the referral's business identifier).
 *
 * The sandbox (in this process) is the EHR and the SMART authorization server the hub checks tokens
 * with; each provider is the sandbox's own provider FHIR endpoint (transactions, conditional create,
 * $process-message) behind a switch the test controls (testSupport.ts). Backoff, timeouts and leases
 * are set small through the hub's environment, so each test takes seconds. Runs on SQLite, and also
 * on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import pg from 'pg';
import type { Provider } from '../../src/domain/directory.js';
import { buildReferral } from '../../src/domain/referral.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import {
  type ControllableProvider,
  startControllableProvider,
  testProvider,
} from '../../src/server/delivery/testSupport.js';
import { type SandboxToken, sandboxToken } from '../../src/server/testSupport.js';
import { peterForm } from '../fixtures/referralForms.js';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'server', 'bin.js');
const PG_URL = process.env.TEST_DATABASE_URL;
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** Small settings so a test takes seconds: retries within ~50–200 ms, 1 s attempts, 2.5 s leases. */
const DELIVERY_ENV = {
  HUB_DELIVERY_BASE_MS: '50',
  HUB_DELIVERY_CAP_MS: '200',
  HUB_DELIVERY_GIVE_UP_MS: '60000',
  HUB_DELIVERY_TIMEOUT_MS: '1000',
  HUB_DELIVERY_LEASE_MS: '2500',
  HUB_DELIVERY_POLL_MS: '50',
  HUB_DELIVERY_PER_PROVIDER: '2',
  HUB_DELIVERY_CONCURRENCY: '8',
};

beforeAll(() => {
  if (!existsSync(BIN)) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`The build failed:\n${build.stdout}\n${build.stderr}`);
  }
});

interface Database {
  name: string;
  env(): Record<string, string>;
  cleanup(): Promise<void>;
}

function sqlite(): Database {
  const dir = mkdtempSync(join(SCRATCH, 'hub-delivery-it-'));
  return {
    name: 'sqlite',
    env: () => ({ HUB_DB_PATH: join(dir, 'hub.sqlite') }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgres(url: string): Database {
  const schema = `hub_it_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  return {
    name: 'postgres',
    env: () => ({ DATABASE_URL: url, DATABASE_SCHEMA: schema }),
    async cleanup() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** The hub, started with `node dist/src/server/bin.js`. */
class HubProcess {
  private child?: ChildProcess;
  url = '';
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.url = '';
    const child = spawn(process.execPath, [BIN], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, HUB_PORT: '0', HUB_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The hub did not start:\n${this.output}`)), 20_000);
      let mine = '';
      const read = (chunk: Buffer) => {
        this.output += chunk.toString();
        mine += chunk.toString();
        const match = /running at (http:\/\/[^/\s]+)\//.exec(mine);
        if (match?.[1] && !this.url) {
          this.url = match[1];
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!this.url) reject(new Error(`The hub exited (${code}) before starting:\n${this.output}`));
      });
    });
  }

  /** Kills the process outright (no clean shutdown) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM: the hub stops cleanly. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const databases: Array<() => Database> = [sqlite, ...(PG_URL ? [() => postgres(PG_URL)] : [])];

describe.each(databases.map((make) => ({ name: make().name, make })))(
  'the hub process on $name',
  ({ make }) => {
    let sandbox: RunningSandbox;
    let rest: ControllableProvider;
    let bars: ControllableProvider;
    let restProvider: Provider;
    let barsProvider: Provider;
    let token: SandboxToken;
    let configDir: string;
    let db: Database;
    let hub: HubProcess;
    let episode = 0;

    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
      rest = await startControllableProvider('it-rest-provider');
      bars = await startControllableProvider('it-bars-provider');
      restProvider = {
        ...testProvider('it-rest-provider', rest.baseUrl, 'fhir-rest'),
        services: ['case-management'],
      };
      barsProvider = {
        ...testProvider('it-bars-provider', bars.baseUrl, 'bars-message'),
        services: ['case-management'],
      };
      // The sandbox practice's own settings, with the two test providers added to its directory.
      const directory = JSON.parse(readFileSync(join(ROOT, 'examples', 'directory.json'), 'utf8')) as {
        providers: unknown[];
      };
      const rules = JSON.parse(readFileSync(join(ROOT, 'examples', 'rules.json'), 'utf8')) as unknown;
      configDir = mkdtempSync(join(SCRATCH, 'hub-config-'));
      mkdirSync(configDir, { recursive: true });
      writeFileSync(
        join(configDir, 'A99999.json'),
        JSON.stringify({
          rules,
          directory: { ...directory, providers: [...directory.providers, restProvider, barsProvider] },
        }),
      );
      token = await sandboxToken(sandbox, 'peter');
    });

    afterAll(async () => {
      await rest?.close();
      await bars?.close();
      await sandbox?.close();
      rmSync(configDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      db = make();
      hub = new HubProcess({
        ...db.env(),
        ...DELIVERY_ENV,
        HUB_CONFIG_DIR: configDir,
        HUB_EHR_BASES: sandbox.fhirBaseUrl,
        HUB_INTROSPECTION_CLIENT_ID: sandbox.introspectionClient.id,
        HUB_INTROSPECTION_CLIENT_SECRET: sandbox.introspectionClient.secret,
        HUB_VALIDATE_PROFILES: 'false',
      });
      rest.behave({ kind: 'normal' });
      bars.behave({ kind: 'normal' });
      await rest.up();
      await hub.start();
    });

    afterEach(async () => {
      await hub.stop();
      await db.cleanup();
    });

    /** A new referral for Peter (a new episode start makes a new business identifier). */
    function referral(provider: Provider): { bundle: Bundle; id: string } {
      episode++;
      const bundle = buildReferral({
        patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
        practice: { odsCode: 'A99999', name: 'Example Street Surgery' },
        requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr A Example' },
        provider,
        episode: { start: new Date(Date.UTC(2026, 0, 1) + episode * 86_400_000).toISOString().slice(0, 10) },
        fitNoteRefs: ['Observation/fitnote-peter-1'],
        form: peterForm({
          serviceTypes: ['case-management'],
          modality: 'telephone',
          employerLiaison: { requested: false, shareWithEmployer: [] },
        }),
        authoredOn: '2026-11-20T10:20:00Z',
      });
      const sr = bundle.entry?.[0]?.resource as ServiceRequest;
      return { bundle, id: sr.identifier?.[0]?.value as string };
    }

    const auth = () => ({
      Authorization: `Bearer ${token.access_token}`,
      'X-EHR-FHIR-Base': sandbox.fhirBaseUrl,
    });

    async function send(bundle: Bundle): Promise<number> {
      const response = await fetch(`${hub.url}/referrals`, {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(bundle),
      });
      if (response.status >= 300)
        throw new Error(`The hub refused the referral: ${response.status} ${await response.text()}`);
      return response.status;
    }

    async function view(
      id: string,
    ): Promise<{ deliveryState: string; lastDeliveryError?: string; provider: { phone?: string } }> {
      const response = await fetch(`${hub.url}/referrals/${id}`, { headers: auth() });
      expect(response.status).toBe(200);
      return (await response.json()) as { deliveryState: string; provider: { phone?: string } };
    }

    const allDelivered = (ids: string[]) => async () =>
      (await Promise.all(ids.map(async (id) => (await view(id)).deliveryState))).every(
        (s) => s === 'delivered',
      );

    /** Every referral arrived, exactly once; nothing else arrived. */
    async function expectExactlyOnce(provider: ControllableProvider, ids: string[]): Promise<void> {
      const received = (await provider.serviceRequestIdentifiers()).filter((i) => ids.includes(i));
      expect(received.sort()).toEqual([...ids].sort());
    }

    it('provider down, then failing with 500s, then slow, then recovering: every referral arrives exactly once', async () => {
      await rest.down();
      const restBefore = rest.requests();
      const barsBefore = bars.requests();
      // REST provider, once back up: three 500s, one answer too slow for the hub's 1 s limit, then normal.
      rest.behave((i) => {
        const k = i - restBefore;
        return k <= 3
          ? { kind: 'status', status: 500 }
          : k === 4
            ? { kind: 'slow', delayMs: 1500 }
            : { kind: 'normal' };
      });
      // BaRS provider: 503 with Retry-After, a hang-up, a slow answer, then normal.
      bars.behave((i) => {
        const k = i - barsBefore;
        return k <= 2
          ? { kind: 'status', status: 503, retryAfter: '0' }
          : k === 3
            ? { kind: 'hang-up' }
            : k === 4
              ? { kind: 'slow', delayMs: 1500 }
              : { kind: 'normal' };
      });
      const restIds: string[] = [];
      const barsIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = referral(restProvider);
        expect(await send(r.bundle)).toBe(201);
        restIds.push(r.id);
        const b = referral(barsProvider);
        expect(await send(b.bundle)).toBe(201);
        barsIds.push(b.id);
      }
      // Down for a while: the hub keeps the REST referrals pending and says why.
      await new Promise((r) => setTimeout(r, 800));
      const waiting = await view(restIds[0] as string);
      expect(waiting.deliveryState).toBe('pending');
      expect(waiting.lastDeliveryError).toMatch(/could not reach .*refused/);
      await rest.up();
      await eventually(allDelivered([...restIds, ...barsIds]), 'every referral is delivered');
      await expectExactlyOnce(rest, restIds);
      await expectExactlyOnce(bars, barsIds);
      expect(rest.requests() - restBefore).toBeGreaterThan(5);
    });

    it('killed with SIGKILL mid-delivery and restarted: nothing lost, nothing doubled', async () => {
      // The provider stores each referral, then holds its answer (the hub is killed before it arrives).
      rest.behave({ kind: 'slow', delayMs: 800 });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = referral(restProvider);
        expect(await send(r.bundle)).toBe(201);
        ids.push(r.id);
      }
      await eventually(
        async () => (await rest.serviceRequestIdentifiers()).some((i) => ids.includes(i)),
        'a delivery is under way',
      );
      // Accepted just before the kill: in the outbox, not yet sent.
      const late = referral(restProvider);
      expect(await send(late.bundle)).toBe(201);
      ids.push(late.id);
      await hub.kill();
      rest.behave({ kind: 'normal' });
      await hub.start();
      await eventually(allDelivered(ids), 'every referral is delivered after the restart');
      await expectExactlyOnce(rest, ids);
      expect(hub.output).not.toMatch(/Error:|TypeError/);
    });

    it('the same referral sent twice (and again after delivery): one ServiceRequest at the provider', async () => {
      const r = referral(restProvider);
      const b = referral(barsProvider);
      expect(await Promise.all([send(r.bundle), send(r.bundle)])).toEqual(expect.arrayContaining([201]));
      expect(await send(b.bundle)).toBe(201);
      expect(await send(b.bundle)).toBe(200);
      await eventually(allDelivered([r.id, b.id]), 'both are delivered');
      expect(await send(r.bundle)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await rest.serviceRequestsFor(r.id)).toBe(1);
      expect(await bars.serviceRequestsFor(b.id)).toBe(1);
    });

    it('a provider that refuses the referral: delivery failed at once, with its words and its phone number', async () => {
      rest.behave({ kind: 'status', status: 422, text: 'We cannot take referrals for this service.' });
      const r = referral(restProvider);
      await send(r.bundle);
      await eventually(async () => (await view(r.id)).deliveryState === 'failed', 'the delivery has failed');
      const failed = await view(r.id);
      expect(failed.lastDeliveryError).toMatch(/HTTP 422: We cannot take referrals for this service\./);
      expect(failed.provider.phone).toBe('0113 496 0999');
      expect(await rest.serviceRequestsFor(r.id)).toBe(0);
    });
  },
);
