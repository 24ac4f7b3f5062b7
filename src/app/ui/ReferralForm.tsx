/**
 * The referral form: one screen, prefilled from the record. Providers are ranked for the patient
 * (eligible first; each ineligible one listed with its reasons and not selectable); services and
 * modality are those the chosen provider offers; consent is explicit and says what goes to whom.
 * Send validates with ReferralFormSchema (an NHS error summary links to each field), calls
 * `onSend` once however often it is pressed, shows progress, then the referral's status; a failure
 * keeps everything typed and says what to do.
 */
import { type FormEvent, type ReactNode, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import {
  EMPLOYMENT_STATUSES,
  type EmploymentStatus,
  SHARE_CATEGORIES,
  type ShareCategory,
} from '../../domain/codes.js';
import { type CalendarDate, londonDateOf } from '../../domain/dates.js';
import { MODALITY_LABELS, type Provider, SERVICE_TYPE_LABELS } from '../../domain/directory.js';
import type { Episode } from '../../domain/episodes.js';
import type { PatientFacts } from '../../domain/patient.js';
import {
  type ReferralForm as DomainReferralForm,
  describeConsent,
  GENERAL_WORDING,
} from '../../domain/referral.js';
import { formatDate, referralStatusLabel } from './format.js';
import {
  type ContactMethod,
  DEFAULT_SHARE_WITH_EMPLOYER,
  type DeclinedReferral,
  explainSendFailure,
  FIELD_IDS,
  type FieldError,
  type FieldName,
  type FormState,
  fitToProvider,
  initialFormState,
  preferredContacts,
  rankForPatient,
  validateFormState,
} from './referralFormState.js';
import type { Delivery, SendResult } from './types.js';

export type { SendResult };

export interface ReferralFormProps {
  patient: PatientFacts;
  /** The current absence, when there is one (reason prefill, eligibility by condition group). */
  episode?: Episode | undefined;
  /** The practice's provider directory. */
  providers: readonly Provider[];
  today: CalendarDate;
  /** Start with this provider (e.g. the prompt's recommendation) when it is eligible. */
  initialProviderId?: string | undefined;
  /** Providers that declined this patient: listed last, saying so, and never chosen by default. */
  declined?: readonly DeclinedReferral[] | undefined;
  /** False when the launch cannot write to the record: the referral still goes to the provider. */
  canWrite?: boolean;
  /** Sends the referral (the app builds the FHIR Bundle with buildReferral); resolves with its state. */
  onSend(form: DomainReferralForm, provider: Provider): Promise<SendResult>;
  /** Leave the form (Cancel, or "Back to the patient" after sending). */
  onClose(): void;
  now?: () => Date;
}

/** " on 21 November 2026" for a provider's decline time, or nothing when the hub gave no usable time. */
function declinedOn(at: string | undefined): string {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isNaN(ms) ? '' : ` on ${formatDate(londonDateOf(new Date(ms)))}`;
}

const STATUS_LABELS: Record<EmploymentStatus, string> = {
  employed: 'Employed',
  'self-employed': 'Self-employed',
  unemployed: 'Unemployed',
  student: 'Student',
  retired: 'Retired',
  'not-in-work': 'Not in work (other)',
  unknown: 'Not known',
};

const SHARE_LABELS: Record<ShareCategory, string> = {
  'contact-details': 'Contact details',
  'fit-note-dates': 'Fit note dates',
  diagnosis: 'Diagnosis',
  'functional-advice': 'Advice on the fit notes about work the patient could do',
  'employment-details': 'Job and employer details',
  'clinical-notes': 'Relevant clinical notes',
};

const METHOD_LABELS: Record<ContactMethod, string> = {
  phone: 'Phone call',
  text: 'Text message',
  email: 'Email',
  letter: 'Letter',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function toggle<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? [...list] : [...list, item]) : list.filter((x) => x !== item);
}

type SendState =
  | { kind: 'editing' }
  | { kind: 'sending' }
  | { kind: 'sent'; result: SendResult; provider: Provider }
  | { kind: 'failed'; problems: string[]; canRetry: boolean };

function ErrorMessage({ id, error }: { id: string; error: FieldError | undefined }) {
  if (!error) return null;
  return (
    <span className="nhsuk-error-message" id={`${id}-error`}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {error.message}
    </span>
  );
}

