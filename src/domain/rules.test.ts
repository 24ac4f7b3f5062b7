import { DEFAULT_RULES } from './defaultRules.js';
import { jsonErrorOffset } from './problems.js';
import { parseRules, parseRulesText, renderSummary, SUMMARY_MAX } from './rules.js';

const baseRule = {
  id: 'six-weeks-oh',
  title: 'Off work six weeks: offer an occupational health assessment',
  enabled: true,
  when: { absenceDaysAtLeast: 42 },
  indicator: 'warning',
  summary: 'Off work {{absenceWeeks}} weeks: consider a work and health referral',
  providers: ['local-oh-service'],
  source: { label: 'Practice work and health policy', url: 'https://example.org/policy' },
};
const file = (rules: unknown[], extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  rules,
  ...extra,
});

describe('parseRules', () => {
  it('accepts the DESIGN.md example and fills in the default gap', () => {
    const result = parseRules(
      file([
        {
          ...baseRule,
          conditionGroups: ['msk', 'mental-health'],
          employmentStatus: ['employed', 'self-employed'],
        },
      ]),
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.episodeGapDays).toBe(7);
  });

  it('accepts the shipped defaults', () => {
    const result = parseRules(DEFAULT_RULES);
    expect(result).toMatchObject({ ok: true });
  });

  it.each<[string, unknown, string[]]>([
    [
      'not an object',
      [],
      ['The rules file must be a JSON object with "schemaVersion": 1 and a "rules" list.'],
    ],
    [
      'wrong schema version',
      { schemaVersion: 2, rules: [] },
      ['schemaVersion: must be 1 (this is the only version so far) (got 2).'],
    ],
    ['missing rules', { schemaVersion: 1 }, ['rules: is required.']],
    [
      'an unknown top-level key',
      file([], { episodeGap: 7 }),
      [
        'episodeGap: unknown key "episodeGap" — remove it or check the spelling (allowed here: schemaVersion, episodeGapDays, expectedDurations, rules).',
      ],
    ],
    [
      'an unknown rule key names the rule',
      file([{ ...baseRule, threshold: 42 }]),
      [
        expect.stringMatching(
          /^Rule "six-weeks-oh": threshold: unknown key "threshold" — remove it or check the spelling \(allowed here: id, title/,
        ),
      ],
    ],
    [
      'an unknown when key',
      file([{ ...baseRule, when: { absenceDaysAtLeast: 42, daysOff: 3 } }]),
      [
        'Rule "six-weeks-oh": when.daysOff: unknown key "daysOff" — remove it or check the spelling (allowed here: absenceDaysAtLeast, noteCountAtLeast, episodesIn12MonthsAtLeast, firstNote, exceedsExpectedDuration).',
      ],
    ],
    [
      'a negative threshold',
      file([{ ...baseRule, when: { absenceDaysAtLeast: -3 } }]),
      ['Rule "six-weeks-oh": when.absenceDaysAtLeast: must be a whole number of days, 1 or more (got -3).'],
    ],
    [
      'a fractional threshold',
      file([{ ...baseRule, when: { noteCountAtLeast: 2.5 } }]),
      ['Rule "six-weeks-oh": when.noteCountAtLeast: must be a whole number of notes (got 2.5).'],
    ],
    [
      'an empty when',
      file([{ ...baseRule, when: {} }]),
      [expect.stringMatching(/^Rule "six-weeks-oh": when: needs at least one trigger/)],
    ],
    [
      'firstNote false',
      file([{ ...baseRule, when: { firstNote: false } }]),
      ['Rule "six-weeks-oh": when.firstNote: can only be true (leave it out otherwise) (got false).'],
    ],
    [
      'an unknown condition group',
      file([{ ...baseRule, conditionGroups: ['cardiac'] }]),
      [
        expect.stringMatching(
          /^Rule "six-weeks-oh": conditionGroups\[0\]: .*"msk".*"mental-health".* \(got "cardiac"\)\.$/,
        ),
      ],
    ],
    [
      'a bad indicator',
      file([{ ...baseRule, indicator: 'urgent' }]),
      [expect.stringMatching(/^Rule "six-weeks-oh": indicator: .*"info".*\(got "urgent"\)\.$/)],
    ],
    [
      'a rule without an id is named by position',
      file([{ ...baseRule, id: undefined }]),
      ['Rule 1: id: is required.'],
    ],
    [
      'a bad id',
      file([{ ...baseRule, id: 'Six Weeks' }]),
      [
        'Rule "Six Weeks": id: must be lower-case letters, digits and hyphens (e.g. "six-weeks-oh") (got "Six Weeks").',
      ],
    ],
    [
      'a source without a label',
      file([{ ...baseRule, source: { label: ' ' } }]),
      ['Rule "six-weeks-oh": source.label: must name where the threshold comes from (got " ").'],
    ],
    [
      'a javascript: link',
      file([{ ...baseRule, source: { label: 'x', url: 'javascript:alert(1)' } }]),
      ['Rule "six-weeks-oh": source.url: must be an http(s) link (got "javascript:alert(1)").'],
    ],
    [
      'an age range upside down',
      file([{ ...baseRule, ageRange: { min: 60, max: 18 } }]),
      ['Rule "six-weeks-oh": ageRange: min must not be more than max.'],
    ],
    [
      'duplicate ids',
      file([baseRule, baseRule]),
      ['Rule "six-weeks-oh" (rule 2): the id is used by an earlier rule — every rule needs its own id.'],
    ],
    [
      'an unknown template variable',
      file([{ ...baseRule, summary: 'Off {{weeks}} weeks' }]),
      [
        expect.stringMatching(
          /^Rule "six-weeks-oh": summary uses \{\{weeks\}\}, which is not a known value \(use \{\{absenceWeeks\}\}/,
        ),
      ],
    ],
    [
      'a summary too long for a card',
      file([{ ...baseRule, summary: `Off work {{absenceWeeks}} weeks ${'x'.repeat(130)}` }]),
      [
        expect.stringMatching(
          /^Rule "six-weeks-oh": summary can be 1\d\d characters once filled in; a prompt allows 140\. Shorten it\.$/,
        ),
      ],
    ],
    [
      'superseding an unknown rule',
      file([{ ...baseRule, supersedes: ['two-weeks'] }]),
      ['Rule "six-weeks-oh": supersedes "two-weeks", but there is no rule with that id.'],
    ],
    [
      'expected-duration trigger without a table',
      file([{ ...baseRule, when: { exceedsExpectedDuration: true } }]),
      [
        'Rule "six-weeks-oh": when.exceedsExpectedDuration needs an expectedDurations table in the file — add one or remove the trigger.',
      ],
    ],
    [
      'an expected-duration entry with both a group and a code',
      file([], {
        expectedDurations: [{ label: 'x', conditionGroup: 'msk', system: 's', code: 'c', days: 10 }],
      }),
      ['Expected duration 1: give either conditionGroup, or both system and code.'],
    ],
    [
      'a negative gap',
      file([], { episodeGapDays: -1 }),
      ['episodeGapDays: must be a whole number of days, 0 or more (got -1).'],
    ],
  ])('reports %s', (_name, input, problems) => {
    const result = parseRules(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(problems);
  });

  it('reports every problem at once, one line each', () => {
    const result = parseRules(
      file([
        { ...baseRule, when: { absenceDaysAtLeast: 0 }, colour: 'red' },
        { ...baseRule, id: 'b', indicator: 'x' },
      ]),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(3);
  });

  it('checks providers against the directory when given', () => {
    expect(parseRules(file([baseRule]), { providerIds: ['local-oh-service'] }).ok).toBe(true);
    const result = parseRules(file([baseRule]), { providerIds: ['other'] });
    expect(result).toEqual({
      ok: false,
      problems: ['Rule "six-weeks-oh": provider "local-oh-service" is not in the provider directory.'],
    });
  });

  it('reports a JSON syntax error with its line and column', () => {
    const result = parseRulesText('{\n  "schemaVersion": 1,\n  "rules": [,]\n}');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        'The rules file is not valid JSON: unexpected "," at line 3, column 13.',
      ]);
  });

  it.each([
    ['{"a": 1,}', 8],
    ['{"a" 1}', 5],
    ['[1 2]', 3],
    ['{"a": tru}', 6],
    ['{"a": "x\\u00zz"}', 9],
    ['01', 1],
    ['{"a": 1} x', 9],
    ['{"a": [1, 2]}', -1],
    ['  "\\u00e9\\n" ', -1],
  ])('finds the first syntax error in %j at %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    if (offset === -1) expect(() => JSON.parse(text)).not.toThrow();
    else expect(() => JSON.parse(text)).toThrow();
  });

  it('says when the file ends too soon', () => {
    expect(parseRulesText('{"schemaVersion": 1, "rules": [')).toEqual({
      ok: false,
      problems: [
        'The rules file is not valid JSON: it ends too soon (is a closing bracket or quote missing?).',
      ],
    });
  });
});

describe('renderSummary', () => {
  const values = {
    absenceWeeks: '6',
    absenceDays: '42',
    noteCount: '3',
    episodesIn12Months: '1',
    episodeStart: '2026-10-10',
    condition: 'low back pain',
  };
  it('fills every variable, with or without spaces in the braces', () => {
    expect(
      renderSummary(
        'Off {{absenceWeeks}} weeks ({{ absenceDays }} days), {{noteCount}} notes: {{condition}}',
        values,
      ),
    ).toBe('Off 6 weeks (42 days), 3 notes: low back pain');
  });
  it('shortens a long condition so the summary fits 140 characters', () => {
    const text = renderSummary('Off work {{absenceWeeks}} weeks ({{condition}}): consider a referral', {
      ...values,
      condition: 'a'.repeat(200),
    });
    expect(text.length).toBeLessThanOrEqual(SUMMARY_MAX);
    expect(text).toMatch(/^Off work 6 weeks \(a+…\): consider a referral$/);
  });
  it('every shipped default renders within 140 characters with a long condition', () => {
    for (const rule of DEFAULT_RULES.rules) {
      expect(
        renderSummary(rule.summary, { ...values, condition: 'x'.repeat(300) }).length,
      ).toBeLessThanOrEqual(SUMMARY_MAX);
    }
  });
});
