import type { PatientContactPoint } from '../../domain/patient.js';
import { initialFormState, preferredContacts, rankForPatient } from './referralFormState.js';
import { sampleContext, TODAY } from './testSupport.js';

const phone = (value: string, extra: Partial<PatientContactPoint> = {}): PatientContactPoint => ({
  system: 'phone',
  value,
  ...extra,
});
const email = (value: string, extra: Partial<PatientContactPoint> = {}): PatientContactPoint => ({
  system: 'email',
  value,
  ...extra,
});

describe('preferredContacts', () => {
  it.each<[string, PatientContactPoint[] | undefined, { phone?: string; email?: string }]>([
    ['nothing recorded', undefined, {}],
    [
      'one of each',
      [phone('0113 496 0100'), email('a@example.org')],
      { phone: '0113 496 0100', email: 'a@example.org' },
    ],
    [
      'a mobile before an earlier home number',
      [phone('0113 496 0100', { use: 'home' }), phone('07700 900001', { use: 'mobile' })],
      { phone: '07700 900001' },
    ],
    [
      'a mobile before a better-ranked landline',
      [phone('0113 496 0100', { rank: 1 }), phone('07700 900001', { use: 'mobile', rank: 2 })],
      { phone: '07700 900001' },
    ],
    [
      'by rank among the rest',
      [phone('0113 496 0100', { rank: 3 }), phone('0113 496 0101', { rank: 1 }), phone('0113 496 0102')],
      { phone: '0113 496 0101' },
    ],
    [
      'an unranked one after ranked ones, else record order',
      [email('b@example.org'), email('c@example.org', { rank: 2 }), email('d@example.org')],
      { email: 'c@example.org' },
    ],
    [
      'not an old one',
      [phone('07700 900001', { use: 'old' }), phone('0113 496 0100')],
      { phone: '0113 496 0100' },
    ],
    [
      'not a mobile that ended yesterday',
      [phone('07700 900001', { use: 'mobile', end: '2026-11-20' }), phone('0113 496 0100')],
      { phone: '0113 496 0100' },
    ],
    [
      'a mobile that ends today or later',
      [phone('0113 496 0100'), phone('07700 900001', { use: 'mobile', end: '2026-11-21T18:00:00Z' })],
      { phone: '07700 900001' },
    ],
    [
      'nothing when all have ended',
      [phone('07700 900001', { end: '2025-01-01' }), email('a@example.org', { end: '2020-01-01' })],
      {},
    ],
    ['trimmed, and not a blank value', [phone('   '), phone(' 07700 900002 ')], { phone: '07700 900002' }],
  ])('%s', (_label, telecom, expected) => {
    expect(preferredContacts(telecom, TODAY)).toEqual(expected);
  });

  it('leaves out numbers with an end date when it does not know today', () => {
    expect(
      preferredContacts([
        phone('07700 900001', { use: 'mobile', end: '2099-01-01' }),
        phone('0113 496 0100'),
      ]),
    ).toEqual({
      phone: '0113 496 0100',
    });
  });
});

describe('initialFormState: contact prefill', () => {
  const context = sampleContext('peter');
  const ranked = rankForPatient(context.record.patient, undefined, context.config.directory.providers, TODAY);

  it('fills phone and email from the record', () => {
    const patient = {
      ...context.record.patient,
      telecom: [
        phone('0113 496 0100', { use: 'home' }),
        phone('07700 900123', { use: 'mobile' }),
        email('peter@example.org'),
      ],
    };
    const state = initialFormState({ patient, ranked, today: TODAY });
    expect([state.phone, state.email, state.preferredMethod]).toEqual([
      '07700 900123',
      'peter@example.org',
      'phone',
    ]);
  });

  it('leaves them empty when the record has none', () => {
    const { telecom: _none, ...patient } = context.record.patient;
    const state = initialFormState({ patient, ranked, today: TODAY });
    expect([state.phone, state.email]).toEqual(['', '']);
  });
});