function Group({ error, children }: { error: FieldError | undefined; children: ReactNode }) {
  return <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>{children}</div>;
}

export function ReferralForm(props: ReferralFormProps) {
  const { patient, episode, providers, today } = props;
  const now = props.now ?? (() => new Date());
  const ranked = useMemo(
    () => rankForPatient(patient, episode, providers, today),
    [patient, episode, providers, today],
  );
  const declined = props.declined ?? [];
  const declinedBy = (id: string) => declined.find((d) => d.providerId === id);
  // Providers that declined this patient go last: the GP should not bounce the patient back to them.
  const eligible = ranked
    .filter((r) => r.result.eligible)
    .sort(
      (a, b) =>
        Number(declinedBy(a.provider.id) !== undefined) - Number(declinedBy(b.provider.id) !== undefined),
    );
  const ineligible = ranked.filter((r) => !r.result.eligible);
  const [state, setState] = useState<FormState>(() =>
    initialFormState({
      patient,
      episode,
      ranked,
      initialProviderId: props.initialProviderId,
      today,
      declinedIds: declined.map((d) => d.providerId),
    }),
  );
  const [errors, setErrors] = useState<FieldError[]>([]);
  const fromRecord = useMemo(() => preferredContacts(patient.telecom, today), [patient.telecom, today]);
  const [send, setSend] = useState<SendState>({ kind: 'editing' });
  const [editEmployment, setEditEmployment] = useState(
    patient.employmentStatus === 'unknown' || !patient.occupation,
  );
  const sending = useRef(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const failureRef = useRef<HTMLDivElement>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);
  const focusSummary = useRef(false);
  const titleRef = useRef<HTMLHeadingElement>(null);
  // The button that opened the form has gone: start keyboard and screen-reader users at the title.
  useEffect(() => titleRef.current?.focus(), []);

  const provider = providers.find((p) => p.id === state.providerId);
  const update = (patch: Partial<FormState>) => setState((s) => ({ ...s, ...patch }));
  const errorFor = (field: FieldName) => errors.find((e) => e.field === field);
  const describedBy = (field: FieldName, hint?: string) =>
    [hint, errorFor(field) ? `${FIELD_IDS[field]}-error` : undefined].filter(Boolean).join(' ') || undefined;

  useEffect(() => {
    if (focusSummary.current && errors.length > 0) {
      focusSummary.current = false;
      summaryRef.current?.focus();
    }
  }, [errors]);
  useEffect(() => {
    if (send.kind === 'failed') failureRef.current?.focus();
    if (send.kind === 'sent') doneRef.current?.focus();
  }, [send]);

  const consentSentence = describeConsent(
    {
      shareWithProvider: state.shareWithProvider,
      employerLiaison: { requested: state.employerLiaison, shareWithEmployer: state.shareWithEmployer },
    },
    provider?.name,
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (sending.current) return;
    const checked = validateFormState(state, provider, patient, now().toISOString());
    if (!checked.ok || !provider) {
      focusSummary.current = true;
      setErrors(
        checked.ok ? [{ field: 'provider', message: 'Choose a provider to refer to.' }] : checked.errors,
      );
      return;
    }
    setErrors([]);
    sending.current = true;
    setSend({ kind: 'sending' });
    try {
      const result = await props.onSend(checked.form, provider);
      setSend({ kind: 'sent', result, provider });
    } catch (error) {
      setSend({ kind: 'failed', ...explainSendFailure(error, provider) });
      sending.current = false;
    }
  };

  if (send.kind === 'sent') {
    return (
      <Confirmation
        result={send.result}
        provider={send.provider}
        headingRef={doneRef}
        onClose={props.onClose}
      />
    );
  }

  const isSending = send.kind === 'sending';

  return (
    <form className="fp-referral" noValidate onSubmit={(e) => void submit(e)} aria-busy={isSending}>
      {errors.length > 0 && (
        <div
          className="nhsuk-error-summary"
          aria-labelledby="rf-error-summary-title"
          role="alert"
          tabIndex={-1}
          ref={summaryRef}
        >
          <h2 className="nhsuk-error-summary__title" id="rf-error-summary-title">
            There is a problem
          </h2>
          <div className="nhsuk-error-summary__body">
            <ul className="nhsuk-list nhsuk-error-summary__list">
              {errors.map((e) => (
                <li key={e.field}>
                  <a href={`#${FIELD_IDS[e.field]}`}>{e.message}</a>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}

      <h1 ref={titleRef} tabIndex={-1} className="nhsuk-heading-s">
        Refer to a work and health provider
      </h1>

      {/* Provider */}
      <Group error={errorFor('provider')}>
        <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('provider')}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Provider</legend>
          <ErrorMessage id={FIELD_IDS.provider} error={errorFor('provider')} />
          {eligible.length === 0 ? (
            <p id={FIELD_IDS.provider} tabIndex={-1}>
              No provider in the practice’s directory can take this patient. The reasons are below; you can
              refer by the provider’s usual route instead.
            </p>
          ) : (
            <div className="nhsuk-radios nhsuk-radios--small">
              {eligible.map(({ provider: p, result }, i) => {
                const id = i === 0 ? FIELD_IDS.provider : `rf-provider-${p.id}`;
                const toConfirm = result.eligible ? result.toConfirm : [];
                const refused = declinedBy(p.id);
                return (
                  <div className="nhsuk-radios__item" key={p.id}>
                    <input
                      className="nhsuk-radios__input"
                      id={id}
                      type="radio"
                      name="provider"
                      value={p.id}
                      checked={state.providerId === p.id}
                      aria-describedby={`${id}-hint`}
                      onChange={() => setState((s) => ({ ...s, providerId: p.id, ...fitToProvider(s, p) }))}
                    />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={id}>
                      {p.name}
                    </label>
                    <div className="nhsuk-hint nhsuk-radios__hint" id={`${id}-hint`}>
                      Usual wait {p.waitingTimeDays} days;{' '}
                      {p.services.map((s) => SERVICE_TYPE_LABELS[s]).join(', ')}
                      {refused && (
                        <strong className="fp-declined-note">
                          {' '}
                          Declined this patient{declinedOn(refused.at)}
                          {refused.reason ? `: ${refused.reason.replace(/\.$/, '')}` : ''}.
                        </strong>
                      )}
                      {toConfirm.length > 0 && (
                        <ul className="nhsuk-list nhsuk-list--bullet fp-hint-list">
                          {toConfirm.map((t) => (
                            <li key={t}>{t}</li>
                          ))}
                        </ul>
                      )}
                    </div>
                  </div>
                );
              })}
            </div>
          )}
        </fieldset>
        {ineligible.length > 0 && (
          <details className="nhsuk-details fp-details" open={eligible.length === 0}>
            <summary className="nhsuk-details__summary">
              <span className="nhsuk-details__summary-text">Not eligible ({ineligible.length})</span>
            </summary>
            <div className="nhsuk-details__text">
              <ul className="nhsuk-list fp-compact-list fp-ineligible">
                {ineligible.map(({ provider: p, result }) => (
                  <li key={p.id} data-provider={p.id}>
                    <strong>{p.name}</strong>
                    <ul className="nhsuk-list nhsuk-list--bullet fp-hint-list">
                      {(result.eligible ? [] : result.reasons).map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </div>
          </details>
        )}
      </Group>

      {provider && (
        <>
          <Group error={errorFor('serviceTypes')}>
            <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('serviceTypes')}>
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Services</legend>
              <ErrorMessage id={FIELD_IDS.serviceTypes} error={errorFor('serviceTypes')} />
              <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                {provider.services.map((s, i) => {
                  const id = i === 0 ? FIELD_IDS.serviceTypes : `rf-services-${s}`;
                  return (
                    <div className="nhsuk-checkboxes__item" key={s}>
                      <input
                        className="nhsuk-checkboxes__input"
                        id={id}
                        type="checkbox"
                        checked={state.serviceTypes.includes(s)}
                        onChange={(e) =>
                          update({ serviceTypes: toggle(state.serviceTypes, s, e.target.checked) })
                        }
                      />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={id}>
                        {capitalise(SERVICE_TYPE_LABELS[s])}
                      </label>
                    </div>
                  );
                })}
              </div>
            </fieldset>
          </Group>

          <Group error={errorFor('modality')}>
            <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('modality')}>
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Appointment</legend>
              <ErrorMessage id={FIELD_IDS.modality} error={errorFor('modality')} />
              <div className="nhsuk-radios nhsuk-radios--small nhsuk-radios--inline">
                {provider.modalities.map((m, i) => {
                  const id = i === 0 ? FIELD_IDS.modality : `rf-modality-${m}`;
                  return (
                    <div className="nhsuk-radios__item" key={m}>
                      <input
                        className="nhsuk-radios__input"
                        id={id}
                        type="radio"
                        name="modality"
                        checked={state.modality === m}
                        onChange={() => update({ modality: m })}
                      />
                      <label className="nhsuk-label nhsuk-radios__label" htmlFor={id}>
                        {capitalise(MODALITY_LABELS[m])}
                      </label>
                    </div>
                  );
                })}
              </div>
            </fieldset>
          </Group>
        </>
      )}

      {/* Reason */}
      <Group error={errorFor('reason') ?? errorFor('useGeneralWording')}>
        <label className="nhsuk-label nhsuk-label--s" htmlFor={FIELD_IDS.reason}>
          Reason for referral
        </label>
        <ErrorMessage id={FIELD_IDS.reason} error={errorFor('reason')} />
        <textarea
          className={`nhsuk-textarea${errorFor('reason') ? ' nhsuk-textarea--error' : ''}`}
          id={FIELD_IDS.reason}
          rows={2}
          value={state.useGeneralWording ? GENERAL_WORDING : state.reasonText}
          readOnly={state.useGeneralWording}
          aria-describedby={describedBy('reason')}
          onChange={(e) => update({ reasonText: e.target.value, reasonCodings: [] })}
        />
        <ErrorMessage id={FIELD_IDS.useGeneralWording} error={errorFor('useGeneralWording')} />
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id={FIELD_IDS.useGeneralWording}
              type="checkbox"
              checked={state.useGeneralWording}
              aria-describedby={describedBy('useGeneralWording', 'rf-general-wording-hint')}
              onChange={(e) => update({ useGeneralWording: e.target.checked })}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={FIELD_IDS.useGeneralWording}>
              Use general wording instead of the diagnosis
            </label>
            <div className="nhsuk-hint nhsuk-checkboxes__hint" id="rf-general-wording-hint">
              The provider reads “{GENERAL_WORDING}”.
            </div>
          </div>
        </div>
      </Group>

      {/* Employment */}
      <fieldset className="nhsuk-fieldset fp-fieldset">
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Work</legend>
        {!editEmployment ? (
          <p>
            {STATUS_LABELS[state.employmentStatus]}
            {state.occupation ? `, ${state.occupation}` : ''}
            {patient.employerName ? ` at ${patient.employerName}` : ''} (from the record){' '}
            <button
              type="button"
              className="fp-link-button"
              id={FIELD_IDS.employmentStatus}
              onClick={() => setEditEmployment(true)}
            >
              Change<span className="nhsuk-u-visually-hidden"> employment status and occupation</span>
            </button>
          </p>
        ) : (
          <>
            <Group error={errorFor('employmentStatus')}>
              <label className="nhsuk-label" htmlFor={FIELD_IDS.employmentStatus}>
                Employment status
              </label>
              <ErrorMessage id={FIELD_IDS.employmentStatus} error={errorFor('employmentStatus')} />
              <select
                className="nhsuk-select"
                id={FIELD_IDS.employmentStatus}
                value={state.employmentStatus}
                aria-describedby={describedBy('employmentStatus')}
                onChange={(e) =>
                  update({
                    employmentStatus: e.target.value as EmploymentStatus,
                    employmentFromRecord: false,
                  })
                }
              >
                {EMPLOYMENT_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABELS[s]}
                  </option>
                ))}
              </select>
            </Group>
            <Group error={errorFor('occupation')}>
              <label className="nhsuk-label" htmlFor={FIELD_IDS.occupation}>
                Occupation (optional)
              </label>
              <ErrorMessage id={FIELD_IDS.occupation} error={errorFor('occupation')} />
              <input
                className="nhsuk-input"
                id={FIELD_IDS.occupation}
                type="text"
                value={state.occupation}
                aria-describedby={describedBy('occupation')}
                onChange={(e) => update({ occupation: e.target.value, employmentFromRecord: false })}
              />
            </Group>
          </>
        )}
      </fieldset>

      {/* Employer liaison */}
      <Group error={errorFor('shareWithEmployer')}>
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id={FIELD_IDS.employerLiaison}
              type="checkbox"
              checked={state.employerLiaison}
              aria-controls="rf-employer-conditional"
              aria-expanded={state.employerLiaison}
              onChange={(e) =>
                update({
                  employerLiaison: e.target.checked,
                  shareWithEmployer:
                    e.target.checked && state.shareWithEmployer.length === 0
                      ? DEFAULT_SHARE_WITH_EMPLOYER.slice()
                      : state.shareWithEmployer,
                })
              }
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={FIELD_IDS.employerLiaison}>
              Ask the provider to talk to the patient’s employer
            </label>
          </div>
          <div
            className={`nhsuk-checkboxes__conditional${state.employerLiaison ? '' : ' nhsuk-checkboxes__conditional--hidden'}`}
            id="rf-employer-conditional"
            hidden={!state.employerLiaison}
          >
            <fieldset
              className="nhsuk-fieldset"
              aria-describedby={describedBy('shareWithEmployer', 'rf-employer-hint')}
            >
              <legend className="nhsuk-fieldset__legend">The employer may be told</legend>
              <div className="nhsuk-hint" id="rf-employer-hint">
                Only what the patient agrees to. The diagnosis and clinical notes need their explicit
                agreement.
              </div>
              <ErrorMessage id={FIELD_IDS.shareWithEmployer} error={errorFor('shareWithEmployer')} />
              <ShareCheckboxes
                idPrefix={FIELD_IDS.shareWithEmployer}
                selected={state.shareWithEmployer}
                onChange={(list) => update({ shareWithEmployer: list })}
              />
            </fieldset>
          </div>
        </div>
      </Group>

      <Group error={errorFor('shareWithProvider')}>
        <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('shareWithProvider')}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            The provider may receive
          </legend>
          <ErrorMessage id={FIELD_IDS.shareWithProvider} error={errorFor('shareWithProvider')} />
          <ShareCheckboxes
            idPrefix={FIELD_IDS.shareWithProvider}
            selected={state.shareWithProvider}
            onChange={(list) => update({ shareWithProvider: list })}
          />
        </fieldset>
      </Group>

      {/* Contact */}
      <fieldset className="nhsuk-fieldset fp-fieldset">
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Contacting the patient</legend>
        <Group error={errorFor('phone')}>
          <label className="nhsuk-label" htmlFor={FIELD_IDS.phone}>
            Phone
          </label>
          {fromRecord.phone !== undefined && state.phone === fromRecord.phone && (
            <div className="nhsuk-hint" id="rf-phone-hint">
              From the record: check it with the patient
            </div>
          )}
          <ErrorMessage id={FIELD_IDS.phone} error={errorFor('phone')} />
          <input
            className={`nhsuk-input${errorFor('phone') ? ' nhsuk-input--error' : ''}`}
            id={FIELD_IDS.phone}
            type="tel"
            autoComplete="off"
            value={state.phone}
            aria-describedby={describedBy(
              'phone',
              fromRecord.phone !== undefined && state.phone === fromRecord.phone
                ? 'rf-phone-hint'
                : undefined,
            )}
            onChange={(e) => update({ phone: e.target.value })}
          />
        </Group>
        <Group error={errorFor('email')}>
          <label className="nhsuk-label" htmlFor={FIELD_IDS.email}>
            Email (optional)
          </label>
          {fromRecord.email !== undefined && state.email === fromRecord.email && (
            <div className="nhsuk-hint" id="rf-email-hint">
              From the record: check it with the patient
            </div>
          )}
          <ErrorMessage id={FIELD_IDS.email} error={errorFor('email')} />
          <input
            className={`nhsuk-input${errorFor('email') ? ' nhsuk-input--error' : ''}`}
            id={FIELD_IDS.email}
            type="email"
            autoComplete="off"
            spellCheck={false}
            value={state.email}
            aria-describedby={describedBy(
              'email',
              fromRecord.email !== undefined && state.email === fromRecord.email
                ? 'rf-email-hint'
                : undefined,
            )}
            onChange={(e) => update({ email: e.target.value })}
          />
        </Group>
        <Group error={errorFor('preferredMethod')}>
          <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('preferredMethod')}>
            <legend className="nhsuk-fieldset__legend">Preferred contact</legend>
            <ErrorMessage id={FIELD_IDS.preferredMethod} error={errorFor('preferredMethod')} />
            <div className="nhsuk-radios nhsuk-radios--small nhsuk-radios--inline">
              {(Object.keys(METHOD_LABELS) as ContactMethod[]).map((m, i) => {
                const id = i === 0 ? FIELD_IDS.preferredMethod : `rf-method-${m}`;
                return (
                  <div className="nhsuk-radios__item" key={m}>
                    <input
                      className="nhsuk-radios__input"
                      id={id}
                      type="radio"
                      name="preferredMethod"
                      checked={state.preferredMethod === m}
                      onChange={() => update({ preferredMethod: m })}
                    />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={id}>
                      {METHOD_LABELS[m]}
                    </label>
                  </div>
                );
              })}
            </div>
          </fieldset>
        </Group>
        <Group error={errorFor('bestTimes')}>
          <label className="nhsuk-label" htmlFor={FIELD_IDS.bestTimes}>
            Best times to contact (optional)
          </label>
          <input
            className="nhsuk-input"
            id={FIELD_IDS.bestTimes}
            type="text"
            value={state.bestTimes}
            onChange={(e) => update({ bestTimes: e.target.value })}
          />
        </Group>
      </fieldset>

      {/* Interpreter */}
      <Group error={errorFor('language')}>
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id="rf-interpreter"
              type="checkbox"
              checked={state.interpreterNeeded}
              aria-controls="rf-interpreter-conditional"
              aria-expanded={state.interpreterNeeded}
              onChange={(e) => update({ interpreterNeeded: e.target.checked })}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="rf-interpreter">
              Needs an interpreter
            </label>
          </div>
          <div
            className={`nhsuk-checkboxes__conditional${state.interpreterNeeded ? '' : ' nhsuk-checkboxes__conditional--hidden'}`}
            id="rf-interpreter-conditional"
            hidden={!state.interpreterNeeded}
          >
            <label className="nhsuk-label" htmlFor={FIELD_IDS.language}>
              Language
            </label>
            <ErrorMessage id={FIELD_IDS.language} error={errorFor('language')} />
            <input
              className={`nhsuk-input${errorFor('language') ? ' nhsuk-input--error' : ''}`}
              id={FIELD_IDS.language}
              type="text"
              value={state.language}
              aria-describedby={describedBy('language')}
              onChange={(e) => update({ language: e.target.value })}
            />
          </div>
        </div>
      </Group>

      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-label--s" htmlFor={FIELD_IDS.freeText}>
          Anything else the provider should know (optional)
        </label>
        <textarea
          className="nhsuk-textarea"
          id={FIELD_IDS.freeText}
          rows={3}
          value={state.freeText}
          onChange={(e) => update({ freeText: e.target.value })}
        />
      </div>

      {/* Consent */}
      <Group error={errorFor('consent')}>
        <fieldset className="nhsuk-fieldset" aria-describedby={describedBy('consent', 'rf-consent-sentence')}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Patient’s consent</legend>
          <div className="nhsuk-inset-text fp-inset" id="rf-consent-sentence">
            <span className="nhsuk-u-visually-hidden">Read to the patient: </span>
            <p>{consentSentence}</p>
          </div>
          <ErrorMessage id={FIELD_IDS.consent} error={errorFor('consent')} />
          <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
            <div className="nhsuk-checkboxes__item">
              <input
                className="nhsuk-checkboxes__input"
                id={FIELD_IDS.consent}
                type="checkbox"
                required
                aria-required="true"
                checked={state.consentGiven}
                onChange={(e) => update({ consentGiven: e.target.checked })}
              />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={FIELD_IDS.consent}>
                The patient agrees to this referral and to this sharing
              </label>
            </div>
          </div>
        </fieldset>
      </Group>

      {props.canWrite === false && (
        <div className="nhsuk-inset-text fp-inset">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            This app may not save to the record here: the referral goes to the provider, and you will need to
            note it in the record yourself.
          </p>
        </div>
      )}

      {send.kind === 'failed' && (
        <div
          className="nhsuk-error-summary"
          role="alert"
          tabIndex={-1}
          ref={failureRef}
          aria-labelledby="rf-failed-title"
        >
          <h2 className="nhsuk-error-summary__title" id="rf-failed-title">
            The referral was not sent
          </h2>
          <div className="nhsuk-error-summary__body">
            <ul className="nhsuk-list">
              {send.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
            <p>
              {send.canRetry
                ? 'Everything you entered is still here. Sending again will not create a second referral.'
                : 'Everything you entered stays on this screen until you close the app, so you can copy anything you need.'}
            </p>
          </div>
        </div>
      )}

      <p role="status" className="fp-status">
        {isSending ? 'Sending the referral…' : ''}
      </p>
      <div className="fp-actions">
        <button
          type="submit"
          className="nhsuk-button nhsuk-button--small"
          disabled={isSending}
          aria-disabled={isSending}
        >
          {isSending ? 'Sending…' : 'Send referral'}
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
          disabled={isSending}
          onClick={props.onClose}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

function ShareCheckboxes(props: {
  idPrefix: string;
  selected: readonly ShareCategory[];
  onChange(list: ShareCategory[]): void;
}) {
  return (
    <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
      {SHARE_CATEGORIES.map((c, i) => {
        const id = i === 0 ? props.idPrefix : `${props.idPrefix}-${c}`;
        return (
          <div className="nhsuk-checkboxes__item" key={c}>
            <input
              className="nhsuk-checkboxes__input"
              id={id}
              type="checkbox"
              value={c}
              checked={props.selected.includes(c)}
              onChange={(e) => props.onChange(toggle(props.selected, c, e.target.checked))}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={id}>
              {SHARE_LABELS[c]}
            </label>
          </div>
        );
      })}
    </div>
  );
}

/** The referral's state (its Task's status) in words, once the provider has it or is being sent it. */
export function statusInWords(status: string, name: string): string {
  switch (status) {
    case 'requested':
      return `Waiting for ${name} to accept it`;
    case 'received':
      return `${name} has received it and will accept or decline it`;
    case 'accepted':
      return `Accepted by ${name}`;
    case 'rejected':
      return `Declined by ${name}`;
    case 'in-progress':
      return `${name} is working with the patient`;
    case 'completed':
      return `Completed by ${name}`;
    default:
      return referralStatusLabel(status).text;
  }
}

/** What the live region says once a retried delivery has an answer. */
function retryAnnouncement(delivery: Delivery, name: string): string {
  switch (delivery.state) {
    case 'delivered':
      return `Delivered to ${name}.`;
    case 'queued':
      return `Sent: the referral hub has it and delivers it to ${name}.`;
    case 'failed':
      return `Delivery to ${name} failed again: ${delivery.reason}`;
    default:
      return `Not sent to ${name}: ${delivery.reason}`;
  }
}

/**
 * After sending: the referral's status in words, where the referral is, place by place ("In the patient’s record", "Delivered to …"),
 * and its reference. When it did not reach the provider the page says so plainly, gives the provider’s
 * phone (and email) and, after a failure, offers *Try delivery again* (a resend creates nothing twice).
 */
function Confirmation(props: {
  result: SendResult;
  provider: Provider;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onClose(): void;
}) {
  const { result, provider, headingRef } = props;
  const [delivery, setDelivery] = useState<Delivery | undefined>(result.delivery);
  const [retrying, setRetrying] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const busy = useRef(false);
  const name = provider.name;
  const inRecord = result.inRecord !== false;
  // Queued: the referral hub has it and delivers it (with retries), so the GP's part is done.
  const delivered = delivery === undefined || delivery.state === 'delivered' || delivery.state === 'queued';

  const retry = async () => {
    if (busy.current || !result.retryDelivery) return;
    busy.current = true;
    setRetrying(true);
    setAnnouncement(`Trying to deliver the referral to ${name}…`);
    let next: Delivery;
    try {
      next = await result.retryDelivery();
    } catch (error) {
      next = { state: 'failed', reason: error instanceof Error ? error.message : 'The connection failed.' };
    }
    busy.current = false;
    setRetrying(false);
    setDelivery(next);
    setAnnouncement(retryAnnouncement(next, name));
    // The button goes when the provider or the hub has it: start again at the heading.
    if (next.state === 'delivered' || next.state === 'queued')
      setTimeout(() => headingRef.current?.focus(), 0);
  };

  const heading = delivered
    ? `Referral sent to ${name}`
    : inRecord
      ? `Referral saved in the record, not delivered to ${name}`
      : `Referral not delivered to ${name}`;
  const contact = provider.contact;

  return (
    <section className="fp-referral-done">
      {delivered ? (
        <div className="nhsuk-panel fp-confirmation">
          <h1 ref={headingRef} tabIndex={-1} className="nhsuk-panel__title nhsuk-heading-s">
            {heading}
          </h1>
          <div className="nhsuk-panel__body">
            <p className="fp-identifier">Reference: {result.identifier}</p>
          </div>
        </div>
      ) : (
        <>
          <h1 ref={headingRef} tabIndex={-1} className="nhsuk-heading-s">
            {heading}
          </h1>
          <p className="fp-identifier">Reference: {result.identifier}</p>
        </>
      )}

      <h2 className="nhsuk-heading-xs">Where the referral is</h2>
      <p className="fp-referral-status" data-status={result.status}>
        <strong>Status:</strong>{' '}
        {delivered ? statusInWords(result.status, name) : `Requested, but ${name} does not have it yet`}
      </p>
      <ul className="nhsuk-list fp-destinations">
        <li data-destination="record">
          {inRecord ? (
            <>
              <strong className="nhsuk-tag nhsuk-tag--green fp-tag">Done</strong> In the patient’s record
            </>
          ) : (
            <>
              <strong className="nhsuk-tag nhsuk-tag--grey fp-tag">Not saved</strong> Not in the patient’s
              record: the clinical system does not let this app save to it, so add the referral to the record
              yourself.
            </>
          )}
        </li>
        {delivery !== undefined && (
          <li data-destination="provider">
            {delivery.state === 'delivered' ? (
              <>
                <strong className="nhsuk-tag nhsuk-tag--green fp-tag">Done</strong> Delivered to {name}
              </>
            ) : delivery.state === 'queued' ? (
              <>
                <strong className="nhsuk-tag nhsuk-tag--blue fp-tag">Sending</strong> With the referral hub,
                which delivers it to {name} and tells you if it cannot
              </>
            ) : (
              <>
                <strong
                  className={`nhsuk-tag fp-tag ${delivery.state === 'failed' ? 'nhsuk-tag--red' : 'nhsuk-tag--orange'}`}
                >
                  {delivery.state === 'failed' ? 'Failed' : 'Not sent'}
                </strong>{' '}
                Not delivered to {name}
              </>
            )}
          </li>
        )}
      </ul>

      {delivery !== undefined && (delivery.state === 'failed' || delivery.state === 'not-sent') && (
        <div className="nhsuk-warning-callout">
          <h2 className="nhsuk-warning-callout__label">
            <span className="nhsuk-u-visually-hidden">Important: </span>
            {delivery.state === 'failed' ? 'Delivery failed' : 'Not sent to the provider'}
          </h2>
          <p>{delivery.reason}</p>
          <p>
            {inRecord ? 'The referral is saved in the patient’s record. ' : ''}
            {name} does not have it yet: phone them on{' '}
            <a href={`tel:${contact.phone.replace(/[^\d+]/g, '')}`}>{contact.phone}</a>
            {contact.email ? (
              <>
                {' '}
                or email <a href={`mailto:${contact.email}`}>{contact.email}</a>
              </>
            ) : null}
            , quoting the reference above.
          </p>
          {delivery.state === 'failed' && result.retryDelivery && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
              disabled={retrying}
              aria-disabled={retrying}
              onClick={() => void retry()}
            >
              {retrying ? 'Trying again…' : 'Try delivery again'}
            </button>
          )}
        </div>
      )}

      <p role="status" className="nhsuk-u-visually-hidden">
        {announcement}
      </p>
      {delivered && inRecord && (
        <p>The referral’s progress shows on the patient panel as the provider answers.</p>
      )}
      <button type="button" className="nhsuk-button nhsuk-button--small" onClick={props.onClose}>
        Back to the patient
      </button>
    </section>
  );
}
