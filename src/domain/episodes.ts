/**
 * Fit notes → episodes of sickness absence. Notes whose covered periods overlap or are separated by
 * at most `episodeGapDays` days form one episode (NHS England's fit-note statistics use 7).
 */
import type { CalendarDate } from './dates.js';
import type { FitNoteCondition, Fitness } from './fitnote.js';

export interface Episode {
  /** First day covered by any note in the episode. */
  start: CalendarDate;
  /** Last day covered; undefined while the latest note is open-ended. */
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
  /** Episodes (this one included) that started in the 12 months up to and including this one's start. */
  episodesIn12Months: number;
  /** Whether this episode holds exactly one note, issued "today". */
  firstNoteToday: boolean;
}
