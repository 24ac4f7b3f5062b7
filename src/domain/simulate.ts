/**
 * The dry run an IT lead uses before switching a rule on: replays every day of a past window over
 * many patients and counts, per rule, the prompts that would have fired (a prompt fires once per
 * episode and rule, on the first day the rule holds, exactly as the app shows it).
 *
 * Replaying day by day is exact but wasteful: between two fit notes nothing a rule looks at changes,
 * except for open-ended notes (absence grows daily) and birthdays (age ranges). So each patient is
 * evaluated on the day before the window (to know what had already fired), on each day a note was
 * issued, on birthdays, and on every day while an open-ended note runs. A test checks this equals
 * the naive daily replay.
 */
import { type CalendarDate, type DayNumber, formatDay, parseCalendarDate } from './dates.js';
import { currentEpisode, episodesOf } from './episodes.js';
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
  let openFrom: DayNumber | undefined;
  for (const note of notes) {
    const issued = parseCalendarDate(note.issued);
    if (issued === undefined) continue;
    if (issued >= from && issued <= to) days.add(issued);
    if (note.end === undefined) openFrom = Math.min(openFrom ?? issued, issued);
  }
  const dailyFrom = everyDay ? from : openFrom === undefined ? undefined : Math.max(from, openFrom);
  if (dailyFrom !== undefined) for (let d = dailyFrom; d <= to; d++) days.add(d);
  if (patient.birthDate !== undefined) {
    const monthDay = patient.birthDate.slice(4);
    for (let year = Number(formatDay(from).slice(0, 4)); year <= Number(formatDay(to).slice(0, 4)); year++) {
      const birthday = parseCalendarDate(`${year}${monthDay === '-02-29' ? '-03-01' : monthDay}`);
      if (birthday !== undefined && birthday >= from && birthday <= to) days.add(birthday);
    }
  }
  return [...days].sort((a, b) => a - b);
}

export function simulate(
  patients: Iterable<SimulationPatient>,
  options: SimulationOptions,
): SimulationResult {
  const from = parseCalendarDate(options.from);
  const to = parseCalendarDate(options.to);
  if (from === undefined || to === undefined)
    throw new Error('The window needs --from and --to dates as YYYY-MM-DD.');
  if (to < from) throw new Error(`The window ends (${options.to}) before it starts (${options.from}).`);
  const rules: RulesFile =
    options.includeDisabled === false
      ? options.rules
      : { ...options.rules, rules: options.rules.rules.map((r) => ({ ...r, enabled: true })) };
  const prompts = new Map<string, number>(rules.rules.map((r) => [r.id, 0]));
  const prompted = new Map<string, number>(rules.rules.map((r) => [r.id, 0]));
  const eachNote = new Set(rules.rules.filter((r) => r.repeat === 'each-note').map((r) => r.id));
  let patientCount = 0;

  for (const { patient, notes } of patients) {
    patientCount++;
    if (notes.length === 0) continue;
    const seen = new Set<string>();
    const promptedRules = new Set<string>();
    for (const day of eventDays(patient, notes, from, to, options.everyDay === true)) {
      const today = formatDay(day);
      const episode = currentEpisode(episodesOf(notes, { today, episodeGapDays: rules.episodeGapDays }));
      if (episode === undefined) continue;
      for (const rule of firingRules(episode, patient, rules, today)) {
        const key = eachNote.has(rule.id)
          ? `${episode.start}|${rule.id}|${episode.latestIssued}`
          : `${episode.start}|${rule.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (day < from) continue;
        prompts.set(rule.id, (prompts.get(rule.id) ?? 0) + 1);
        promptedRules.add(rule.id);
      }
    }
    for (const id of promptedRules) prompted.set(id, (prompted.get(id) ?? 0) + 1);
  }

  const days = to - from + 1;
  const months = days / MONTH_DAYS;
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
}
