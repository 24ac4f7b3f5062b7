/**
 * The prompt rules file an IT lead imports, exports and edits (DESIGN.md "Prompt rules file"):
 * a zod schema that gives the type, the parser and the error text, and the cross-field checks zod
 * cannot express on one field (duplicate ids, unknown template variables, summaries too long for a
 * CDS Hooks card, references to rules or providers that do not exist).
 */

import * as z from 'zod/mini';
import { EMPLOYMENT_STATUSES } from './codes.js';
import { CONDITION_GROUP_IDS } from './conditionGroups.js';
import { describeIssues, type ParseResult, parseJsonText } from './problems.js';
import './zodEnglish.js';

export const TEMPLATE_VARIABLES = [
  'absenceWeeks',
  'absenceDays',
  'noteCount',
  'episodesIn12Months',
  'episodeStart',
  'condition',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Longest a card summary may be (CDS Hooks 2.0). */
export const SUMMARY_MAX = 140;
/** Room a summary must leave for `{{condition}}`, which is shortened to fit. */
const SUMMARY_MIN_CONDITION = 20;

const days = (what: string) =>
  z
    .int({ error: `must be a whole number of ${what}` })
    .check(z.gte(1, { error: `must be a whole number of ${what}, 1 or more` }));

const onlyTrue = z.optional(z.literal(true, { error: 'can only be true (leave it out otherwise)' }));

const WhenSchema = z
  .strictObject({
    absenceDaysAtLeast: z.optional(
      days('days').check(z.lte(3650, { error: 'must be at most 3650 days (10 years)' })),
    ),
    noteCountAtLeast: z.optional(days('notes')),
    episodesIn12MonthsAtLeast: z.optional(days('episodes')),
    firstNote: onlyTrue,
    exceedsExpectedDuration: onlyTrue,
  })
  .check(
    z.refine((when) => Object.keys(when).length > 0, {
      error:
        'needs at least one trigger: absenceDaysAtLeast, noteCountAtLeast, episodesIn12MonthsAtLeast, firstNote or exceedsExpectedDuration',
    }),
  );

const SourceSchema = z.strictObject({
  label: z
    .string()
    .check(z.trim(), z.minLength(1, { error: 'must name where the threshold comes from' }), z.maxLength(100)),
  url: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) link' })),
});

const AgeRangeSchema = z
  .strictObject({
    min: z.optional(z.int().check(z.gte(0), z.lte(120))),
    max: z.optional(z.int().check(z.gte(0), z.lte(120))),
  })
  .check(
    z.refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
      error: 'min must not be more than max',
    }),
  );

const idSchema = z.string({ error: 'must be text' }).check(
  z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, {
    error: 'must be lower-case letters, digits and hyphens (e.g. "six-weeks-oh")',
  }),
);

export const RuleSchema = z.strictObject({
  id: idSchema,
  title: z.string().check(z.trim(), z.minLength(1, { error: 'must not be empty' }), z.maxLength(120)),
  enabled: z.boolean({ error: 'must be true or false' }),
  when: WhenSchema,
  conditionGroups: z.optional(
    z
      .array(z.enum(CONDITION_GROUP_IDS))
      .check(z.minLength(1, { error: 'leave it out to match any condition' })),
  ),
  employmentStatus: z.optional(
    z
      .array(z.enum(EMPLOYMENT_STATUSES.filter((s) => s !== 'unknown')))
      .check(z.minLength(1, { error: 'leave it out to match anyone' })),
  ),
  ageRange: z.optional(AgeRangeSchema),
  mayBeFitOnly: z.optional(z.boolean()),
  indicator: z.enum(['info', 'warning', 'critical']),
  summary: z.string().check(z.trim(), z.minLength(1, { error: 'must not be empty' })),
  detail: z.optional(z.string().check(z.maxLength(2000))),
  providers: z.array(idSchema),
  source: SourceSchema,
  /** Rules whose prompt this one replaces when both fire for an episode (e.g. six weeks replaces two). */
  supersedes: z.optional(z.array(idSchema)),
  /** `once-per-episode` (default): at most one prompt per episode; `each-note`: again after each new note. */
  repeat: z.optional(z.enum(['once-per-episode', 'each-note'])),
});

const ExpectedDurationSchema = z
  .strictObject({
    label: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
    conditionGroup: z.optional(z.enum(CONDITION_GROUP_IDS)),
    system: z.optional(z.string().check(z.minLength(1))),
    code: z.optional(z.string().check(z.minLength(1))),
    days: days('days'),
  })
  .check(
    z.refine((d) => (d.conditionGroup !== undefined) !== (d.system !== undefined && d.code !== undefined), {
      error: 'give either conditionGroup, or both system and code',
    }),
  );

export const RulesFileSchema = z.strictObject({
  schemaVersion: z.literal(1, { error: 'must be 1 (this is the only version so far)' }),
  episodeGapDays: z._default(
    z.int().check(z.gte(0, { error: 'must be a whole number of days, 0 or more' }), z.lte(60)),
    7,
  ),
  expectedDurations: z.optional(z.array(ExpectedDurationSchema)),
  rules: z.array(RuleSchema),
});

export type Rule = z.infer<typeof RuleSchema>;
export type RulesFile = z.infer<typeof RulesFileSchema>;
export type RulesFileInput = z.input<typeof RulesFileSchema>;
export type ExpectedDuration = z.infer<typeof ExpectedDurationSchema>;

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  file: Object.keys(RulesFileSchema.shape),
  rule: Object.keys(RuleSchema.shape),
  when: [
    'absenceDaysAtLeast',
    'noteCountAtLeast',
    'episodesIn12MonthsAtLeast',
    'firstNote',
    'exceedsExpectedDuration',
  ],
  source: ['label', 'url'],
  ageRange: ['min', 'max'],
  expectedDurations: ['label', 'conditionGroup', 'system', 'code', 'days'],
};

