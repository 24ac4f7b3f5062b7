/**
 * The app's context loader against the real sandbox over HTTP: a real EHR launch (createLaunch,
 * authorize without the picker, token with PKCE S256), then loadContext with a fetch-based requester
 * carrying the token. Peter's record comes back whole in at most 2 sequential round trips; the naive
 * loader gives the same record with many more; both still work with 50 ms injected on every FHIR
 * request; and the loader's failure kinds show up for a revoked token and an unreachable server.
 */
import { readFile } from 'node:fs/promises';
import {
  type AppContext,
  type LoadOptions,
  loadContext,
  loadContextNaive,
} from '../../src/app/load/index.js';
import { fetchRequester, LaunchFailureError } from '../../src/app/smart/index.js';
import { APP_SCOPE, canWriteFrom } from '../../src/app/smart/scopes.js';
import { type AppLaunchToken, launchAsApp } from '../../src/sandbox/appLaunch.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { EXAMPLES_TODAY } from '../../src/sandbox/vignettes.js';

type Token = AppLaunchToken;

let practiceConfig: unknown;
const configRequests: string[] = [];

/** A stand-in for the deployment's config server: the shipped example rules and directory for any practice. */
const configFetch: typeof fetch = async (input) => {
  configRequests.push(String(input));
  return new Response(JSON.stringify(practiceConfig), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });
};

function optionsFor(token: Token): LoadOptions {
  return {
    patientId: token.patient,
    fhirUser: 'Practitioner/gp-1',
    grantedScope: token.scope,
    config: { configUrl: 'http://config.test/config/{ods}.json', fetch: configFetch },
  };
}

/** What must be the same whichever loader read it. */
function essentials(context: AppContext) {
  return {
    patient: context.record.patient,
    notes: context.record.notes,
    unreadable: context.record.unreadable,
    referrals: context.record.referrals,
    user: context.user,
    practice: context.practice,
    configSource: context.config.source,
  };
}

beforeAll(async () => {
  const [rules, directory] = await Promise.all([
    readFile('examples/rules.json', 'utf8'),
    readFile('examples/directory.json', 'utf8'),
  ]);
  practiceConfig = { rules: JSON.parse(rules), directory: JSON.parse(directory) };
});

describe.each([
  ['no latency', 0],
  ['50 ms latency', 50],
])('loading the app context from the sandbox (%s)', (_label, latencyMs) => {
  let sandbox: RunningSandbox;
  let token: Token;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: EXAMPLES_TODAY, latencyMs });
    token = await launchAsApp(sandbox, 'peter');
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('the token grants everything the app asked for, so it may write back', () => {
    expect(token.patient).toBe('peter');
    expect(token.scope.split(' ').sort()).toEqual(APP_SCOPE.split(' ').sort());
    expect(canWriteFrom(token.scope)).toBe(true);
  });

  it.each(['parallel', 'batch'] as const)(
    'loadContext (%s) reads Peter’s whole record in at most 2 sequential round trips',
    async (strategy) => {
      configRequests.length = 0;
      const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
      const context = await loadContext(requester, { ...optionsFor(token), strategy });
      expect(context.patientId).toBe('peter');
      expect(context.record.notes).toHaveLength(2);
      expect(context.record.notes.every((n) => n.source === 'observation')).toBe(true);
      expect(context.record.patient.nhsNumber).toMatch(/^\d{10}$/);
      expect(context.record.patient.employmentStatus).toBe('employed');
      expect(context.record.patient.occupation).toBeTruthy();
      expect(context.record.unreadable).toEqual([]);
      expect(context.practice).toEqual({ odsCode: 'A99999', name: 'Example Street Surgery' });
      expect(context.user).toEqual({ reference: 'Practitioner/gp-1', display: 'Dr Alex Testdoctor' });
      expect(context.config.source).toBe('practice');
      expect(context.config.directory.providers.length).toBeGreaterThan(0);
      expect(configRequests).toEqual(['http://config.test/config/A99999.json']);
      expect(context.problems).toEqual([]);
      expect(context.roundTrips).toBeLessThanOrEqual(2);
      if (strategy === 'batch') expect(context.requests).toBe(2);
    },
  );

  it('the naive loader reads the same record with more round trips', async () => {
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
    const fast = await loadContext(requester, optionsFor(token));
    const naive = await loadContextNaive(requester, optionsFor(token));
    expect(essentials(naive)).toEqual(essentials(fast));
    expect(naive.roundTrips).toBeGreaterThanOrEqual(fast.roundTrips + 6);
    expect(naive.roundTrips).toBe(naive.requests);
  });

  it('a patient already referred: the referral and its Task are read in the same round', async () => {
    const referred = await launchAsApp(sandbox, 'referred');
    const requester = fetchRequester({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      accessToken: referred.access_token,
    });
    const context = await loadContext(requester, optionsFor(referred));
    expect(context.record.referrals.map((r) => r.ref).sort()).toEqual([
      'ServiceRequest/referred-referral',
      'Task/referred-referral-task',
    ]);
    expect(context.roundTrips).toBeLessThanOrEqual(2);
    const naive = await loadContextNaive(requester, optionsFor(referred));
    expect(essentials(naive)).toEqual(essentials(context));
  });
});

