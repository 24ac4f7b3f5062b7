/**
 * Add or edit one provider: every field of the directory schema as form controls, checked with the
 * same parseDirectory as the CLI and the hub (problems inline, and in the error summary at the top).
 * Saving publishes at once. "Test connection" calls the hub, which asks the provider's FHIR server
 * for its metadata, and shows the answer in plain English.
 */
import { type ReactNode, useState } from 'react';
import { MODALITIES, SERVICE_TYPES } from '../../domain/codes.js';
import { CONDITION_GROUP_IDS, CONDITION_GROUPS } from '../../domain/conditionGroups.js';
import {
  MODALITY_LABELS,
  PROVIDER_EMPLOYMENT_STATUSES,
  SERVICE_TYPE_LABELS,
} from '../../domain/directory.js';
import { isStale } from '../../domain/eligibility.js';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { testConnection } from '../adminApi/calls.js';
import { problemsOf } from '../adminApi/problems.js';
import {
  areaCodesOf,
  checkProvider,
  type FieldProblem,
  fieldId,
  getAt,
  numberOrText,
  type ProviderJson,
  setAt,
} from '../adminApi/providerForm.js';
import type { ConnectionResult } from '../adminApi/types.js';
import { describedBy, FieldErrors } from './fieldErrors.js';

const EMPLOYMENT_WORDS: Record<string, string> = {
  employed: 'Employed',
  'self-employed': 'Self-employed',
  unemployed: 'Unemployed',
  student: 'Student',
  retired: 'Retired',
  'not-in-work': 'Not in work for another reason',
};

const ENDPOINT_WORDS: Record<string, { label: string; hint: string }> = {
  'hub-inbox': {
    label: 'The referral hub’s inbox',
    hint: 'Provider staff sign in to the hub’s inbox to read and answer referrals.',
  },
  'fhir-rest': {
    label: 'The provider’s FHIR server (FHIR REST)',
    hint: 'The hub sends each referral as a FHIR transaction to the provider’s server.',
  },
  'bars-message': {
    label: 'The provider’s FHIR server (BaRS message)',
    hint: 'The hub sends each referral as an NHS BaRS message to the server’s $process-message operation.',
  },
};

export interface ProviderFormProps {
  /** The provider as saved, or a blank one for a new provider. */
  initial: ProviderJson;
  isNew: boolean;
  /** All saved providers (for the duplicate-id check) and this one's place among them (-1: new). */
  providers: readonly unknown[];
  index: number;
  today: string;
  /** Saves (and publishes) the directory with this provider; throws ApiProblem etc. */
  save(provider: ProviderJson): Promise<void>;
  cancel(): void;
}

