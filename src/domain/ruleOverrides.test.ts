import { DEFAULT_RULES } from './defaultRules.js';
import { compareWithNational, resetRule } from './ruleOverrides.js';
import { parseRules, type RulesFile } from './rules.js';

function nationalRules(): RulesFile {
  const parsed = parseRules(structuredClone(DEFAULT_RULES));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.value;
}

const national = nationalRules();

function local(change: (r: RulesFile) => void): RulesFile {
  const copy = structuredClone(national);
  change(copy);
  return copy;
}

const ruleOf = (r: RulesFile, id: string) => {
  const found = r.rules.find((x) => x.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

describe('compareWithNational', () => {
  it('finds every rule national when nothing changed', () => {
    const result = compareWithNational(national, national);
    expect(result.map((r) => r.ruleId)).toEqual(national.rules.map((r) => r.id));
    expect(result.every((r) => r.state === 'national' && r.changedFields.length === 0)).toBe(true);
  });

  it.each<[string, (r: RulesFile) => void, string, string, string[]]>([
    [
      'threshold',
      (r) => {
        ruleOf(r, 'six-weeks-oh').when.absenceDaysAtLeast = 28;
      },
      'six-weeks-oh',
      'changed',
      ['when.absenceDaysAtLeast'],
    ],
    [
      'switched off and providers changed',
      (r) => {
        const rule = ruleOf(r, 'two-weeks-early-advice');
        rule.enabled = false;
        rule.providers = ['work-coach-service'];
      },
      'two-weeks-early-advice',
      'changed',
      ['enabled', 'providers'],
    ],
    [
      'a field added that the national rule leaves out',
      (r) => {
        ruleOf(r, 'six-weeks-oh').ageRange = { min: 18 };
      },
      'six-weeks-oh',
      'changed',
      ['ageRange'],
    ],
    [
      'a practice rule',
      (r) => {
        r.rules.push({ ...structuredClone(ruleOf(r, 'six-weeks-oh')), id: 'local-ten-weeks' });
      },
      'local-ten-weeks',
      'local',
      [],
    ],
  ])('%s', (_label, change, ruleId, state, fields) => {
    const result = compareWithNational(local(change), national);
    expect(result.find((r) => r.ruleId === ruleId)).toEqual({ ruleId, state, changedFields: fields });
    expect(result.filter((r) => r.state !== 'national').map((r) => r.ruleId)).toEqual([ruleId]);
  });
});

describe('resetRule', () => {
  it('puts one changed rule back in its place, leaving the others as they are', () => {
    const changed = local((r) => {
      ruleOf(r, 'six-weeks-oh').when.absenceDaysAtLeast = 28;
      ruleOf(r, 'two-weeks-early-advice').enabled = false;
    });
    const reset = resetRule(changed, 'six-weeks-oh', national);
    expect(ruleOf(reset, 'six-weeks-oh')).toEqual(ruleOf(national, 'six-weeks-oh'));
    expect(ruleOf(reset, 'two-weeks-early-advice').enabled).toBe(false);
    expect(reset.rules.map((r) => r.id)).toEqual(changed.rules.map((r) => r.id));
    expect(ruleOf(changed, 'six-weeks-oh').when.absenceDaysAtLeast).toBe(28); // the input is not changed
    expect(compareWithNational(reset, national).find((r) => r.ruleId === 'six-weeks-oh')?.state).toBe(
      'national',
    );
  });

  it('adds a removed national rule back at the end', () => {
    const removed = local((r) => {
      r.rules = r.rules.filter((x) => x.id !== 'four-weeks-review');
    });
    const reset = resetRule(removed, 'four-weeks-review', national);
    expect(reset.rules.at(-1)).toEqual(ruleOf(national, 'four-weeks-review'));
  });

  it('leaves a practice rule alone (there is nothing national to go back to)', () => {
    const own = local((r) => {
      r.rules.push({ ...structuredClone(ruleOf(r, 'six-weeks-oh')), id: 'local-ten-weeks' });
    });
    expect(resetRule(own, 'local-ten-weeks', national)).toBe(own);
  });
});
