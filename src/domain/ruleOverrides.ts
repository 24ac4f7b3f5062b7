/**
 * Local changes against the shipped national defaults (DEFAULT_RULES): which of a practice's rules
 * are exactly the national rule, which are the national rule changed locally (and in which fields),
 * and which are the practice's own; and resetting one rule to its national form.
 */
import { sameJson } from './configDiff.js';
import type { Rule, RulesFile } from './rules.js';

export type OverrideState = 'national' | 'changed' | 'local';

export interface RuleOverride {
  ruleId: string;
  state: OverrideState;
  /** Field paths that differ from the national rule, e.g. `when.absenceDaysAtLeast`, `enabled`, `providers`. */
  changedFields: string[];
}

/** Paths whose values differ: nested objects (when, source, ageRange) by their own fields, lists as a whole. */
function differingFields(
  local: Record<string, unknown>,
  national: Record<string, unknown>,
  prefix = '',
): string[] {
  const keys = [...new Set([...Object.keys(national), ...Object.keys(local)])];
  return keys.flatMap((key) => {
    const a = local[key];
    const b = national[key];
    if (sameJson(a, b)) return [];
    const isPlainObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isPlainObject(a) && isPlainObject(b)) {
      return differingFields(a as Record<string, unknown>, b as Record<string, unknown>, `${prefix}${key}.`);
    }
    return [`${prefix}${key}`];
  });
}

/** Each of the practice's rules (in its order) against the national rule with the same id. */
export function compareWithNational(rules: RulesFile, national: RulesFile): RuleOverride[] {
  const nationalById = new Map(national.rules.map((rule) => [rule.id, rule]));
  return rules.rules.map((rule) => {
    const nationalRule = nationalById.get(rule.id);
    if (!nationalRule) return { ruleId: rule.id, state: 'local', changedFields: [] };
    const changedFields = differingFields(
      rule as unknown as Record<string, unknown>,
      nationalRule as unknown as Record<string, unknown>,
    );
    return { ruleId: rule.id, state: changedFields.length ? 'changed' : 'national', changedFields };
  });
}

/**
 * The rules with one rule put back to its national form (same place in the list; added at the end
 * when the practice had removed it). Unchanged when there is no national rule with that id.
 */
export function resetRule(rules: RulesFile, ruleId: string, national: RulesFile): RulesFile {
  const nationalRule = national.rules.find((rule) => rule.id === ruleId);
  if (!nationalRule) return rules;
  const copy = structuredClone(nationalRule) as Rule;
  const index = rules.rules.findIndex((rule) => rule.id === ruleId);
  const next = index < 0 ? [...rules.rules, copy] : rules.rules.map((rule, i) => (i === index ? copy : rule));
  return { ...rules, rules: next };
}
