/**
 * One referral as the provider may see it (only what the patient agreed to share — the hub sends
 * nothing else): interpreter need and contact preferences first, then the patient, the GP and
 * practice, the services, what was shared, the status and what happened, and the actions the status
 * allows. Prints as one page (no navigation, no buttons: see inbox.css).
 */
import type { ConsentedReferral } from '../../domain/consentedView.js';
import type { ProviderAction, ReferralOutcome } from '../../domain/outcome.js';
import { ADJUSTMENT_WORDS, RETURN_TO_WORK_GOAL_WORDS } from '../../domain/outcome.js';
import type { InboxDetail } from '../api.js';
import { ActionPanel } from './ActionPanel.js';
import { dateTime, longDate, type Route, tagClass } from './format.js';
import { RouteLink } from './ReferralList.js';

export interface ReferralDetailProps {
  detail: InboxDetail;
  navigate: (route: Route) => void;
  onAct: (action: ProviderAction) => Promise<void>;
  /** A short message after an action ("You accepted the referral."). */
  notice?: string | undefined;
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}

const SHORT_DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'Europe/London',
});

/** "24 Oct 2026" for a YYYY-MM-DD date. */
function shortDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : SHORT_DATE.format(d);
}

/** A cell of an NHS responsive table: the column's heading shows beside the value on a narrow screen. */
function Cell({ heading, children }: { heading: string; children: React.ReactNode }) {
  return (
    <td className="nhsuk-table__cell">
      <span className="nhsuk-table-responsive__heading" aria-hidden="true">
        {heading}{' '}
      </span>
      {children}
    </td>
  );
}

/**
 * The fit notes the referral carries (only as the patient agreed: the advice and diagnosis columns
 * appear only when those were shared).
 */
