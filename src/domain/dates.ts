/**
 * Calendar dates as the domain uses them: `YYYY-MM-DD` strings at the edges, whole day numbers
 * (days since 1970-01-01) inside, so that episode arithmetic is integer arithmetic. Instants with a
 * time and offset are turned into the calendar date they fall on in Europe/London (GMT in winter,
 * BST = UTC+1 from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October).
 * Nothing here reads the clock.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

/** Days since 1970-01-01 (proleptic Gregorian). */
export type DayNumber = number;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

// Held locally: global lookups are slow in some sandboxes (jest's vm contexts), and these run hot.
const { floor } = Math;

/** Days from 1970-01-01 to the given civil date (Howard Hinnant's days_from_civil). */
export function dayFromCivil(year: number, month: number, day: number): DayNumber {
  const y = month <= 2 ? year - 1 : year;
  const era = floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number. */
export function civilFromDay(dayNumber: DayNumber): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
  const mp = floor((5 * doy + 2) / 153);
  const day = doy - floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Day number of the `YYYY-MM-DD` at the start of text, or undefined when it is not a real date. */
export function datePrefix(text: string): DayNumber | undefined {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  // Each digit as 0..9; any other character is negative or above 9, and so above 9 unsigned.
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const m0 = text.charCodeAt(5) - 48;
  const m1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9
  ) {
    return undefined;
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || (day > 28 && day > daysInMonth(year, month))) return undefined;
  return dayFromCivil(year, month, day);
}

/** Parses `YYYY-MM-DD` to a day number, or returns undefined when it is not a real date. */
export function parseCalendarDate(text: string): DayNumber | undefined {
  return text.length === 10 ? datePrefix(text) : undefined;
}

/** Formats a day number as `YYYY-MM-DD`. */
export function formatDay(dayNumber: DayNumber): CalendarDate {
  const { year, month, day } = civilFromDay(dayNumber);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Day of week of a day number, 0 = Sunday. */
export function weekday(dayNumber: DayNumber): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** The day number of the last Sunday of a month. */
function lastSunday(year: number, month: number): DayNumber {
  const last = dayFromCivil(year, month, daysInMonth(year, month));
  return last - weekday(last);
}

/** Minutes since the epoch (UTC) at which British Summer Time starts and ends in a year. */
export function bstBounds(year: number): { start: number; end: number } {
  return { start: (lastSunday(year, 3) * 24 + 1) * 60, end: (lastSunday(year, 10) * 24 + 1) * 60 };
}

/**
 * Reads a FHIR `date` or `dateTime` and returns the Europe/London calendar date it falls on.
 * A date without a time is taken as written. A dateTime without an offset is taken as London local
 * time (FHIR requires an offset when a time is given; records that omit it are read leniently).
 * Partial dates (`YYYY`, `YYYY-MM`) are not precise enough for an absence and return undefined.
 */
export function londonDay(text: string): DayNumber | undefined {
  if (text.length === 10) return datePrefix(text);
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const date = datePrefix(text);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (date === undefined || hour > 23 || minute > 59 || second > 60) return undefined;
  const zone = m[7];
  if (zone === undefined) return date;
  const offset =
    zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utcMinutes = date * 1440 + hour * 60 + minute - offset;
  const year = civilFromDay(Math.floor(utcMinutes / 1440)).year;
  const { start, end } = bstBounds(year);
  const londonMinutes = utcMinutes + (utcMinutes >= start && utcMinutes < end ? 60 : 0);
  return Math.floor(londonMinutes / 1440);
}

/** The Europe/London calendar date of an instant (callers pass the clock's reading; nothing here reads it). */
export function londonDateOf(instant: Date): CalendarDate {
  return formatDay(londonDay(instant.toISOString()) as DayNumber);
}

/** English month names, January first. */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `2026-11-21` → `21 November 2026`, as the NHS.UK style guide writes dates; anything else unchanged. */
export function longDate(date: CalendarDate): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const month = m ? MONTH_NAMES[Number(m[2]) - 1] : undefined;
  return m && month ? `${Number(m[3])} ${month} ${m[1]}` : date;
}
