/**
 * The alert-fatigue figures an IT lead reads to judge whether a prompt rule is worth its
 * interruptions (issue 5 item 5), computed from recorded events only. Pure: no clock, no I/O.
 *
 * Prompts, per rule and Europe/London calendar month ('YYYY-MM'): how many distinct cards were shown,
 * acted on (a referral sent), answered with self-referral details, snoozed and overridden (and
 * overridden by reason). A card is one patient, episode and rule, so a card shown on three launches in
 * one month is one prompt shown; a card seen in October and again in November counts once in each
 * month and once in the window's totals (totals are distinct cards over the window, not sums of months).
 * A card overridden more than once in a month counts under the reason given last.
 *
 * Referrals, per provider and month SENT (a cohort: "of the referrals sent in October, how many were
 * accepted, rejected, completed — so far"): sent, accepted (acknowledged and not rejected, or in a state
 * only an acceptance leads to), rejected (by decline reason), completed, cancelled, and the median
 * number of days from sending to the provider's first answer (accept or reject), in elapsed days to
 * one decimal place: per provider-month, per provider over the window, and over all providers.
 */
import { OVERRIDE_REASONS } from './codes.js';
import { civilFromDay, dayFromCivil, londonDay } from './dates.js';
import { OVERRIDE_REASON_DISPLAY } from './evaluate.js';
import { DECLINE_REASON_WORDS, DECLINE_REASONS } from './outcomeCodes.js';

/** What a GP did with a prompt card (the same list as the hub store's PROMPT_ACTIONS). */
export const FIGURE_PROMPT_ACTIONS = ['shown', 'referred', 'self-referral', 'snoozed', 'overridden'] as const;
export type FigurePromptAction = (typeof FIGURE_PROMPT_ACTIONS)[number];

/** A recorded prompt event, as far as the figures need it (the hub store's PromptEvent fits). */
export interface FigurePromptEvent {
  card: string;
  ruleId: string;
  action: FigurePromptAction;
  /** ms since the epoch. */
  at: number;
  /** overridden: the override reason code. */
  reasonCode?: string | undefined;
}

/** One referral, as far as the figures need it (the hub store's ReferralFigureRow fits). */
export interface FigureReferralRow {
  id: string;
  providerId: string;
  /** When the hub accepted it from the GP (ms). */
  createdAt: number;
  status: string;
  /** The decline reason code (or its text) when rejected. */
  statusReason?: string | undefined;
  /** The provider's first answer: accepted or rejected (ms). */
  acknowledgedAt?: number | undefined;
  completedAt?: number | undefined;
}

/** 'YYYY-MM', a Europe/London calendar month. */
export type Month = string;

export interface FiguresWindow {
  from: Month;
  to: Month;
}

/** A reason code and its words (the order charts and CSV columns follow). */
export interface ReasonLabel {
  code: string;
  label: string;
}

export interface PromptCounts {
  shown: number;
  /** Acted on: a referral was sent from the prompt. */
  referred: number;
  selfReferral: number;
  snoozed: number;
  overridden: number;
  /** Override reason code → distinct cards (every code of `overrideReasons` present, zeros included). */
  overriddenByReason: Record<string, number>;
}

export interface ReferralCounts {
  sent: number;
  accepted: number;
  rejected: number;
  /** Decline reason code → referrals (every code of `declineReasons` present, zeros included). */
  rejectedByReason: Record<string, number>;
  completed: number;
  cancelled: number;
  /** Referrals with a first answer from the provider (the median's sample). */
  acknowledged: number;
  /** Median elapsed days from sending to the provider's first answer, 1 decimal; absent with none. */
  medianDaysToAcknowledge?: number;
}

export interface RuleFigures {
  ruleId: string;
  /** From the practice's live rules (the route fills it); absent for a rule no longer in them. */
  title?: string;
  /** One entry per month of the window, oldest first. */
  months: Array<PromptCounts & { month: Month }>;
  /** Distinct cards over the window. */
  totals: PromptCounts;
}

export interface ProviderFigures {
  providerId: string;
  /** From the practice's directory (the route fills it); absent for a provider no longer in it. */
  name?: string;
  months: Array<ReferralCounts & { month: Month }>;
  totals: ReferralCounts;
}

export interface FiguresReport {
  from: Month;
  to: Month;
  months: Month[];
  rules: RuleFigures[];
  providers: ProviderFigures[];
  totals: { prompts: PromptCounts; referrals: ReferralCounts };
  overrideReasons: ReasonLabel[];
  declineReasons: ReasonLabel[];
}

/** Override reasons (codes.ts) and the bucket for anything else. */
export const OVERRIDE_REASON_LABELS: ReasonLabel[] = [
  ...OVERRIDE_REASONS.map((code) => ({ code, label: OVERRIDE_REASON_DISPLAY[code] })),
  { code: 'unknown', label: 'No reason recorded' },
];

