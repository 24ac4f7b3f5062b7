/**
 * A provider's own system and the referral hub as a real process (`node dist/src/server/bin.js`,
 * registrations in a HUB_PROVIDER_CLIENTS file): the GP sends Peter's referral with a sandbox SMART
 * token; the provider's system gets a Backend Services token, finds the referral's Task, accepts it,
 * marks the patient contacted and completes it with an outcome; the GP's view shows it completed with
 * that outcome. A broken registrations file stops the hub at start, naming the file and the entry.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, ServiceRequest, Task } from '@medplum/fhirtypes';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { CODE_SYSTEM, ID_SYSTEM } from '../../src/domain/codes.js';
import type { ReferralOutcome } from '../../src/domain/outcome.js';
import { outcomeToTask } from '../../src/fhir/taskOutcome.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { CLIENT_ASSERTION_TYPE } from '../../src/server/auth/backendServices.js';
import { peterReferral, type SandboxToken, sandboxToken } from '../../src/server/testSupport.js';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'server', 'bin.js');

beforeAll(() => {
  if (!existsSync(BIN)) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`The build failed:\n${build.stdout}\n${build.stderr}`);
  }
});

/** Starts the hub process; resolves with its URL, or rejects with what it printed when it exits. */
function startHubProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN], {
    cwd: ROOT,
    env: { ...process.env, ...env, HUB_PORT: '0', HUB_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The hub did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[^/\s]+)\//.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child, output: () => output });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exit ${code}: ${output}`));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const outcome: ReferralOutcome = {
  returnToWorkGoal: 'different-role-same-employer',
  adjustments: [
    { code: 'phased-return', text: 'Four-hour days for two weeks, then full days' },
    { code: 'workplace-adaptations', text: 'A quiet desk away from the phones' },
  ],
  report: {
    title: 'Case management: closing summary',
    text: 'Peter met his case manager three times and agreed a move to the back-office team.',
  },
};

