import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Provider, ProviderSchema, parseDirectory } from './directory.js';
import {
  type EligibilityFacts,
  eligibility,
  isStale,
  outwardCode,
  postcodeInArea,
  rankProviders,
} from './eligibility.js';

type ProviderOverrides = Omit<Partial<Provider>, 'eligibility'> & {
  eligibility?: Partial<Provider['eligibility']>;
};

function provider(overrides: ProviderOverrides = {}): Provider {
  const { eligibility: rules, ...rest } = overrides;
  return ProviderSchema.parse({
    id: 'test-service',
    name: 'Test Service',
    description: 'A synthetic service.',
    services: ['oh-assessment', 'employment-support'],
    modalities: ['telephone'],
    status: 'open',
    lastVerified: '2026-11-01',
    waitingTimeDays: 10,
    contact: { phone: '0113 496 0000' },
    endpoint: { mode: 'hub-inbox' },
    ...rest,
    eligibility: { employmentStatus: ['employed', 'self-employed'], ...rules },
  });
}

/** A 40-year-old employed Leeds patient with back pain, everything recorded. */
function facts(overrides: Partial<EligibilityFacts> = {}): EligibilityFacts {
  return {
    id: 'patient-1',
    today: '2026-11-21',
    birthDate: '1986-05-10',
    employmentStatus: 'employed',
    employerSize: 40,
    employerHasOccupationalHealth: false,
    postcode: 'LS6 2AB',
    conditionGroups: ['msk'],
    ...overrides,
  };
}

const NOT_ELIGIBLE = (...reasons: string[]) => ({ eligible: false, reasons });
const ELIGIBLE = (...toConfirm: string[]) => ({ eligible: true, toConfirm });

