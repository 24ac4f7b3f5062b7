import type { ReferralOutcome } from '../domain/outcome.js';
import type { AuditRecord, StoredReferral } from './store/types.js';
import { appointmentDateOf, buildTimeline, outcomeLine, referralView } from './views.js';

const T0 = Date.UTC(2026, 10, 20, 10, 20, 0);
let nextId = 1;
function rec(
  minutes: number,
  action: string,
  outcome: AuditRecord['outcome'],
  detail: Record<string, unknown> = {},
): AuditRecord {
  return { id: nextId++, at: T0 + minutes * 60_000, action, outcome, agent: 'hub', referralId: 'r1', detail };
}

describe('buildTimeline', () => {
  it.each<[string, AuditRecord[], string[]]>([
    [
      'accepted then delivered at once',
      [
        rec(0, 'referral-accepted', '0'),
        rec(0, 'delivery-attempt', '0', { kind: 'new', text: 'Delivered.' }),
        rec(0, 'delivery-succeeded', '0', { kind: 'new' }),
      ],
      [
        'accepted: The hub received the referral and is sending it to Pennine.',
        'delivered: Pennine received the referral.',
      ],
    ],
    [
      'three failed attempts summarised, then delivered',
      [
        rec(0, 'referral-accepted', '0'),
        rec(1, 'delivery-attempt', '4', {
          kind: 'new',
          text: 'The provider’s server answered 503 Service Unavailable.',
        }),
        rec(2, 'delivery-attempt', '4', { kind: 'new', text: 'The provider’s server did not answer.' }),
        rec(4, 'delivery-attempt', '4', { kind: 'new', text: 'The provider’s server answered 500.' }),
        rec(8, 'delivery-attempt', '0', { kind: 'new' }),
        rec(8, 'delivery-succeeded', '0', { kind: 'new' }),
      ],
      [
        'accepted: The hub received the referral and is sending it to Pennine.',
        'delivery-retrying: The hub tried to deliver the referral 3 times without success (last problem: The provider’s server answered 500); it keeps trying.',
        'delivered: Pennine received the referral.',
      ],
    ],
    [
      'given up',
      [
        rec(0, 'referral-accepted', '0'),
        rec(1, 'delivery-attempt', '4', { kind: 'new', text: 'No answer.' }),
        rec(60, 'delivery-attempt', '8', { kind: 'new', text: 'No answer.' }),
        rec(60, 'delivery-failed', '8', { kind: 'new' }),
      ],
      [
        'accepted: The hub received the referral and is sending it to Pennine.',
        'delivery-failed: The referral could not be delivered to Pennine after 2 attempts: phone them to make the referral.',
      ],
    ],
    [
      'the provider’s status changes and outcome; config reads and refusals left out',
      [
        rec(0, 'referral-accepted', '0'),
        rec(1, 'config-read', '0'),
        rec(2, 'access-refused', '4'),
        rec(3, 'inbox-view', '0'),
        rec(4, 'inbox-view', '0'),
        rec(5, 'status-changed', '0', { from: 'requested', to: 'accepted' }),
        rec(6, 'status-changed', '0', { from: 'accepted', to: 'accepted', businessStatus: 'scheduled' }),
        rec(7, 'status-changed', '0', { from: 'accepted', to: 'in-progress' }),
        rec(9, 'status-changed', '0', { from: 'in-progress', to: 'completed', outcomeRecorded: true }),
      ],
      [
        'accepted: The hub received the referral and is sending it to Pennine.',
        'viewed: Pennine opened the referral.',
        'status: Pennine accepted the referral.',
        'status: Pennine booked an appointment for the patient.',
        'status: Pennine started working with the patient.',
        'status: Pennine completed the referral and reported the outcome.',
      ],
    ],
    [
      'declined with a reason; cancelled and the provider told',
      [
        rec(5, 'status-changed', '0', {
          from: 'requested',
          to: 'rejected',
          statusReason: 'Outside our area.',
        }),
        rec(6, 'status-changed', '0', {
          from: 'accepted',
          to: 'cancelled',
          statusReason: 'Back at work',
          providerToldOfCancellation: true,
        }),
        rec(7, 'delivery-succeeded', '0', { kind: 'cancel' }),
      ],
      [
        'status: Pennine declined the referral: Outside our area.',
        'status: The referral was cancelled: Back at work; the hub is telling Pennine.',
        'cancellation-sent: Pennine was told the referral is cancelled.',
      ],
    ],
    [
      'each provider step in words, as the domain stores them (contacted, booked with a date, did not attend)',
      [
        rec(3, 'inbox-view', '0'),
        rec(5, 'status-changed', '0', { from: 'requested', to: 'accepted' }),
        rec(6, 'status-changed', '0', { from: 'accepted', to: 'in-progress', businessStatus: 'contacted' }),
        rec(7, 'status-changed', '0', {
          from: 'in-progress',
          to: 'in-progress',
          businessStatus: 'scheduled',
          statusReason: 'Appointment on 2026-12-01.',
        }),
        // The store keeps the booked date as the status reason when the patient does not attend.
        rec(8, 'status-changed', '0', {
          from: 'in-progress',
          to: 'in-progress',
          businessStatus: 'did-not-attend',
          statusReason: 'Appointment on 2026-12-01.',
        }),
        rec(9, 'status-changed', '0', {
          from: 'in-progress',
          to: 'in-progress',
          businessStatus: 'scheduled',
        }),
        rec(10, 'status-changed', '0', {
          from: 'accepted',
          to: 'in-progress',
          businessStatus: 'did-not-attend',
        }),
        rec(11, 'status-changed', '0', { from: 'in-progress', to: 'in-progress', businessStatus: 'triaged' }),
      ],
      [
        'viewed: Pennine opened the referral.',
        'status: Pennine accepted the referral.',
        'status: Pennine contacted the patient.',
        'status: Pennine booked an appointment for the patient on 1 December 2026.',
        'status: The patient did not attend the appointment with Pennine on 1 December 2026.',
        'status: Pennine booked an appointment for the patient.',
        'status: The patient did not attend their appointment with Pennine.',
        'status: Pennine updated the referral: triaged.',
      ],
    ],
    [
      'declined with the domain’s reason words and the provider’s text',
      [
        rec(5, 'status-changed', '0', {
          from: 'requested',
          to: 'rejected',
          statusReason: 'The patient lives or works outside the service’s area: We cover Leeds only.',
        }),
      ],
      [
        'status: Pennine declined the referral: The patient lives or works outside the service’s area: We cover Leeds only.',
      ],
    ],
  ])('%s', (_label, audit, expected) => {
    expect(buildTimeline([...audit].reverse(), 'Pennine').map((e) => `${e.event}: ${e.text}`)).toEqual(
      expected,
    );
  });
});

