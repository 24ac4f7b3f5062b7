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
import { type CalendarDate, civilFromDay, type DayNumber, dayFromCivil, parseCalendarDate } from './dates.js';
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

const SOURCE_RANK: Record<FitNote['source'], number> = {
  observation: 0,
  'questionnaire-response': 1,
  'document-reference': 2,
  'coded-entry': 3,
};

/** Two conditions are the same when they are one object, share a coding, or (uncoded) share their text. */
function sameCondition(a: FitNoteCondition, b: FitNoteCondition): boolean {
  if (a === b) return true;
  if (a.codings.length === 0 && b.codings.length === 0) {
    return (a.text ?? '').trim().toLowerCase() === (b.text ?? '').trim().toLowerCase();
  }
  for (const x of a.codings)
    for (const y of b.codings) if (x.code === y.code && x.system === y.system) return true;
  return false;
}

function addConditions(into: FitNoteCondition[], from: readonly FitNoteCondition[]): void {
  for (const c of from) {
    let known = false;
    for (const k of into) {
      if (sameCondition(k, c)) {
        known = true;
        break;
      }
    }
    if (!known) into.push(c);
  }
}

/** The richer of two records of the same certificate, with what the other adds merged in. */
function mergeDuplicate(
  kept: FitNote,
  keptIssued: DayNumber,
  other: FitNote,
  otherIssued: DayNumber,
): FitNote {
  const otherFirst =
    SOURCE_RANK[other.source] < SOURCE_RANK[kept.source] ||
    (SOURCE_RANK[other.source] === SOURCE_RANK[kept.source] && otherIssued > keptIssued);
  const [primary, secondary] = otherFirst ? [other, kept] : [kept, other];
  const conditions = primary.conditions.slice();
  addConditions(conditions, secondary.conditions);
  const advice = primary.advice.slice();
  for (const a of secondary.advice) if (!advice.includes(a)) advice.push(a);
  return { ...primary, conditions, advice };
}

function badDate(note: FitNote): Error {
  return new Error(
    `Fit note ${note.ref} has a date that is not YYYY-MM-DD; read notes through src/fhir first.`,
  );
}

/**
 * Scratch space for one call (episodesOf is synchronous and not re-entrant): each note's day numbers
 * in typed arrays and an index order, so grouping allocates nothing per note.
 */
let capacity = 0;
let START = new Int32Array(0);
let END = new Int32Array(0);
let ISSUED = new Int32Array(0);
let ORDER = new Int32Array(0);
let BY_ISSUE = new Int32Array(0);
const NOTE: FitNote[] = [];

function ensureCapacity(n: number): void {
  if (n <= capacity) return;
  capacity = Math.max(n, capacity * 2, 32);
  START = new Int32Array(capacity);
  END = new Int32Array(capacity);
  ISSUED = new Int32Array(capacity);
  ORDER = new Int32Array(capacity);
  BY_ISSUE = new Int32Array(capacity);
}

/** Insertion sort of idx[from, to) by (primary, secondary): notes per patient are few. */
function sortIndexes(
  idx: Int32Array,
  from: number,
  to: number,
  primary: Int32Array,
  secondary: Int32Array,
): void {
  for (let i = from + 1; i < to; i++) {
    const v = idx[i] as number;
    const p = primary[v] as number;
    const q = secondary[v] as number;
    let j = i - 1;
    while (j >= from) {
      const w = idx[j] as number;
      const pw = primary[w] as number;
      if (pw < p || (pw === p && (secondary[w] as number) <= q)) break;
      idx[j + 1] = w;
      j--;
    }
    idx[j + 1] = v;
  }
}

/**
 * Fit notes with their dates read once, for evaluating the same notes on many days (the dry run).
 * An open-ended note's end is NaN.
 */
export interface PreparedNotes {
  notes: readonly FitNote[];
  issued: number[];
  start: number[];
  end: number[];
}

/** Reads the notes' dates once; throws on a date that is not YYYY-MM-DD (notes come through src/fhir). */
export function prepareNotes(notes: readonly FitNote[]): PreparedNotes {
  // Plain arrays: allocating three typed arrays per patient costs more than the dates themselves.
  const prepared: PreparedNotes = { notes, issued: [], start: [], end: [] };
  for (let i = 0; i < notes.length; i++) {
    const note = notes[i] as FitNote;
    const issued = parseCalendarDate(note.issued);
    const start = parseCalendarDate(note.start);
    const end = note.end === undefined ? Number.NaN : parseCalendarDate(note.end);
    if (issued === undefined || start === undefined || end === undefined) throw badDate(note);
    prepared.issued.push(issued);
    prepared.start.push(start);
    prepared.end.push(end);
  }
  return prepared;
}

/** Loads notes issued by today into the scratch arrays, one per covered period; returns how many. */
function load(prepared: PreparedNotes, today: DayNumber): number {
  const { notes } = prepared;
  ensureCapacity(notes.length);
  let n = 0;
  for (let k = 0; k < notes.length; k++) {
    const issued = prepared.issued[k] as number;
    if (issued > today) continue;
    const note = notes[k] as FitNote;
    const start = prepared.start[k] as number;
    const written = prepared.end[k] as number;
    const open = Number.isNaN(written);
    const end = open ? (today > start ? today : start) : written;
    // The same certificate recorded twice (a duplicate Med3, or two shapes of one note) has the same period.
    let duplicate = -1;
    for (let i = 0; i < n; i++) {
      if (START[i] === start && END[i] === end && ((NOTE[i] as FitNote).end === undefined) === open) {
        duplicate = i;
        break;
      }
    }
    if (duplicate >= 0) {
      const keptIssued = ISSUED[duplicate] as number;
      const merged = mergeDuplicate(NOTE[duplicate] as FitNote, keptIssued, note, issued);
      NOTE[duplicate] = merged;
      ISSUED[duplicate] = merged.ref === note.ref ? issued : keptIssued;
      continue;
    }
    START[n] = start;
    END[n] = end;
    ISSUED[n] = issued;
    NOTE[n] = note;
    ORDER[n] = n;
    n++;
  }
  return n;
}

