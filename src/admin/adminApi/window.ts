/** Date windows for the dry run and figures pages (pure; Europe/London calendar dates and months). */
import { civilFromDay, dayFromCivil, MONTH_NAMES, parseCalendarDate } from '../../domain/dates.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The same day `months` months before `today` (clamped to the month's last day), as YYYY-MM-DD. */
export function monthsBefore(today: string, months: number): string {
  const day = parseCalendarDate(today);
  if (day === undefined) return today;
  const { year, month, day: d } = civilFromDay(day);
  const index = year * 12 + (month - 1) - months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = civilFromDay(dayFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - 1).day;
  return `${y}-${pad(m)}-${pad(Math.min(d, last))}`;
}

/** The window for "the last n months": from the day after the same day n months ago, to today. */
export function lastMonthsWindow(today: string, months: number): { from: string; to: string } {
  const start = parseCalendarDate(monthsBefore(today, months));
  if (start === undefined) return { from: today, to: today };
  const { year, month, day } = civilFromDay(start + 1);
  return { from: `${year}-${pad(month)}-${pad(day)}`, to: today };
}

/** 'YYYY-MM' → 'November 2026' (short: 'Nov 2026'). */
export function monthWords(month: string, short = false): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const name = m ? MONTH_NAMES[Number(m[2]) - 1] : undefined;
  if (!m || name === undefined) return month;
  return `${short ? name.slice(0, 3) : name} ${m[1]}`;
}

/** A figure with at most one decimal place ("12.3", "4", "0.5"). */
export function oneDecimal(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString('en-GB', { maximumFractionDigits: 1 });
}
