/**
 * Fit notes → episodes of sickness absence. Notes whose covered periods overlap or are separated by
 * at most `episodeGapDays` uncovered days form one episode (NHS England's fit-note statistics use 7).
 *
 * - Absence days are the union of the days the episode's notes cover, including days after "today"
 *   that a note already covers (so a note that takes the absence past a threshold fires the prompt on
 *   the day it is issued). An open-ended note covers up to "today".
 * - Notes issued after "today" are ignored. Notes with the same covered period are one certificate
 *   recorded twice (a duplicate Med3, or the same note in two shapes) and count once.
 * - "Episodes in 12 months" counts the episodes with absence in the 12 calendar months up to and
 *   including this episode's start (this one included): John's third episode in 12 months counts 3.
 * - An episode is current when it covers "today" or ended at most `episodeGapDays` days before it, so
 *   that a new note today would still join it. Only the current episode can fire a prompt.
 */
import { type CalendarDate, type DayNumber, formatDay, parseCalendarDate } from './dates.js';
import type { FitNote, FitNoteCondition, Fitness } from './fitnote.js';

export interface Episode {
  /** First day covered by any note in the episode. */
  start: CalendarDate;
  /** Last day covered so far; undefined while the latest note is open-ended. */
  end?: CalendarDate;
  /** Days covered by the union of the notes' periods (open-ended notes count up to "today"). */
  absenceDays: number;
  noteCount: number;
  /** References of the notes in the episode, in issue order. */
  noteRefs: string[];
  /** Fitness on the most recently issued note. */
  latestFitness: Fitness;
  /** Issue date of the latest note. */
  latestIssued: CalendarDate;
  /** Distinct conditions across the notes, latest first. */
  conditions: FitNoteCondition[];
  /** Episodes with absence in the 12 months up to and including this one's start, this one included. */
  episodesIn12Months: number;
  /** Covers today, or ended no more than the gap before it (a note today would join it). */
  current: boolean;
}

export interface EpisodeOptions {
  today: CalendarDate;
  /** Largest number of uncovered days between two notes of one episode. Default 7. */
  episodeGapDays?: number;
}

export const DEFAULT_EPISODE_GAP_DAYS = 7;

interface DatedNote {
  note: FitNote;
  start: DayNumber;
  end: DayNumber; // inclusive; open-ended notes end today (or on their start, if later)
  issued: DayNumber;
}

const SOURCE_RANK: Record<FitNote['source'], number> = {
  observation: 0,
  'questionnaire-response': 1,
  'document-reference': 2,
  'coded-entry': 3,
};

function conditionKey(condition: FitNoteCondition): string {
  if (condition.codings.length > 0) {
    return condition.codings
      .map((c) => `${c.system}|${c.code}`)
      .sort()
      .join(',');
  }
  return `text:${(condition.text ?? '').trim().toLowerCase()}`;
}

function sameCondition(a: FitNoteCondition, b: FitNoteCondition): boolean {
  if (conditionKey(a) === conditionKey(b)) return true;
  return a.codings.some((x) => b.codings.some((y) => x.system === y.system && x.code === y.code));
}

/** Prefers the richer of two records of the same certificate, merging what each adds. */
function mergeDuplicate(kept: DatedNote, other: DatedNote): DatedNote {
  const [primary, secondary] =
    SOURCE_RANK[other.note.source] < SOURCE_RANK[kept.note.source] ||
    (SOURCE_RANK[other.note.source] === SOURCE_RANK[kept.note.source] && other.issued > kept.issued)
      ? [other, kept]
      : [kept, other];
  const conditions = primary.note.conditions.slice();
  for (const c of secondary.note.conditions)
    if (!conditions.some((k) => sameCondition(k, c))) conditions.push(c);
  const advice = primary.note.advice.slice();
  for (const a of secondary.note.advice) if (!advice.includes(a)) advice.push(a);
  return { ...primary, note: { ...primary.note, conditions, advice } };
}

function toDated(notes: readonly FitNote[], today: DayNumber): DatedNote[] {
  const byPeriod = new Map<string, DatedNote>();
  for (const note of notes) {
    const issued = parseCalendarDate(note.issued);
    const start = parseCalendarDate(note.start);
    const end = note.end === undefined ? undefined : parseCalendarDate(note.end);
    if (issued === undefined || start === undefined || (note.end !== undefined && end === undefined)) {
      throw new Error(
        `Fit note ${note.ref} has a date that is not YYYY-MM-DD; read notes through src/fhir first.`,
      );
    }
    if (issued > today) continue;
    const dated: DatedNote = { note, start, end: end ?? Math.max(today, start), issued };
    const key = `${start}:${note.end === undefined ? 'open' : end}`;
    const existing = byPeriod.get(key);
    byPeriod.set(key, existing === undefined ? dated : mergeDuplicate(existing, dated));
  }
  return [...byPeriod.values()];
}

