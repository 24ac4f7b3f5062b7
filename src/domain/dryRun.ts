/**
 * The IT lead's dry run (issue 5 item 3): the draft rules and the live (published) rules replayed
 * over the practice's records for a past window (simulate.ts), side by side, per rule: prompts per
 * month per 1,000 patients and per full-time GP, next to the volumes GPs in the focus-group study
 * expected, with a month-by-month series for the chart.
 *
 * The expected volumes are the study's Table 4.1 (shared/research/seed-001.md §4.1, §5; DWP GP focus
 * groups, 2012): referrals per full-time GP caseload per month, option A (immediate advice) 10–15,
 * option B (occupational health assessment) 4–6, option C (case-managed support) 1–2. A rule is
 * matched to an option by its national id, else by what its providers offer (their service types in
 * the practice's directory).
 *
 * Pure: no clock (the caller fills elapsedMs), no I/O.
 */
import type { ServiceType } from './codes.js';
import { type CalendarDate, civilFromDay, type DayNumber, dayFromCivil, parseCalendarDate } from './dates.js';
import type { Directory } from './directory.js';
import type { Rule, RulesFile } from './rules.js';
import { type SimulationPatient, simulateEach } from './simulate.js';

export interface ExpectedVolume {
  /** Which of the study's options. */
  option: 'immediate-advice' | 'oh-assessment' | 'case-managed-support';
  label: string;
  /** Referrals a month per full-time GP, as the focus-group GPs estimated. */
  min: number;
  max: number;
}

/** The focus-group study's estimates (DWP GP focus groups 2012, Table 4.1; seed-001.md §4.1 and §5.3). */
export const EXPECTED_VOLUMES: Record<ExpectedVolume['option'], ExpectedVolume> = {
  'immediate-advice': {
    option: 'immediate-advice',
    label: 'Immediate work and health advice (focus-group option A)',
    min: 10,
    max: 15,
  },
  'oh-assessment': {
    option: 'oh-assessment',
    label: 'Occupational health assessment (focus-group option B)',
    min: 4,
    max: 6,
  },
  'case-managed-support': {
    option: 'case-managed-support',
    label: 'Case-managed support (focus-group option C)',
    min: 1,
    max: 2,
  },
};

/** The national rules that are the study's options themselves. */
const NATIONAL_RULE_OPTIONS: Record<string, ExpectedVolume['option']> = {
  'two-weeks-early-advice': 'immediate-advice',
  'six-weeks-oh': 'oh-assessment',
  'three-months-case-managed': 'case-managed-support',
};

/** What option a provider serves: case management or mediation is C, an OH assessment B, the rest A. */
function providerOption(services: readonly ServiceType[]): ExpectedVolume['option'] {
  if (services.includes('case-management') || services.includes('workplace-mediation'))
    return 'case-managed-support';
  if (services.includes('oh-assessment')) return 'oh-assessment';
  return 'immediate-advice';
}

/**
 * The study's expected volume for a rule: by its national id, else the option most of its providers
 * serve (a tie goes to the option of the first-listed provider among the tied), else none.
 */
export function expectedVolumeFor(
  rule: Pick<Rule, 'id' | 'providers'>,
  directory: Pick<Directory, 'providers'> | undefined,
): ExpectedVolume | undefined {
  const national = NATIONAL_RULE_OPTIONS[rule.id];
  if (national !== undefined) return EXPECTED_VOLUMES[national];
  const options: ExpectedVolume['option'][] = [];
  for (const id of rule.providers) {
    const provider = directory?.providers.find((p) => p.id === id);
    if (provider !== undefined) options.push(providerOption(provider.services));
  }
  if (options.length === 0) return undefined;
  const counts = new Map<ExpectedVolume['option'], number>();
  for (const option of options) counts.set(option, (counts.get(option) ?? 0) + 1);
  const most = Math.max(...counts.values());
  const chosen = options.find((o) => counts.get(o) === most) as ExpectedVolume['option'];
  return EXPECTED_VOLUMES[chosen];
}

/**
 * Registered patients per full-time GP, when the IT lead does not say how many GPs the practice has.
 * The research digests give no such figure; this is an assumption (of the order of a full-time GP's
 * list in England), shown to the IT lead as one (fullTimeGpsAssumed), who can give the real number.
 */
export const PATIENTS_PER_FULL_TIME_GP = 2000;

/** Average month length in days (365.2425 / 12), as simulate.ts uses. */
const MONTH_DAYS = 30.436875;
/** The longest window a dry run replays. */
export const MAX_WINDOW_YEARS = 5;