describe('a provider’s system through the hub process', () => {
  let sandbox: RunningSandbox;
  let gp: SandboxToken;
  let dir: string;
  let hub: { url: string; child: ChildProcess; output: () => string } | undefined;
  let privateKey: CryptoKey;
  let jwk: JWK;
  let referralId = '';

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', hub: false });
    gp = await sandboxToken(sandbox, 'peter');
    dir = mkdtempSync(join(tmpdir(), 'hub-provider-api-'));
    // The sandbox practice's settings, with the case management service taking referrals in the hub
    // (nothing is delivered anywhere else during this test).
    const directory = JSON.parse(readFileSync(join(ROOT, 'examples', 'directory.json'), 'utf8')) as {
      providers: Array<{ id: string; endpoint: unknown }>;
    };
    for (const p of directory.providers)
      if (p.id === 'case-managed-support') p.endpoint = { mode: 'hub-inbox' };
    const rules = JSON.parse(readFileSync(join(ROOT, 'examples', 'rules.json'), 'utf8')) as unknown;
    writeFileSync(join(dir, 'A99999.json'), JSON.stringify({ rules, directory }));
    const pair = await generateKeyPair('RS384', { extractable: true });
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'cms-2026', alg: 'RS384', use: 'sig' };
    writeFileSync(
      join(dir, 'clients.json'),
      JSON.stringify({
        clients: [{ clientId: 'cms-case-system', providerId: 'case-managed-support', jwks: { keys: [jwk] } }],
      }),
    );
    hub = await startHubProcess({
      HUB_DB_PATH: join(dir, 'hub.sqlite'),
      HUB_CONFIG_DIR: dir,
      HUB_EHR_BASES: sandbox.fhirBaseUrl,
      HUB_INTROSPECTION_CLIENT_ID: sandbox.introspectionClient.id,
      HUB_INTROSPECTION_CLIENT_SECRET: sandbox.introspectionClient.secret,
      HUB_VALIDATE_PROFILES: 'false',
      HUB_PROVIDER_CLIENTS: join(dir, 'clients.json'),
    });
  });

  afterAll(async () => {
    await stop(hub?.child);
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function providerToken(): Promise<string> {
    const url = hub?.url as string;
    const config = (await (await fetch(`${url}/fhir/.well-known/smart-configuration`)).json()) as {
      token_endpoint: string;
    };
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', kid: 'cms-2026', typ: 'JWT' })
      .setIssuer('cms-case-system')
      .setSubject('cms-case-system')
      .setAudience(config.token_endpoint)
      .setExpirationTime('4m')
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    const res = await fetch(config.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        scope: 'system/Task.rs system/Task.u system/ServiceRequest.rs',
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('accept, contacted, complete with an outcome: the GP sees the referral completed with that outcome', async () => {
    const url = hub?.url as string;
    const gpHeaders = { Authorization: `Bearer ${gp.access_token}`, 'X-EHR-FHIR-Base': sandbox.fhirBaseUrl };
    const bundle = peterReferral();
    const sent = await fetch(`${url}/referrals`, {
      method: 'POST',
      headers: { ...gpHeaders, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    expect(sent.status).toBe(201);
    const sr = bundle.entry?.[0]?.resource as ServiceRequest;
    referralId = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
    const id = referralId;

    const token = await providerToken();
    const fhir = (path: string, init: RequestInit = {}) =>
      fetch(`${url}/fhir${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/fhir+json',
          ...init.headers,
        },
      });

    const search = (await (await fhir('/Task?status=requested&_include=Task:focus')).json()) as Bundle;
    const found = search.entry?.find((e) => e.resource?.id === id);
    expect(found?.resource).toMatchObject({ resourceType: 'Task', status: 'requested' });
    expect(
      search.entry?.some((e) => e.resource?.resourceType === 'ServiceRequest' && e.resource.id === id),
    ).toBe(true);

    const update = async (change: Partial<Task>) => {
      const current = (await (await fhir(`/Task/${id}`)).json()) as Task;
      const res = await fhir(`/Task/${id}`, {
        method: 'PUT',
        headers: { 'If-Match': `W/"${current.meta?.versionId}"` },
        body: JSON.stringify({ ...current, ...change }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Task;
    };
    expect((await update({ status: 'accepted' })).status).toBe('accepted');
    expect(
      await update({
        status: 'in-progress',
        businessStatus: { coding: [{ system: CODE_SYSTEM.referralBusinessStatus, code: 'contacted' }] },
      }),
    ).toMatchObject({ status: 'in-progress', businessStatus: { coding: [{ code: 'contacted' }] } });
    const done = await update({ status: 'completed', ...outcomeToTask(outcome) });
    expect(done.status).toBe('completed');

    const view = await fetch(`${url}/referrals/${id}`, { headers: gpHeaders });
    expect(view.status).toBe(200);
    const seen = (await view.json()) as {
      status: string;
      outcome: unknown;
      timeline: Array<{ text: string }>;
    };
    expect(seen.status).toBe('completed');
    expect(seen.outcome).toEqual(outcome);
    expect(seen.timeline.map((t) => t.text).join('\n')).toMatch(/contacted the patient/);
  });

  it('refuses a token for another patient on the GP side, and an old token after a restart on the provider side', async () => {
    const john = await sandboxToken(sandbox, 'john');
    const other = await fetch(`${hub?.url}/referrals/${referralId}`, {
      headers: { Authorization: `Bearer ${john.access_token}`, 'X-EHR-FHIR-Base': sandbox.fhirBaseUrl },
    });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const token = await providerToken();
    await stop(hub?.child);
    hub = await startHubProcess({
      HUB_DB_PATH: join(dir, 'hub.sqlite'),
      HUB_CONFIG_DIR: dir,
      HUB_EHR_BASES: sandbox.fhirBaseUrl,
      HUB_INTROSPECTION_CLIENT_ID: sandbox.introspectionClient.id,
      HUB_INTROSPECTION_CLIENT_SECRET: sandbox.introspectionClient.secret,
      HUB_VALIDATE_PROFILES: 'false',
      HUB_PROVIDER_CLIENTS: join(dir, 'clients.json'),
    });
    const res = await fetch(`${hub.url}/fhir/Task`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toMatch(/before the hub restarted/);
    const fresh = await providerToken();
    const again = await fetch(`${hub.url}/fhir/Task`, { headers: { Authorization: `Bearer ${fresh}` } });
    expect(((await again.json()) as Bundle).entry?.length).toBe(1);
  });

  it('a broken registrations file stops the hub at start, naming the file and the entry', async () => {
    const file = join(dir, 'broken-clients.json');
    writeFileSync(file, JSON.stringify({ clients: [{ clientId: 'x', providerId: 'case-managed-support' }] }));
    await expect(
      startHubProcess({ HUB_DB_PATH: join(dir, 'other.sqlite'), HUB_PROVIDER_CLIENTS: file }),
    ).rejects.toThrow(/exit 1: .*broken-clients\.json.*client 1 \(clientId "x"\).*jwksUrl or jwks/s);
  });
});