export function ProviderForm(props: ProviderFormProps) {
  const [p, setP] = useState<ProviderJson>(props.initial);
  const [checked, setChecked] = useState(false);
  const [serverProblems, setServerProblems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [connection, setConnection] = useState<
    | { kind: 'idle' }
    | { kind: 'testing' }
    | { kind: 'done'; result: ConnectionResult }
    | { kind: 'failed'; text: string }
  >({ kind: 'idle' });
  const dirty = JSON.stringify(p) !== JSON.stringify(props.initial);

  const check = checkProvider(props.providers, props.index, p);
  const problems: FieldProblem[] = checked ? check.problems : [];
  const problemFor = (path: string) =>
    problems.filter((x) => x.path === path || x.path.startsWith(`${path}.`)).map((x) => x.text);

  const set = (path: string, value: unknown) => setP((old) => setAt(old, path.split('.'), value));
  const text = (path: string) => {
    const v = getAt(p, path.split('.'));
    return v === undefined || v === null ? '' : String(v);
  };
  const list = (path: string) => {
    const v = getAt(p, path.split('.'));
    return Array.isArray(v) ? (v as string[]) : [];
  };
  const toggle = (path: string, value: string, on: boolean, emptyMeansAbsent = false) => {
    const now = list(path).filter((x) => x !== value);
    const next = on ? [...now, value] : now;
    set(path, emptyMeansAbsent && next.length === 0 ? undefined : next);
  };

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setChecked(true);
    setServerProblems([]);
    if (check.problems.length > 0 || check.others.length > 0) return;
    setSaving(true);
    try {
      await props.save(p);
    } catch (error) {
      setServerProblems(problemsOf(error));
    } finally {
      setSaving(false);
    }
  }

  async function runTest() {
    setConnection({ kind: 'testing' });
    try {
      setConnection({ kind: 'done', result: await testConnection(String(props.initial.id)) });
    } catch (error) {
      setConnection({ kind: 'failed', text: problemsOf(error).join(' ') });
    }
  }

  const summary = [
    ...problems.map((x) => ({ text: x.text, href: `#${fieldId(x.path === '' ? 'id' : x.path)}` })),
    ...(checked ? check.others : []),
    ...serverProblems,
  ];
  const mode = text('endpoint.mode');
  const hasSelfReferral = getAt(p, ['selfReferral']) !== undefined;

  return (
    <form onSubmit={submit} noValidate>
      <ErrorSummary problems={summary} />
      <h1 className="nhsuk-heading-l">
        {props.isNew ? 'Add a provider' : `Edit ${String(props.initial.name ?? 'provider')}`}
      </h1>
      <div className="nhsuk-inset-text">
        <span className="nhsuk-u-visually-hidden">Information: </span>
        <p>Saving publishes the directory at once: GPs see the change the next time they open the app.</p>
      </div>

      <h2 className="nhsuk-heading-m">About the service</h2>
      <TextField
        path="id"
        label="Id"
        hint="Lower-case letters, digits and hyphens, e.g. local-oh-service. Rules name providers by this id."
        value={text('id')}
        problems={problemFor('id')}
        onChange={(v) => set('id', v)}
        readOnly={!props.isNew}
        width={20}
      />
      <TextField
        path="name"
        label="Name"
        value={text('name')}
        problems={problemFor('name')}
        onChange={(v) => set('name', v)}
      />
      <TextField
        path="description"
        label="Description"
        hint="What the service does, in words a GP and patient understand."
        value={text('description')}
        problems={problemFor('description')}
        onChange={(v) => set('description', v)}
        multiline
      />
      <CheckboxGroup
        path="services"
        legend="Services offered"
        options={SERVICE_TYPES.map((s) => ({ value: s, label: capital(SERVICE_TYPE_LABELS[s]) }))}
        selected={list('services')}
        problems={problemFor('services')}
        onToggle={(v, on) => toggle('services', v, on)}
      />
      <CheckboxGroup
        path="modalities"
        legend="How patients are seen"
        options={MODALITIES.map((m) => ({ value: m, label: capital(MODALITY_LABELS[m]) }))}
        selected={list('modalities')}
        problems={problemFor('modalities')}
        onToggle={(v, on) => toggle('modalities', v, on)}
      />
      <TextField
        path="waitingTimeDays"
        label="Typical wait for a first appointment, in days"
        value={text('waitingTimeDays')}
        problems={problemFor('waitingTimeDays')}
        onChange={(v) => set('waitingTimeDays', numberOrText(v))}
        width={4}
        numeric
      />

      <h2 className="nhsuk-heading-m">Status</h2>
      <RadioGroup
        path="status"
        legend="Is the service taking referrals?"
        options={[
          { value: 'open', label: 'Open', hint: 'GPs can refer to it.' },
          {
            value: 'paused',
            label: 'Paused',
            hint: 'For a while (for example a waiting list is full): GPs see it but cannot refer.',
          },
          { value: 'closed', label: 'Closed', hint: 'The service has ended.' },
        ]}
        value={text('status')}
        problems={problemFor('status')}
        onChange={(v) => set('status', v)}
      />
      <TextField
        path="activeFrom"
        label="First day it takes referrals (optional)"
        hint="For example 2026-04-01"
        value={text('activeFrom')}
        problems={problemFor('activeFrom')}
        onChange={(v) => set('activeFrom', v.trim() === '' ? undefined : v.trim())}
        width={10}
      />
      <TextField
        path="activeTo"
        label="Day it closes (optional)"
        hint="Referrals are taken up to the day before. For example 2027-03-31"
        value={text('activeTo')}
        problems={problemFor('activeTo')}
        onChange={(v) => set('activeTo', v.trim() === '' ? undefined : v.trim())}
        width={10}
      />
      <TextField
        path="lastVerified"
        label="Last checked"
        hint={`When someone last checked these details with the service. Entries not checked for 90 days are flagged.${
          isStale({ lastVerified: text('lastVerified') }, props.today)
            ? ' This one is: check it with the service.'
            : ''
        }`}
        value={text('lastVerified')}
        problems={problemFor('lastVerified')}
        onChange={(v) => set('lastVerified', v.trim())}
        width={10}
        after={
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0 nhsuk-u-margin-top-2"
            onClick={() => set('lastVerified', props.today)}
          >
            Mark as verified today
          </button>
        }
      />

      <h2 className="nhsuk-heading-m">Who it is for</h2>
      <CheckboxGroup
        path="eligibility.employmentStatus"
        legend="Employment status"
        options={PROVIDER_EMPLOYMENT_STATUSES.map((s) => ({ value: s, label: EMPLOYMENT_WORDS[s] ?? s }))}
        selected={list('eligibility.employmentStatus')}
        problems={problemFor('eligibility.employmentStatus')}
        onToggle={(v, on) => toggle('eligibility.employmentStatus', v, on)}
      />
      <CheckboxGroup
        path="eligibility.conditionGroups"
        legend="Conditions"
        hint="Leave all unticked for any condition."
        options={CONDITION_GROUP_IDS.map((g) => ({ value: g, label: CONDITION_GROUPS[g].title }))}
        selected={list('eligibility.conditionGroups')}
        problems={problemFor('eligibility.conditionGroups')}
        onToggle={(v, on) => toggle('eligibility.conditionGroups', v, on, true)}
      />
      <RangeFields
        path="eligibility.ageRange"
        legend="Ages (in years, optional)"
        unit="years"
        min={text('eligibility.ageRange.min')}
        max={text('eligibility.ageRange.max')}
        problems={problemFor('eligibility.ageRange')}
        onChange={(end, v) => set(`eligibility.ageRange.${end}`, numberOrText(v))}
      />
      <TextField
        path="eligibility.areaCodes"
        label="Postcode areas or districts covered (optional)"
        hint="Separate with commas, for example LS, BD6. Leave empty for anywhere."
        value={list('eligibility.areaCodes').join(', ')}
        problems={problemFor('eligibility.areaCodes')}
        onChange={(v) => set('eligibility.areaCodes', areaCodesOf(v))}
        lazy
      />
      <RangeFields
        path="eligibility.employerSize"
        legend="Employer size, for employed patients (number of staff, optional)"
        unit="staff"
        min={text('eligibility.employerSize.min')}
        max={text('eligibility.employerSize.max')}
        problems={problemFor('eligibility.employerSize')}
        onChange={(end, v) => set(`eligibility.employerSize.${end}`, numberOrText(v))}
      />
      <SingleCheckbox
        path="eligibility.excludeIfEmployerHasOccupationalHealth"
        label="Not for employed patients whose employer has its own occupational health service"
        checked={getAt(p, ['eligibility', 'excludeIfEmployerHasOccupationalHealth']) === true}
        onChange={(on) => set('eligibility.excludeIfEmployerHasOccupationalHealth', on ? true : undefined)}
      />

      <h2 className="nhsuk-heading-m">Contact</h2>
      <TextField
        path="contact.phone"
        label="Phone"
        value={text('contact.phone')}
        problems={problemFor('contact.phone')}
        onChange={(v) => set('contact.phone', v)}
        width={20}
        type="tel"
      />
      <TextField
        path="contact.email"
        label="Email (optional)"
        value={text('contact.email')}
        problems={problemFor('contact.email')}
        onChange={(v) => set('contact.email', v.trim() === '' ? undefined : v.trim())}
        type="email"
      />
      <TextField
        path="contact.website"
        label="Website (optional)"
        value={text('contact.website')}
        problems={problemFor('contact.website')}
        onChange={(v) => set('contact.website', v.trim() === '' ? undefined : v.trim())}
        type="url"
      />
      <SingleCheckbox
        path="selfReferral"
        label="Patients can refer themselves"
        checked={hasSelfReferral}
        onChange={(on) => set('selfReferral', on ? { instructions: '' } : undefined)}
      />
      {hasSelfReferral && (
        <div className="nhsuk-inset-text nhsuk-u-margin-top-0">
          <TextField
            path="selfReferral.instructions"
            label="How patients refer themselves"
            value={text('selfReferral.instructions')}
            problems={problemFor('selfReferral.instructions')}
            onChange={(v) => set('selfReferral.instructions', v)}
            multiline
          />
          <TextField
            path="selfReferral.phone"
            label="Self-referral phone (optional)"
            value={text('selfReferral.phone')}
            problems={problemFor('selfReferral.phone')}
            onChange={(v) => set('selfReferral.phone', v.trim() === '' ? undefined : v)}
            type="tel"
            width={20}
          />
          <TextField
            path="selfReferral.url"
            label="Self-referral web address (optional)"
            value={text('selfReferral.url')}
            problems={problemFor('selfReferral.url')}
            onChange={(v) => set('selfReferral.url', v.trim() === '' ? undefined : v.trim())}
            type="url"
          />
        </div>
      )}

      <h2 className="nhsuk-heading-m">How referrals reach it</h2>
      <RadioGroup
        path="endpoint.mode"
        legend="Delivery"
        options={Object.entries(ENDPOINT_WORDS).map(([value, w]) => ({
          value,
          label: w.label,
          hint: w.hint,
        }))}
        value={mode}
        problems={problemFor('endpoint.mode')}
        onChange={(v) =>
          setP((old) => {
            const baseUrl = getAt(old, ['endpoint', 'baseUrl']);
            return setAt(
              old,
              ['endpoint'],
              v === 'hub-inbox' ? { mode: v } : { mode: v, baseUrl: baseUrl ?? '' },
            );
          })
        }
      />
      {mode !== 'hub-inbox' && (
        <TextField
          path="endpoint.baseUrl"
          label="FHIR server address"
          hint="The server’s base address, for example https://referrals.example.org/fhir"
          value={text('endpoint.baseUrl')}
          problems={problems
            .filter((x) => x.path === 'endpoint' || x.path === 'endpoint.baseUrl')
            .map((x) => x.text)}
          onChange={(v) => set('endpoint.baseUrl', v.trim())}
          type="url"
        />
      )}
      {!props.isNew && (
        <div className="nhsuk-u-margin-bottom-5">
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            onClick={() => void runTest()}
            disabled={connection.kind === 'testing'}
          >
            Test connection
          </button>
          <p className="nhsuk-body-s">
            Tests the saved address{dirty ? ': save your changes first to test new ones' : ''}.
          </p>
          <div role="status" aria-live="polite">
            {connection.kind === 'testing' && <p>Asking the provider’s server…</p>}
            {connection.kind === 'failed' && <p className="nhsuk-error-message">{connection.text}</p>}
            {connection.kind === 'done' && <ConnectionPanel result={connection.result} />}
          </div>
        </div>
      )}

      <div style={{ display: 'flex', flexWrap: 'wrap', columnGap: '1rem', alignItems: 'baseline' }}>
        <button type="submit" className="nhsuk-button" disabled={saving}>
          {saving ? 'Saving…' : 'Save and publish'}
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={props.cancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ConnectionPanel({ result }: { result: ConnectionResult }) {
  const facts = [
    result.status !== undefined ? `answered ${result.status}` : undefined,
    `in ${result.elapsedMs} ms`,
    result.fhirVersion ? `FHIR ${result.fhirVersion}` : undefined,
    result.software ? result.software : undefined,
    result.processMessage === undefined
      ? undefined
      : result.processMessage
        ? 'offers $process-message'
        : 'does not offer $process-message',
  ].filter((x): x is string => x !== undefined);
  return (
    <div
      className={`nhsuk-card ${result.ok ? 'ad-result--ok' : 'ad-result--bad'}`}
      style={{ borderLeft: `8px solid ${result.ok ? '#007f3b' : '#d5281b'}` }}
    >
      <div className="nhsuk-card__content">
        <h3 className="nhsuk-card__heading nhsuk-heading-s">{result.ok ? 'Connected' : 'Not connected'}</h3>
        <p className="nhsuk-card__description">{result.summary}</p>
        <p className="nhsuk-body-s nhsuk-u-margin-bottom-0">
          {result.url} — {facts.join(', ')}
        </p>
      </div>
    </div>
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function TextField(props: {
  path: string;
  label: string;
  hint?: string;
  value: string;
  problems: string[];
  onChange(value: string): void;
  multiline?: boolean;
  readOnly?: boolean;
  width?: number;
  numeric?: boolean;
  type?: string;
  /** Keep the typed text, and pass it on when the field loses focus (for lists typed as text). */
  lazy?: boolean;
  after?: ReactNode;
}) {
  const id = fieldId(props.path);
  const [typed, setTyped] = useState<string | undefined>(undefined);
  const bad = props.problems.length > 0;
  const common = {
    id,
    name: props.path,
    value: props.lazy && typed !== undefined ? typed : props.value,
    'aria-describedby': describedBy(id, props.hint !== undefined, props.problems),
    readOnly: props.readOnly,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      props.lazy ? setTyped(e.target.value) : props.onChange(e.target.value),
    onBlur: () => {
      if (props.lazy && typed !== undefined) {
        props.onChange(typed);
        setTyped(undefined);
      }
    },
  };
  return (
    <div className={`nhsuk-form-group${bad ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label" htmlFor={id}>
        {props.label}
      </label>
      {props.hint && (
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      )}
      <FieldErrors id={id} messages={props.problems} join=". " />
      {props.multiline ? (
        <textarea className={`nhsuk-textarea${bad ? ' nhsuk-textarea--error' : ''}`} rows={3} {...common} />
      ) : (
        <input
          className={`nhsuk-input${props.width ? ` nhsuk-input--width-${props.width}` : ''}${bad ? ' nhsuk-input--error' : ''}`}
          type={props.type ?? 'text'}
          {...(props.numeric ? { inputMode: 'numeric' as const } : {})}
          spellCheck={false}
          {...common}
        />
      )}
      {props.after}
    </div>
  );
}

function CheckboxGroup(props: {
  path: string;
  legend: string;
  hint?: string;
  options: Array<{ value: string; label: string }>;
  selected: string[];
  problems: string[];
  onToggle(value: string, on: boolean): void;
}) {
  const id = fieldId(props.path);
  const bad = props.problems.length > 0;
  return (
    <div className={`nhsuk-form-group${bad ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset
        className="nhsuk-fieldset"
        aria-describedby={describedBy(id, props.hint !== undefined, props.problems)}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        {props.hint && (
          <div className="nhsuk-hint" id={`${id}-hint`}>
            {props.hint}
          </div>
        )}
        <FieldErrors id={id} messages={props.problems} join=". " />
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
          {props.options.map((o, i) => {
            const inputId = i === 0 ? id : `${id}-${o.value}`;
            return (
              <div className="nhsuk-checkboxes__item" key={o.value}>
                <input
                  className="nhsuk-checkboxes__input"
                  id={inputId}
                  type="checkbox"
                  value={o.value}
                  checked={props.selected.includes(o.value)}
                  onChange={(e) => props.onToggle(o.value, e.target.checked)}
                />
                <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={inputId}>
                  {o.label}
                </label>
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

function RadioGroup(props: {
  path: string;
  legend: string;
  options: Array<{ value: string; label: string; hint?: string }>;
  value: string;
  problems: string[];
  onChange(value: string): void;
}) {
  const id = fieldId(props.path);
  const bad = props.problems.length > 0;
  return (
    <div className={`nhsuk-form-group${bad ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(id, false, props.problems)}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        <FieldErrors id={id} messages={props.problems} join=". " />
        <div className="nhsuk-radios nhsuk-radios--small">
          {props.options.map((o, i) => {
            const inputId = i === 0 ? id : `${id}-${o.value}`;
            return (
              <div className="nhsuk-radios__item" key={o.value}>
                <input
                  className="nhsuk-radios__input"
                  id={inputId}
                  name={props.path}
                  type="radio"
                  value={o.value}
                  checked={props.value === o.value}
                  onChange={() => props.onChange(o.value)}
                  {...(o.hint ? { 'aria-describedby': `${inputId}-hint` } : {})}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={inputId}>
                  {o.label}
                </label>
                {o.hint && (
                  <div className="nhsuk-hint nhsuk-radios__hint" id={`${inputId}-hint`}>
                    {o.hint}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

function RangeFields(props: {
  path: string;
  legend: string;
  unit: string;
  min: string;
  max: string;
  problems: string[];
  onChange(end: 'min' | 'max', value: string): void;
}) {
  const id = fieldId(props.path);
  const bad = props.problems.length > 0;
  return (
    <div className={`nhsuk-form-group${bad ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(id, false, props.problems)}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        <FieldErrors id={id} messages={props.problems} join=". " />
        <div style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap' }}>
          {(['min', 'max'] as const).map((end) => (
            <div key={end}>
              <label className="nhsuk-label" htmlFor={end === 'min' ? id : `${id}-max`}>
                {end === 'min' ? 'From' : 'To'} ({props.unit}, inclusive)
              </label>
              <input
                className={`nhsuk-input nhsuk-input--width-4${bad ? ' nhsuk-input--error' : ''}`}
                id={end === 'min' ? id : `${id}-max`}
                inputMode="numeric"
                type="text"
                value={end === 'min' ? props.min : props.max}
                onChange={(e) => props.onChange(end, e.target.value)}
              />
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

function SingleCheckbox(props: {
  path: string;
  label: string;
  checked: boolean;
  onChange(on: boolean): void;
}) {
  const id = fieldId(props.path);
  return (
    <div className="nhsuk-form-group">
      <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
        <div className="nhsuk-checkboxes__item">
          <input
            className="nhsuk-checkboxes__input"
            id={id}
            type="checkbox"
            checked={props.checked}
            onChange={(e) => props.onChange(e.target.checked)}
          />
          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={id}>
            {props.label}
          </label>
        </div>
      </div>
    </div>
  );
}
