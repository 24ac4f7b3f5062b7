/**
 * The figures against hand-counted fixtures: every event and referral below is written out with the
 * month it falls in (Europe/London) and the expected counts are worked out in the comments.
 */
import {
  addMonths,
  buildFiguresReport,
  checkFiguresWindow,
  declineCodeOf,
  defaultFiguresWindow,
  type FigurePromptEvent,
  type FigureReferralRow,
  figuresCsv,
  londonMonthOf,
  median,
  monthStart,
  monthsBetween,
  promptFigures,
  referralFigures,
  windowBounds,
} from './figures.js';

const at = (iso: string) => Date.parse(iso);
const WINDOW = { from: '2026-09', to: '2026-11' };

// British Summer Time 2026: 29 March 01:00 UTC to 25 October 01:00 UTC.
const EVENTS: FigurePromptEvent[] = [
  // Card A, six-weeks-oh: shown twice in September (one prompt), snoozed; shown again and acted on in October.
  { card: 'A', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-09-10T10:00:00Z') }, // Sep
  { card: 'A', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-09-17T10:00:00Z') }, // Sep (same card)
  {
    card: 'A',
    ruleId: 'six-weeks-oh',
    action: 'snoozed',
    at: at('2026-09-17T10:01:00Z'),
    reasonCode: 'until-next-note',
  }, // Sep
  { card: 'A', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-10-05T09:00:00Z') }, // Oct
  { card: 'A', ruleId: 'six-weeks-oh', action: 'referred', at: at('2026-10-05T09:05:00Z') }, // Oct
  // Card B: 23:30 UTC on 30 September is 00:30 BST on 1 October → October.
  { card: 'B', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-09-30T23:30:00Z') }, // Oct
  {
    card: 'B',
    ruleId: 'six-weeks-oh',
    action: 'overridden',
    at: at('2026-09-30T23:40:00Z'),
    reasonCode: 'patient-declined',
  }, // Oct
  // Card C: 23:30 UTC on 31 October is 23:30 GMT, still October; overridden twice, the last reason counts.
  { card: 'C', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-10-31T23:30:00Z') }, // Oct
  {
    card: 'C',
    ruleId: 'six-weeks-oh',
    action: 'overridden',
    at: at('2026-10-31T23:50:00Z'),
    reasonCode: 'other',
  }, // Oct (last)
  {
    card: 'C',
    ruleId: 'six-weeks-oh',
    action: 'overridden',
    at: at('2026-10-31T23:35:00Z'),
    reasonCode: 'not-clinically-appropriate',
  }, // Oct (earlier, out of order on purpose)
  // Card D, two-weeks-early-advice: self-referral details given in November.
  { card: 'D', ruleId: 'two-weeks-early-advice', action: 'shown', at: at('2026-11-02T12:00:00Z') }, // Nov
  { card: 'D', ruleId: 'two-weeks-early-advice', action: 'self-referral', at: at('2026-11-02T12:03:00Z') }, // Nov
  // Card E: both outside the window. 22:30 UTC 31 August = 23:30 BST 31 August; 00:30 UTC 1 December = December.
  { card: 'E', ruleId: 'two-weeks-early-advice', action: 'shown', at: at('2026-08-31T22:30:00Z') }, // Aug
  { card: 'E', ruleId: 'two-weeks-early-advice', action: 'shown', at: at('2026-12-01T00:30:00Z') }, // Dec
  // Card F: a rule no longer in the live rules; an override reason code the app never sends.
  { card: 'F', ruleId: 'retired-rule', action: 'shown', at: at('2026-11-10T10:00:00Z') }, // Nov
  {
    card: 'F',
    ruleId: 'retired-rule',
    action: 'overridden',
    at: at('2026-11-10T10:01:00Z'),
    reasonCode: 'made-up',
  }, // Nov → "unknown"
];

const RULES = [
  { id: 'six-weeks-oh', title: 'Six weeks' },
  { id: 'two-weeks-early-advice', title: 'Two weeks' },
  { id: 'quiet-rule', title: 'Never fires' },
];

/** Prompt counts with the override reasons spelled out (zeros for the rest). */
function p(
  shown: number,
  referred: number,
  selfReferral: number,
  snoozed: number,
  overridden: number,
  reasons: Record<string, number> = {},
) {
  return {
    shown,
    referred,
    selfReferral,
    snoozed,
    overridden,
    overriddenByReason: {
      'patient-declined': 0,
      'already-receiving-support': 0,
      'employer-oh-in-place': 0,
      'not-clinically-appropriate': 0,
      other: 0,
      unknown: 0,
      ...reasons,
    },
  };
}

describe('promptFigures', () => {
  const figures = promptFigures(EVENTS, WINDOW, RULES);

  it('lists the live rules first (even one that never fired), then rules only in the events', () => {
    expect(figures.rules.map((r) => [r.ruleId, r.title])).toEqual([
      ['six-weeks-oh', 'Six weeks'],
      ['two-weeks-early-advice', 'Two weeks'],
      ['quiet-rule', 'Never fires'],
      ['retired-rule', undefined],
    ]);
  });

  it.each([
    // six-weeks-oh, September: shown A (twice → 1); snoozed A.
    ['six-weeks-oh', '2026-09', p(1, 0, 0, 1, 0)],
    // October: shown A, B (1 Oct BST), C (31 Oct GMT) = 3; referred A; overridden B (patient-declined), C (other, last).
    ['six-weeks-oh', '2026-10', p(3, 1, 0, 0, 2, { 'patient-declined': 1, other: 1 })],
    ['six-weeks-oh', '2026-11', p(0, 0, 0, 0, 0)],
    ['two-weeks-early-advice', '2026-09', p(0, 0, 0, 0, 0)], // E's 31 August event is not September
    ['two-weeks-early-advice', '2026-10', p(0, 0, 0, 0, 0)],
    ['two-weeks-early-advice', '2026-11', p(1, 0, 1, 0, 0)], // D shown, self-referral; E's December event is out
    ['quiet-rule', '2026-11', p(0, 0, 0, 0, 0)],
    ['retired-rule', '2026-11', p(1, 0, 0, 0, 1, { unknown: 1 })], // F, reason code not known → unknown
  ])('%s in %s', (ruleId, month, expected) => {
    const rule = figures.rules.find((r) => r.ruleId === ruleId);
    expect(rule?.months.map((m) => m.month)).toEqual(['2026-09', '2026-10', '2026-11']);
    expect(rule?.months.find((m) => m.month === month)).toEqual({ month, ...expected });
  });

  it.each([
    // Distinct cards over the window: A shown in Sep and Oct is one prompt; B, C → 3 shown.
    ['six-weeks-oh', p(3, 1, 0, 1, 2, { 'patient-declined': 1, other: 1 })],
    ['two-weeks-early-advice', p(1, 0, 1, 0, 0)], // D only (E outside)
    ['quiet-rule', p(0, 0, 0, 0, 0)],
    ['retired-rule', p(1, 0, 0, 0, 1, { unknown: 1 })],
  ])('totals of %s count each card once over the window', (ruleId, expected) => {
    expect(figures.rules.find((r) => r.ruleId === ruleId)?.totals).toEqual(expected);
  });

  it('overall totals: A, B, C, D, F shown; A referred; D self-referral; A snoozed; B, C, F overridden', () => {
    expect(figures.totals).toEqual(p(5, 1, 1, 1, 3, { 'patient-declined': 1, other: 1, unknown: 1 }));
  });

  it('a card shown on three launches in a month is one prompt shown, not three', () => {
    const three = [1, 2, 3].map((d) => ({
      card: 'X',
      ruleId: 'r',
      action: 'shown' as const,
      at: at(`2026-11-0${d}T10:00:00Z`),
    }));
    expect(promptFigures(three, { from: '2026-11', to: '2026-11' }).totals.shown).toBe(1);
  });
});

const ROWS: FigureReferralRow[] = [
  // local-oh-service, September: r1 completed, answered after 2 days.
  {
    id: 'r1',
    providerId: 'local-oh-service',
    createdAt: at('2026-09-01T09:00:00Z'),
    status: 'completed',
    acknowledgedAt: at('2026-09-03T09:00:00Z'),
    completedAt: at('2026-09-20T09:00:00Z'),
  },
  // r2 rejected with a code after 0.5 days.
  {
    id: 'r2',
    providerId: 'local-oh-service',
    createdAt: at('2026-09-10T12:00:00Z'),
    status: 'rejected',
    statusReason: 'no-capacity',
    acknowledgedAt: at('2026-09-11T00:00:00Z'),
  },
  // r10: 23:30 UTC 31 August = 00:30 BST 1 September → September; not answered yet.
  { id: 'r10', providerId: 'local-oh-service', createdAt: at('2026-08-31T23:30:00Z'), status: 'requested' },
  // October: r3 accepted after 4 days.
  {
    id: 'r3',
    providerId: 'local-oh-service',
    createdAt: at('2026-10-01T08:00:00Z'),
    status: 'accepted',
    acknowledgedAt: at('2026-10-05T08:00:00Z'),
  },
  // r4 rejected, the reason given in words → outside-area, after 1 day.
  {
    id: 'r4',
    providerId: 'local-oh-service',
    createdAt: at('2026-10-15T08:00:00Z'),
    status: 'rejected',
    statusReason: 'The patient lives or works outside the service’s area',
    acknowledgedAt: at('2026-10-16T08:00:00Z'),
  },
  // r5 not answered.
  { id: 'r5', providerId: 'local-oh-service', createdAt: at('2026-10-20T08:00:00Z'), status: 'requested' },
  // r6 accepted after 1.5 days, then cancelled: counts as accepted and as cancelled.
  {
    id: 'r6',
    providerId: 'local-oh-service',
    createdAt: at('2026-10-21T08:00:00Z'),
    status: 'cancelled',
    acknowledgedAt: at('2026-10-22T20:00:00Z'),
  },
  // case-managed-support, November: r7 rejected without a reason after 7 days.
  {
    id: 'r7',
    providerId: 'case-managed-support',
    createdAt: at('2026-11-03T10:00:00Z'),
    status: 'rejected',
    acknowledgedAt: at('2026-11-10T10:00:00Z'),
  },
  // r8 in progress, answered after 1 day.
  {
    id: 'r8',
    providerId: 'case-managed-support',
    createdAt: at('2026-11-04T10:00:00Z'),
    status: 'in-progress',
    acknowledgedAt: at('2026-11-05T10:00:00Z'),
  },
  // r9 rejected with free text → other, after 1 day.
  {
    id: 'r9',
    providerId: 'case-managed-support',
    createdAt: at('2026-11-05T10:00:00Z'),
    status: 'rejected',
    statusReason: 'Fully booked until spring',
    acknowledgedAt: at('2026-11-06T10:00:00Z'),
  },
  // r11: December, outside the window (its provider is not listed at all).
  { id: 'r11', providerId: 'gone-provider', createdAt: at('2026-12-01T00:00:00Z'), status: 'requested' },
];

const PROVIDERS = [
  { id: 'local-oh-service', name: 'Local OH' },
  { id: 'case-managed-support', name: 'Case-managed support' },
  { id: 'msk-physio', name: 'Physio' },
];

function r(
  sent: number,
  accepted: number,
  rejected: number,
  completed: number,
  cancelled: number,
  acknowledged: number,
  medianDays: number | undefined,
  reasons: Record<string, number> = {},
) {
  return {
    sent,
    accepted,
    rejected,
    rejectedByReason: {
      'not-eligible': 0,
      'outside-area': 0,
      'no-capacity': 0,
      'already-supported': 0,
      'patient-declined': 0,
      other: 0,
      unknown: 0,
      ...reasons,
    },
    completed,
    cancelled,
    acknowledged,
    ...(medianDays === undefined ? {} : { medianDaysToAcknowledge: medianDays }),
  };
}

describe('referralFigures', () => {
  const figures = referralFigures(ROWS, WINDOW, PROVIDERS);

  it('lists the directory first (even a provider without referrals), and nobody outside the window', () => {
    expect(figures.providers.map((x) => [x.providerId, x.name])).toEqual([
      ['local-oh-service', 'Local OH'],
      ['case-managed-support', 'Case-managed support'],
      ['msk-physio', 'Physio'],
    ]);
  });

  it.each([
    // Sep: r1, r2, r10 sent; r1 accepted and completed; r2 no-capacity; answered 2 and 0.5 days → median 1.25 → 1.3.
    ['local-oh-service', '2026-09', r(3, 1, 1, 1, 0, 2, 1.3, { 'no-capacity': 1 })],
    // Oct: r3, r4, r5, r6 sent; r3, r6 accepted; r4 outside-area (from its words); r6 cancelled; 4, 1, 1.5 → 1.5.
    ['local-oh-service', '2026-10', r(4, 2, 1, 0, 1, 3, 1.5, { 'outside-area': 1 })],
    ['local-oh-service', '2026-11', r(0, 0, 0, 0, 0, 0, undefined)],
    ['case-managed-support', '2026-10', r(0, 0, 0, 0, 0, 0, undefined)],
    // Nov: r7 (no reason → unknown), r8 accepted (in progress), r9 (free text → other); 7, 1, 1 → 1.
    ['case-managed-support', '2026-11', r(3, 1, 2, 0, 0, 3, 1, { unknown: 1, other: 1 })],
    ['msk-physio', '2026-11', r(0, 0, 0, 0, 0, 0, undefined)],
  ])('%s, sent in %s', (providerId, month, expected) => {
    const provider = figures.providers.find((x) => x.providerId === providerId);
    expect(provider?.months.find((m) => m.month === month)).toEqual({ month, ...expected });
  });

  it.each([
    // 7 sent; accepted r1, r3, r6; rejected r2, r4; answered 2, 0.5, 4, 1, 1.5 → sorted 0.5 1 1.5 2 4 → 1.5.
    ['local-oh-service', r(7, 3, 2, 1, 1, 5, 1.5, { 'no-capacity': 1, 'outside-area': 1 })],
    ['case-managed-support', r(3, 1, 2, 0, 0, 3, 1, { unknown: 1, other: 1 })],
    ['msk-physio', r(0, 0, 0, 0, 0, 0, undefined)],
  ])('totals of %s over the window, with the median days to acknowledgement', (providerId, expected) => {
    expect(figures.providers.find((x) => x.providerId === providerId)?.totals).toEqual(expected);
  });

  it('overall: 10 sent, 4 accepted, 4 rejected; answers 0.5 1 1 1 1.5 2 4 7 → median (1 + 1.5) / 2 = 1.25 → 1.3', () => {
    expect(figures.totals).toEqual(
      r(10, 4, 4, 1, 1, 8, 1.3, { 'no-capacity': 1, 'outside-area': 1, unknown: 1, other: 1 }),
    );
  });
});

describe('the whole report and its CSV', () => {
  const report = buildFiguresReport({
    events: EVENTS,
    referrals: ROWS,
    window: { from: '2026-10', to: '2026-11' },
    rules: [{ id: 'six-weeks-oh', title: '=Six, "weeks"' }],
    providers: [{ id: 'local-oh-service', name: 'Local OH' }],
  });

  it('holds the window, its months and the reason words', () => {
    expect(report.months).toEqual(['2026-10', '2026-11']);
    expect(report.overrideReasons.map((x) => x.code)).toEqual([
      'patient-declined',
      'already-receiving-support',
      'employer-oh-in-place',
      'not-clinically-appropriate',
      'other',
      'unknown',
    ]);
    expect(report.overrideReasons[0]?.label).toBe('Patient declined');
    expect(report.declineReasons.find((x) => x.code === 'no-capacity')?.label).toBe(
      'The service cannot take new referrals at the moment',
    );
  });

  it('has a header and one row per rule-month and provider-month, RFC 4180 quoted', () => {
    const csv = figuresCsv(report);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(1, -2).split('\r\n');
    // Rules: six-weeks-oh, two-weeks-early-advice, retired-rule × 2 months; providers: local-oh, case-managed × 2.
    expect(lines).toHaveLength(1 + 3 * 2 + 2 * 2);
    expect(lines[0]).toBe(
      [
        'Kind,Month,Rule id,Rule,Provider id,Provider',
        'Prompts shown,Acted on (referral sent),Self-referral details given,Snoozed,Overridden',
        'Overridden: Patient declined,Overridden: Already receiving support,Overridden: Employer occupational health in place,Overridden: Not clinically appropriate,Overridden: Other,Overridden: No reason recorded',
        'Referrals sent,Accepted,Rejected',
        'Rejected: The patient does not meet the service’s criteria,Rejected: The patient lives or works outside the service’s area,Rejected: The service cannot take new referrals at the moment,Rejected: The patient is already being supported by the service,Rejected: The patient did not want the service,Rejected: Another reason,Rejected: No reason recorded',
        'Completed,Cancelled,Acknowledged,Median days to acknowledgement',
      ].join(','),
    );
    const blankReferral = ','.repeat(14);
    const blankPrompt = ','.repeat(11);
    // October, six-weeks-oh: shown 3, referred 1, overridden 2 (patient-declined 1, other 1); title quoted and defused.
    expect(lines[1]).toBe(
      `rule,2026-10,six-weeks-oh,"'=Six, ""weeks""",,,3,1,0,0,2,1,0,0,0,1,0${blankReferral}`,
    );
    expect(lines[2]).toBe(
      `rule,2026-11,six-weeks-oh,"'=Six, ""weeks""",,,0,0,0,0,0,0,0,0,0,0,0${blankReferral}`,
    );
    // Rules only in the events follow the live ones, by id: retired-rule, then two-weeks-early-advice.
    expect(lines[4]).toBe(`rule,2026-11,retired-rule,,,,1,0,0,0,1,0,0,0,0,0,1${blankReferral}`);
    expect(lines[6]).toBe(`rule,2026-11,two-weeks-early-advice,,,,1,0,1,0,0,0,0,0,0,0,0${blankReferral}`);
    // October, local-oh-service: 4 sent, 2 accepted, 1 rejected (outside-area), 1 cancelled, 3 answered, median 1.5.
    expect(lines[7]).toBe(
      `provider,2026-10,,,local-oh-service,Local OH${blankPrompt},4,2,1,0,1,0,0,0,0,0,0,1,3,1.5`,
    );
    // November, local-oh-service: nothing, no median.
    expect(lines[8]).toBe(
      `provider,2026-11,,,local-oh-service,Local OH${blankPrompt},0,0,0,0,0,0,0,0,0,0,0,0,0,`,
    );
    // November, case-managed-support (no name given): 3 sent, 1 accepted, 2 rejected (other 1, unknown 1), median 1.
    expect(lines[10]).toBe(
      `provider,2026-11,,,case-managed-support,${blankPrompt},3,1,2,0,0,0,0,0,1,1,0,0,3,1`,
    );
    const cells = lines.map((l) => l.replace(/"[^"]*(""[^"]*)*"/g, 'Q').split(',').length);
    expect(new Set(cells)).toEqual(new Set([cells[0]]));
  });
});

describe('months and windows', () => {
  it.each([
    ['2026-09-30T22:59:59Z', '2026-09'], // 23:59:59 BST on 30 September
    ['2026-09-30T23:00:00Z', '2026-10'], // midnight BST
    ['2026-10-31T23:59:59Z', '2026-10'], // GMT after 25 October
    ['2026-11-01T00:00:00Z', '2026-11'],
    ['2026-02-28T23:59:59Z', '2026-02'],
  ])('%s falls in %s in London', (iso, month) => {
    expect(londonMonthOf(at(iso))).toBe(month);
  });

  it.each([
    ['2026-10', '2026-09-30T23:00:00.000Z'], // BST
    ['2026-11', '2026-11-01T00:00:00.000Z'], // GMT
    ['2026-04', '2026-03-31T23:00:00.000Z'],
    ['2026-03', '2026-03-01T00:00:00.000Z'],
  ])('%s starts at %s', (month, iso) => {
    expect(new Date(monthStart(month)).toISOString()).toBe(iso);
  });

  it('bounds a window from the start of its first month to the start of the month after its last', () => {
    expect(windowBounds({ from: '2026-10', to: '2026-12' })).toEqual({
      since: at('2026-09-30T23:00:00Z'),
      until: at('2027-01-01T00:00:00Z'),
    });
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });

  it('defaults to the last 6 months including this one', () => {
    expect(defaultFiguresWindow('2026-11-21')).toEqual({ from: '2026-06', to: '2026-11' });
    expect(defaultFiguresWindow('2026-03-01')).toEqual({ from: '2025-10', to: '2026-03' });
  });

  it.each([
    ['2026-13', '2026-11', 'from'],
    ['2026-06', '26-11', 'to'],
    ['2026-11', '2026-06', 'from'],
    ['2026-06', '2026-12', 'to'], // after the latest month
    ['2021-11', '2026-11', 'from'], // 61 months
  ])('refuses from=%s to=%s, naming %s', (from, to, field) => {
    const checked = checkFiguresWindow(from, to, '2026-11');
    expect(checked).toMatchObject({ ok: false, field });
  });

  it('accepts 60 months', () => {
    expect(checkFiguresWindow('2021-12', '2026-11', '2026-11')).toEqual({
      ok: true,
      window: { from: '2021-12', to: '2026-11' },
    });
  });

  it.each([
    [[], undefined],
    [[3], 3],
    [[4, 1, 2], 2],
    [[4, 1, 2, 10], 3],
  ])('median of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it.each([
    [undefined, 'unknown'],
    ['  ', 'unknown'],
    ['no-capacity', 'no-capacity'],
    ['the service cannot take new referrals at the moment', 'no-capacity'],
    ['The service cannot take new referrals at the moment.', 'no-capacity'],
    ['The patient did not want the service: prefers their employer’s scheme', 'patient-declined'],
    ['Full', 'other'],
  ])('decline reason %j counts as %s', (reason, code) => {
    expect(declineCodeOf(reason)).toBe(code);
  });
});

describe('month arithmetic', () => {
  it.each([
    ['2026-11', -5, '2026-06'],
    ['2026-03', -3, '2025-12'],
    ['2026-01', 0, '2026-01'],
    ['2025-12', 1, '2026-01'],
    ['2026-11', 14, '2028-01'],
  ])('%s plus %i months is %s', (month, n, expected) => {
    expect(addMonths(month, n)).toBe(expected);
  });
});
