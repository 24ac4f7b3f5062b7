/**
 * The rules editor's pure parts: a rule's trigger in words, the form's state (text fields, so a
 * half-typed number is kept) to and from a rule, where a parseRules problem belongs on the form, and
 * the sample values the card preview is filled with.
 */
import {
  CONDITION_GROUP_IDS,
  CONDITION_GROUPS,
  type ConditionGroupId,
} from '../../domain/conditionGroups.js';
import type { ExpectedDuration, Rule, RulesFile, TemplateVariable } from '../../domain/rules.js';

export const RULE_EMPLOYMENT_STATUSES = [
  'employed',
  'self-employed',
  'unemployed',
  'student',
  'retired',
  'not-in-work',
] as const;
export type RuleEmploymentStatus = (typeof RULE_EMPLOYMENT_STATUSES)[number];

export const EMPLOYMENT_LABELS: Record<RuleEmploymentStatus, string> = {
  employed: 'Employed',
  'self-employed': 'Self-employed',
  unemployed: 'Unemployed',
  student: 'Student',
  retired: 'Retired',
  'not-in-work': 'Not in work for another reason',
};

export const INDICATOR_LABELS: Record<Rule['indicator'], string> = {
  info: 'Information (blue)',
  warning: 'Warning (amber)',
  critical: 'Urgent (red)',
};