describe('loader failures against the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: EXAMPLES_TODAY });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function failureOf(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (err) {
      if (err instanceof LaunchFailureError) return err.failure;
      throw err;
    }
    throw new Error('expected the load to fail');
  }

  it('a patient without an NHS number fails with no-nhs-number, or loads read-only when allowed', async () => {
    const token = await launchAsApp(sandbox, 'no-nhs-number');
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
    const failure = await failureOf(loadContext(requester, optionsFor(token)));
    expect(failure.kind).toBe('no-nhs-number');
    expect(failure.detail).toMatch(/NHS number/);
    const context = await loadContext(requester, { ...optionsFor(token), requireNhsNumber: false });
    expect(context.record.patient.nhsNumber).toBeUndefined();
    expect(context.record.notes.length).toBeGreaterThan(0);
  });

  it('a token the server does not know is token-expired', async () => {
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: 'not-a-token' });
    const failure = await failureOf(
      loadContext(requester, {
        patientId: 'peter',
        config: { configUrl: 'http://config.test/x.json', fetch: configFetch },
      }),
    );
    expect(failure.kind).toBe('token-expired');
  });

  it('a server that is not there is fhir-unreachable', async () => {
    const requester = fetchRequester({ fhirBaseUrl: 'http://127.0.0.1:9/fhir', accessToken: 'x' });
    const failure = await failureOf(
      loadContext(requester, {
        patientId: 'peter',
        config: { configUrl: 'http://config.test/x.json', fetch: configFetch },
      }),
    );
    expect(failure.kind).toBe('fhir-unreachable');
  });

  it('with the default config URL, the sandbox serves the practice’s rules and directory', async () => {
    const token = await launchAsApp(sandbox, 'peter');
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
    const context = await loadContext(requester, {
      patientId: 'peter',
      fhirUser: 'Practitioner/gp-1',
      config: { baseUrl: `${sandbox.url}/app/` },
    });
    expect(context.config.source).toBe('practice');
    expect(context.config.directory.providers.length).toBeGreaterThan(0);
    expect(context.problems).toEqual([]);
  });

  it('without a practice configuration the shipped defaults apply, and the reason is reported', async () => {
    const token = await launchAsApp(sandbox, 'peter');
    const requester = fetchRequester({ fhirBaseUrl: sandbox.fhirBaseUrl, accessToken: token.access_token });
    const context = await loadContext(requester, {
      patientId: 'peter',
      fhirUser: 'Practitioner/gp-1',
      config: { baseUrl: `${sandbox.url}/app/`, configUrl: '/config/{ods}-missing.json' },
    });
    expect(context.config.source).toBe('default');
    expect(context.config.directory.providers).toEqual([]);
    expect(context.config.rules.rules.length).toBeGreaterThan(0);
    expect(context.problems.join(' ')).toMatch(/have not been set up.*national default prompt rules/);
    expect(context.record.notes).toHaveLength(2);
  });
});