describe('eligibility: each criterion', () => {
  it.each<[string, Partial<EligibilityFacts>, ProviderOverrides, object]>([
    ['everything known and met', {}, {}, ELIGIBLE()],
    // Service state.
    ['a paused service', {}, { status: 'paused' }, NOT_ELIGIBLE('Not taking referrals: paused')],
    ['a closed service', {}, { status: 'closed' }, NOT_ELIGIBLE('Not taking referrals: closed')],
    [
      'a service not yet open',
      {},
      { activeFrom: '2027-01-01' },
      NOT_ELIGIBLE('Not yet open: opens 2027-01-01'),
    ],
    ['a service opening today', {}, { activeFrom: '2026-11-21' }, ELIGIBLE()],
    ['a service that closed', {}, { activeTo: '2026-06-30' }, NOT_ELIGIBLE('Closed on 2026-06-30')],
    ['a service closing today', {}, { activeTo: '2026-11-21' }, NOT_ELIGIBLE('Closed on 2026-11-21')],
    ['a service closing tomorrow', {}, { activeTo: '2026-11-22' }, ELIGIBLE()],
    // Services wanted.
    ['a wanted service offered', { serviceTypes: ['oh-assessment'] }, {}, ELIGIBLE()],
    [
      'a wanted service not offered',
      { serviceTypes: ['physiotherapy'] },
      {},
      NOT_ELIGIBLE('Does not offer physiotherapy'),
    ],
    [
      'two wanted services not offered',
      { serviceTypes: ['physiotherapy', 'debt-benefits-advice', 'oh-assessment'] },
      {},
      NOT_ELIGIBLE('Does not offer physiotherapy', 'Does not offer debt and benefits advice'),
    ],
    // Employment status.
    ['self-employed where accepted', { employmentStatus: 'self-employed' }, {}, ELIGIBLE()],
    [
      'unemployed where not accepted',
      { employmentStatus: 'unemployed' },
      {},
      NOT_ELIGIBLE('Only for employed or self-employed patients; this patient is recorded as unemployed.'),
    ],
    [
      'a student where not accepted',
      { employmentStatus: 'student' },
      { eligibility: { employmentStatus: ['employed'] } },
      NOT_ELIGIBLE('Only for employed patients; this patient is recorded as a student.'),
    ],
    [
      'retired where only three statuses are accepted',
      { employmentStatus: 'retired' },
      { eligibility: { employmentStatus: ['employed', 'self-employed', 'unemployed'] } },
      NOT_ELIGIBLE(
        'Only for employed, self-employed or unemployed patients; this patient is recorded as retired.',
      ),
    ],
    [
      'unknown employment status',
      { employmentStatus: 'unknown', employerSize: undefined, employerHasOccupationalHealth: undefined },
      {},
      ELIGIBLE(
        "Check the patient's employment status: the record does not say, and this service is only for employed or self-employed patients.",
      ),
    ],
    // Condition groups.
    ['a condition in the group', {}, { eligibility: { conditionGroups: ['msk'] } }, ELIGIBLE()],
    [
      'one of two conditions in the group',
      { conditionGroups: ['msk', 'mental-health'] },
      { eligibility: { conditionGroups: ['mental-health'] } },
      ELIGIBLE(),
    ],
    [
      'a condition outside the group',
      {},
      { eligibility: { conditionGroups: ['mental-health'] } },
      NOT_ELIGIBLE(
        "For mental health conditions only; this patient's fit notes are for musculoskeletal conditions.",
      ),
    ],
    [
      'no condition in a known group (one group)',
      { conditionGroups: [] },
      { eligibility: { conditionGroups: ['msk'] } },
      ELIGIBLE(
        "Check the condition: this service is for musculoskeletal conditions, and the fit notes' conditions are not coded in that group.",
      ),
    ],
    [
      'no condition in a known group (two groups)',
      { conditionGroups: [] },
      { eligibility: { conditionGroups: ['msk', 'mental-health'] } },
      ELIGIBLE(
        "Check the condition: this service is for musculoskeletal or mental health conditions, and the fit notes' conditions are not coded in any of these groups.",
      ),
    ],
    ['no condition where any condition is accepted', { conditionGroups: [] }, {}, ELIGIBLE()],
    // Age.
    ['aged within the range', {}, { eligibility: { ageRange: { min: 18, max: 65 } } }, ELIGIBLE()],
    [
      'older than the range',
      { birthDate: '1959-06-01' },
      { eligibility: { ageRange: { min: 18, max: 65 } } },
      NOT_ELIGIBLE('For patients aged 18 to 65; patient is 67'),
    ],
    [
      '65 on the day (inclusive upper bound)',
      { birthDate: '1961-11-21' },
      { eligibility: { ageRange: { min: 18, max: 65 } } },
      ELIGIBLE(),
    ],
    [
      '66 on the birthday',
      { birthDate: '1960-11-21' },
      { eligibility: { ageRange: { min: 18, max: 65 } } },
      NOT_ELIGIBLE('For patients aged 18 to 65; patient is 66'),
    ],
    [
      'one day short of 18',
      { birthDate: '2008-11-22' },
      { eligibility: { ageRange: { min: 18 } } },
      NOT_ELIGIBLE('For patients aged 18 and over; patient is 17'),
    ],
    [
      'older than a maximum only',
      { birthDate: '1950-01-01' },
      { eligibility: { ageRange: { max: 66 } } },
      NOT_ELIGIBLE('For patients aged 66 and under; patient is 76'),
    ],
    [
      'no date of birth',
      { birthDate: undefined },
      { eligibility: { ageRange: { min: 18, max: 65 } } },
      ELIGIBLE(
        "Check the patient's age: no date of birth is recorded, and this service is for patients aged 18 to 65.",
      ),
    ],
    ['no date of birth and no age range', { birthDate: undefined }, {}, ELIGIBLE()],
    // Postcode.
    ['inside the postcode area', {}, { eligibility: { areaCodes: ['LS'] } }, ELIGIBLE()],
    ['inside the postcode district', {}, { eligibility: { areaCodes: ['BD', 'LS6'] } }, ELIGIBLE()],
    [
      'outside the postcode area',
      { postcode: 'BD7 1AA' },
      { eligibility: { areaCodes: ['LS'] } },
      NOT_ELIGIBLE("Covers LS postcodes only; patient's postcode is BD7 1AA"),
    ],
    [
      'in the L area, not LS',
      { postcode: 'L1 8JQ' },
      { eligibility: { areaCodes: ['LS', 'HX'] } },
      NOT_ELIGIBLE("Covers LS and HX postcodes only; patient's postcode is L1 8JQ"),
    ],
    [
      'LS10 is not in the LS1 district',
      { postcode: 'LS10 1AB' },
      { eligibility: { areaCodes: ['LS1'] } },
      NOT_ELIGIBLE("Covers LS1 postcodes only; patient's postcode is LS10 1AB"),
    ],
    [
      'a postcode without a space',
      { postcode: 'ls62ab' },
      { eligibility: { areaCodes: ['LS6'] } },
      ELIGIBLE(),
    ],
    [
      'no postcode',
      { postcode: undefined },
      { eligibility: { areaCodes: ['LS'] } },
      ELIGIBLE(
        'Check where the patient lives: no postcode is recorded, and this service covers LS postcodes only.',
      ),
    ],
    [
      'an unreadable postcode',
      { postcode: 'LS6' },
      { eligibility: { areaCodes: ['LS'] } },
      ELIGIBLE(
        'Check where the patient lives: the recorded postcode "LS6" is not a full UK postcode, and this service covers LS postcodes only.',
      ),
    ],
    ['no postcode where anywhere is covered', { postcode: undefined }, {}, ELIGIBLE()],
    // Employer size.
    ['a small employer', {}, { eligibility: { employerSize: { max: 249 } } }, ELIGIBLE()],
    ['exactly 249 staff', { employerSize: 249 }, { eligibility: { employerSize: { max: 249 } } }, ELIGIBLE()],
    [
      'a 250-strong employer',
      { employerSize: 250 },
      { eligibility: { employerSize: { max: 249 } } },
      NOT_ELIGIBLE('Only for employers with fewer than 250 staff'),
    ],
    [
      'an employer below a minimum',
      { employerSize: 4 },
      { eligibility: { employerSize: { min: 5 } } },
      NOT_ELIGIBLE('Only for employers with at least 5 staff'),
    ],
    [
      'an employer outside a two-sided range',
      { employerSize: 600 },
      { eligibility: { employerSize: { min: 10, max: 500 } } },
      NOT_ELIGIBLE('Only for employers with 10 to 500 staff'),
    ],
    [
      'employer size not recorded',
      { employerSize: undefined },
      { eligibility: { employerSize: { max: 249 } } },
      ELIGIBLE(
        "Check how many staff the patient's employer has: this service is only for employers with fewer than 250 staff.",
      ),
    ],
    [
      'self-employed, employer size ignored',
      { employmentStatus: 'self-employed', employerSize: undefined },
      { eligibility: { employerSize: { max: 249 } } },
      ELIGIBLE(),
    ],
    // Employer occupational health.
    [
      'employer has its own OH',
      { employerHasOccupationalHealth: true },
      { eligibility: { excludeIfEmployerHasOccupationalHealth: true } },
      NOT_ELIGIBLE('Not for patients whose employer has its own occupational health service'),
    ],
    [
      'employer has OH but the provider does not mind',
      { employerHasOccupationalHealth: true },
      {},
      ELIGIBLE(),
    ],
    [
      'employer OH not recorded',
      { employerHasOccupationalHealth: undefined },
      { eligibility: { excludeIfEmployerHasOccupationalHealth: true } },
      ELIGIBLE(
        "Check whether the patient's employer has its own occupational health service: this service is not for patients whose employer does.",
      ),
    ],
    [
      'self-employed, employer OH ignored',
      { employmentStatus: 'self-employed', employerHasOccupationalHealth: undefined },
      { eligibility: { excludeIfEmployerHasOccupationalHealth: true } },
      ELIGIBLE(),
    ],
  ])('%s', (_name, factOverrides, providerOverrides, expected) => {
    expect(eligibility(facts(factOverrides), provider(providerOverrides))).toEqual(expected);
  });
});