function FitNotesTable({ referral }: { referral: ConsentedReferral }) {
  const notes = referral.fitNotes ?? [];
  const shared = (code: string) => referral.shared.some((s) => s.code === code);
  const withAdvice = shared('functional-advice');
  const withDiagnosis = shared('diagnosis');
  return (
    <table className="nhsuk-table-responsive ib-fit-notes">
      <caption className="nhsuk-table__caption nhsuk-heading-s">Fit notes</caption>
      <thead className="nhsuk-table__head">
        <tr>
          <th scope="col">Covers</th>
          <th scope="col">Issued</th>
          <th scope="col">Finding</th>
          {withAdvice && <th scope="col">Advice</th>}
          {withDiagnosis && <th scope="col">Diagnosis</th>}
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {notes.map((n) => (
          <tr className="nhsuk-table__row" key={`${n.start}:${n.issued ?? ''}`}>
            <Cell heading="Covers">
              {n.end
                ? `${shortDate(n.start)} to ${shortDate(n.end)}`
                : `From ${shortDate(n.start)}, no end date`}
            </Cell>
            <Cell heading="Issued">{n.issued ? shortDate(n.issued) : 'Not given'}</Cell>
            <Cell heading="Finding">{n.fitnessText}</Cell>
            {withAdvice && (
              <Cell heading="Advice">
                {n.advice && n.advice.length > 0 ? (
                  <ul className="ib-plain-list">
                    {n.advice.map((a) => (
                      <li key={a.code}>
                        {a.text}
                        {a.words && `: ${a.words}`}
                      </li>
                    ))}
                  </ul>
                ) : (
                  'None'
                )}
              </Cell>
            )}
            {withDiagnosis && <Cell heading="Diagnosis">{n.diagnoses?.join('; ') ?? 'Not given'}</Cell>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function isOutcome(value: unknown): value is ReferralOutcome {
  const v = value as ReferralOutcome | undefined;
  return (
    typeof v?.returnToWorkGoal === 'string' &&
    Array.isArray(v.adjustments) &&
    typeof v.report?.title === 'string'
  );
}

export function ReferralDetail({ detail, navigate, onAct, notice }: ReferralDetailProps) {
  const r = detail.referral;
  const employment = r.employment;
  return (
    <>
      <RouteLink
        route={{ page: 'list', filter: 'open' }}
        navigate={navigate}
        className="nhsuk-back-link ib-no-print"
      >
        Back to referrals
      </RouteLink>
      {notice && (
        <div className="ib-notice" role="status">
          {notice}
        </div>
      )}
      <h1 className="nhsuk-heading-m ib-heading" tabIndex={-1} id="main-heading">
        {r.patient.displayName}
      </h1>
      <p className="ib-status-line">
        <span className={tagClass(detail.status)}>{detail.statusText}</span>
        {detail.businessStatusText && detail.status === 'in-progress' && (
          <span> {detail.businessStatusText}</span>
        )}
        {detail.statusReason && <span className="ib-muted"> — {detail.statusReason}</span>}
      </p>

      <section className="ib-callout" aria-labelledby="contact-heading">
        <h2 className="nhsuk-heading-s" id="contact-heading">
          Interpreter and contact
        </h2>
        <p className="ib-callout__lead">
          {r.interpreter.needed
            ? `Interpreter needed: ${r.interpreter.language ?? 'language not given'}`
            : 'No interpreter needed'}
        </p>
        {r.contactPreferences && <p>{r.contactPreferences}</p>}
      </section>

      <h2 className="nhsuk-heading-s">Referral</h2>
      <dl className="nhsuk-summary-list ib-summary">
        {r.patient.nhsNumber && (
          <Row label="NHS number">{r.patient.nhsNumber.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3')}</Row>
        )}
        <Row label="Services">{r.services.map((s) => s.text).join(', ') || 'Not given'}</Row>
        {r.modality && <Row label="Appointment">{r.modality.text}</Row>}
        <Row label="Reason">{r.reason.text}</Row>
        <Row label="Referred by">
          {[
            r.requester.gp,
            r.requester.practice.name,
            r.requester.practice.odsCode && `(${r.requester.practice.odsCode})`,
          ]
            .filter(Boolean)
            .join(', ')
            .replace(', (', ' (')}
        </Row>
        <Row label="Received">{dateTime(detail.receivedAt)}</Row>
        {r.fitNoteRefs && !r.fitNotes && (
          <Row label="Fit notes">{`${r.fitNoteRefs.length} fit note${r.fitNoteRefs.length === 1 ? '' : 's'} in the GP record (not copied into the referral)`}</Row>
        )}
        {employment && (
          <Row label="Work">
            {[
              employment.status,
              employment.occupation,
              employment.employerName,
              employment.employerSize !== undefined && `${employment.employerSize} staff`,
              employment.employerHasOccupationalHealth !== undefined &&
                (employment.employerHasOccupationalHealth
                  ? 'employer has occupational health'
                  : 'employer has no occupational health'),
            ]
              .filter(Boolean)
              .join(', ')}
          </Row>
        )}
        <Row label="Employer liaison">
          {r.employerLiaison.requested
            ? `Requested. The employer may receive: ${
                r.employerLiaison.shareWithEmployer.map((s) => s.text.toLowerCase()).join(', ') || 'nothing'
              }.`
            : 'Not requested: do not contact the employer.'}
        </Row>
        {r.gpMessage && <Row label="Message from the GP">{r.gpMessage}</Row>}
        <Row label="The patient agreed to share">
          {r.shared.length === 0 ? 'Nothing beyond this page' : r.shared.map((s) => s.text).join(', ')}
          {r.consentRecordedAt && ` (consent recorded ${longDate(r.consentRecordedAt)})`}
        </Row>
      </dl>

      {r.fitNotes && <FitNotesTable referral={r} />}

      {isOutcome(detail.outcome) && (
        <>
          <h2 className="nhsuk-heading-s">Outcome</h2>
          <dl className="nhsuk-summary-list ib-summary">
            <Row label="Return-to-work goal">
              {RETURN_TO_WORK_GOAL_WORDS[detail.outcome.returnToWorkGoal]}
            </Row>
            <Row label="Adjustments">
              {detail.outcome.adjustments.length === 0 ? (
                'None'
              ) : (
                <ul className="ib-plain-list">
                  {detail.outcome.adjustments.map((a) => (
                    <li key={a.code}>
                      {ADJUSTMENT_WORDS[a.code]}: {a.text}
                    </li>
                  ))}
                </ul>
              )}
            </Row>
            <Row label={detail.outcome.report.title}>
              <span className="ib-pre">{detail.outcome.report.text}</span>
            </Row>
          </dl>
        </>
      )}

      <ActionPanel actions={detail.actions} onAct={onAct} />

      <h2 className="nhsuk-heading-s">What has happened</h2>
      <ol className="ib-timeline">
        {detail.timeline.map((t) => (
          <li key={`${t.at}:${t.text}`}>
            <span className="ib-muted">{dateTime(t.at)}:</span> {t.text}
          </li>
        ))}
      </ol>
      <p className="ib-no-print">
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary ib-button"
          onClick={() => window.print()}
        >
          Print this referral
        </button>
      </p>
    </>
  );
}
