/** The inbox's list: a status filter with counts, then the referrals grouped by practice, newest first. */
import type { MouseEvent } from 'react';
import type { InboxList } from '../api.js';
import { dateTime, FILTERS, pathOf, type Route, tagClass } from './format.js';

export interface ReferralListProps {
  list: InboxList;
  navigate: (route: Route) => void;
}

/** A link that navigates in the page (and still opens in a new tab with a modifier key). */
export function RouteLink(props: {
  route: Route;
  navigate: (route: Route) => void;
  children: React.ReactNode;
  className?: string;
  current?: boolean;
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    props.navigate(props.route);
  };
  return (
    <a
      href={pathOf(props.route)}
      onClick={onClick}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
    >
      {props.children}
    </a>
  );
}

export function ReferralList({ list, navigate }: ReferralListProps) {
  const current = FILTERS.find((f) => f.filter === list.filter);
  const total = list.practices.reduce((n, p) => n + p.referrals.length, 0);
  return (
    <>
      <h1 className="nhsuk-heading-m ib-heading" tabIndex={-1} id="main-heading">
        Referrals: {current?.text.toLowerCase()}
      </h1>
      <nav aria-label="Show referrals by status" className="ib-filters">
        <ul className="ib-filter-list">
          {FILTERS.map((f) => (
            <li key={f.filter}>
              <RouteLink
                route={{ page: 'list', filter: f.filter }}
                navigate={navigate}
                current={f.filter === list.filter}
                className="ib-filter"
              >
                {f.text} <span className="ib-count">({list.counts[f.filter]})</span>
              </RouteLink>
            </li>
          ))}
        </ul>
      </nav>
      {total === 0 ? (
        <p className="ib-empty">
          {list.filter === 'open'
            ? 'There are no open referrals. New referrals appear here when a practice sends them.'
            : `There are no referrals here (${current?.text.toLowerCase()}).`}
        </p>
      ) : (
        list.practices.map((practice) => (
          <section
            key={practice.odsCode}
            aria-labelledby={`practice-${practice.odsCode}`}
            className="ib-practice"
          >
            <h2 className="nhsuk-heading-s" id={`practice-${practice.odsCode}`}>
              {practice.name} <span className="ib-muted">({practice.odsCode})</span>
            </h2>
            <ul className="ib-referrals">
              {practice.referrals.map((r) => (
                <li key={r.id} className="ib-referral">
                  <RouteLink
                    route={{ page: 'detail', id: r.id }}
                    navigate={navigate}
                    className="ib-referral__link"
                  >
                    {r.patient}
                  </RouteLink>
                  <span className={tagClass(r.status)}>{r.statusText}</span>
                  {r.businessStatusText && r.status === 'in-progress' && (
                    <span className="ib-muted"> {r.businessStatusText}</span>
                  )}
                  <div className="ib-referral__meta">
                    {r.services.join(', ')} · received {dateTime(r.receivedAt)}
                  </div>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
    </>
  );
}
