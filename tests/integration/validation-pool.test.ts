/**
 * The hub's profile-validation pool (src/server/validation.ts) with its real worker threads: the
 * compiled worker (dist/src/server/validationWorker.js, built by `npm run build`; built here when
 * missing), since worker threads cannot run the TypeScript sources jest runs.
 * The pool must answer exactly what the main thread would (the same 422 OperationOutcome at Send),
 * replace a thread that dies without losing the check it was doing, and stop its threads on close.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bundle, ServiceRequest, Task } from '@medplum/fhirtypes';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { buildHub } from '../../src/server/app.js';
import { examplesConfigSource } from '../../src/server/config/files.js';
import { HubError } from '../../src/server/errors.js';
import { profileProblems, readReferralBundle } from '../../src/server/routes/referralBundle.js';
import { openStore } from '../../src/server/store/index.js';
import { caller, copy, peterReferral, sandboxToken } from '../../src/server/testSupport.js';
import {
  inlineValidator,
  type ProfileValidator,
  startValidationPool,
  type ValidationPool,
} from '../../src/server/validation.js';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'src', 'server', 'validationWorker.js');
const script = pathToFileURL(WORKER);

beforeAll(() => {
  if (!existsSync(WORKER)) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (!existsSync(WORKER)) throw new Error(`The build failed:\n${build.stdout}\n${build.stderr}`);
  }
});

const pools: ValidationPool[] = [];
function pool(size: number, onThreadExit?: (error: Error) => void): ValidationPool {
  const p = startValidationPool({ size, script, ...(onThreadExit ? { onThreadExit } : {}) });
  pools.push(p);
  return p;
}
/** One pool for the tests that do not stop or break it (each thread takes seconds to start). */
let shared: ValidationPool;
beforeAll(() => {
  shared = pool(2);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

const stamp = { authoredOn: '2026-11-21T09:00:00Z' };
const broken: Array<[string, (b: Bundle) => void]> = [
  ['nothing wrong', () => {}],
  [
    'a ServiceRequest intent the profile forbids',
    (b) => {
      (b.entry?.[0]?.resource as ServiceRequest).intent = 'plan';
    },
  ],
  [
    'an unknown element on the ServiceRequest',
    (b) => {
      (b.entry?.[0]?.resource as unknown as Record<string, unknown>).colour = 'blue';
    },
  ],
  [
    'a Task without its status',
    (b) => {
      const task = b.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Partial<Task>;
      delete task.status;
    },
  ],
  [
    'a Consent with a bad scope code',
    (b) => {
      const consent = b.entry?.find((e) => e.resource?.resourceType === 'Consent')?.resource as {
        scope: { coding: Array<{ code: string }> };
      };
      (consent.scope.coding[0] as { code: string }).code = 'not-a-scope';
    },
  ],
];

const partsOf = (change: (b: Bundle) => void) => {
  const b = copy(peterReferral(stamp));
  change(b);
  return readReferralBundle(b);
};

describe('the validation pool', () => {
  it.each(broken)('answers exactly what the main thread does: %s', async (_label, change) => {
    const parts = partsOf(change);
    const expected = profileProblems(parts);
    expect(await shared.problems(parts)).toEqual(expected);
  });

  it('finds problems in the broken variants (so the table above can fail)', () => {
    for (const [label, change] of broken.slice(1)) {
      expect([label, profileProblems(partsOf(change)).length > 0]).toEqual([label, true]);
    }
  });

  it('answers many checks at once, each with its own referral’s problems', async () => {
    const p = shared;
    const all = Array.from({ length: 20 }, (_, i) =>
      partsOf((broken[i % broken.length] as [string, (b: Bundle) => void])[1]),
    );
    const answers = await Promise.all(all.map((parts) => p.problems(parts)));
    expect(answers).toEqual(all.map((parts) => profileProblems(parts)));
  });

  it('replaces a thread that dies, and the check it was doing is answered by another', async () => {
    const exits: Error[] = [];
    const p = pool(1, (error) => exits.push(error));
    const [first] = p.workers();
    await p.problems(partsOf(() => {})); // warmed up and idle
    const parts = partsOf(broken[1]?.[1] as (b: Bundle) => void);
    const answer = p.problems(parts);
    await first?.terminate(); // dies mid-check
    expect(await answer).toEqual(profileProblems(parts));
    expect(exits).toHaveLength(1);
    expect(p.workers()).toHaveLength(1);
    expect(p.workers()[0]).not.toBe(first);
    expect(await p.problems(partsOf(() => {}))).toEqual([]);
  });

  it('on close stops its threads and refuses later checks with a 503 to retry', async () => {
    const p = pool(2);
    const threads = [...p.workers()];
    const exited = threads.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    await p.close();
    await Promise.all(exited);
    const refusal = await p.problems(partsOf(() => {})).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(HubError);
    expect((refusal as HubError).status).toBe(503);
    expect((refusal as HubError).problems[0]?.text).toMatch(/Send it again/);
  });
});

describe('POST /referrals with the pool', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', hub: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function answer(validator: ProfileValidator, body: Bundle) {
    const store = await openStore({ sqlitePath: ':memory:' });
    const app = buildHub({
      store,
      settings: {
        ehrBases: [sandbox.fhirBaseUrl],
        introspectionClient: sandbox.introspectionClient,
        corsOrigins: [],
        validateProfiles: true,
      },
      configSource: examplesConfigSource(),
      validator,
    });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const token = await sandboxToken(sandbox, 'peter');
      const res = await caller(() => url)({
        method: 'POST',
        url: '/referrals',
        headers: {
          'content-type': 'application/fhir+json',
          authorization: `Bearer ${token.access_token}`,
          'x-ehr-fhir-base': sandbox.fhirBaseUrl,
        },
        payload: JSON.stringify(body),
      });
      return {
        status: res.statusCode,
        body: res.json() as unknown,
        stored: (await store.listReferrals({})).length,
      };
    } finally {
      await app.close();
      await store.close();
    }
  }

  it.each(broken.slice(1))(
    'gives the same 422 OperationOutcome as the main thread, storing nothing: %s',
    async (_l, change) => {
      const b = copy(peterReferral(stamp));
      change(b);
      const inline = await answer(inlineValidator(), b);
      const pooled = await answer(shared, b);
      expect(pooled).toEqual(inline);
      expect(pooled).toMatchObject({ status: 422, body: { resourceType: 'OperationOutcome' }, stored: 0 });
    },
  );

  it('accepts a referral that conforms', async () => {
    expect(await answer(shared, copy(peterReferral(stamp)))).toMatchObject({ status: 201, stored: 1 });
  });
});