describe('the outcome in the timeline', () => {
  const outcome: ReferralOutcome = {
    returnToWorkGoal: 'same-role',
    adjustments: [
      { code: 'phased-return', text: 'Half days for two weeks' },
      { code: 'altered-hours', text: 'Start at 10:00' },
    ],
    report: { title: 'Work and health assessment', text: 'Seen twice.' },
  };
  const completed = [
    rec(9, 'status-changed', '0', { from: 'in-progress', to: 'completed', outcomeRecorded: true }),
  ];

  it.each<[string, unknown, string]>([
    [
      'goal and recommendations in one line',
      outcome,
      'Pennine completed the referral: return to the same role; recommends: phased return to work, altered hours.',
    ],
    [
      'no adjustments',
      { ...outcome, returnToWorkGoal: 'different-employer', adjustments: [] },
      'Pennine completed the referral: work with a different employer; no adjustments recommended.',
    ],
    [
      'a different role with the same employer',
      { ...outcome, returnToWorkGoal: 'different-role-same-employer', adjustments: [outcome.adjustments[1]] },
      'Pennine completed the referral: a different role with the same employer; recommends: altered hours.',
    ],
    [
      'an outcome the hub cannot read',
      { goal: 'back' },
      'Pennine completed the referral and reported the outcome.',
    ],
    [
      'no outcome given to the timeline',
      undefined,
      'Pennine completed the referral and reported the outcome.',
    ],
  ])('%s', (_label, given, expected) => {
    expect(buildTimeline(completed, 'Pennine', given).map((e) => e.text)).toEqual([expected]);
  });

  it.each<[unknown, string | undefined]>([
    [outcome, 'return to the same role; recommends: phased return to work, altered hours'],
    [null, undefined],
    ['same-role', undefined],
    [{ returnToWorkGoal: 'retire', adjustments: [] }, undefined],
    [{ returnToWorkGoal: 'same-role' }, undefined],
  ])('outcomeLine(%j)', (given, expected) => {
    expect(outcomeLine(given)).toBe(expected);
  });

  it.each<[string | undefined, string | undefined]>([
    ['Appointment on 2026-12-01.', '2026-12-01'],
    ['Appointment on 2026-12-01', '2026-12-01'],
    ['Outside our area.', undefined],
    [undefined, undefined],
  ])('appointmentDateOf(%j)', (given, expected) => {
    expect(appointmentDateOf(given)).toBe(expected);
  });
});

