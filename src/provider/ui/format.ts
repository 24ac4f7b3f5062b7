/** Dates and routes for the inbox pages. */
import type { InboxFilter } from '../api.js';

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

/** "20 Nov 2026, 10:30" (UK time). */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d);
}

/** "20 November 2026" for an ISO date or date-time. */
export function longDate(iso: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : DATE.format(d);
}

/** The inbox's filters in the order staff see them, with their words. */
export const FILTERS: Array<{ filter: InboxFilter; text: string }> = [
  { filter: 'open', text: 'Open' },
  { filter: 'requested', text: 'Waiting for you' },
  { filter: 'accepted', text: 'Accepted' },
  { filter: 'in-progress', text: 'In progress' },
  { filter: 'completed', text: 'Completed' },
  { filter: 'rejected', text: 'Declined' },
  { filter: 'cancelled', text: 'Cancelled' },
  { filter: 'all', text: 'All' },
];

export type Route = { page: 'list'; filter: InboxFilter } | { page: 'detail'; id: string };

export function routeOf(pathname: string, search: string): Route {
  const m = /^\/inbox\/referrals\/([^/]+)\/?$/.exec(pathname);
  if (m?.[1]) return { page: 'detail', id: decodeURIComponent(m[1]) };
  const status = new URLSearchParams(search).get('status');
  const filter = FILTERS.find((f) => f.filter === status)?.filter ?? 'open';
  return { page: 'list', filter };
}

export function pathOf(route: Route): string {
  return route.page === 'detail'
    ? `/inbox/referrals/${encodeURIComponent(route.id)}`
    : route.filter === 'open'
      ? '/inbox/'
      : `/inbox/?status=${route.filter}`;
}

const TAG_COLOURS: Record<string, string> = {
  requested: 'nhsuk-tag--blue',
  accepted: 'nhsuk-tag--aqua-green',
  'in-progress': 'nhsuk-tag--purple',
  completed: 'nhsuk-tag--green',
  rejected: 'nhsuk-tag--grey',
  cancelled: 'nhsuk-tag--grey',
};

export function tagClass(status: string): string {
  return `nhsuk-tag ${TAG_COLOURS[status] ?? ''} ib-tag`;
}
