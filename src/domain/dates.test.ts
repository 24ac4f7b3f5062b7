import {
  bstBounds,
  dayFromCivil,
  formatDay,
  londonDateOf,
  londonDay,
  parseCalendarDate,
  weekday,
} from './dates.js';

describe('calendar dates', () => {
  it.each([
    ['1970-01-01', 0],
    ['2000-02-29', 11016],
    ['2026-11-21', 20778],
    ['1969-12-31', -1],
  ])('%s is day %d and formats back', (text, day) => {
    expect(parseCalendarDate(text)).toBe(day);
    expect(formatDay(day)).toBe(text);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '26-11-21', '2026-11-21T10:00:00Z', ''])(
    'rejects %j as a calendar date',
    (text) => expect(parseCalendarDate(text)).toBeUndefined(),
  );

  it('round-trips every day across four centuries', () => {
    for (let d = dayFromCivil(1900, 1, 1); d < dayFromCivil(2300, 1, 1); d += 1) {
      expect(parseCalendarDate(formatDay(d))).toBe(d);
    }
  });

  it('knows 2026-11-21 is a Saturday', () =>
    expect(weekday(parseCalendarDate('2026-11-21') as number)).toBe(6));

  it('finds the BST changes on the last Sundays of March and October at 01:00 UTC', () => {
    const { start, end } = bstBounds(2026);
    expect(formatDay(Math.floor(start / 1440))).toBe('2026-03-29');
    expect(start % 1440).toBe(60);
    expect(formatDay(Math.floor(end / 1440))).toBe('2026-10-25');
  });
});

describe('londonDay', () => {
  it.each([
    ['2026-11-21', '2026-11-21'],
    ['2026-11-21T23:30:00Z', '2026-11-21'], // GMT: UTC is London time
    ['2026-07-01T23:30:00Z', '2026-07-02'], // BST: 00:30 in London next day
    ['2026-03-29T00:59:59Z', '2026-03-29'], // just before BST starts
    ['2026-03-28T23:30:00Z', '2026-03-28'], // GMT still
    ['2026-03-29T23:30:00Z', '2026-03-30'], // BST now
    ['2026-10-24T23:30:00Z', '2026-10-25'], // BST: 00:30 on the 25th
    ['2026-10-25T00:30:00+01:00', '2026-10-25'],
    ['2026-10-25T23:30:00Z', '2026-10-25'], // GMT again
    ['2026-03-28T23:30:00-01:00', '2026-03-29'], // 00:30 UTC 29 March, still GMT
    ['2028-02-28T23:30:00Z', '2028-02-28'],
    ['2028-02-29T12:00:00+00:00', '2028-02-29'],
    ['2026-11-21T09:15:00', '2026-11-21'], // no offset: read as London local
    ['2026-11-21T09:15:00.123+00:00', '2026-11-21'],
  ])('%s is %s in London', (text, expected) => {
    expect(formatDay(londonDay(text) as number)).toBe(expected);
  });

  it.each(['2026', '2026-11', '2026-11-21T25:00:00Z', '2026-02-30T10:00:00Z', 'yesterday'])(
    'rejects %j',
    (text) => expect(londonDay(text)).toBeUndefined(),
  );
});

describe('londonDateOf', () => {
  it.each([
    ['2026-11-21T23:30:00Z', '2026-11-21'],
    ['2026-07-01T23:30:00Z', '2026-07-02'],
    ['2026-03-29T00:30:00Z', '2026-03-29'],
  ])('%s is %s in London', (iso, expected) => expect(londonDateOf(new Date(iso))).toBe(expected));
});