/** Decline reasons (outcomeCodes.ts) and the bucket for a rejection without one. */
export const DECLINE_REASON_LABELS: ReasonLabel[] = [
  ...DECLINE_REASONS.map((code) => ({ code, label: DECLINE_REASON_WORDS[code] })),
  { code: 'unknown', label: 'No reason recorded' },
];

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** The longest window the figures cover (5 years). */
export const MAX_FIGURE_MONTHS = 60;

/** 'YYYY-MM' → its year and month, or undefined. */
export function parseMonth(text: string): { year: number; month: number } | undefined {
  const m = MONTH.exec(text);
  return m ? { year: Number(m[1]), month: Number(m[2]) } : undefined;
}

function monthText(year: number, month: number): Month {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}`;
}

/** The month `n` months after (or before, when negative) `month`. */
export function addMonths(month: Month, n: number): Month {
  const p = parseMonth(month) as { year: number; month: number };
  const index = p.year * 12 + (p.month - 1) + n;
  return monthText(Math.floor(index / 12), (index % 12) + 1);
}

/** The Europe/London month an instant falls in. */
export function londonMonthOf(at: number): Month {
  const { year, month } = civilFromDay(londonDay(new Date(at).toISOString()) as number);
  return monthText(year, month);
}

/** Every month from `from` to `to`, inclusive, oldest first (empty when to is before from). */
export function monthsBetween(from: Month, to: Month): Month[] {
  const out: Month[] = [];
  for (let m = from; m <= to && out.length <= MAX_FIGURE_MONTHS * 4; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** The instant (ms) a London calendar month starts: midnight on its first day, GMT or BST. */
export function monthStart(month: Month): number {
  const p = parseMonth(month);
  if (p === undefined) throw new Error(`"${month}" is not a month (YYYY-MM).`);
  const day = dayFromCivil(p.year, p.month, 1);
  const utcMs = day * 86_400_000;
  // Midnight in London is 23:00 UTC the day before while BST is in force.
  return londonDay(new Date(utcMs - 3_600_000).toISOString()) === day ? utcMs - 3_600_000 : utcMs;
}

/** The window as store bounds: since (inclusive) and until (exclusive), ms. */
export function windowBounds(window: FiguresWindow): { since: number; until: number } {
  return { since: monthStart(window.from), until: monthStart(addMonths(window.to, 1)) };
}

/** The default window: the last 6 months including the one `today` ('YYYY-MM-DD', London) falls in. */
export function defaultFiguresWindow(today: string): FiguresWindow {
  const to = today.slice(0, 7);
  return { from: addMonths(to, -5), to };
}

/**
 * Checks a window given as text: both months real, from ≤ to, at most MAX_FIGURE_MONTHS, to not after
 * `latest` when given. Returns the problem in plain English, or the window.
 */
export function checkFiguresWindow(
  from: string,
  to: string,
  latest?: Month,
): { ok: true; window: FiguresWindow } | { ok: false; field: 'from' | 'to'; problem: string } {
  if (parseMonth(from) === undefined)
    return {
      ok: false,
      field: 'from',
      problem: `from "${from.slice(0, 20)}" is not a month: give one such as 2026-06.`,
    };
  if (parseMonth(to) === undefined)
    return {
      ok: false,
      field: 'to',
      problem: `to "${to.slice(0, 20)}" is not a month: give one such as 2026-11.`,
    };
  if (from > to)
    return { ok: false, field: 'from', problem: `from (${from}) is after to (${to}): swap them.` };
  if (latest !== undefined && to > latest)
    return {
      ok: false,
      field: 'to',
      problem: `to (${to}) is in the future: the latest month with figures is ${latest}.`,
    };
  if (monthsBetween(from, to).length > MAX_FIGURE_MONTHS)
    return {
      ok: false,
      field: 'from',
      problem: `The window ${from} to ${to} is longer than ${MAX_FIGURE_MONTHS / 12} years: choose a shorter one.`,
    };
  return { ok: true, window: { from, to } };
}

function zeroPrompts(): PromptCounts {
  const overriddenByReason: Record<string, number> = {};
  for (const r of OVERRIDE_REASON_LABELS) overriddenByReason[r.code] = 0;
  return { shown: 0, referred: 0, selfReferral: 0, snoozed: 0, overridden: 0, overriddenByReason };
}

function zeroReferrals(): ReferralCounts {
  const rejectedByReason: Record<string, number> = {};
  for (const r of DECLINE_REASON_LABELS) rejectedByReason[r.code] = 0;
  return { sent: 0, accepted: 0, rejected: 0, rejectedByReason, completed: 0, cancelled: 0, acknowledged: 0 };
}

const OVERRIDE_CODES = new Set<string>(OVERRIDE_REASONS);

/** Counts distinct cards per action in a group of events (the last override reason per card). */
function countCards(events: readonly FigurePromptEvent[]): PromptCounts {
  const counts = zeroPrompts();
  const cards: Record<FigurePromptAction, Set<string>> = {
    shown: new Set(),
    referred: new Set(),
    'self-referral': new Set(),
    snoozed: new Set(),
    overridden: new Set(),
  };
  const lastReason = new Map<string, { at: number; code: string }>();
  for (const e of events) {
    cards[e.action].add(e.card);
    if (e.action === 'overridden') {
      const code = e.reasonCode !== undefined && OVERRIDE_CODES.has(e.reasonCode) ? e.reasonCode : 'unknown';
      const prev = lastReason.get(e.card);
      if (prev === undefined || e.at >= prev.at) lastReason.set(e.card, { at: e.at, code });
    }
  }
  counts.shown = cards.shown.size;
  counts.referred = cards.referred.size;
  counts.selfReferral = cards['self-referral'].size;
  counts.snoozed = cards.snoozed.size;
  counts.overridden = cards.overridden.size;
  for (const { code } of lastReason.values())
    counts.overriddenByReason[code] = (counts.overriddenByReason[code] ?? 0) + 1;
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

function inWindow(months: readonly Month[]): (at: number) => Month | undefined {
  const set = new Set(months);
  return (at) => {
    const m = londonMonthOf(at);
    return set.has(m) ? m : undefined;
  };
}

/**
 * Per rule and month. `rules` (the live rules, in their order) are listed first even with no events;
 * rules only found in the events follow, by id.
 */
export function promptFigures(
  events: readonly FigurePromptEvent[],
  window: FiguresWindow,
  rules: ReadonlyArray<{ id: string; title?: string }> = [],
): { rules: RuleFigures[]; totals: PromptCounts } {
  const months = monthsBetween(window.from, window.to);
  const monthOf = inWindow(months);
  const kept: Array<FigurePromptEvent & { month: Month }> = [];
  for (const e of events) {
    const month = monthOf(e.at);
    if (month !== undefined) kept.push({ ...e, month });
  }
  const byRule = groupBy(kept, (e) => e.ruleId);
  const ids = [
    ...rules.map((r) => r.id),
    ...[...byRule.keys()].filter((id) => !rules.some((r) => r.id === id)).sort(),
  ];
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const out = ids.map((ruleId): RuleFigures => {
    const ruleEvents = byRule.get(ruleId) ?? [];
    const byMonth = groupBy(ruleEvents, (e) => e.month);
    const title = titles.get(ruleId);
    return {
      ruleId,
      ...(title !== undefined ? { title } : {}),
      months: months.map((month) => ({ month, ...countCards(byMonth.get(month) ?? []) })),
      totals: countCards(ruleEvents),
    };
  });
  return { rules: out, totals: countCards(kept) };
}

const DECLINE_CODES = new Set<string>(DECLINE_REASONS);
const DECLINE_BY_WORDS = new Map<string, string>(
  Object.entries(DECLINE_REASON_WORDS).map(([code, words]) => [words.toLowerCase(), code]),
);

/** The decline reason code of a rejected referral's statusReason: a code, or text starting with its words; 'other' for other text. */
export function declineCodeOf(statusReason: string | undefined): string {
  const text = statusReason?.trim() ?? '';
  if (text === '') return 'unknown';
  if (DECLINE_CODES.has(text)) return text;
  // The hub stores a decline as the reason's words, a full stop or a colon and the provider's own words.
  const lower = text.toLowerCase();
  for (const [words, code] of DECLINE_BY_WORDS) if (lower.startsWith(words)) return code;
  return 'other';
}

const ACCEPTED_STATES = new Set(['accepted', 'in-progress', 'completed']);
const DAY_MS = 86_400_000;

/** The median of the numbers, or undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function countReferrals(rows: readonly FigureReferralRow[]): ReferralCounts {
  const counts = zeroReferrals();
  const days: number[] = [];
  for (const r of rows) {
    counts.sent += 1;
    if (r.status === 'rejected') {
      counts.rejected += 1;
      const code = declineCodeOf(r.statusReason);
      counts.rejectedByReason[code] = (counts.rejectedByReason[code] ?? 0) + 1;
    } else if (ACCEPTED_STATES.has(r.status) || r.acknowledgedAt !== undefined) {
      counts.accepted += 1;
    }
    if (r.status === 'completed') counts.completed += 1;
    if (r.status === 'cancelled') counts.cancelled += 1;
    if (r.acknowledgedAt !== undefined && r.acknowledgedAt >= r.createdAt)
      days.push((r.acknowledgedAt - r.createdAt) / DAY_MS);
  }
  counts.acknowledged = days.length;
  const m = median(days);
  if (m !== undefined) counts.medianDaysToAcknowledge = Math.round(m * 10) / 10;
  return counts;
}

/**
 * Per provider and month sent. `providers` (the directory, in its order) are listed first even with
 * no referrals; providers only found in the rows follow, by id.
 */
export function referralFigures(
  rows: readonly FigureReferralRow[],
  window: FiguresWindow,
  providers: ReadonlyArray<{ id: string; name?: string }> = [],
): { providers: ProviderFigures[]; totals: ReferralCounts } {
  const months = monthsBetween(window.from, window.to);
  const monthOf = inWindow(months);
  const kept: Array<FigureReferralRow & { month: Month }> = [];
  for (const r of rows) {
    const month = monthOf(r.createdAt);
    if (month !== undefined) kept.push({ ...r, month });
  }
  const byProvider = groupBy(kept, (r) => r.providerId);
  const ids = [
    ...providers.map((p) => p.id),
    ...[...byProvider.keys()].filter((id) => !providers.some((p) => p.id === id)).sort(),
  ];
  const names = new Map(providers.map((p) => [p.id, p.name]));
  const out = ids.map((providerId): ProviderFigures => {
    const providerRows = byProvider.get(providerId) ?? [];
    const byMonth = groupBy(providerRows, (r) => r.month);
    const name = names.get(providerId);
    return {
      providerId,
      ...(name !== undefined ? { name } : {}),
      months: months.map((month) => ({ month, ...countReferrals(byMonth.get(month) ?? []) })),
      totals: countReferrals(providerRows),
    };
  });
  return { providers: out, totals: countReferrals(kept) };
}

/** The whole report: prompts per rule, referrals per provider, both over the window. */
export function buildFiguresReport(input: {
  events: readonly FigurePromptEvent[];
  referrals: readonly FigureReferralRow[];
  window: FiguresWindow;
  rules?: ReadonlyArray<{ id: string; title?: string }>;
  providers?: ReadonlyArray<{ id: string; name?: string }>;
}): FiguresReport {
  const prompts = promptFigures(input.events, input.window, input.rules);
  const referrals = referralFigures(input.referrals, input.window, input.providers);
  return {
    from: input.window.from,
    to: input.window.to,
    months: monthsBetween(input.window.from, input.window.to),
    rules: prompts.rules,
    providers: referrals.providers,
    totals: { prompts: prompts.totals, referrals: referrals.totals },
    overrideReasons: OVERRIDE_REASON_LABELS,
    declineReasons: DECLINE_REASON_LABELS,
  };
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a leading = + - @ defused with '. */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * The report as CSV: a header, then one row per rule-month and one per provider-month (kind `rule` or
 * `provider`), CRLF line ends, UTF-8 with a byte-order mark so spreadsheets read the words right.
 */
export function figuresCsv(report: FiguresReport): string {
  const header = [
    'Kind',
    'Month',
    'Rule id',
    'Rule',
    'Provider id',
    'Provider',
    'Prompts shown',
    'Acted on (referral sent)',
    'Self-referral details given',
    'Snoozed',
    'Overridden',
    ...report.overrideReasons.map((r) => `Overridden: ${r.label}`),
    'Referrals sent',
    'Accepted',
    'Rejected',
    ...report.declineReasons.map((r) => `Rejected: ${r.label}`),
    'Completed',
    'Cancelled',
    'Acknowledged',
    'Median days to acknowledgement',
  ];
  const blankReferral = Array<string>(7 + report.declineReasons.length).fill('');
  const blankPrompt = Array<string>(5 + report.overrideReasons.length).fill('');
  const rows: Array<Array<string | number | undefined>> = [];
  for (const rule of report.rules) {
    for (const m of rule.months) {
      rows.push([
        'rule',
        m.month,
        rule.ruleId,
        rule.title,
        '',
        '',
        m.shown,
        m.referred,
        m.selfReferral,
        m.snoozed,
        m.overridden,
        ...report.overrideReasons.map((r) => m.overriddenByReason[r.code] ?? 0),
        ...blankReferral,
      ]);
    }
  }
  for (const provider of report.providers) {
    for (const m of provider.months) {
      rows.push([
        'provider',
        m.month,
        '',
        '',
        provider.providerId,
        provider.name,
        ...blankPrompt,
        m.sent,
        m.accepted,
        m.rejected,
        ...report.declineReasons.map((r) => m.rejectedByReason[r.code] ?? 0),
        m.completed,
        m.cancelled,
        m.acknowledged,
        m.medianDaysToAcknowledge,
      ]);
    }
  }
  return `\uFEFF${[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