export interface Figures {
  prompts: number;
  patientsPrompted: number;
  per1000PatientsPerMonth: number;
  perGpPerMonth: number;
}

export interface DryRunRule {
  ruleId: string;
  title: string;
  enabledInDraft: boolean;
  /** What GPs would see with the draft published (a switched-off rule shows 0). */
  draft: Figures;
  /** What GPs see with the live rules (absent when the live rules have no such rule). */
  live?: Figures;
  expected?: { label: string; min: number; max: number };
  /** For a rule switched off in the draft: what it would give if switched on (the rest of the draft as is). */
  ifSwitchedOn?: Figures;
  /** A live rule the draft no longer has. */
  removedInDraft?: boolean;
}

export interface DryRunReport {
  from: CalendarDate;
  to: CalendarDate;
  months: number;
  patients: number;
  fullTimeGps: number;
  fullTimeGpsAssumed: boolean;
  rules: DryRunRule[];
  byMonth: Array<{ month: string; draft: Record<string, number>; live: Record<string, number> }>;
  elapsedMs: number;
}

export interface DryRunInput {
  patients: readonly SimulationPatient[];
  draft: RulesFile;
  /** The live (published) rules; absent when the practice has none. */
  live?: RulesFile;
  /** The practice's directory, to match rules to the study's expected volumes. */
  directory?: Pick<Directory, 'providers'>;
  from: CalendarDate;
  to: CalendarDate;
  /** Full-time-equivalent GPs, when the IT lead gives it. */
  fullTimeGps?: number;
}

/** Why a window cannot be dry-run (plain English), or undefined when it is fine. */
export function windowProblem(from: string, to: string, today: CalendarDate): string | undefined {
  const f = parseCalendarDate(from);
  const t = parseCalendarDate(to);
  const now = parseCalendarDate(today);
  if (f === undefined) return `"from" must be a date as YYYY-MM-DD, such as 2026-01-01 (it was "${from}").`;
  if (t === undefined) return `"to" must be a date as YYYY-MM-DD, such as 2026-10-31 (it was "${to}").`;
  if (t < f) return `The window ends (${to}) before it starts (${from}): swap the dates.`;
  if (now !== undefined && t > now)
    return `The window ends after today (${today}): a dry run replays the past, so end it today or earlier.`;
  const { year, month, day } = civilFromDay(t);
  if (f < dayFromCivil(year - MAX_WINDOW_YEARS, month, day))
    return `The window is longer than ${MAX_WINDOW_YEARS} years: start it on or after ${formatCivil(year - MAX_WINDOW_YEARS, month, day)}.`;
  return undefined;
}