/** Subtracts one calendar year, clamping 29 February to 28 February. */
function oneYearBefore(day: DayNumber): DayNumber {
  const text = formatDay(day);
  const year = Number(text.slice(0, 4)) - 1;
  const monthDay = text.slice(5) === '02-29' ? '02-28' : text.slice(5);
  return parseCalendarDate(`${String(year).padStart(4, '0')}-${monthDay}`) as DayNumber;
}

function buildEpisode(
  group: DatedNote[],
  today: DayNumber,
  gap: number,
): Omit<Episode, 'episodesIn12Months'> {
  // Union of covered days: the group is sorted by start.
  let absenceDays = 0;
  let runStart = (group[0] as DatedNote).start;
  let runEnd = (group[0] as DatedNote).end;
  for (const d of group) {
    if (d.start > runEnd + 1) {
      absenceDays += runEnd - runStart + 1;
      runStart = d.start;
      runEnd = d.end;
    } else if (d.end > runEnd) runEnd = d.end;
  }
  absenceDays += runEnd - runStart + 1;

  const byIssue = group.slice().sort((a, b) => a.issued - b.issued || a.start - b.start);
  const latest = byIssue[byIssue.length - 1] as DatedNote;
  const lastCovered = group.reduce((max, d) => Math.max(max, d.end), Number.NEGATIVE_INFINITY);
  const openEnded = group.some((d) => d.note.end === undefined && d.end >= lastCovered);

  const conditions: FitNoteCondition[] = [];
  for (let i = byIssue.length - 1; i >= 0; i--) {
    for (const c of (byIssue[i] as DatedNote).note.conditions) {
      if (!conditions.some((k) => sameCondition(k, c))) conditions.push(c);
    }
  }
  const episode: Omit<Episode, 'episodesIn12Months'> = {
    start: formatDay((group[0] as DatedNote).start),
    absenceDays,
    noteCount: group.length,
    noteRefs: byIssue.map((d) => d.note.ref),
    latestFitness: latest.note.fitness,
    latestIssued: formatDay(latest.issued),
    conditions,
    current: openEnded || lastCovered >= today - gap,
  };
  if (!openEnded) episode.end = formatDay(lastCovered);
  return episode;
}

/** Groups fit notes into episodes, oldest first. */
export function episodesOf(notes: readonly FitNote[], options: EpisodeOptions): Episode[] {
  const today = parseCalendarDate(options.today);
  if (today === undefined)
    throw new Error(`"today" must be a calendar date YYYY-MM-DD (got "${options.today}").`);
  const gap = options.episodeGapDays ?? DEFAULT_EPISODE_GAP_DAYS;
  if (!Number.isInteger(gap) || gap < 0)
    throw new Error(`episodeGapDays must be a whole number of days, 0 or more (got ${gap}).`);

  const dated = toDated(notes, today).sort((a, b) => a.start - b.start || a.end - b.end);
  const groups: DatedNote[][] = [];
  let groupEnd = Number.NEGATIVE_INFINITY;
  for (const d of dated) {
    const last = groups[groups.length - 1];
    if (last !== undefined && d.start - groupEnd - 1 <= gap) {
      last.push(d);
      if (d.end > groupEnd) groupEnd = d.end;
    } else {
      groups.push([d]);
      groupEnd = d.end;
    }
  }

  const bounds = groups.map((g) => ({
    start: (g[0] as DatedNote).start,
    end: Math.max(...g.map((d) => d.end)),
  }));
  return groups.map((group, i) => {
    const start = (bounds[i] as { start: number }).start;
    const windowStart = oneYearBefore(start);
    let episodesIn12Months = 0;
    for (let j = 0; j <= i; j++) if ((bounds[j] as { end: number }).end >= windowStart) episodesIn12Months++;
    return { ...buildEpisode(group, today, gap), episodesIn12Months };
  });
}

/** The episode that can fire a prompt today, if any. */
export function currentEpisode(episodes: readonly Episode[]): Episode | undefined {
  const last = episodes[episodes.length - 1];
  return last?.current ? last : undefined;
}