function ruleName(input: unknown, index: number): string {
  const rule = (input as { rules?: unknown[] } | null)?.rules?.[index] as { id?: unknown } | undefined;
  return typeof rule?.id === 'string' && rule.id !== '' ? `Rule "${rule.id}"` : `Rule ${index + 1}`;
}

const context = {
  describeItem(path: ReadonlyArray<PropertyKey>, input: unknown) {
    if (path.length === 2 && path[0] === 'rules' && typeof path[1] === 'number')
      return ruleName(input, path[1]);
    if (path.length === 2 && path[0] === 'expectedDurations' && typeof path[1] === 'number')
      return `Expected duration ${path[1] + 1}`;
    return undefined;
  },
  allowedKeys(path: ReadonlyArray<PropertyKey>) {
    if (path.length === 0) return ALLOWED_KEYS.file;
    const last = path[path.length - 1];
    if (path[0] === 'rules' && path.length === 2) return ALLOWED_KEYS.rule;
    if (path[0] === 'expectedDurations' && path.length === 2) return ALLOWED_KEYS.expectedDurations;
    return typeof last === 'string' ? ALLOWED_KEYS[last] : undefined;
  },
};

/** Placeholders in a summary template, e.g. `{{absenceWeeks}}`. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1] as string);
}

/** Fills a summary template. The condition is shortened, then the whole, so the result fits 140 characters. */
function fillTemplate(template: string, values: Record<TemplateVariable, string>): string {
  return template.replace(
    /\{\{\s*([^}]*?)\s*\}\}/g,
    (_, name: string) => values[name as TemplateVariable] ?? '',
  );
}

export function renderSummary(template: string, values: Record<TemplateVariable, string>): string {
  const fill = (condition: string) => fillTemplate(template, { ...values, condition });
  let text = fill(values.condition);
  if (text.length > SUMMARY_MAX && template.includes('condition')) {
    const over = text.length - SUMMARY_MAX;
    const keep = Math.max(0, values.condition.length - over - 1);
    text = fill(keep > 0 ? `${values.condition.slice(0, keep).trimEnd()}…` : '');
  }
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1).trimEnd()}…` : text;
}

/** Worst-case length of a rendered summary without its condition text (numbers at their widest). */
function longestFixedSummary(template: string): number {
  return fillTemplate(template, {
    absenceWeeks: '521',
    absenceDays: '3650',
    noteCount: '99',
    episodesIn12Months: '99',
    episodeStart: '2026-11-21',
    condition: '',
  }).length;
}

function crossChecks(file: RulesFile, providerIds: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  file.rules.forEach((rule, i) => {
    const name = `Rule "${rule.id}"`;
    if (ids.has(rule.id))
      problems.push(
        `${name} (rule ${i + 1}): the id is used by an earlier rule — every rule needs its own id.`,
      );
    ids.add(rule.id);
  });
  for (const rule of file.rules) {
    const name = `Rule "${rule.id}"`;
    for (const variable of templateVariables(rule.summary)) {
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(variable)) {
        problems.push(
          `${name}: summary uses {{${variable}}}, which is not a known value (use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}).`,
        );
      }
    }
    const length = longestFixedSummary(rule.summary);
    const room = rule.summary.includes('{{condition}}') ? SUMMARY_MIN_CONDITION : 0;
    if (length + room > SUMMARY_MAX) {
      problems.push(
        `${name}: summary can be ${length} characters once filled in${room ? ', before the condition' : ''}; a prompt allows ${SUMMARY_MAX}${room ? ` including at least ${room} for the condition` : ''}. Shorten it.`,
      );
    }
    for (const other of rule.supersedes ?? []) {
      if (other === rule.id) problems.push(`${name}: supersedes itself — remove "${other}" from supersedes.`);
      else if (!ids.has(other))
        problems.push(`${name}: supersedes "${other}", but there is no rule with that id.`);
    }
    if (rule.when.exceedsExpectedDuration && (file.expectedDurations ?? []).length === 0) {
      problems.push(
        `${name}: when.exceedsExpectedDuration needs an expectedDurations table in the file — add one or remove the trigger.`,
      );
    }
    if (providerIds !== undefined) {
      for (const provider of rule.providers) {
        if (!providerIds.includes(provider))
          problems.push(`${name}: provider "${provider}" is not in the provider directory.`);
      }
    }
  }
  return problems;
}

/**
 * Validates a parsed rules file. With `providerIds` (the directory's ids), also checks that every rule
 * names providers that exist. Returns every problem, one line each, or the file with defaults filled in.
 */
export function parseRules(
  input: unknown,
  options: { providerIds?: readonly string[] } = {},
): ParseResult<RulesFile> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      problems: ['The rules file must be a JSON object with "schemaVersion": 1 and a "rules" list.'],
    };
  }
  const result = RulesFileSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues, input, context) };
  const problems = crossChecks(result.data, options.providerIds);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result.data };
}

/** Parses and validates rules file text (JSON). */
export function parseRulesText(
  text: string,
  options: { providerIds?: readonly string[] } = {},
): ParseResult<RulesFile> {
  const json = parseJsonText(text, 'rules file');
  return json.ok ? parseRules(json.value, options) : json;
}