describe('eligibility: several criteria at once', () => {
  it('gives every reason, in a stable order', () => {
    const result = eligibility(
      facts({ employmentStatus: 'unemployed', postcode: 'BD7 1AA', birthDate: '1959-06-01' }),
      provider({
        status: 'paused',
        eligibility: {
          areaCodes: ['LS'],
          ageRange: { min: 18, max: 65 },
          conditionGroups: ['mental-health'],
        },
      }),
    );
    expect(result).toEqual(
      NOT_ELIGIBLE(
        'Not taking referrals: paused',
        'Only for employed or self-employed patients; this patient is recorded as unemployed.',
        "For mental health conditions only; this patient's fit notes are for musculoskeletal conditions.",
        'For patients aged 18 to 65; patient is 67',
        "Covers LS postcodes only; patient's postcode is BD7 1AA",
      ),
    );
  });

  it('lists every unknown to confirm for a patient the record says little about', () => {
    const result = eligibility(
      { id: 'p', today: '2026-11-21', employmentStatus: 'unknown', conditionGroups: [] },
      provider({
        eligibility: {
          areaCodes: ['LS'],
          ageRange: { min: 18 },
          conditionGroups: ['msk'],
          employerSize: { max: 249 },
          excludeIfEmployerHasOccupationalHealth: true,
        },
      }),
    );
    expect(result.eligible).toBe(true);
    expect(result.eligible && result.toConfirm).toHaveLength(6);
  });

  it('does not let an unknown fact hide a known failure', () => {
    const result = eligibility(
      facts({ postcode: undefined, employmentStatus: 'retired' }),
      provider({ eligibility: { areaCodes: ['LS'] } }),
    );
    expect(result).toEqual(
      NOT_ELIGIBLE('Only for employed or self-employed patients; this patient is recorded as retired.'),
    );
  });

  it('refuses a "today" that is not a date', () => {
    expect(() => eligibility(facts({ today: '21/11/2026' }), provider())).toThrow(/today/);
  });
});