function formatCivil(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** 'YYYY-MM' of a day. */
function monthOf(day: DayNumber): string {
  const { year, month } = civilFromDay(day);
  return `${year}-${String(month).padStart(2, '0')}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The months of the window, 'YYYY-MM', first to last. */
export function monthsOf(from: CalendarDate, to: CalendarDate): string[] {
  const f = parseCalendarDate(from);
  const t = parseCalendarDate(to);
  if (f === undefined || t === undefined || t < f) return [];
  const out: string[] = [];
  let { year, month } = civilFromDay(f);
  const last = monthOf(t);
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    out.push(key);
    if (key === last) return out;
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
}

interface Run {
  prompts: Map<string, number>;
  patientsPrompted: Map<string, number>;
  byMonth: Map<string, Map<string, number>>;
}

/** The rules files replayed in one shared pass (simulateEach): `all` counts switched-off rules too. */
function runAll(
  patients: readonly SimulationPatient[],
  sets: ReadonlyArray<{ rules: RulesFile; all: boolean }>,
  input: DryRunInput,
): Run[] {
  const byMonths = sets.map(() => new Map<string, Map<string, number>>());
  let lastDay = Number.NaN;
  let lastMonth = '';
  const results = simulateEach(
    patients,
    sets.map(({ rules, all }, i) => ({
      rules,
      from: input.from,
      to: input.to,
      includeDisabled: all,
      onPrompt: (ruleId: string, day: DayNumber) => {
        if (day !== lastDay) {
          lastDay = day;
          lastMonth = monthOf(day);
        }
        const byMonth = byMonths[i] as Map<string, Map<string, number>>;
        let counts = byMonth.get(lastMonth);
        if (counts === undefined) {
          counts = new Map();
          byMonth.set(lastMonth, counts);
        }
        counts.set(ruleId, (counts.get(ruleId) ?? 0) + 1);
      },
    })),
  );
  return results.map((result, i) => ({
    prompts: new Map(result.rules.map((r) => [r.ruleId, r.prompts])),
    patientsPrompted: new Map(result.rules.map((r) => [r.ruleId, r.patientsPrompted])),
    byMonth: byMonths[i] as Map<string, Map<string, number>>,
  }));
}

/** Replays the draft and the live rules over the records and builds the report (elapsedMs 0: the caller times it). */
export function dryRun(input: DryRunInput): DryRunReport {
  const problem = windowProblem(input.from, input.to, input.to);
  if (problem !== undefined) throw new Error(problem);
  const patients = input.patients.length;
  const days = (parseCalendarDate(input.to) as number) - (parseCalendarDate(input.from) as number) + 1;
  const months = days / MONTH_DAYS;
  const given = input.fullTimeGps !== undefined && input.fullTimeGps > 0;
  const fullTimeGps = given
    ? (input.fullTimeGps as number)
    : Math.max(0.1, Math.round((patients / PATIENTS_PER_FULL_TIME_GP) * 10) / 10);

  const figures = (r: Run, id: string): Figures => {
    const prompts = r.prompts.get(id) ?? 0;
    return {
      prompts,
      patientsPrompted: r.patientsPrompted.get(id) ?? 0,
      per1000PatientsPerMonth: patients === 0 ? 0 : round2((prompts / patients) * 1000 * (1 / months)),
      perGpPerMonth: round2(prompts / fullTimeGps / months),
    };
  };

  // Draft, live (unless the same) and the draft with every rule switched on (when some are off), in one pass.
  const sameAsDraft = input.live !== undefined && JSON.stringify(input.live) === JSON.stringify(input.draft);
  const anyOff = input.draft.rules.some((r) => !r.enabled);
  const sets = [{ rules: input.draft, all: false }];
  if (input.live !== undefined && !sameAsDraft) sets.push({ rules: input.live, all: false });
  if (anyOff) sets.push({ rules: input.draft, all: true });
  const runs = runAll(input.patients, sets, input);
  const draftRun = runs[0] as Run;
  const liveRun = input.live === undefined ? undefined : sameAsDraft ? draftRun : runs[1];
  const allOnRun = anyOff ? runs[runs.length - 1] : undefined;
  const liveIds = new Set(input.live?.rules.map((r) => r.id) ?? []);

  const rules: DryRunRule[] = input.draft.rules.map((rule) => {
    const row: DryRunRule = {
      ruleId: rule.id,
      title: rule.title,
      enabledInDraft: rule.enabled,
      draft: figures(draftRun, rule.id),
    };
    if (liveRun !== undefined && liveIds.has(rule.id)) row.live = figures(liveRun, rule.id);
    const expected = expectedVolumeFor(rule, input.directory);
    if (expected !== undefined)
      row.expected = { label: expected.label, min: expected.min, max: expected.max };
    if (!rule.enabled && allOnRun !== undefined) row.ifSwitchedOn = figures(allOnRun, rule.id);
    return row;
  });
  const draftIds = new Set(input.draft.rules.map((r) => r.id));
  for (const rule of input.live?.rules ?? []) {
    if (draftIds.has(rule.id) || liveRun === undefined) continue;
    const row: DryRunRule = {
      ruleId: rule.id,
      title: rule.title,
      enabledInDraft: false,
      removedInDraft: true,
      draft: { prompts: 0, patientsPrompted: 0, per1000PatientsPerMonth: 0, perGpPerMonth: 0 },
      live: figures(liveRun, rule.id),
    };
    const expected = expectedVolumeFor(rule, input.directory);
    if (expected !== undefined)
      row.expected = { label: expected.label, min: expected.min, max: expected.max };
    rules.push(row);
  }

  const series = (r: Run | undefined, month: string): Record<string, number> => {
    const out: Record<string, number> = {};
    if (r === undefined) return out;
    const counts = r.byMonth.get(month);
    for (const row of rules) out[row.ruleId] = counts?.get(row.ruleId) ?? 0;
    return out;
  };
  const byMonth = monthsOf(input.from, input.to).map((month) => ({
    month,
    draft: series(draftRun, month),
    live: series(liveRun, month),
  }));

  return {
    from: input.from,
    to: input.to,
    months: round2(months),
    patients,
    fullTimeGps,
    fullTimeGpsAssumed: !given,
    rules,
    byMonth,
    elapsedMs: 0,
  };
}
