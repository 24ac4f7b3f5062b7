/**
 * The compact panel shown when there is no prompt: the current absence, the patient's referrals
 * with their status, anything in the record that could not be read, and a Refer button that is
 * always there (GPs can refer whatever the rules say).
 */
import { type RefObject, useId } from 'react';
import type { Provider } from '../../domain/directory.js';
import type { Episode } from '../../domain/episodes.js';
import { conditionName } from '../../domain/evaluate.js';
import type { PatientRecord } from '../../fhir/record.js';
import { formatDate, referralStatusLabel, summariseReferrals } from './format.js';

export interface PatientPanelProps {
  record: Pick<PatientRecord, 'referrals' | 'unreadable' | 'problems'>;
  /** The current absence episode, when there is one. */
  episode?: Episode | undefined;
  /** The provider directory, to name the providers of existing referrals. */
  directory?: readonly Provider[];
  onRefer(): void;
  /** Receives the panel's heading, so the app can move focus to it after a prompt closes. */
  headingRef?: RefObject<HTMLHeadingElement | null>;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function PatientPanel({ record, episode, directory = [], onRefer, headingRef }: PatientPanelProps) {
  const id = useId();
  const referrals = summariseReferrals(record.referrals);
  const providerName = (performer: string | undefined) =>
    performer === undefined
      ? 'Provider not recorded'
      : (directory.find((p) => p.id === performer)?.name ?? performer);

  return (
    <section className="fp-panel" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`} ref={headingRef} tabIndex={-1} className="nhsuk-heading-s">
        Work and health
      </h1>

      <h2 className="nhsuk-heading-xs fp-subheading">Current absence</h2>
      {episode ? (
        <dl className="nhsuk-summary-list fp-summary-list">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Off work since</dt>
            <dd className="nhsuk-summary-list__value">{formatDate(episode.start)}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Days off</dt>
            <dd className="nhsuk-summary-list__value">
              {plural(episode.absenceDays, 'day')}
              {episode.end ? `, covered to ${formatDate(episode.end)}` : ', open-ended'}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Fit notes</dt>
            <dd className="nhsuk-summary-list__value">
              {plural(episode.noteCount, 'fit note')}, latest issued {formatDate(episode.latestIssued)}
              {episode.episodesIn12Months > 1 && `; absence ${episode.episodesIn12Months} in 12 months`}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Condition</dt>
            <dd className="nhsuk-summary-list__value">
              {episode.conditions.length === 0
                ? 'Not recorded on the fit notes'
                : episode.conditions.map(conditionName).join(', ')}
            </dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Latest fit note</dt>
            <dd className="nhsuk-summary-list__value">
              {episode.latestFitness === 'may-be-fit' ? (
                <strong className="nhsuk-tag nhsuk-tag--green fp-tag">May be fit for work</strong>
              ) : (
                'Not fit for work'
              )}
            </dd>
          </div>
        </dl>
      ) : (
        <p>No current absence: there is no fit note covering today or the last 7 days.</p>
      )}

      <h2 className="nhsuk-heading-xs fp-subheading">Referrals</h2>
      {referrals.length === 0 ? (
        <p>No work and health referrals in the record.</p>
      ) : (
        <ul className="nhsuk-list fp-compact-list">
          {referrals.map((r) => {
            const status = referralStatusLabel(r.status);
            return (
              <li key={r.key}>
                <strong className={`nhsuk-tag nhsuk-tag--${status.colour} fp-tag`}>{status.text}</strong>{' '}
                {providerName(r.performer)}
                {r.authoredOn ? `, ${formatDate(r.authoredOn)}` : ''}
              </li>
            );
          })}
        </ul>
      )}

      <button type="button" className="nhsuk-button nhsuk-button--small" onClick={onRefer}>
        Refer
      </button>

      {(record.unreadable.length > 0 || record.problems.length > 0) && (
        <div className="nhsuk-warning-callout fp-callout">
          <h2 className="nhsuk-warning-callout__label">
            <span className="nhsuk-u-visually-hidden">Important: </span>
            Check the record
          </h2>
          {record.unreadable.length > 0 && (
            <>
              <p>
                {record.unreadable.length === 1
                  ? 'One fit note could not be read and is not counted:'
                  : `${record.unreadable.length} fit notes could not be read and are not counted:`}
              </p>
              <ul className="nhsuk-list nhsuk-list--bullet fp-compact-list">
                {record.unreadable.map((u) => (
                  <li key={u.ref}>
                    {u.ref}: {u.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          {record.problems.length > 0 && (
            <ul className="nhsuk-list nhsuk-list--bullet fp-compact-list">
              {record.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
