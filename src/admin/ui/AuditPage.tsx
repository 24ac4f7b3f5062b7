/**
 * /admin/audit: the hub's audit trail for the practice (GET /audit), newest first, filtered by
 * action, referral, provider and dates; "Show more" asks again for more records (_count), and
 * "Download CSV" saves the same filtered records for a spreadsheet.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { useCallback, useEffect, useState } from 'react';
import { londonDateOf } from '../../domain/dates.js';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { AUDIT_ACTION_WORDS, type AuditRow, auditRows, ukTime } from '../adminApi/audit.js';
import { type AuditQuery, downloadAudit, getAudit } from '../adminApi/calls.js';
import { problemsOf } from '../adminApi/problems.js';

const PAGE = 50;
const COLUMNS = ['When (UK time)', 'What happened', 'Outcome', 'Who', 'Referral', 'Provider', 'Details'];
const MAX = 1000;

interface Filters {
  action: string;
  referral: string;
  provider: string;
  since: string;
  until: string;
}

const NO_FILTERS: Filters = { action: '', referral: '', provider: '', since: '', until: '' };

export function AuditPage(props: { route: string[]; navigate(path: string): void }) {
  void props.route;
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [query, setQuery] = useState<AuditQuery>({ count: PAGE });
  const [rows, setRows] = useState<AuditRow[] | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [problems, setProblems] = useState<string[]>([]);

  const load = useCallback(async (q: AuditQuery) => {
    setLoading(true);
    try {
      setRows(auditRows(await getAudit<Bundle>(q)));
      setProblems([]);
    } catch (error) {
      setProblems(problemsOf(error));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    document.title = 'Audit trail – IT-lead console';
  }, []);
  useEffect(() => {
    void load(query);
  }, [load, query]);

  function apply(e: React.FormEvent) {
    e.preventDefault();
    setQuery({ ...draft, count: PAGE });
  }

  async function download() {
    try {
      await downloadAudit(query, `audit-${londonDateOf(new Date())}.csv`);
    } catch (error) {
      setProblems(problemsOf(error));
    }
  }

  const field = (key: keyof Filters, label: string, hint?: string, width = 20) => (
    <div className="nhsuk-form-group nhsuk-u-margin-bottom-3">
      <label className="nhsuk-label" htmlFor={`au-${key}`}>
        {label}
      </label>
      {hint && (
        <div className="nhsuk-hint" id={`au-${key}-hint`}>
          {hint}
        </div>
      )}
      <input
        className={`nhsuk-input nhsuk-input--width-${width}`}
        id={`au-${key}`}
        value={draft[key]}
        spellCheck={false}
        {...(hint ? { 'aria-describedby': `au-${key}-hint` } : {})}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </div>
  );

  const more = rows !== undefined && rows.length >= query.count && query.count < MAX;
  return (
    <>
      <ErrorSummary problems={problems} />
      <h1 className="nhsuk-heading-l">Audit trail</h1>
      <p>Everything the referral hub did for your practice, and who did it, newest first.</p>
      <form onSubmit={apply} noValidate>
        <details className="nhsuk-details" open>
          <summary className="nhsuk-details__summary">
            <span className="nhsuk-details__summary-text">Filter</span>
          </summary>
          <div className="nhsuk-details__text">
            <div className="nhsuk-form-group nhsuk-u-margin-bottom-3">
              <label className="nhsuk-label" htmlFor="au-action">
                What happened
              </label>
              <select
                className="nhsuk-select"
                id="au-action"
                value={draft.action}
                onChange={(e) => setDraft({ ...draft, action: e.target.value })}
              >
                <option value="">Anything</option>
                {Object.entries(AUDIT_ACTION_WORDS).map(([code, words]) => (
                  <option key={code} value={code}>
                    {words}
                  </option>
                ))}
              </select>
            </div>
            {field('referral', 'Referral id')}
            {field('provider', 'Provider id', 'For example local-oh-service')}
            <div style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap' }}>
              {field('since', 'From date', 'For example 2026-11-01', 10)}
              {field('until', 'To date (included)', 'For example 2026-11-21', 10)}
            </div>
            <div style={{ display: 'flex', flexWrap: 'wrap', columnGap: '1rem', alignItems: 'baseline' }}>
              <button type="submit" className="nhsuk-button nhsuk-u-margin-bottom-0">
                Apply filters
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                onClick={() => {
                  setDraft(NO_FILTERS);
                  setQuery({ count: PAGE });
                }}
              >
                Clear filters
              </button>
            </div>
          </div>
        </details>
      </form>
      <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void download()}>
        Download CSV<span className="nhsuk-u-visually-hidden"> of these audit records</span>
      </button>
      <div aria-live="polite">
        {loading && <p role="status">Loading the audit trail…</p>}
        {rows !== undefined && rows.length === 0 && !loading && <p>No audit records match these filters.</p>}
      </div>
      {rows !== undefined && rows.length > 0 && (
        <>
          {/* nhsuk-table-responsive: below 641 px each record is a block of labelled lines. */}
          <table className="nhsuk-table-responsive" aria-labelledby="au-caption">
            <caption className="nhsuk-table__caption" id="au-caption">
              {rows.length === 1 ? '1 record' : `${rows.length} records`}, newest first
            </caption>
            <thead className="nhsuk-table__head">
              <tr>
                {COLUMNS.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {rows.map((r) => (
                <tr key={r.id} className="nhsuk-table__row">
                  {[
                    ukTime(r.recorded),
                    r.what,
                    r.failed ? <strong key="outcome">{r.outcome}</strong> : r.outcome,
                    r.who,
                    r.referral ?? '',
                    r.provider ?? '',
                    r.text ?? '',
                  ].map((value, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: fixed columns
                    <td className="nhsuk-table__cell" key={i}>
                      <span className="nhsuk-table-responsive__heading" aria-hidden="true">
                        {COLUMNS[i]}{' '}
                      </span>
                      {value}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {more && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary"
              disabled={loading}
              onClick={() => setQuery({ ...query, count: Math.min(MAX, query.count + PAGE) })}
            >
              Show more
            </button>
          )}
          {rows.length >= MAX && <p>Showing the newest {MAX}. Narrow the dates to see older records.</p>}
        </>
      )}
    </>
  );
}