export const VARIABLE_HELP: Record<TemplateVariable, string> = {
  absenceWeeks: 'whole weeks off work in this episode',
  absenceDays: 'days off work in this episode',
  noteCount: 'fit notes in this episode',
  episodesIn12Months: 'episodes off work in the last 12 months',
  episodeStart: 'the date the episode started',
  condition: 'the condition on the fit note (shortened to fit)',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "6 weeks" for 42, "10 days" for 10. */
export function daysInWords(days: number): string {
  return days % 7 === 0 ? plural(days / 7, 'week') : plural(days, 'day');
}

/** A rule's trigger in words: "Off work 6 weeks or more", "and" between triggers. */
export function triggerInWords(when: Rule['when']): string {
  const parts: string[] = [];
  if (when.absenceDaysAtLeast !== undefined)
    parts.push(`Off work ${daysInWords(when.absenceDaysAtLeast)} or more`);
  if (when.noteCountAtLeast !== undefined)
    parts.push(`${plural(when.noteCountAtLeast, 'fit note')} or more in one episode`);
  if (when.episodesIn12MonthsAtLeast !== undefined)
    parts.push(`${plural(when.episodesIn12MonthsAtLeast, 'episode')} or more off work in 12 months`);
  if (when.firstNote) parts.push('First fit note of an episode');
  if (when.exceedsExpectedDuration) parts.push('Off longer than expected for the condition');
  if (parts.length === 0) return 'No trigger';
  const [first, ...rest] = parts;
  return [first, ...rest.map((p) => p.charAt(0).toLowerCase() + p.slice(1))].join(', and ');
}

export type Unit = 'days' | 'weeks';

/** The editor's state: text for every number so a half-typed value is kept and validated. */
export interface RuleForm {
  id: string;
  title: string;
  enabled: boolean;
  absenceOn: boolean;
  absence: string;
  absenceUnit: Unit;
  notesOn: boolean;
  notes: string;
  episodesOn: boolean;
  episodes: string;
  firstNote: boolean;
  exceedsExpectedDuration: boolean;
  conditionGroups: ConditionGroupId[];
  employmentStatus: RuleEmploymentStatus[];
  ageMin: string;
  ageMax: string;
  mayBeFitOnly: boolean;
  indicator: Rule['indicator'];
  providers: string[];
  summary: string;
  detail: string;
  sourceLabel: string;
  sourceUrl: string;
  supersedes: string[];
  repeat: NonNullable<Rule['repeat']>;
}

export function emptyRuleForm(): RuleForm {
  return {
    id: '',
    title: '',
    enabled: true,
    absenceOn: true,
    absence: '',
    absenceUnit: 'weeks',
    notesOn: false,
    notes: '',
    episodesOn: false,
    episodes: '',
    firstNote: false,
    exceedsExpectedDuration: false,
    conditionGroups: [],
    employmentStatus: ['employed', 'self-employed'],
    ageMin: '',
    ageMax: '',
    mayBeFitOnly: false,
    indicator: 'info',
    providers: [],
    summary: 'Off work {{absenceWeeks}} weeks ({{condition}}): ',
    detail: '',
    sourceLabel: '',
    sourceUrl: '',
    supersedes: [],
    repeat: 'once-per-episode',
  };
}

export function formFromRule(rule: Rule): RuleForm {
  const days = rule.when.absenceDaysAtLeast;
  const weeks = days !== undefined && days % 7 === 0;
  return {
    id: rule.id,
    title: rule.title,
    enabled: rule.enabled,
    absenceOn: days !== undefined,
    absence: days === undefined ? '' : String(weeks ? days / 7 : days),
    absenceUnit: days === undefined || weeks ? 'weeks' : 'days',
    notesOn: rule.when.noteCountAtLeast !== undefined,
    notes: rule.when.noteCountAtLeast === undefined ? '' : String(rule.when.noteCountAtLeast),
    episodesOn: rule.when.episodesIn12MonthsAtLeast !== undefined,
    episodes:
      rule.when.episodesIn12MonthsAtLeast === undefined ? '' : String(rule.when.episodesIn12MonthsAtLeast),
    firstNote: rule.when.firstNote === true,
    exceedsExpectedDuration: rule.when.exceedsExpectedDuration === true,
    conditionGroups: [...(rule.conditionGroups ?? [])],
    employmentStatus: [...((rule.employmentStatus ?? []) as RuleEmploymentStatus[])],
    ageMin: rule.ageRange?.min === undefined ? '' : String(rule.ageRange.min),
    ageMax: rule.ageRange?.max === undefined ? '' : String(rule.ageRange.max),
    mayBeFitOnly: rule.mayBeFitOnly === true,
    indicator: rule.indicator,
    providers: [...rule.providers],
    summary: rule.summary,
    detail: rule.detail ?? '',
    sourceLabel: rule.source.label,
    sourceUrl: rule.source.url ?? '',
    supersedes: [...(rule.supersedes ?? [])],
    repeat: rule.repeat ?? 'once-per-episode',
  };
}

/** A typed number as JSON: a whole number stays a number; anything else is kept as text for the schema to refuse. */
function numberOf(text: string): number | string {
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** The rule the form describes (not validated: parseRules says what is wrong). */
export function ruleFromForm(form: RuleForm): Record<string, unknown> {
  const when: Record<string, unknown> = {};
  if (form.absenceOn) {
    const n = numberOf(form.absence);
    when.absenceDaysAtLeast = typeof n === 'number' && form.absenceUnit === 'weeks' ? n * 7 : n;
  }
  if (form.notesOn) when.noteCountAtLeast = numberOf(form.notes);
  if (form.episodesOn) when.episodesIn12MonthsAtLeast = numberOf(form.episodes);
  if (form.firstNote) when.firstNote = true;
  if (form.exceedsExpectedDuration) when.exceedsExpectedDuration = true;
  const ageRange: Record<string, unknown> = {};
  if (form.ageMin.trim() !== '') ageRange.min = numberOf(form.ageMin);
  if (form.ageMax.trim() !== '') ageRange.max = numberOf(form.ageMax);
  return {
    id: form.id.trim(),
    title: form.title,
    enabled: form.enabled,
    when,
    ...(form.conditionGroups.length > 0
      ? { conditionGroups: CONDITION_GROUP_IDS.filter((g) => form.conditionGroups.includes(g)) }
      : {}),
    ...(form.employmentStatus.length > 0
      ? { employmentStatus: RULE_EMPLOYMENT_STATUSES.filter((s) => form.employmentStatus.includes(s)) }
      : {}),
    ...(Object.keys(ageRange).length > 0 ? { ageRange } : {}),
    ...(form.mayBeFitOnly ? { mayBeFitOnly: true } : {}),
    indicator: form.indicator,
    summary: form.summary,
    ...(form.detail.trim() !== '' ? { detail: form.detail } : {}),
    providers: form.providers,
    source: {
      label: form.sourceLabel,
      ...(form.sourceUrl.trim() !== '' ? { url: form.sourceUrl.trim() } : {}),
    },
    ...(form.supersedes.length > 0 ? { supersedes: form.supersedes } : {}),
    ...(form.repeat !== 'once-per-episode' ? { repeat: form.repeat } : {}),
  };
}

/** The rules file with one rule replaced (or added when `originalId` is undefined). */
export function withRule(
  file: RulesFile,
  originalId: string | undefined,
  rule: unknown,
): Record<string, unknown> {
  const rules: unknown[] = [...file.rules];
  const at = originalId === undefined ? -1 : file.rules.findIndex((r) => r.id === originalId);
  if (at === -1) rules.push(rule);
  else rules[at] = rule;
  const renamedFrom =
    originalId !== undefined && (rule as { id?: string }).id !== originalId ? originalId : undefined;
  return {
    ...file,
    rules:
      renamedFrom === undefined
        ? rules
        : rules.map((r) => {
            const s = (r as Rule).supersedes;
            return s?.includes(renamedFrom)
              ? { ...(r as Rule), supersedes: s.map((x) => (x === renamedFrom ? (rule as Rule).id : x)) }
              : r;
          }),
  };
}

export type RuleField =
  | 'id'
  | 'title'
  | 'enabled'
  | 'when'
  | 'absence'
  | 'notes'
  | 'episodes'
  | 'conditionGroups'
  | 'employmentStatus'
  | 'ageRange'
  | 'mayBeFitOnly'
  | 'indicator'
  | 'providers'
  | 'summary'
  | 'detail'
  | 'sourceLabel'
  | 'sourceUrl'
  | 'supersedes'
  | 'repeat';

const FIELD_OF_PATH: Array<[RegExp, RuleField]> = [
  [/^when\.absenceDaysAtLeast\b/, 'absence'],
  [/^when\.noteCountAtLeast\b/, 'notes'],
  [/^when\.episodesIn12MonthsAtLeast\b/, 'episodes'],
  [/^when\.exceedsExpectedDuration\b/, 'when'],
  [/^when\b/, 'when'],
  [/^source\.url\b/, 'sourceUrl'],
  [/^source\b/, 'sourceLabel'],
  [/^ageRange\b/, 'ageRange'],
  [/^conditionGroups\b/, 'conditionGroups'],
  [/^employmentStatus\b/, 'employmentStatus'],
  [/^mayBeFitOnly\b/, 'mayBeFitOnly'],
  [/^indicator\b/, 'indicator'],
  [/^providers?\b/, 'providers'],
  [/^summary\b/, 'summary'],
  [/^detail\b/, 'detail'],
  [/^supersedes\b/, 'supersedes'],
  [/^repeat\b/, 'repeat'],
  [/^title\b/, 'title'],
  [/^id\b/, 'id'],
  [/^enabled\b/, 'enabled'],
  [/^the id is used\b/, 'id'],
];

/**
 * Which of the rule's problems (parseRules' lines) belong to which field: the lines about this rule
 * ("Rule "x": when.absenceDaysAtLeast: …", or "Rule 5: …" for a rule at that position) by field;
 * a line about this rule that names no known field goes under 'when' only if it mentions a trigger.
 */
export function problemsByField(
  problems: readonly string[],
  ruleId: string,
  position: number,
): { byField: Partial<Record<RuleField, string[]>>; mine: string[]; unplaced: string[] } {
  const byField: Partial<Record<RuleField, string[]>> = {};
  const mine: string[] = [];
  const unplaced: string[] = [];
  const prefixes = [`Rule "${ruleId}"`, `Rule ${position + 1}`];
  for (const line of problems) {
    const prefix = prefixes.find((p) => line.startsWith(`${p}: `) || line.startsWith(`${p} (`));
    if (prefix === undefined) continue;
    mine.push(line);
    let rest = line
      .slice(prefix.length)
      .replace(/^ \(rule \d+\)/, '')
      .replace(/^: /, '');
    if (rest.startsWith('provider "')) rest = 'providers';
    const field = FIELD_OF_PATH.find(([re]) => re.test(rest))?.[1];
    if (field !== undefined) byField[field] = [...(byField[field] ?? []), messageOf(line, prefix)];
    else unplaced.push(line);
  }
  return { byField, mine, unplaced };
}

/** The problem without the "Rule "x": field:" prefix, capitalised, for the message next to the field. */
function messageOf(line: string, prefix: string): string {
  const rest = line
    .slice(prefix.length)
    .replace(/^ \(rule \d+\)/, '')
    .replace(/^: /, '');
  const m = /^[a-zA-Z.[\]0-9]+: (.*)$/.exec(rest);
  const text = (m?.[1] ?? rest).replace(/ \(got ""\)\.?$/, '.');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Sample values for the card preview: a patient off work just past the rule's threshold. */
export function sampleValues(rule: Pick<Rule, 'when' | 'conditionGroups'>): Record<TemplateVariable, string> {
  const days =
    typeof rule.when.absenceDaysAtLeast === 'number' && rule.when.absenceDaysAtLeast > 0
      ? rule.when.absenceDaysAtLeast + 2
      : 30;
  const notes = typeof rule.when.noteCountAtLeast === 'number' ? rule.when.noteCountAtLeast : 2;
  const episodes =
    typeof rule.when.episodesIn12MonthsAtLeast === 'number' ? rule.when.episodesIn12MonthsAtLeast : 1;
  const group = rule.conditionGroups?.[0];
  return {
    absenceWeeks: String(Math.floor(days / 7)),
    absenceDays: String(days),
    noteCount: String(notes),
    episodesIn12Months: String(episodes),
    episodeStart: '2026-01-05',
    condition: group === 'mental-health' ? 'Stress at work' : 'Low back pain',
  };
}

/** The "Why" line the GP sees, for the sample values (same words as the GP app's card). */
export function sampleReason(values: Record<TemplateVariable, string>): string {
  const weeks = Number(values.absenceWeeks);
  const days = Number(values.absenceDays);
  const notes = Number(values.noteCount);
  const episodes = Number(values.episodesIn12Months);
  return [
    `Off work ${weeks >= 2 ? plural(weeks, 'week') : plural(days, 'day')}`,
    plural(notes, 'fit note'),
    ...(episodes > 1 ? [`episode ${episodes} in 12 months`] : []),
    values.condition,
  ].join(', ');
}

export function conditionGroupTitle(id: ConditionGroupId): string {
  return CONDITION_GROUPS[id].title;
}

export function expectedDurationInWords(d: ExpectedDuration): string {
  const what =
    d.conditionGroup !== undefined ? conditionGroupTitle(d.conditionGroup) : `${d.system} ${d.code}`;
  return `${what}: ${daysInWords(d.days)}`;
}

/** A rule's fields in words, for "Changed locally: …". */
export const RULE_FIELD_WORDS: Record<string, string> = {
  id: 'id',
  title: 'title',
  enabled: 'on or off',
  when: 'when it prompts',
  conditionGroups: 'conditions',
  employmentStatus: 'employment status',
  ageRange: 'age range',
  mayBeFitOnly: '“may be fit” only',
  indicator: 'how urgent it looks',
  summary: 'what it says',
  detail: 'detail',
  providers: 'providers',
  source: 'source',
  supersedes: 'rules it replaces',
  repeat: 'how often',
};

/** Changed fields (paths such as `when.absenceDaysAtLeast`, from compareWithNational) in words, each field once. */
export function changedInWords(fields: readonly string[]): string {
  const top = [...new Set(fields.map((f) => f.split('.')[0] as string))];
  return top.map((f) => RULE_FIELD_WORDS[f] ?? f).join(', ');
}
