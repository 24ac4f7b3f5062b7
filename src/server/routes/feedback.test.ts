/**
 * POST /cds-services/fitnote-prompt/feedback through the hub's real app (listening on a free port),
 * a SQLite store in memory, and GP tokens from the real sandbox's SMART launch.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { type RunningSandbox, startSandbox } from '../../sandbox/server.js';
import { buildHub } from '../app.js';
import { examplesConfigSource } from '../config/files.js';
import { ConfigBrokenError, type ConfigSource } from '../config/source.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { caller, type SandboxToken, sandboxToken } from '../testSupport.js';
import { FEEDBACK_PATH, parseFeedback } from './feedback.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

let sandbox: RunningSandbox;
let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
const hub = { inject: caller(() => hubUrl) };
let peter: SandboxToken;

const examples = examplesConfigSource();
const configSource: ConfigSource = {
  async get(ods) {
    if (ods === 'B00000')
      throw new ConfigBrokenError('B00000.json', ['Directory: "schemaVersion" is missing.']);
    return examples.get(ods);
  },
};

jest.setTimeout(20_000);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', hub: false });
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: [sandbox.fhirBaseUrl],
      introspectionClient: sandbox.introspectionClient,
      corsOrigins: [],
      validateProfiles: false,
    },
    configSource,
    now: () => NOW,
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  peter = await sandboxToken(sandbox, 'peter');
}, 30_000);

afterAll(async () => {
  await app.close();
  await store.close();
  await sandbox.close();
});

function item(action: string, extra: Record<string, unknown> = {}, ext: Record<string, unknown> = {}) {
  return {
    card: 'b1946ac9-2d3c-5b1e-9a4a-0c6f2e3d4f5a',
    outcomeTimestamp: '2026-11-20T10:15:00Z',
    ...extra,
    extension: { 'fitnote-prompt': { practice: 'A99999', ruleId: 'six-weeks-oh', action, ...ext } },
  };
}

const post = (body: unknown, token: string | null = peter.access_token) =>
  hub.inject({
    method: 'POST',
    url: FEEDBACK_PATH,
    headers: {
      'content-type': 'application/json',
      'x-ehr-fhir-base': sandbox.fhirBaseUrl,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    payload: JSON.stringify(body),
  });

const diagnostics = (body: string) =>
  ((JSON.parse(body) as OperationOutcome).issue ?? []).map((i) => [i.expression?.[0], i.diagnostics]);

describe('POST /cds-services/fitnote-prompt/feedback', () => {
  it('stores each item once, without the GP’s comment, and audits the request without patient data', async () => {
    const body = {
      feedback: [
        item('shown'),
        item(
          'overridden',
          {
            outcome: 'overridden',
            outcomeTimestamp: '2026-11-20T10:16:00Z',
            overrideReason: {
              reason: { system: 'x', code: 'employer-oh-in-place' },
              userComment: 'Peter sees his employer’s nurse on Tuesday',
            },
          },
          {},
        ),
        item(
          'snoozed',
          { card: 'c2', outcomeTimestamp: '2026-11-20T10:17:00+00:00' },
          { snooze: 'until-date' },
        ),
        item(
          'referred',
          {
            card: 'c3',
            outcome: 'accepted',
            outcomeTimestamp: '2026-11-20T10:18:00Z',
            acceptedSuggestions: [{ id: 's1' }],
          },
          { referralId: 'ref-123', providerId: 'case-managed-support', practice: 'a99999' },
        ),
      ],
    };
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ stored: 4 });

    const events = await store.listPromptEvents({ practiceOds: 'A99999' });
    expect(events).toEqual([
      expect.objectContaining({
        card: 'b1946ac9-2d3c-5b1e-9a4a-0c6f2e3d4f5a',
        action: 'shown',
        agent: 'Practitioner/gp-1',
      }),
      expect.objectContaining({
        action: 'overridden',
        reasonCode: 'employer-oh-in-place',
        at: Date.parse('2026-11-20T10:16:00Z'),
      }),
      expect.objectContaining({ card: 'c2', action: 'snoozed', reasonCode: 'until-date' }),
      expect.objectContaining({
        card: 'c3',
        action: 'referred',
        referralId: 'ref-123',
        providerId: 'case-managed-support',
        practiceOds: 'A99999',
        ruleId: 'six-weeks-oh',
      }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/Tuesday/);

    // The same items again: nothing new.
    const again = await post(body);
    expect(again.json()).toEqual({ stored: 0 });

    const audit = await store.listAudit({ practiceOds: 'A99999', action: 'prompt-feedback' });
    expect(audit).toHaveLength(2);
    expect(audit.map((a) => a.detail?.stored).sort()).toEqual([0, 4]);
    expect(audit[0]).toMatchObject({ agent: 'Practitioner/gp-1', outcome: '0' });
    expect(JSON.stringify(audit)).not.toMatch(/Tuesday|b1946ac9|ref-123|peter/i);
  });

  it.each([
    [{}, 'feedback', /an object with a "feedback" list/],
    [{ feedback: [] }, 'feedback', /empty/],
    [{ feedback: [item('shown'), 'x'] }, 'feedback[1]', /Item 1 is not an object/],
    [{ feedback: [item('shown', { card: '' })] }, 'feedback[0].card', /uuid/],
    [{ feedback: [item('shown', { outcomeTimestamp: '20 Nov' })] }, 'feedback[0].outcomeTimestamp', /zone/],
    [
      { feedback: [item('shown', { outcomeTimestamp: '2026-11-22T12:00:00Z' })] },
      'feedback[0].outcomeTimestamp',
      /could have been answered/,
    ],
    [{ feedback: [item('shown', { outcome: 'accepted' })] }, 'feedback[0].outcome', /no outcome/],
    [{ feedback: [item('clicked')] }, 'feedback[0].extension.fitnote-prompt.action', /shown, referred/],
    [
      { feedback: [item('shown', {}, { practice: 'A 9' })] },
      'feedback[0].extension.fitnote-prompt.practice',
      /ODS/,
    ],
    [{ feedback: [item('shown', {}, { ruleId: 7 })] }, 'feedback[0].extension.fitnote-prompt.ruleId', /rule/],
    [
      { feedback: [{ card: 'x', outcomeTimestamp: '2026-11-20T10:00:00Z' }] },
      'feedback[0].extension.fitnote-prompt',
      /missing/,
    ],
    [
      { feedback: [item('shown'), item('overridden', { outcome: 'overridden' })] },
      'feedback[1].overrideReason.reason.code',
      /reason's code/,
    ],
    [
      { feedback: [item('snoozed', {}, { snooze: 'forever' })] },
      'feedback[0].extension.fitnote-prompt.snooze',
      /until-next-note/,
    ],
    [{ feedback: [item('referred', { outcome: 'overridden' })] }, 'feedback[0].outcome', /accepted/],
    [
      { feedback: [item('referred', {}, { referralId: 'a b' })] },
      'feedback[0].extension.fitnote-prompt.referralId',
      /referral/,
    ],
    [
      { feedback: [item('shown'), item('shown', {}, { practice: 'B88888' })] },
      'feedback[1].extension.fitnote-prompt.practice',
      /same practice/,
    ],
  ])('400 for %j, naming %s, and stores nothing', async (body, expression, text) => {
    const before = (await store.listPromptEvents({ practiceOds: 'A99999' })).length;
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const issues = diagnostics(res.body);
    expect(issues).toContainEqual([expression, expect.stringMatching(text)]);
    expect((await store.listPromptEvents({ practiceOds: 'A99999' })).length).toBe(before);
  });

  it('404 for a practice the hub has no settings for', async () => {
    const res = await post({ feedback: [item('shown', {}, { practice: 'Z11111' })] });
    expect(res.statusCode).toBe(404);
    expect(diagnostics(res.body)[0]?.[1]).toMatch(/no settings for the practice Z11111/);
  });

  it('accepts feedback for a practice whose file is broken (the numbers are still worth keeping)', async () => {
    const res = await post({ feedback: [item('shown', {}, { practice: 'B00000' })] });
    expect(res.statusCode).toBe(200);
  });

  it.each([
    [null, 401],
    ['not-a-token', 401],
  ])('refuses token %s with %i', async (token, status) => {
    const res = await post({ feedback: [item('shown')] }, token);
    expect(res.statusCode).toBe(status);
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await hub.inject({ url: FEEDBACK_PATH });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });
});

describe('parseFeedback', () => {
  it('lists every bad item, not just the first', () => {
    const parsed = parseFeedback({ feedback: [item('x'), item('shown', { card: 7 })] }, 'gp', NOW);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.problems.map((p) => p.expression)).toEqual([
        'feedback[0].extension.fitnote-prompt.action',
        'feedback[1].card',
      ]);
  });

  it('refuses more than 200 items at once', () => {
    const parsed = parseFeedback({ feedback: Array.from({ length: 201 }, () => item('shown')) }, 'gp', NOW);
    expect(parsed).toMatchObject({
      ok: false,
      problems: [{ expression: 'feedback', text: expect.stringMatching(/201/) }],
    });
  });
});
