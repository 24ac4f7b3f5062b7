/**
 * The compact panel shown when there is no prompt: the current absence, the patient's referrals
 * with their status, anything in the record that could not be read, and a Refer button that is
 * always there (GPs can refer whatever the rules say).
 *
 * With a referral hub (`hub`), the panel asks it for the referrals' progress once shown (without
 * holding anything up): each of the hub's referrals shows a status line (the provider's latest step in
 * words), its timeline, and, until it is completed, cancelled or declined, *Request cancellation*.
 * Completed: the provider's outcome (ReferralOutcome.tsx). Declined: the reason, the provider's phone
 * and *Refer to another provider*. Did not attend: said plainly. Referrals in the record the hub does not
 * know still show as the record has them; if the hub cannot be asked, one line says so. Referrals sent
 * in this launch (`sent`) show, with where each is, until the record or the hub lists them.
 */
import { type RefObject, useEffect, useId, useRef, useState } from 'react';
import { type Provider, SERVICE_TYPE_LABELS } from '../../domain/directory.js';
import type { Episode } from '../../domain/episodes.js';
import { conditionName } from '../../domain/evaluate.js';
import { BUSINESS_STATUS_WORDS, type BusinessStatus } from '../../domain/outcomeCodes.js';
import type { PatientRecord } from '../../fhir/record.js';
import { canCancel, type HubReferral, HubReferralsError } from '../hubReferrals.js';
import { formatDate, referralStatusLabel, summariseReferrals, type TagColour } from './format.js';
import { ReferralOutcomeView } from './ReferralOutcome.js';
import type { DeclinedReferral } from './referralFormState.js';
import type { SentReferral } from './types.js';

/** The practice's referral hub, for this patient. */
export interface PanelHub {
  /** The patient's referrals as the hub sees them. */
  list(): Promise<HubReferral[]>;
  /** Asks the hub to cancel a referral; resolves with its new view. */
  cancel(referralId: string, reason?: string): Promise<HubReferral>;
}

export interface PatientPanelProps {
  record: Pick<PatientRecord, 'referrals' | 'unreadable' | 'problems'>;
  /** The current absence episode, when there is one. */
  episode?: Episode | undefined;
  /** The provider directory, to name the providers of existing referrals. */
  directory?: readonly Provider[];
  onRefer(declined?: readonly DeclinedReferral[]): void;
  /** Receives the panel's heading, so the app can move focus to it after a prompt closes. */
  headingRef?: RefObject<HTMLHeadingElement | null>;
  /** The practice's referral hub, when the practice has one: the panel shows the referrals' progress. */
  hub?: PanelHub | undefined;
  /** Referrals sent in this launch, listed until the record or the hub lists them. */
  sent?: readonly SentReferral[];
}

type HubState =
  | { kind: 'none' }
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'loaded'; referrals: HubReferral[] };

function plainMessage(err: unknown, fallback: string): string {
  return err instanceof HubReferralsError ? err.message : fallback;
}

/** The hub's referral status as a tag: a delivery the hub gave up on shows as not delivered. */
function hubStatusLabel(referral: HubReferral): { text: string; colour: TagColour } {
  if (referral.deliveryState === 'failed' && referral.status === 'requested') {
    return { text: 'Not delivered', colour: 'red' };
  }
  if (referral.status === 'in-progress' && referral.businessStatus === 'did-not-attend') {
    return { text: 'Did not attend', colour: 'orange' };
  }
  return referralStatusLabel(referral.status);
}

/** The provider's latest step for the status line ("Appointment booked for 1 December 2026"). */
function businessLine(referral: HubReferral): string | undefined {
  const code = referral.businessStatus;
  if (code === undefined || code === 'did-not-attend') return undefined; // the tag says it
  if (referral.status !== 'accepted' && referral.status !== 'in-progress') return undefined;
  const words = BUSINESS_STATUS_WORDS[code as BusinessStatus] ?? code;
  return code === 'scheduled' && referral.appointmentDate
    ? `${words} for ${formatDate(referral.appointmentDate)}`
    : words;
}

/** A referral sent in this launch: its state, provider, services and date, and where it is. */
function SentItem({ referral: r }: { referral: SentReferral }) {
  const name = r.provider.name;
  const state = r.delivery?.state;
  const missing = state === 'failed' || state === 'not-sent';
  const status = missing ? { text: 'Not delivered', colour: 'red' } : referralStatusLabel(r.status);
  const where = `${r.inRecord ? 'In' : 'Not in'} the patient’s record${
    state === 'delivered'
      ? '; delivered'
      : state === 'queued'
        ? '; with the referral hub for delivery'
        : missing
          ? `; not delivered: phone them on ${r.provider.contact.phone}`
          : ''
  }.`;
  return (
    <li data-sent={r.id}>
      <strong className={`nhsuk-tag nhsuk-tag--${status.colour} fp-tag`}>{status.text}</strong> {name},{' '}
      {formatDate(r.date)}: {r.serviceTypes.map((t) => SERVICE_TYPE_LABELS[t]).join(', ')}
      <p className="nhsuk-body-s fp-referral-note">{where}</p>
    </li>
  );
}

