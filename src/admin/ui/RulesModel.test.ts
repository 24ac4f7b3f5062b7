import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import { parseRules, type Rule, type RulesFile } from '../../domain/rules.js';
import {
  changedInWords,
  formFromRule,
  problemsByField,
  ruleFromForm,
  sampleReason,
  sampleValues,
  triggerInWords,
  withRule,
} from './RulesModel.js';

const parsed = parseRules(DEFAULT_RULES);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const national: RulesFile = parsed.value;
const rule = (id: string): Rule => national.rules.find((r) => r.id === id) as Rule;

describe('triggerInWords', () => {
  it.each([
    [{ absenceDaysAtLeast: 42 }, 'Off work 6 weeks or more'],
    [{ absenceDaysAtLeast: 10 }, 'Off work 10 days or more'],
    [{ absenceDaysAtLeast: 7 }, 'Off work 1 week or more'],
    [{ noteCountAtLeast: 4 }, '4 fit notes or more in one episode'],
    [{ episodesIn12MonthsAtLeast: 3 }, '3 episodes or more off work in 12 months'],
    [{ firstNote: true as const }, 'First fit note of an episode'],
    [{ exceedsExpectedDuration: true as const }, 'Off longer than expected for the condition'],
    [
      { absenceDaysAtLeast: 28, noteCountAtLeast: 2 },
      'Off work 4 weeks or more, and 2 fit notes or more in one episode',
    ],
    [{}, 'No trigger'],
  ])('%j → %s', (when, words) => {
    expect(triggerInWords(when)).toBe(words);
  });
});

describe('the editor form', () => {
  it.each(national.rules.map((r) => [r.id]))('gives back rule %s unchanged', (id) => {
    expect(ruleFromForm(formFromRule(rule(id)))).toEqual(rule(id));
  });

  it.each([
    ['weeks', '4', 28],
    ['days', '30', 30],
  ] as const)('a threshold in %s (%s) is stored in days (%d)', (unit, typed, days) => {
    const form = { ...formFromRule(rule('six-weeks-oh')), absenceUnit: unit, absence: typed };
    expect((ruleFromForm(form).when as Rule['when']).absenceDaysAtLeast).toBe(days);
  });

  it('shows 42 days as 6 weeks and 10 days as days', () => {
    expect(formFromRule(rule('six-weeks-oh'))).toMatchObject({ absence: '6', absenceUnit: 'weeks' });
    const ten = { ...rule('six-weeks-oh'), when: { absenceDaysAtLeast: 10 } };
    expect(formFromRule(ten)).toMatchObject({ absence: '10', absenceUnit: 'days' });
  });

  it('keeps half-typed numbers for the schema to refuse, next to the right field', () => {
    const form = {
      ...formFromRule(rule('six-weeks-oh')),
      absence: 'six',
      ageMin: '70',
      ageMax: '20',
      sourceUrl: 'ftp://x',
    };
    const file = withRule(national, 'six-weeks-oh', ruleFromForm(form));
    const result = parseRules(file);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const position = national.rules.findIndex((r) => r.id === 'six-weeks-oh');
    const { byField, unplaced } = problemsByField(problems, 'six-weeks-oh', position);
    expect(Object.keys(byField).sort()).toEqual(['absence', 'ageRange', 'sourceUrl']);
    expect(byField.absence?.[0]).toMatch(/^Must be a whole number of days/);
    expect(unplaced).toEqual([]);
  });

  it.each([
    ['an unknown provider', { providers: ['nowhere'] }, 'providers'],
    ['a summary with an unknown value', { summary: 'Off {{weeks}} weeks' }, 'summary'],
    ['an empty title', { title: ' ' }, 'title'],
    ['no trigger', { absenceOn: false }, 'when'],
  ])('puts %s under its field', (_what, patch, field) => {
    const form = { ...formFromRule(rule('six-weeks-oh')), ...patch };
    const result = parseRules(withRule(national, 'six-weeks-oh', ruleFromForm(form)), {
      providerIds: ['local-oh-service', 'msk-physio-fast-track'],
    });
    const problems = result.ok ? [] : result.problems;
    const position = national.rules.findIndex((r) => r.id === 'six-weeks-oh');
    expect(Object.keys(problemsByField(problems, 'six-weeks-oh', position).byField)).toEqual([field]);
  });

  it('a renamed rule keeps the rules that supersede it pointing at it', () => {
    const renamed = { ...rule('two-weeks-early-advice'), id: 'two-weeks-advice' };
    const file = withRule(national, 'two-weeks-early-advice', renamed) as RulesFile;
    expect(parseRules(file).ok).toBe(true);
    expect(file.rules.find((r) => r.id === 'four-weeks-review')?.supersedes).toEqual(['two-weeks-advice']);
  });
});

describe('changed fields in words', () => {
  it.each([
    [['enabled', 'when.absenceDaysAtLeast'], 'on or off, when it prompts'],
    [['when.absenceDaysAtLeast', 'when.noteCountAtLeast', 'source.url'], 'when it prompts, source'],
    [['unknownKey'], 'unknownKey'],
  ])('%j → %s', (fields, words) => {
    expect(changedInWords(fields)).toBe(words);
  });
});

describe('the preview’s sample patient', () => {
  it('is just past the threshold and reads like the GP’s card', () => {
    const values = sampleValues(rule('six-weeks-oh'));
    expect(values).toMatchObject({ absenceDays: '44', absenceWeeks: '6', condition: 'Low back pain' });
    expect(sampleReason(values)).toBe('Off work 6 weeks, 2 fit notes, Low back pain');
    expect(sampleReason({ ...values, absenceDays: '10', absenceWeeks: '1', episodesIn12Months: '3' })).toBe(
      'Off work 10 days, 2 fit notes, episode 3 in 12 months, Low back pain',
    );
  });
});