/** One calendar year before a day (29 February → 28 February). */
function oneYearBefore(day: DayNumber): DayNumber {
  const { year, month, day: dom } = civilFromDay(day);
  return dayFromCivil(year - 1, month, month === 2 && dom === 29 ? 28 : dom);
}

/** Builds the episode of the notes ORDER[from, to) (sorted by start). */
function buildEpisode(
  from: number,
  to: number,
  today: DayNumber,
  gap: number,
  episodesIn12Months: number,
): Episode {
  const first = ORDER[from] as number;
  let absenceDays = 0;
  let runStart = START[first] as number;
  let runEnd = END[first] as number;
  let last = first; // the note covering the last day (an open-ended one wins a tie)
  for (let k = from; k < to; k++) {
    const i = ORDER[k] as number;
    const s = START[i] as number;
    const e = END[i] as number;
    if (s > runEnd + 1) {
      absenceDays += runEnd - runStart + 1;
      runStart = s;
      runEnd = e;
    } else if (e > runEnd) runEnd = e;
    const lastEnd = END[last] as number;
    if (e > lastEnd || (e === lastEnd && (NOTE[i] as FitNote).end === undefined)) last = i;
    BY_ISSUE[k] = i;
  }
  absenceDays += runEnd - runStart + 1;
  sortIndexes(BY_ISSUE, from, to, ISSUED, START);

  const conditions: FitNoteCondition[] = [];
  for (let k = to - 1; k >= from; k--)
    addConditions(conditions, (NOTE[BY_ISSUE[k] as number] as FitNote).conditions);
  const noteRefs: string[] = [];
  for (let k = from; k < to; k++) noteRefs.push((NOTE[BY_ISSUE[k] as number] as FitNote).ref);
  const latest = NOTE[BY_ISSUE[to - 1] as number] as FitNote;
  const lastNote = NOTE[last] as FitNote;
  const openEnded = lastNote.end === undefined;

  const episode: Episode = {
    start: (NOTE[first] as FitNote).start,
    absenceDays,
    noteCount: to - from,
    noteRefs,
    latestFitness: latest.fitness,
    latestIssued: latest.issued,
    conditions,
    episodesIn12Months,
    current: openEnded || (END[last] as number) >= today - gap,
  };
  if (!openEnded) episode.end = lastNote.end as CalendarDate;
  return episode;
}

/** Groups fit notes into episodes, oldest first. */
export function episodesOf(notes: readonly FitNote[], options: EpisodeOptions): Episode[] {
  return group(prepareNotes(notes), options, false);
}

/**
 * The current episode alone (the one that can fire a prompt), without building the others: what the
 * dry run evaluates many times over. Equals `currentEpisode(episodesOf(notes, options))`.
 */
export function currentEpisodeOf(
  notes: readonly FitNote[] | PreparedNotes,
  options: EpisodeOptions,
): Episode | undefined {
  return group('issued' in notes ? notes : prepareNotes(notes), options, true)[0];
}

function group(prepared: PreparedNotes, options: EpisodeOptions, currentOnly: boolean): Episode[] {
  const today = parseCalendarDate(options.today);
  if (today === undefined)
    throw new Error(`"today" must be a calendar date YYYY-MM-DD (got "${options.today}").`);
  const gap = options.episodeGapDays ?? DEFAULT_EPISODE_GAP_DAYS;
  if (!Number.isInteger(gap) || gap < 0)
    throw new Error(`episodeGapDays must be a whole number of days, 0 or more (got ${gap}).`);

  const n = load(prepared, today);
  const episodes: Episode[] = [];
  if (n > 0) {
    sortIndexes(ORDER, 0, n, START, END);
    // Group boundaries in ORDER, and each group's last covered day.
    const bounds: number[] = [0];
    const ends: number[] = [];
    let groupEnd = END[ORDER[0] as number] as number;
    for (let k = 1; k < n; k++) {
      const i = ORDER[k] as number;
      if ((START[i] as number) - groupEnd - 1 <= gap) {
        if ((END[i] as number) > groupEnd) groupEnd = END[i] as number;
      } else {
        bounds.push(k);
        ends.push(groupEnd);
        groupEnd = END[i] as number;
      }
    }
    bounds.push(n);
    ends.push(groupEnd);
    // An open-ended note ends today, so "ends within the gap" covers it too.
    const lastGroup = ends.length - 1;
    const lastCurrent = (ends[lastGroup] as number) >= today - gap;
    for (let g = currentOnly ? lastGroup : 0; g < ends.length; g++) {
      if (currentOnly && !lastCurrent) break;
      const from = bounds[g] as number;
      const windowStart = oneYearBefore(START[ORDER[from] as number] as number);
      let episodesIn12Months = 0;
      for (let h = 0; h <= g; h++) if ((ends[h] as number) >= windowStart) episodesIn12Months++;
      episodes.push(buildEpisode(from, bounds[g + 1] as number, today, gap, episodesIn12Months));
    }
  }
  NOTE.length = 0; // hold no references between calls
  return episodes;
}

/** The episode that can fire a prompt today, if any. */
export function currentEpisode(episodes: readonly Episode[]): Episode | undefined {
  const last = episodes[episodes.length - 1];
  return last?.current ? last : undefined;
}