/** "Phone Pennine on 0113 496 0000" (the number kept on one line) or, without a number, "Phone Pennine". */
function phone(referral: HubReferral, providerName: string) {
  return referral.provider.phone ? (
    <>
      Phone {providerName} on <span className="fp-nowrap">{referral.provider.phone}</span>
    </>
  ) : (
    <>Phone {providerName}</>
  );
}

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

function useHubReferrals(hub: PanelHub | undefined) {
  const [state, setState] = useState<HubState>(hub ? { kind: 'loading' } : { kind: 'none' });
  useEffect(() => {
    if (!hub) {
      setState({ kind: 'none' });
      return;
    }
    let current = true;
    setState({ kind: 'loading' });
    hub.list().then(
      (referrals) => {
        if (current) setState({ kind: 'loaded', referrals });
      },
      (err: unknown) => {
        if (current) {
          setState({
            kind: 'failed',
            message: plainMessage(
              err,
              'The progress of referrals could not be checked with the referral hub. Open the app again to retry.',
            ),
          });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [hub]);
  const replace = (view: HubReferral) =>
    setState((s) =>
      s.kind === 'loaded'
        ? { kind: 'loaded', referrals: s.referrals.map((r) => (r.id === view.id ? view : r)) }
        : s,
    );
  return { state, replace };
}

type CancelStep =
  | { kind: 'idle' }
  | { kind: 'confirm' }
  | { kind: 'sending' }
  | { kind: 'failed'; message: string };

function HubReferralItem({
  referral,
  providerName,
  hub,
  onChanged,
  onRefer,
}: {
  referral: HubReferral;
  providerName: string;
  hub: PanelHub;
  onChanged(view: HubReferral): void;
  onRefer(): void;
}) {
  const id = useId();
  const [step, setStep] = useState<CancelStep>({ kind: 'idle' });
  const [reason, setReason] = useState('');
  const [done, setDone] = useState(false);
  const sending = useRef(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const requestRef = useRef<HTMLButtonElement>(null);
  const status = hubStatusLabel(referral);
  const created = referral.createdAt ? formatTime(referral.createdAt) : undefined;
  const confirming = step.kind !== 'idle';
  const business = businessLine(referral);

  useEffect(() => {
    if (step.kind === 'confirm') reasonRef.current?.focus();
  }, [step.kind]);

  const confirm = async () => {
    if (sending.current) return; // a double click sends one request
    sending.current = true;
    setStep({ kind: 'sending' });
    try {
      const view = await hub.cancel(referral.id, reason);
      setDone(true);
      setStep({ kind: 'idle' });
      onChanged(view);
    } catch (err) {
      setStep({
        kind: 'failed',
        message: plainMessage(
          err,
          `The referral could not be cancelled. Try again, or phone ${providerName} to cancel it.`,
        ),
      });
    } finally {
      sending.current = false;
    }
  };

  return (
    <li className="fp-hub-referral" data-referral={referral.id}>
      <strong className={`nhsuk-tag nhsuk-tag--${status.colour} fp-tag`}>{status.text}</strong> {providerName}
      {created ? `, ${created}` : ''}
      {business && <span>: {business}</span>}
      {referral.status === 'rejected' && (
        <>
          {referral.statusReason && (
            <p className="nhsuk-body-s fp-referral-note">Reason: {referral.statusReason}</p>
          )}
          <p className="nhsuk-body-s fp-referral-note">
            {phone(referral, providerName)} to talk about it, or refer the patient to another provider.
          </p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            onClick={onRefer}
          >
            Refer to another provider
          </button>
        </>
      )}
      {status.text === 'Did not attend' && (
        <p className="nhsuk-body-s fp-referral-note">
          The patient did not attend the appointment
          {referral.appointmentDate ? ` on ${formatDate(referral.appointmentDate)}` : ''}.{' '}
          {phone(referral, providerName)} to find out what happens next.
        </p>
      )}
      {referral.status === 'completed' && referral.outcome && (
        <ReferralOutcomeView outcome={referral.outcome} providerName={providerName} />
      )}
      {referral.status === 'completed' && referral.outcomeUnreadable && (
        <p className="nhsuk-body-s fp-referral-note">
          The app could not read the outcome {providerName} reported. {phone(referral, providerName)} to ask
          for it.
        </p>
      )}
      {referral.status === 'cancelled' && referral.statusReason && (
        <p className="nhsuk-body-s fp-referral-note">Reason for cancelling: {referral.statusReason}</p>
      )}
      {status.text === 'Not delivered' && (
        <p className="nhsuk-body-s fp-referral-note">
          {referral.lastDeliveryError ? `${referral.lastDeliveryError} ` : ''}
          {referral.provider.phone
            ? `Phone ${providerName} on ${referral.provider.phone} to make the referral.`
            : `Phone ${providerName} to make the referral.`}
        </p>
      )}
      {done && (
        <p role="status" className="nhsuk-body-s fp-referral-note">
          Cancellation requested: the hub is telling {providerName}.
        </p>
      )}
      {referral.timeline.length > 0 && (
        <details className="nhsuk-details fp-details">
          <summary className="nhsuk-details__summary">
            <span className="nhsuk-details__summary-text">
              Progress<span className="nhsuk-u-visually-hidden"> of the referral to {providerName}</span>
            </span>
          </summary>
          <div className="nhsuk-details__text">
            <ol className="nhsuk-list fp-compact-list">
              {referral.timeline.map((entry, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id and never reorder.
                <li key={i} data-event={entry.event}>
                  <time dateTime={entry.at}>{formatTime(entry.at)}</time>: {entry.text}
                </li>
              ))}
            </ol>
          </div>
        </details>
      )}
      {canCancel(referral) && !confirming && (
        <button
          ref={requestRef}
          type="button"
          className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
          onClick={() => setStep({ kind: 'confirm' })}
        >
          Request cancellation
          <span className="nhsuk-u-visually-hidden"> of the referral to {providerName}</span>
        </button>
      )}
      {canCancel(referral) && confirming && (
        <fieldset className="nhsuk-fieldset nhsuk-inset-text fp-inset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            Cancel the referral to {providerName}?
          </legend>
          <p className="nhsuk-body-s">The hub will tell the provider it is cancelled.</p>
          <div className={`nhsuk-form-group${step.kind === 'failed' ? ' nhsuk-form-group--error' : ''}`}>
            <label className="nhsuk-label" htmlFor={`${id}-reason`}>
              Reason for cancelling (optional)
            </label>
            {step.kind === 'failed' && (
              <p className="nhsuk-error-message" role="alert" id={`${id}-error`}>
                <span className="nhsuk-u-visually-hidden">Error: </span>
                {step.message}
              </p>
            )}
            <textarea
              ref={reasonRef}
              id={`${id}-reason`}
              className="nhsuk-textarea"
              rows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-describedby={step.kind === 'failed' ? `${id}-error` : undefined}
            />
          </div>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--warning nhsuk-button--small"
            aria-disabled={step.kind === 'sending'}
            onClick={() => void confirm()}
          >
            {step.kind === 'sending' ? 'Cancelling…' : 'Yes, cancel the referral'}
          </button>{' '}
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            disabled={step.kind === 'sending'}
            onClick={() => {
              setStep({ kind: 'idle' });
              setTimeout(() => requestRef.current?.focus(), 0);
            }}
          >
            Keep the referral
          </button>
        </fieldset>
      )}
    </li>
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function PatientPanel({
  record,
  episode,
  directory = [],
  onRefer,
  headingRef,
  hub,
  sent = [],
}: PatientPanelProps) {
  const id = useId();
  const { state: hubState, replace } = useHubReferrals(hub);
  const hubReferrals = hubState.kind === 'loaded' ? hubState.referrals : [];
  // Providers that declined this patient, so the referral form does not offer them first again.
  const declined: DeclinedReferral[] = hubReferrals
    .filter((r) => r.status === 'rejected')
    .map((r) => ({ providerId: r.provider.id, at: r.updatedAt ?? r.createdAt, reason: r.statusReason }));
  const refer = () => onRefer(declined);
  const onHub = new Set(hubReferrals.map((r) => r.id));
  const referrals = summariseReferrals(record.referrals).filter((r) => !onHub.has(r.key));
  const sentNow = sent.filter((r) => !onHub.has(r.id) && !referrals.some((k) => k.key === r.id));
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
      {hubState.kind === 'loading' && (
        <p role="status" className="fp-hub-status">
          Checking referral progress…
        </p>
      )}
      {hubState.kind === 'failed' && <p className="fp-hub-status">{hubState.message}</p>}
      {hub && hubReferrals.length > 0 && (
        <ul className="nhsuk-list fp-compact-list" aria-label="Referrals through the referral hub">
          {hubReferrals.map((r) => (
            <HubReferralItem
              key={r.id}
              referral={r}
              providerName={r.provider.name ?? providerName(r.provider.id)}
              hub={hub}
              onChanged={replace}
              onRefer={refer}
            />
          ))}
        </ul>
      )}
      {sentNow.length > 0 && (
        <ul className="nhsuk-list fp-compact-list" aria-label="Referrals sent just now">
          {sentNow.map((r) => (
            <SentItem key={r.id} referral={r} />
          ))}
        </ul>
      )}
      {referrals.length === 0 ? (
        hubReferrals.length + sentNow.length === 0 && <p>No work and health referrals in the record.</p>
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

      <button type="button" className="nhsuk-button nhsuk-button--small" onClick={refer}>
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
