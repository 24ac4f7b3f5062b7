/**
 * The dry run an IT lead uses before switching a rule on: replays every day of a past window over
 * many patients and counts, per rule, the prompts that would have fired (a prompt fires once per
 * episode and rule, on the first day the rule holds, exactly as the app shows it).
 *
 * Replaying day by day is exact but wasteful: between two fit notes nothing a rule looks at changes,
 * except for open-ended notes (absence grows by a day a day) and birthdays (age ranges). So each
 * patient is evaluated on the day before the window (to know what had already fired), on each day a
 * note was issued, on birthdays, and — while an open-ended note runs — on the day its absence can
 * next reach a threshold. A test checks this equals the naive daily replay.
 */
import {
  type CalendarDate,
  civilFromDay,
  type DayNumber,
  dayFromCivil,
  formatDay,
  parseCalendarDate,
} from './dates.js';

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

import { currentEpisodeOf, prepareNotes } from './episodes.js';
import { firingRules } from './evaluate.js';
import type { FitNote } from './fitnote.js';
import type { PatientFacts } from './patient.js';
import type { RulesFile } from './rules.js';

export interface SimulationPatient {
  patient: PatientFacts;
  notes: readonly FitNote[];
}

export interface SimulationOptions {
  rules: RulesFile;
  from: CalendarDate;
  to: CalendarDate;
  /** Count disabled rules as if they were switched on (default true: that is what a dry run is for). */
  includeDisabled?: boolean;
  /** Replay every single day instead of only the days that can change an outcome (for checking). */
  everyDay?: boolean;
  /** Called for every prompt counted (inside the window), with the day it first fired: for per-month series. */
  onPrompt?: (ruleId: string, day: DayNumber) => void;
}

export interface RuleFigures {
  ruleId: string;
  title: string;
  enabled: boolean;
  prompts: number;
  patientsPrompted: number;
  per1000PatientsPerMonth: number;
}

export interface SimulationResult {
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  patients: number;
  rules: RuleFigures[];
  totalPrompts: number;
}

/** Average month length in days (365.2425 / 12). */
const MONTH_DAYS = 30.436875;

function eventDays(
  patient: PatientFacts,
  notes: readonly FitNote[],
  from: DayNumber,
  to: DayNumber,
  everyDay: boolean,
): DayNumber[] {
  const days = new Set<DayNumber>([from - 1]);
  for (const note of notes) {
    const issued = parseCalendarDate(note.issued);
    if (issued !== undefined && issued >= from && issued <= to) days.add(issued);
  }
  if (everyDay) for (let d = from; d <= to; d++) days.add(d);
  const birth = patient.birthDate === undefined ? undefined : parseCalendarDate(patient.birthDate);
  if (birth !== undefined) {
    const { month, day } = civilFromDay(birth);
    for (let year = civilFromDay(from).year; year <= civilFromDay(to).year; year++) {
      // Someone born on 29 February comes of age on 1 March in other years.
      const birthday =
        month === 2 && day === 29
          ? dayFromCivil(year, 3, 1) - (isLeap(year) ? 1 : 0)
          : dayFromCivil(year, month, day);
      if (birthday >= from && birthday <= to) days.add(birthday);
    }
  }
  return [...days].sort((a, b) => a - b);
}

/** Absence lengths at which some rule can start to hold: the thresholds an open-ended note grows into. */
function absenceThresholds(rules: RulesFile): number[] {
  const values = new Set<number>();
  for (const rule of rules.rules)
    if (rule.when.absenceDaysAtLeast !== undefined) values.add(rule.when.absenceDaysAtLeast);
  for (const entry of rules.expectedDurations ?? []) values.add(entry.days + 1);
  return [...values].sort((a, b) => a - b);
}

/** Inserts a day into an ascending list (no duplicates). */
function insertDay(days: DayNumber[], day: DayNumber, fromIndex: number): void {
  let i = days.length;
  while (i > fromIndex && (days[i - 1] as number) > day) i--;
  if (days[i - 1] !== day) days.splice(i, 0, day);
}

export function simulate(
  patients: Iterable<SimulationPatient>,
  options: SimulationOptions,
): SimulationResult {
  return simulateEach(patients, [options])[0] as SimulationResult;
}

/** One rules file's state during a shared pass. */
interface RunState {
  options: SimulationOptions;
  rules: RulesFile;
  prompts: Map<string, number>;
  prompted: Map<string, number>;
  eachNote: Set<string>;
  seen: Set<string>;
  promptedRules: Set<string>;
}

/**
 * Several rules files over the same patients and window in one pass (the dry run's draft and live):
 * each patient's notes are prepared, and each day's current episode found, once for every rules file
 * with the same episodeGapDays. Each result equals `simulate` with those options on their own.
 */
