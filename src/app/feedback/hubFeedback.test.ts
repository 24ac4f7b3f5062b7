/**
 * The app's queue of prompt events for the hub: the CDS Hooks items it builds, batching, retries on
 * no answer / 5xx, dropping on a refusal, and that it never throws into the GP's screen.
 */
import { CODE_SYSTEM } from '../../domain/codes.js';
import { type Card, evaluate } from '../../domain/evaluate.js';
import { stableUuid } from '../../domain/stableId.js';
import { sampleContext, TODAY } from '../ui/testSupport.js';
import { feedbackItem, hubFeedbackQueue, type PromptEventReport } from './hubFeedback.js';

const shown: PromptEventReport = {
  card: 'c1',
  ruleId: 'six-weeks-oh',
  action: 'shown',
  at: '2026-11-21T10:00:00.000Z',
};

describe('feedbackItem', () => {
  it.each<[string, PromptEventReport, Record<string, unknown>]>([
    [
      'shown: no outcome',
      shown,
      {
        card: 'c1',
        outcomeTimestamp: '2026-11-21T10:00:00.000Z',
        extension: { 'fitnote-prompt': { practice: 'A99999', ruleId: 'six-weeks-oh', action: 'shown' } },
      },
    ],
    [
      'referred: accepted, with the referral and provider',
      { ...shown, action: 'referred', referralId: 'r-1', providerId: 'local-oh-service' },
      {
        card: 'c1',
        outcomeTimestamp: '2026-11-21T10:00:00.000Z',
        outcome: 'accepted',
        acceptedSuggestions: [{ id: stableUuid('suggestion', 'c1', 'local-oh-service') }],
        extension: {
          'fitnote-prompt': {
            practice: 'A99999',
            ruleId: 'six-weeks-oh',
            action: 'referred',
            referralId: 'r-1',
            providerId: 'local-oh-service',
          },
        },
      },
    ],
    [
      'self-referral: accepted, with no suggestion taken (every suggestion is a referral)',
      { ...shown, action: 'self-referral' },
      expect.objectContaining({ outcome: 'accepted', acceptedSuggestions: [] }),
    ],
    [
      'referred without a provider: accepted, no suggestion named',
      { ...shown, action: 'referred', referralId: 'r-1' },
      expect.objectContaining({ outcome: 'accepted', acceptedSuggestions: [] }),
    ],
    [
      'snoozed: the kind of snooze, no outcome',
      { ...shown, action: 'snoozed', reasonCode: 'until-date' },
      {
        card: 'c1',
        outcomeTimestamp: '2026-11-21T10:00:00.000Z',
        extension: {
          'fitnote-prompt': {
            practice: 'A99999',
            ruleId: 'six-weeks-oh',
            action: 'snoozed',
            snooze: 'until-date',
          },
        },
      },
    ],
    [
      'overridden: the reason code only',
      { ...shown, action: 'overridden', reasonCode: 'patient-declined' },
      expect.objectContaining({
        outcome: 'overridden',
        overrideReason: { reason: { system: CODE_SYSTEM.promptOverrideReason, code: 'patient-declined' } },
      }),
    ],
  ])('%s', (_name, event, expected) => {
    expect(feedbackItem(event, 'A99999')).toEqual(expected);
  });

  it('a referral names the card suggestion evaluate() made for that provider', () => {
    const context = sampleContext('peter');
    const card = evaluate({
      patient: context.record.patient,
      notes: context.record.notes,
      rules: context.config.rules,
      today: TODAY,
      directory: context.config.directory.providers,
    }).cards[0] as Card;
    const suggestions = card.suggestions ?? [];
    expect(suggestions.length).toBeGreaterThan(0);
    const eligible = (card.extension.providerOptions ?? []).filter((o) => o.eligible);
    expect(eligible).toHaveLength(suggestions.length);
    eligible.forEach((option, i) => {
      const item = feedbackItem(
        {
          card: card.uuid,
          ruleId: card.extension.ruleId,
          action: 'referred',
          at: shown.at,
          providerId: option.id,
        },
        'A99999',
      );
      expect(item.acceptedSuggestions).toEqual([{ id: suggestions[i]?.uuid }]);
    });
  });
});

