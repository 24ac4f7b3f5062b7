import { describeChanges, sameJson, valueWords } from './configDiff.js';
import { DEFAULT_RULES } from './defaultRules.js';

const national = structuredClone(DEFAULT_RULES) as unknown as {
  rules: Array<Record<string, unknown> & { id: string; when: Record<string, unknown> }>;
  episodeGapDays: number;
};

function edited(change: (rules: typeof national) => void) {
  const copy = structuredClone(national);
  change(copy);
  return copy;
}

const rule = (copy: typeof national, id: string) => {
  const found = copy.rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

const provider = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Provider ${id}`,
  status: 'open',
  waitingTimeDays: 10,
  eligibility: { employmentStatus: ['employed'] },
  ...extra,
});

describe('describeChanges: rules', () => {
  it.each<[string, (r: typeof national) => void, string[]]>([
    [
      'the six-week threshold moved to four weeks',
      (r) => {
        rule(r, 'six-weeks-oh').when.absenceDaysAtLeast = 28;
      },
      ['Rule "six-weeks-oh": absence threshold 42 days (6 weeks) → 28 days (4 weeks)'],
    ],
    [
      'a threshold that is not whole weeks',
      (r) => {
        rule(r, 'two-weeks-early-advice').when.absenceDaysAtLeast = 10;
      },
      ['Rule "two-weeks-early-advice": absence threshold 14 days (2 weeks) → 10 days'],
    ],
    [
      'a rule switched off',
      (r) => {
        rule(r, 'two-weeks-early-advice').enabled = false;
      },
      ['Rule "two-weeks-early-advice": switched off'],
    ],
    [
      'employment status narrowed (generic field path)',
      (r) => {
        rule(r, 'two-weeks-early-advice').employmentStatus = ['employed'];
      },
      ['Rule "two-weeks-early-advice": employmentStatus employed, self-employed → employed'],
    ],
    [
      'an age range added (nested object, field by field)',
      (r) => {
        rule(r, 'six-weeks-oh').ageRange = { min: 18, max: 65 };
      },
      ['Rule "six-weeks-oh": ageRange (none) → {"min":18,"max":65}'],
    ],
    [
      'a source label changed',
      (r) => {
        (rule(r, 'six-weeks-oh').source as Record<string, unknown>).label = 'Local audit';
      },
      [expect.stringMatching(/^Rule "six-weeks-oh": source\.label .+ → Local audit$/)],
    ],
    [
      'a rule added and another removed',
      (r) => {
        r.rules = r.rules.filter((x) => x.id !== 'four-weeks-review');
        r.rules.push({
          ...structuredClone(rule(r, 'six-weeks-oh')),
          id: 'eight-weeks-local',
          title: 'Eight weeks',
        });
      },
      ['Rule "eight-weeks-local" added: Eight weeks', 'Rule "four-weeks-review" removed'],
    ],
    [
      'the episode gap',
      (r) => {
        r.episodeGapDays = 14;
      },
      ['Gap that ends an episode 7 days (1 week) → 14 days (2 weeks)'],
    ],
    [
      'an expected duration changed (list item by item)',
      (r) => {
        (
          (r as unknown as { expectedDurations: Array<{ days: number }> }).expectedDurations[0] as {
            days: number;
          }
        ).days = 56;
      },
      ['expectedDurations[1].days 42 → 56'],
    ],
    [
      'rules reordered',
      (r) => {
        r.rules.reverse();
      },
      [expect.stringMatching(/^Rules reordered: /)],
    ],
    ['nothing', () => {}, []],
  ])('%s', (_label, change, lines) => {
    expect(describeChanges(national, edited(change), 'rules')).toEqual(lines);
  });

  it('says nothing for a first version, and that the file was replaced when it is not an object', () => {
    expect(describeChanges(undefined, national, 'rules')).toEqual([]);
    expect(describeChanges([1], national, 'rules')).toEqual(['The whole file was replaced']);
  });

  it('gives one line per change when several change', () => {
    const after = edited((r) => {
      rule(r, 'six-weeks-oh').when.absenceDaysAtLeast = 28;
      rule(r, 'six-weeks-oh').enabled = false;
      rule(r, 'two-weeks-early-advice').indicator = 'warning';
    });
    expect(describeChanges(national, after, 'rules')).toEqual([
      'Rule "two-weeks-early-advice": indicator info → warning',
      'Rule "six-weeks-oh": switched off',
      'Rule "six-weeks-oh": absence threshold 42 days (6 weeks) → 28 days (4 weeks)',
    ]);
  });
});

describe('describeChanges: directory', () => {
  const before = {
    schemaVersion: 1,
    providers: [provider('msk-physio-fast-track'), provider('local-oh-service')],
  };
  it.each<[string, unknown, string[]]>([
    [
      'a provider paused',
      {
        ...before,
        providers: [provider('msk-physio-fast-track', { status: 'paused' }), provider('local-oh-service')],
      },
      ['Provider "msk-physio-fast-track": paused'],
    ],
    [
      'a provider closed and its waiting time changed',
      {
        ...before,
        providers: [
          provider('msk-physio-fast-track'),
          provider('local-oh-service', { status: 'closed', waitingTimeDays: 20 }),
        ],
      },
      ['Provider "local-oh-service": closed', 'Provider "local-oh-service": waitingTimeDays 10 → 20'],
    ],
    [
      'nothing changed',
      {
        ...before,
        providers: [provider('msk-physio-fast-track'), provider('local-oh-service')],
      },
      [],
    ],
    [
      'a provider added and one removed',
      { ...before, providers: [provider('msk-physio-fast-track'), provider('new-service')] },
      ['Provider "new-service" added: Provider new-service', 'Provider "local-oh-service" removed'],
    ],
    [
      'eligibility narrowed (nested field path)',
      {
        ...before,
        providers: [
          provider('msk-physio-fast-track', {
            eligibility: { employmentStatus: ['employed', 'self-employed'] },
          }),
          provider('local-oh-service'),
        ],
      },
      ['Provider "msk-physio-fast-track": eligibility.employmentStatus employed → employed, self-employed'],
    ],
  ])('%s', (_label, after, lines) => {
    expect(describeChanges(before, after, 'directory')).toEqual(lines);
  });

  it('says a paused provider is open again', () => {
    const paused = { ...before, providers: [provider('msk-physio-fast-track', { status: 'paused' })] };
    const open = { ...before, providers: [provider('msk-physio-fast-track')] };
    expect(describeChanges(paused, open, 'directory')).toEqual([
      'Provider "msk-physio-fast-track": open again',
    ]);
  });
});

describe('helpers', () => {
  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: 1 }, { a: '1' }, false],
    [null, {}, false],
  ])('sameJson(%j, %j) is %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
  });

  it.each([
    [undefined, '(none)'],
    [[], '(none)'],
    ['', '(empty)'],
    [['a', 'b'], 'a, b'],
    [[{ a: 1 }, { a: 2 }], '2 entries'],
    ['x'.repeat(100), `${'x'.repeat(79)}…`],
  ])('valueWords(%j) is %s', (value, words) => {
    expect(valueWords(value)).toBe(words);
  });
});
