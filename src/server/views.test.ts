import type { AuditRecord, StoredReferral } from './store/types.js';
import { buildTimeline, referralView } from './views.js';

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
        'status: Pennine updated the referral: scheduled.',
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
  ])('%s', (_label, audit, expected) => {
    expect(buildTimeline([...audit].reverse(), 'Pennine').map((e) => `${e.event}: ${e.text}`)).toEqual(
      expected,
    );
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
});