type Call = { url: string; init: RequestInit };

function fakeFetch(answers: Array<number | 'network'>) {
  const calls: Call[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift() ?? 200;
    if (next === 'network') throw new TypeError('Failed to fetch');
    return new Response('{}', { status: next });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

function queueWith(answers: Array<number | 'network'>, retries = [1, 1]) {
  const f = fakeFetch(answers);
  const drops: Array<[number, string]> = [];
  const queue = hubFeedbackQueue({
    hubUrl: 'https://hub.example.test/',
    accessToken: () => 'tok',
    ehrFhirBase: 'https://ehr.example.test/fhir',
    practiceOds: 'A99999',
    fetch: f.fn,
    retryDelaysMs: retries,
    batchDelayMs: 1,
    onDropped: (n, why) => drops.push([n, why]),
  });
  return { queue, calls: f.calls, drops };
}

describe('hubFeedbackQueue', () => {
  it('posts the items together with the SMART token and the EHR base', async () => {
    const { queue, calls, drops } = queueWith([200]);
    queue.report(shown);
    queue.report({ ...shown, action: 'snoozed', reasonCode: 'until-next-note' });
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://hub.example.test/cds-services/fitnote-prompt/feedback');
    expect(calls[0]?.init.headers).toMatchObject({
      Authorization: 'Bearer tok',
      'X-EHR-FHIR-Base': 'https://ehr.example.test/fhir',
      'Content-Type': 'application/json',
    });
    const body = JSON.parse(String(calls[0]?.init.body)) as { feedback: unknown[] };
    expect(body.feedback).toHaveLength(2);
    expect(drops).toEqual([]);
  });

  it.each<[string, Array<number | 'network'>, number, Array<[number, string]>]>([
    ['retries after no answer, then succeeds', ['network', 200], 2, []],
    ['retries a 503 and a 429, then succeeds', [503, 429, 200], 3, []],
    ['gives up after the retries', [503, 'network', 500], 3, [[1, 'the hub did not answer']]],
    ['drops a refusal at once', [400], 1, [[1, 'HTTP 400']]],
    ['drops an expired token at once', [401], 1, [[1, 'HTTP 401']]],
  ])('%s', async (_name, answers, expectedCalls, expectedDrops) => {
    const { queue, calls, drops } = queueWith(answers);
    queue.report(shown);
    await queue.idle();
    expect(calls).toHaveLength(expectedCalls);
    expect(drops).toEqual(expectedDrops);
  });

  it('keeps at most maxQueue items waiting, dropping the oldest', async () => {
    const f = fakeFetch([200, 200]);
    const drops: number[] = [];
    const queue = hubFeedbackQueue({
      hubUrl: 'https://hub.example.test',
      accessToken: () => 'tok',
      ehrFhirBase: 'x',
      practiceOds: 'A99999',
      fetch: f.fn,
      batchDelayMs: 1,
      maxQueue: 3,
      onDropped: (n) => drops.push(n),
    });
    for (let i = 0; i < 5; i++) queue.report({ ...shown, card: `c${i}` });
    await queue.idle();
    expect(drops).toEqual([1, 1]);
    const cards = (JSON.parse(String(f.calls[0]?.init.body)) as { feedback: Array<{ card: string }> })
      .feedback;
    expect(cards.map((c) => c.card)).toEqual(['c2', 'c3', 'c4']);
  });

  it('never throws into the caller, even when the token cannot be read', async () => {
    const drops: string[] = [];
    const queue = hubFeedbackQueue({
      hubUrl: 'https://hub.example.test',
      accessToken: () => {
        throw new Error('no token');
      },
      ehrFhirBase: 'x',
      practiceOds: 'A99999',
      fetch: fakeFetch([]).fn,
      retryDelaysMs: [],
      batchDelayMs: 1,
      onDropped: (_n, why) => drops.push(why),
    });
    expect(() => queue.report(shown)).not.toThrow();
    await queue.idle();
    expect(drops).toEqual(['the hub did not answer']);
  });
});
