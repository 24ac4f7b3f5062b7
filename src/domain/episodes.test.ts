import { backPain, note } from '../../tests/fixtures/fitNotes.js';
import { ICD10_UK, SNOMED } from './codes.js';
import { currentEpisode, currentEpisodeOf, type Episode, episodesOf } from './episodes.js';
import type { FitNote, FitNoteCondition } from './fitnote.js';

const backPainIcd: FitNoteCondition = {
  codings: [
    { system: ICD10_UK, code: 'M54.5' },
    { system: SNOMED, code: '279039007' },
  ],
};
const depression: FitNoteCondition = { codings: [{ system: SNOMED, code: '35489007' }], text: 'Depression' };

type Row = [string, FitNote[], string, Array<Partial<Episode>>];

describe('episodesOf', () => {
  const today = '2026-11-21';
  it.each<Row>([
    ['no notes: no episodes', [], today, []],
    [
      'a one-day note',
      [note('2026-11-20', '2026-11-20')],
      today,
      [{ start: '2026-11-20', end: '2026-11-20', absenceDays: 1, noteCount: 1 }],
    ],
    [
      'a gap of exactly 7 days joins the notes',
      [note('2026-10-01', '2026-10-10'), note('2026-10-18', '2026-10-31')],
      today,
      [{ start: '2026-10-01', end: '2026-10-31', absenceDays: 10 + 14, noteCount: 2 }],
    ],
    [
      'a gap of 8 days starts a new episode',
      [note('2026-10-01', '2026-10-10'), note('2026-10-19', '2026-10-31')],
      today,
      [
        { start: '2026-10-01', end: '2026-10-10', absenceDays: 10, noteCount: 1, episodesIn12Months: 1 },
        { start: '2026-10-19', end: '2026-10-31', absenceDays: 13, noteCount: 1, episodesIn12Months: 2 },
      ],
    ],
    [
      'back-to-back notes (gap 0)',
      [note('2026-10-01', '2026-10-14'), note('2026-10-15', '2026-10-28')],
      today,
      [{ absenceDays: 28, noteCount: 2 }],
    ],
    [
      'overlapping notes count each day once',
      [note('2026-10-01', '2026-10-14'), note('2026-10-10', '2026-10-24')],
      today,
      [{ start: '2026-10-01', end: '2026-10-24', absenceDays: 24, noteCount: 2 }],
    ],
    [
      'a note inside another adds no days',
      [note('2026-10-01', '2026-10-31'), note('2026-10-10', '2026-10-12')],
      today,
      [{ absenceDays: 31, noteCount: 2 }],
    ],
    [
      'an open-ended note covers up to today',
      [note('2026-11-01', undefined)],
      today,
      [{ start: '2026-11-01', end: undefined, absenceDays: 21, current: true }],
    ],
    [
      'a note that runs past today counts the days it already covers',
      [note('2026-11-20', '2026-12-03', { issued: '2026-11-20' })],
      today,
      [{ absenceDays: 14, current: true }],
    ],
    [
      'notes out of order are sorted',
      [note('2026-10-15', '2026-10-28'), note('2026-09-01', '2026-09-14'), note('2026-10-01', '2026-10-14')],
      today,
      [
        { start: '2026-09-01', absenceDays: 14, noteCount: 1 },
        { start: '2026-10-01', absenceDays: 28, noteCount: 2 },
      ],
    ],
    [
      'duplicate notes (same period) count once',
      [
        note('2026-10-01', '2026-10-14'),
        note('2026-10-01', '2026-10-14', { source: 'coded-entry', conditions: [] }),
      ],
      today,
      [{ absenceDays: 14, noteCount: 1 }],
    ],
    [
      'notes issued after today are ignored',
      [note('2026-11-01', '2026-11-14'), note('2026-11-22', '2026-11-30', { issued: '2026-11-22' })],
      today,
      [{ absenceDays: 14, noteCount: 1 }],
    ],
    [
      'an episode that ended more than the gap ago is not current',
      [note('2026-10-01', '2026-11-13')],
      today,
      [{ current: false }],
    ],
    [
      'an episode that ended within the gap is current',
      [note('2026-10-01', '2026-11-14')],
      today,
      [{ current: true }],
    ],
    [
      'BST starts (29 March 2026): the day count does not lose an hour',
      [note('2026-03-23', '2026-04-05')],
      '2026-04-05',
      [{ absenceDays: 14 }],
    ],
    [
      'BST ends (25 October 2026): the day count does not gain an hour',
      [note('2026-10-19', '2026-11-01')],
      today,
      [{ absenceDays: 14 }],
    ],
    [
      'a leap day is a day of absence',
      [note('2028-02-15', '2028-03-14')],
      '2028-03-14',
      [{ absenceDays: 29 }],
    ],
    [
      'a leap-year gap of exactly 7 days (23–29 February) joins',
      [note('2028-02-01', '2028-02-22'), note('2028-03-01', '2028-03-10')],
      '2028-03-10',
      [{ noteCount: 2, absenceDays: 22 + 10 }],
    ],
    [
      'the same dates a year later (no 29 February) leave a gap of 6 and join too',
      [note('2027-02-01', '2027-02-21'), note('2027-03-01', '2027-03-10')],
      '2027-03-10',
      [{ noteCount: 2, absenceDays: 21 + 10 }],
    ],
    [
      'a leap-year gap of 8 days (22–29 February) splits',
      [note('2028-02-01', '2028-02-21'), note('2028-03-01', '2028-03-10')],
      '2028-03-10',
      [{ noteCount: 1 }, { noteCount: 1 }],
    ],
  ])('%s', (_name, notes, todayDate, expected) => {
    const episodes = episodesOf(notes, { today: todayDate });
    expect(episodes).toHaveLength(expected.length);
    expected.forEach((want, i) => {
      const got = episodes[i] as Episode;
      for (const [key, value] of Object.entries(want))
        expect([key, got[key as keyof Episode]]).toEqual([key, value]);
    });
  });

  it('counts John-style recurrence: the third episode in 12 months counts 3', () => {
    const notes = [
      note('2025-12-01', '2025-12-14'),
      note('2026-04-06', '2026-04-26'),
      note('2026-11-16', '2026-11-29', { issued: '2026-11-16', fitness: 'may-be-fit' }),
    ];
    const episodes = episodesOf(notes, { today });
    expect(episodes.map((e) => e.episodesIn12Months)).toEqual([1, 2, 3]);
  });

  it('does not count an episode that ended more than 12 months before', () => {
    const notes = [
      note('2025-10-01', '2025-11-15'),
      note('2026-11-16', '2026-11-29', { issued: '2026-11-16' }),
    ];
    expect(episodesOf(notes, { today }).map((e) => e.episodesIn12Months)).toEqual([1, 1]);
  });

  it('counts an episode that ended inside the 12-month window even if it started before it', () => {
    const notes = [
      note('2025-10-01', '2025-11-20'),
      note('2026-11-16', '2026-11-29', { issued: '2026-11-16' }),
    ];
    expect(episodesOf(notes, { today }).map((e) => e.episodesIn12Months)).toEqual([1, 2]);
  });

  it('takes fitness from the latest issued note: may-be-fit followed by not-fit is not-fit', () => {
    const notes = [
      note('2026-10-01', '2026-10-14', { fitness: 'may-be-fit', issued: '2026-10-01' }),
      note('2026-10-15', '2026-10-28', { fitness: 'not-fit', issued: '2026-10-14' }),
    ];
    expect(episodesOf(notes, { today })[0]?.latestFitness).toBe('not-fit');
    const reversed = [
      note('2026-10-01', '2026-10-14', { fitness: 'not-fit', issued: '2026-10-01' }),
      note('2026-10-15', '2026-10-28', { fitness: 'may-be-fit', issued: '2026-10-14' }),
    ];
    expect(episodesOf(reversed, { today })[0]?.latestFitness).toBe('may-be-fit');
  });

  it('keeps a different condition mid-episode in the same episode, latest first, without repeats', () => {
    const notes = [
      note('2026-10-01', '2026-10-14', { conditions: [backPain], issued: '2026-10-01' }),
      note('2026-10-15', '2026-10-28', { conditions: [depression], issued: '2026-10-15' }),
      note('2026-10-29', '2026-11-11', { conditions: [backPainIcd], issued: '2026-10-29' }),
    ];
    const [episode] = episodesOf(notes, { today });
    expect(episode?.noteCount).toBe(3);
    expect(episode?.conditions).toEqual([backPainIcd, depression]);
    expect(episode?.noteRefs).toEqual(notes.map((n) => n.ref));
  });

  it('honours a practice gap setting', () => {
    const notes = [note('2026-10-01', '2026-10-10'), note('2026-10-15', '2026-10-31')];
    expect(episodesOf(notes, { today, episodeGapDays: 3 })).toHaveLength(2);
    expect(episodesOf(notes, { today, episodeGapDays: 4 })).toHaveLength(1);
  });

  it('refuses a bad today or gap with a clear message', () => {
    expect(() => episodesOf([], { today: '21/11/2026' })).toThrow(
      '"today" must be a calendar date YYYY-MM-DD',
    );
    expect(() => episodesOf([], { today, episodeGapDays: -1 })).toThrow(
      'episodeGapDays must be a whole number',
    );
  });

  it('finds the current episode', () => {
    expect(currentEpisode(episodesOf([note('2026-11-10', '2026-11-23')], { today }))?.start).toBe(
      '2026-11-10',
    );
    expect(currentEpisode(episodesOf([note('2026-09-10', '2026-09-23')], { today }))).toBeUndefined();
    expect(currentEpisode([])).toBeUndefined();
  });
});

describe('currentEpisodeOf', () => {
  it.each([
    ['no notes', [] as FitNote[]],
    ['an old episode', [note('2026-06-01', '2026-06-30')]],
    [
      'a current episode after an old one',
      [note('2026-06-01', '2026-06-30'), note('2026-11-10', '2026-11-23')],
    ],
    ['an open-ended note', [note('2026-09-01', undefined)]],
    ['ended within the gap', [note('2026-10-01', '2026-11-14')]],
    ['ended just outside the gap', [note('2026-10-01', '2026-11-13')]],
  ])('equals the last current episode of episodesOf: %s', (_name, notes) => {
    const options = { today: '2026-11-21' };
    expect(currentEpisodeOf(notes, options)).toEqual(currentEpisode(episodesOf(notes, options)));
  });
});