describe('postcodes', () => {
  it.each<[string, string | undefined]>([
    ['LS6 2AB', 'LS6'],
    ['ls62ab', 'LS6'],
    ['EC1A 1BB', 'EC1A'],
    ['W1A 0AX', 'W1A'],
    ['M1 1AE', 'M1'],
    ['LS10  1AB', 'LS10'],
    ['LS6', undefined],
    ['not a postcode', undefined],
  ])('outward code of %j is %j', (postcode, expected) => {
    expect(outwardCode(postcode)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['LS6 2AB', 'LS', true],
    ['LS6 2AB', 'LS6', true],
    ['LS6 2AB', 'L', false],
    ['L1 8JQ', 'L', true],
    ['LS10 1AB', 'LS1', false],
    ['LS1 4AP', 'LS1', true],
    ['BD7 1AA', 'LS', false],
    ['garbage', 'LS', false],
  ])('%s in %s: %s', (postcode, area, expected) => {
    expect(postcodeInArea(postcode, area)).toBe(expected);
  });
});

describe('rankProviders', () => {
  const providers = [
    provider({ id: 'slow', name: 'Slow Service', waitingTimeDays: 30 }),
    provider({ id: 'paused', name: 'Paused Service', status: 'paused', waitingTimeDays: 1 }),
    provider({ id: 'fast-b', name: 'B Fast Service', waitingTimeDays: 5 }),
    provider({ id: 'fast-a', name: 'A Fast Service', waitingTimeDays: 5 }),
    provider({
      id: 'elsewhere',
      name: 'Another Area Service',
      waitingTimeDays: 2,
      eligibility: { areaCodes: ['HX'] },
    }),
  ];

  it('puts eligible providers first by waiting time then name, then ineligible ones by name', () => {
    const ranked = rankProviders(facts(), providers);
    expect(ranked.map((r) => r.provider.id)).toEqual(['fast-a', 'fast-b', 'slow', 'elsewhere', 'paused']);
    expect(ranked.map((r) => r.result.eligible)).toEqual([true, true, true, false, false]);
    expect(ranked[4]?.result).toEqual(NOT_ELIGIBLE('Not taking referrals: paused'));
  });

  it('does not reorder the list it was given', () => {
    const ids = providers.map((p) => p.id);
    rankProviders(facts(), providers);
    expect(providers.map((p) => p.id)).toEqual(ids);
  });

  it('ranks the example directory for an employed Leeds patient with depression', () => {
    const directory = parseDirectory(
      JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8')),
    );
    if (!directory.ok) throw new Error(directory.problems.join('\n'));
    const ranked = rankProviders(
      facts({ conditionGroups: ['mental-health'], employerSize: 900, employerHasOccupationalHealth: false }),
      directory.directory.providers,
    );
    const eligibleIds = ranked.filter((r) => r.result.eligible).map((r) => r.provider.id);
    expect(eligibleIds).toEqual(['debt-benefits-advice', 'work-coach-service', 'case-managed-support']);
    const byId = Object.fromEntries(ranked.map((r) => [r.provider.id, r.result]));
    expect(byId['local-oh-service']).toEqual(NOT_ELIGIBLE('Only for employers with fewer than 250 staff'));
    expect(byId['talking-therapies-employment']).toEqual(NOT_ELIGIBLE('Not taking referrals: paused'));
  });
});

describe('isStale', () => {
  it.each<[string, string, number | undefined, boolean]>([
    ['2026-11-21', '2026-11-21', undefined, false],
    ['2026-08-23', '2026-11-21', undefined, false],
    ['2026-08-22', '2026-11-21', undefined, true],
    ['2026-07-24', '2026-11-21', undefined, true],
    ['2026-10-22', '2026-11-21', 30, false],
    ['2026-10-21', '2026-11-21', 30, true],
    ['not-a-date', '2026-11-21', undefined, true],
  ])('verified %s, today %s, %s days → %s', (lastVerified, today, days, expected) => {
    expect(isStale({ lastVerified }, today, days)).toBe(expected);
  });
});