export function simulateEach(
  patients: Iterable<SimulationPatient>,
  runs: readonly SimulationOptions[],
): SimulationResult[] {
  const first = runs[0];
  if (first === undefined) return [];
  const from = parseCalendarDate(first.from);
  const to = parseCalendarDate(first.to);
  if (from === undefined || to === undefined)
    throw new Error('The window needs --from and --to dates as YYYY-MM-DD.');
  if (to < from) throw new Error(`The window ends (${first.to}) before it starts (${first.from}).`);
  for (const run of runs) {
    if (run.from !== first.from || run.to !== first.to || run.everyDay !== first.everyDay)
      throw new Error('simulateEach replays one window: give every run the same from, to and everyDay.');
  }
  const states: RunState[] = runs.map((options) => {
    const rules: RulesFile =
      options.includeDisabled === false
        ? options.rules
        : { ...options.rules, rules: options.rules.rules.map((r) => ({ ...r, enabled: true })) };
    return {
      options,
      rules,
      prompts: new Map<string, number>(rules.rules.map((r) => [r.id, 0])),
      prompted: new Map<string, number>(rules.rules.map((r) => [r.id, 0])),
      eachNote: new Set(rules.rules.filter((r) => r.repeat === 'each-note').map((r) => r.id)),
      seen: new Set<string>(),
      promptedRules: new Set<string>(),
    };
  });
  // Runs with the same episode gap share episodes; other gaps need passes of their own.
  const groups = new Map<number, RunState[]>();
  for (const state of states) {
    const group = groups.get(state.rules.episodeGapDays);
    if (group === undefined) groups.set(state.rules.episodeGapDays, [state]);
    else group.push(state);
  }
  const list = groups.size > 1 && !Array.isArray(patients) ? [...patients] : patients;
  let patientCount = 0;
  for (const [gap, group] of groups) {
    patientCount = pass(list, group, gap, from, to, first.everyDay === true);
  }

  const days = to - from + 1;
  const months = days / MONTH_DAYS;
  return states.map(({ options, prompts, prompted }) => {
    const figures = options.rules.rules.map((rule) => {
      const count = prompts.get(rule.id) ?? 0;
      return {
        ruleId: rule.id,
        title: rule.title,
        enabled: rule.enabled,
        prompts: count,
        patientsPrompted: prompted.get(rule.id) ?? 0,
        per1000PatientsPerMonth:
          patientCount === 0 ? 0 : Math.round(((count / patientCount) * 1000 * 100) / months) / 100,
      };
    });
    return {
      from: options.from,
      to: options.to,
      days,
      patients: patientCount,
      rules: figures,
      totalPrompts: figures.reduce((s, f) => s + f.prompts, 0),
    };
  });
}

/** One pass over the patients for runs sharing an episode gap; returns the number of patients. */
function pass(
  patients: Iterable<SimulationPatient>,
  group: readonly RunState[],
  episodeGapDays: number,
  from: DayNumber,
  to: DayNumber,
  everyDay: boolean,
): number {
  const thresholds = [...new Set(group.flatMap((state) => absenceThresholds(state.rules)))].sort(
    (a, b) => a - b,
  );
  let patientCount = 0;
  for (const { patient, notes } of patients) {
    patientCount++;
    if (notes.length === 0) continue;
    for (const state of group) {
      state.seen.clear();
      state.promptedRules.clear();
    }
    const days = eventDays(patient, notes, from, to, everyDay);
    // The notes' dates, read once. Most event days have no current episode, which the issue and end
    // days show without grouping the notes. From the first open-ended note's issue, the current
    // episode can also grow without a new note.
    const prepared = prepareNotes(notes);
    let openFrom = Number.POSITIVE_INFINITY;
    for (let i = 0; i < notes.length; i++) {
      if (Number.isNaN(prepared.end[i])) openFrom = Math.min(openFrom, prepared.issued[i] as number);
    }
    const mayBeCurrent = (day: number): boolean => {
      for (let i = 0; i < notes.length; i++) {
        const end = prepared.end[i] as number;
        if ((prepared.issued[i] as number) <= day && (Number.isNaN(end) || end >= day - episodeGapDays))
          return true;
      }
      return false;
    };
    for (let k = 0; k < days.length; k++) {
      const day = days[k] as DayNumber;
      if (!mayBeCurrent(day)) continue;
      const today = formatDay(day);
      const episode = currentEpisodeOf(prepared, { today, episodeGapDays });
      if (episode === undefined) continue;
      if (day >= openFrom) {
        // An open-ended note grows the absence by at most a day a day, so the next threshold cannot be
        // reached sooner than this; evaluating then schedules the next check.
        const next = thresholds.find((t) => t > episode.absenceDays);
        if (next !== undefined && day + (next - episode.absenceDays) <= to)
          insertDay(days, day + (next - episode.absenceDays), k + 1);
      }
      for (const state of group) {
        for (const rule of firingRules(episode, patient, state.rules, today)) {
          const key = state.eachNote.has(rule.id)
            ? `${episode.start}|${rule.id}|${episode.latestIssued}`
            : `${episode.start}|${rule.id}`;
          if (state.seen.has(key)) continue;
          state.seen.add(key);
          if (day < from) continue;
          state.prompts.set(rule.id, (state.prompts.get(rule.id) ?? 0) + 1);
          state.options.onPrompt?.(rule.id, day);
          state.promptedRules.add(rule.id);
        }
      }
    }
    for (const state of group)
      for (const id of state.promptedRules) state.prompted.set(id, (state.prompted.get(id) ?? 0) + 1);
  }
  return patientCount;
}