describe('referralView', () => {
  const referral: StoredReferral = {
    id: 'r1',
    practiceOds: 'A99999',
    ehrBaseUrl: 'http://127.0.0.1:8080/fhir',
    patientId: 'peter',
    providerId: 'case-managed-support',
    deliveryMode: 'fhir-rest',
    bundle: { resourceType: 'Bundle', type: 'transaction' },
    sentBy: 'Practitioner/gp-1',
    status: 'requested',
    deliveryState: 'failed',
    lastDeliveryError: 'The provider’s server did not answer.',
    createdAt: T0,
    updatedAt: T0 + 3_600_000,
  };

  it('gives the provider’s contact details, times as ISO, and the last delivery error', () => {
    const view = referralView(referral, [], {
      id: 'case-managed-support',
      name: 'Pennine Wellbeing',
      contact: { phone: '0113 496 0005', email: 'referrals@pennine-wellbeing.example.org' },
    });
    expect(view).toEqual({
      id: 'r1',
      status: 'requested',
      deliveryState: 'failed',
      lastDeliveryError: 'The provider’s server did not answer.',
      provider: {
        id: 'case-managed-support',
        name: 'Pennine Wellbeing',
        phone: '0113 496 0005',
        email: 'referrals@pennine-wellbeing.example.org',
      },
      practiceOds: 'A99999',
      patientId: 'peter',
      createdAt: '2026-11-20T10:20:00.000Z',
      updatedAt: '2026-11-20T11:20:00.000Z',
      timeline: [],
    });
  });

  it('without the directory entry it still gives the provider id', () => {
    expect(referralView(referral, []).provider).toEqual({ id: 'case-managed-support' });
  });

  it('gives the outcome and the timeline’s completion line from the stored outcome', () => {
    const outcome: ReferralOutcome = {
      returnToWorkGoal: 'same-role',
      adjustments: [{ code: 'amended-duties', text: 'No lifting for four weeks' }],
      report: { title: 'Assessment', text: 'Seen once.' },
    };
    const view = referralView({ ...referral, status: 'completed', deliveryState: 'delivered', outcome }, [
      rec(9, 'status-changed', '0', { from: 'in-progress', to: 'completed', outcomeRecorded: true }),
    ]);
    expect(view.outcome).toEqual(outcome);
    expect(view.timeline.map((e) => e.text)).toEqual([
      'The provider completed the referral: return to the same role; recommends: amended duties.',
    ]);
  });

  it.each<[string, Partial<StoredReferral>, string | undefined]>([
    [
      'booked with a date',
      { businessStatus: 'scheduled', statusReason: 'Appointment on 2026-12-01.' },
      '2026-12-01',
    ],
    [
      'did not attend the booked one',
      { businessStatus: 'did-not-attend', statusReason: 'Appointment on 2026-12-01.' },
      '2026-12-01',
    ],
    [
      'contacted after booking (the old date is not current)',
      { businessStatus: 'contacted', statusReason: 'Appointment on 2026-12-01.' },
      undefined,
    ],
    ['booked without a date', { businessStatus: 'scheduled' }, undefined],
  ])('appointment date: %s', (_label, over, expected) => {
    expect(referralView({ ...referral, status: 'in-progress', ...over }, []).appointmentDate).toBe(expected);
  });
});
