import {
  actionsFor,
  type PlannedChange,
  type ProviderAction,
  parseProviderAction,
  planProviderAction,
  REFERRAL_STATUSES,
  type ReferralStatus,
} from './outcome.js';

const outcome = {
  returnToWorkGoal: 'same-role',
  adjustments: [{ code: 'phased-return', text: 'Four-hour days for two weeks' }],
  report: { title: 'Occupational health assessment', text: 'Seen by telephone; fit for a phased return.' },
} as const;

describe('parseProviderAction', () => {
  it.each<[string, unknown]>([
    ['accept', { action: 'accept' }],
    ['decline with a coded reason', { action: 'decline', reason: 'outside-area' }],
    ['decline "other" with text', { action: 'decline', reason: 'other', text: 'Needs a specialist service' }],
    ['contacted', { action: 'contacted' }],
    ['scheduled with a date', { action: 'scheduled', date: '2026-12-01' }],
    ['did not attend', { action: 'did-not-attend' }],
    ['complete with an outcome', { action: 'complete', outcome }],
    ['complete with no adjustments', { action: 'complete', outcome: { ...outcome, adjustments: [] } }],
  ])('accepts %s', (_label, json) => {
    expect(parseProviderAction(json)).toEqual({ ok: true, value: json });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'accept', 'expected object'],
    ['an unknown action', { action: 'archive' }, 'action'],
    [
      'decline without a reason',
      { action: 'decline' },
      'reason: Invalid option: expected one of "not-eligible"',
    ],
    ['decline with an unknown reason', { action: 'decline', reason: 'busy' }, 'reason'],
    ['decline "other" without text', { action: 'decline', reason: 'other' }, 'say why'],
    ['a blank decline text', { action: 'decline', reason: 'other', text: '   ' }, 'must not be empty'],
    ['a bad appointment date', { action: 'scheduled', date: '1/12/2026' }, 'YYYY-MM-DD'],
    ['complete without an outcome', { action: 'complete' }, 'outcome: is required'],
    [
      'an unknown return-to-work goal',
      { action: 'complete', outcome: { ...outcome, returnToWorkGoal: 'retire' } },
      'outcome.returnToWorkGoal',
    ],
    [
      'an adjustment that is not a fit-note option',
      { action: 'complete', outcome: { ...outcome, adjustments: [{ code: 'home-working', text: 'x' }] } },
      'Adjustment 1: code',
    ],
    [
      'the same adjustment twice',
      {
        action: 'complete',
        outcome: {
          ...outcome,
          adjustments: [
            { code: 'altered-hours', text: 'a' },
            { code: 'altered-hours', text: 'b' },
          ],
        },
      },
      'name each adjustment once',
    ],
    [
      'an empty report',
      { action: 'complete', outcome: { ...outcome, report: { title: 'Report', text: '' } } },
      'outcome.report.text: must not be empty',
    ],
    [
      'a report over the limit',
      { action: 'complete', outcome: { ...outcome, report: { title: 'Report', text: 'x'.repeat(10_001) } } },
      'at most 10000 characters',
    ],
    ['an unknown key', { action: 'accept', note: 'hello' }, 'unknown key "note"'],
  ])('refuses %s, saying why', (_label, json, words) => {
    const result = parseProviderAction(json);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(words);
  });
});

describe('planProviderAction', () => {
  const actions: ProviderAction[] = [
    { action: 'accept' },
    { action: 'decline', reason: 'no-capacity' },
    { action: 'contacted' },
    { action: 'scheduled', date: '2026-12-01' },
    { action: 'did-not-attend' },
    { action: 'complete', outcome: outcome as never },
  ];
  const expected: Record<ProviderAction['action'], PlannedChange> = {
    accept: { status: 'accepted' },
    decline: { status: 'rejected', statusReason: 'The service cannot take new referrals at the moment.' },
    contacted: { status: 'in-progress', businessStatus: 'contacted' },
    scheduled: {
      status: 'in-progress',
      businessStatus: 'scheduled',
      statusReason: 'Appointment on 2026-12-01.',
    },
    'did-not-attend': { status: 'in-progress', businessStatus: 'did-not-attend' },
    complete: { status: 'completed', outcome: outcome as never },
  };
  const allowed: Record<ReferralStatus, ProviderAction['action'][]> = {
    requested: ['accept', 'decline'],
    accepted: ['contacted', 'scheduled', 'did-not-attend', 'complete'],
    'in-progress': ['contacted', 'scheduled', 'did-not-attend', 'complete'],
    rejected: [],
    completed: [],
    cancelled: [],
  };
  const table = REFERRAL_STATUSES.flatMap((status) => actions.map((a) => [status, a] as const));

  it.each(table)('from %s, %o', (status, action) => {
    const result = planProviderAction(status, action);
    if (allowed[status].includes(action.action)) {
      expect(result).toEqual({ ok: true, change: expected[action.action] });
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.problem).toMatch(/^This referral is .+, so it cannot be .+\.( Accept it first\.)?$/);
    }
  });

  it('a decline with text keeps the provider’s words after the reason', () => {
    expect(
      planProviderAction('requested', { action: 'decline', reason: 'other', text: 'Needs a specialist' }),
    ).toEqual({
      ok: true,
      change: { status: 'rejected', statusReason: 'Another reason: Needs a specialist' },
    });
  });

  it('completing before accepting says to accept first', () => {
    const result = planProviderAction('requested', { action: 'contacted' });
    expect(result).toEqual({
      ok: false,
      problem:
        'This referral is waiting for the provider, so it cannot be marked as contacted. Accept it first.',
    });
  });

  it.each(REFERRAL_STATUSES)(
    'actionsFor(%s) lists exactly the actions planProviderAction allows',
    (status) => {
      expect(actionsFor(status)).toEqual(allowed[status]);
    },
  );
});
