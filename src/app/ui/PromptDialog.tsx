/**
 * The prompt: a modal dialog for one CDS Hooks card. It says why the prompt fired, shows the
 * practice's wording and source and the providers, and offers four answers, each reported with
 * `onFeedback` in the CDS Hooks feedback shape: Refer now (accepted, naming the card's recommended
 * suggestion in `acceptedSuggestions`, then `onRefer`), Give self-referral details (accepted once given;
 * `acceptedSuggestions` is empty: every suggestion on the card is a referral to a provider, and none
 * was taken), Not now (snoozed until the next fit note or a date; Escape in the main view does this too),
 * Not appropriate (overridden, with a reason and optional comment). In the self-referral, snooze and
 * override views Escape (like Back) returns to the main view, with focus on the button that opened it.
 */
import { type ReactNode, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { type CalendarDate, parseCalendarDate } from '../../domain/dates.js';
import type { Provider } from '../../domain/directory.js';
import type { Card } from '../../domain/evaluate.js';
import type { RecordedFeedback } from '../feedback/store.js';
import { formatDate } from './format.js';
import { SMS_MAX, selfReferralProviders } from './selfReferralProviders.js';

/** The SMS text (GSM-7 tables) loads in its own chunk, fetched as soon as the prompt shows. */
type Sms = typeof import('./selfReferral.js');
let sms: Sms | undefined;
export const loadSms = (): Promise<Sms> => import('./selfReferral.js').then((m) => (sms = m));

import { useFocusTrap } from './useFocusTrap.js';

export interface PromptDialogProps {
  card: Card;
  /** The practice's provider directory (for self-referral details). */
  directory: readonly Provider[];
  /** Issue date of the episode's latest fit note ("not now" until a newer one). */
  latestIssued: CalendarDate;
  /** Fit notes in the episode now: "until the next fit note" lasts while there are no more. */
  noteCount: number;
  today: CalendarDate;
  /** `answer` tells the two accepted answers apart: Refer now ('refer') and self-referral details given. */
  onFeedback(feedback: RecordedFeedback, answer?: 'refer' | 'self-referral'): void;
  /** After "Refer now": open the referral form, with the recommended provider when there is one. */
  onRefer(providerId?: string): void;
  now?: () => Date;
  /** Copies text to the clipboard; default navigator.clipboard.writeText. */
  copyText?: (text: string) => Promise<void>;
  /** Prints the page; default window.print. */
  print?: () => void;
}

type View = 'main' | 'self-referral' | 'snooze' | 'override';

/** Renders card.detail ("- fact" lines and paragraphs) as a list and paragraphs. */
function Detail({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let items: string[] = [];
  const flush = () => {
    if (items.length > 0) {
      blocks.push(
        <ul key={`l${blocks.length}`} className="nhsuk-list nhsuk-list--bullet fp-compact-list">
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>,
      );
      items = [];
    }
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('- ')) items.push(line.slice(2));
    else {
      flush();
      if (line.trim() !== '') blocks.push(<p key={`p${blocks.length}`}>{line}</p>);
    }
  }
  flush();
  return <>{blocks}</>;
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function PromptDialog(props: PromptDialogProps) {
  const { card, directory, latestIssued, noteCount, today, onFeedback, onRefer } = props;
  const now = props.now ?? (() => new Date());
  const id = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [view, setViewState] = useState<View>('main');
  const viewHeading = useRef<HTMLHeadingElement>(null);

  const feedback = (
    f: Omit<RecordedFeedback, 'card' | 'outcomeTimestamp'>,
    answer?: 'refer' | 'self-referral',
  ) => onFeedback({ card: card.uuid, outcomeTimestamp: now().toISOString(), ...f }, answer);
  const snoozeUntilNextNote = () =>
    feedback({ outcome: 'snoozed', snooze: { untilNextNote: true, latestIssued, noteCount } });

  // The view focus comes back from (its opener button gets focus), or 'open' for a new view's heading.
  const viewChanged = useRef<View | 'open' | undefined>(undefined);
  const setView = (next: View) => {
    viewChanged.current = next === 'main' ? view : 'open';
    setViewState(next);
  };
  // Escape: from a sub-view, back to the main view; in the main view, "Not now" until the next fit note.
  useFocusTrap(dialogRef, () => (view === 'main' ? snoozeUntilNextNote() : setView('main')), headingRef);
  // Move focus once the new view is rendered (not on first open: the trap does that).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs each time the view changes.
  useEffect(() => {
    const from = viewChanged.current;
    viewChanged.current = undefined;
    if (from === undefined) return;
    const opener = dialogRef.current?.querySelector<HTMLElement>(`[data-opens="${from}"]`);
    (from === 'open' ? viewHeading.current : (opener ?? headingRef.current))?.focus();
  }, [view]);

  const options = card.extension.providerOptions ?? [];
  const eligible = options.filter((o) => o.eligible);
  const ineligible = options.filter((o) => !o.eligible);
  const recommended = eligible[0]?.id;
  useEffect(() => {
    const timer = setTimeout(() => void loadSms().catch(() => undefined), 0);
    return () => clearTimeout(timer);
  }, []);
  // The card's suggestion for the recommended provider: what "Refer now" opens.
  const suggestion = card.suggestions?.find((s) => s.isRecommended);

  return (
    <div className="fp-dialog-backdrop">
      <div
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-why`}
        className="fp-dialog"
        tabIndex={-1}
      >
        <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1} className="nhsuk-heading-s fp-dialog__title">
          {card.summary}
        </h2>
        <p id={`${id}-why`} className="fp-reason">
          <strong className="nhsuk-tag nhsuk-tag--blue fp-tag">Why</strong> {card.extension.reason}
        </p>

        {view === 'main' && (
          <MainView
            card={card}
            eligible={eligible}
            ineligible={ineligible}
            idPrefix={id}
            onRefer={() => {
              feedback(
                { outcome: 'accepted', acceptedSuggestions: suggestion ? [{ id: suggestion.uuid }] : [] },
                'refer',
              );
              onRefer(recommended);
            }}
            onSelfReferral={() => setView('self-referral')}
            onNotNow={() => setView('snooze')}
            onNotAppropriate={() => setView('override')}
          />
        )}
        {view === 'self-referral' && (
          <SelfReferralView
            headingRef={viewHeading}
            providers={selfReferralProviders(options, directory)}
            copyText={props.copyText}
            print={props.print}
            onDone={() => feedback({ outcome: 'accepted', acceptedSuggestions: [] }, 'self-referral')}
            onBack={() => setView('main')}
          />
        )}
        {view === 'snooze' && (
          <SnoozeView
            headingRef={viewHeading}
            today={today}
            onSnooze={(until) =>
              until === undefined
                ? snoozeUntilNextNote()
                : feedback({ outcome: 'snoozed', snooze: { until } })
            }
            onBack={() => setView('main')}
          />
        )}
        {view === 'override' && (
          <OverrideView
            headingRef={viewHeading}
            reasons={card.overrideReasons}
            onOverride={(reason, comment) =>
              feedback({
                outcome: 'overridden',
                overrideReason: { reason, ...(comment ? { userComment: comment } : {}) },
              })
            }
            onBack={() => setView('main')}
          />
        )}
      </div>
    </div>
  );
}

interface MainViewProps {
  card: Card;
  eligible: NonNullable<Card['extension']['providerOptions']>;
  ineligible: NonNullable<Card['extension']['providerOptions']>;
  idPrefix: string;
  onRefer(): void;
  onSelfReferral(): void;
  onNotNow(): void;
  onNotAppropriate(): void;
}

function MainView(props: MainViewProps) {
  const { card, eligible, ineligible } = props;
  return (
    <>
      <details className="nhsuk-details fp-details">
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">What the practice says</span>
        </summary>
        <div className="nhsuk-details__text">
          <Detail text={card.detail} />
          <p className="fp-source">
            Source:{' '}
            {card.source.url ? (
              <a href={card.source.url} target="_blank" rel="noopener noreferrer">
                {card.source.label} (opens in a new tab)
              </a>
            ) : (
              card.source.label
            )}
          </p>
        </div>
      </details>
      {card.extension.toConfirm.length > 0 && (
        <div className="nhsuk-inset-text fp-inset">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <ul className="nhsuk-list fp-compact-list">
            {card.extension.toConfirm.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </div>
      )}
      {eligible.length + ineligible.length > 0 && (
        <section aria-labelledby={`${props.idPrefix}-providers`}>
          <h3 id={`${props.idPrefix}-providers`} className="nhsuk-heading-xs fp-subheading">
            Providers
          </h3>
          {eligible.length === 0 ? (
            <p>None of the providers for this prompt can take this patient. You can still refer.</p>
          ) : (
            <ul className="nhsuk-list fp-compact-list">
              {eligible.map((o) => (
                <li key={o.id}>
                  <strong>{o.name}</strong>, usual wait {o.waitingTimeDays} days
                  {o.toConfirm.length > 0 && (
                    <ul className="nhsuk-list nhsuk-list--bullet fp-hint-list">
                      {o.toConfirm.map((t) => (
                        <li key={t}>{t}</li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          )}
          {ineligible.length > 0 && (
            <details className="nhsuk-details fp-details">
              <summary className="nhsuk-details__summary">
                <span className="nhsuk-details__summary-text">Not eligible ({ineligible.length})</span>
              </summary>
              <div className="nhsuk-details__text">
                <ul className="nhsuk-list fp-compact-list">
                  {ineligible.map((o) => (
                    <li key={o.id}>
                      <strong>{o.name}</strong>: {o.reasons.join(' ')}
                    </li>
                  ))}
                </ul>
              </div>
            </details>
          )}
        </section>
      )}
      <div className="fp-actions">
        <button type="button" className="nhsuk-button nhsuk-button--small" onClick={props.onRefer}>
          Refer now
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
          onClick={props.onSelfReferral}
          data-opens="self-referral"
        >
          Give self-referral details
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
          onClick={props.onNotNow}
          data-opens="snooze"
        >
          Not now
        </button>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
          onClick={props.onNotAppropriate}
          data-opens="override"
        >
          Not appropriate
        </button>
      </div>
      <p className="nhsuk-hint nhsuk-u-font-size-16 nhsuk-u-margin-bottom-0">
        Escape: not now, until the next fit note.
      </p>
    </>
  );
}

interface SubViewProps {
  headingRef: RefObject<HTMLHeadingElement | null>;
  onBack(): void;
}

function BackButton({ onBack }: { onBack(): void }) {
  return (
    <button
      type="button"
      className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
      onClick={onBack}
    >
      Back
    </button>
  );
}

function SelfReferralView(
  props: SubViewProps & {
    providers: Provider[];
    copyText?: ((text: string) => Promise<void>) | undefined;
    print?: (() => void) | undefined;
    onDone(): void;
  },
) {
  const id = useId();
  const [copied, setCopied] = useState('');
  const [, setLoaded] = useState(sms);
  useEffect(() => {
    if (!sms) void loadSms().then(setLoaded, () => undefined);
  }, []);
  const copy = async (provider: Provider, text: string) => {
    const write = props.copyText ?? ((t: string) => navigator.clipboard.writeText(t));
    try {
      await write(text);
      setCopied(`Text for ${provider.name} copied. Paste it into a text message to the patient.`);
    } catch {
      const area = document.getElementById(`${id}-${provider.id}`) as HTMLTextAreaElement | null;
      area?.focus();
      area?.select();
      setCopied('The text could not be copied automatically: it is selected, press Ctrl+C to copy it.');
    }
  };
  return (
    <section className="fp-print-area">
      <h3 ref={props.headingRef} tabIndex={-1} className="nhsuk-heading-xs fp-subheading">
        Self-referral details
      </h3>
      {props.providers.length === 0 ? (
        <p>None of the providers for this prompt take self-referrals. Refer now instead.</p>
      ) : (
        props.providers.map((provider) => {
          const self = provider.selfReferral;
          const text = sms?.smsText(provider) ?? '';
          return (
            <div key={provider.id} className="fp-self-referral">
              <h4 className="nhsuk-heading-xs">{provider.name}</h4>
              <p>{self?.instructions}</p>
              {self?.phone && (
                <p>
                  Phone: <a href={`tel:${self.phone.replace(/\s+/g, '')}`}>{self.phone}</a>
                </p>
              )}
              {self?.url && (
                <p>
                  Online: <a href={self.url}>{self.url}</a>
                </p>
              )}
              <div className="nhsuk-form-group fp-no-print">
                <label className="nhsuk-label" htmlFor={`${id}-${provider.id}`}>
                  Text message ({sms?.smsLength(text) ?? 0} of {SMS_MAX} characters)
                </label>
                <textarea
                  className="nhsuk-textarea"
                  id={`${id}-${provider.id}`}
                  rows={Math.max(3, Math.ceil(text.length / 34))}
                  readOnly
                  value={text}
                />
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
                  onClick={() => void copy(provider, text)}
                >
                  Copy text<span className="nhsuk-u-visually-hidden"> for {provider.name}</span>
                </button>
              </div>
            </div>
          );
        })
      )}
      <p role="status" className="fp-status fp-no-print">
        {copied}
      </p>
      <div className="fp-actions fp-no-print">
        {props.providers.length > 0 && (
          <button
            type="button"
            className="nhsuk-button nhsuk-button--small nhsuk-button--secondary"
            onClick={() => (props.print ?? (() => window.print()))()}
          >
            Print for the patient
          </button>
        )}
        {props.providers.length > 0 && (
          <button type="button" className="nhsuk-button nhsuk-button--small" onClick={props.onDone}>
            Done: details given
          </button>
        )}
        <BackButton onBack={props.onBack} />
      </div>
    </section>
  );
}

function SnoozeView(props: SubViewProps & { today: CalendarDate; onSnooze(until?: CalendarDate): void }) {
  const id = useId();
  const [choice, setChoice] = useState<'next-note' | 'date'>('next-note');
  const [date, setDate] = useState(addDays(props.today, 7));
  const [error, setError] = useState('');
  const submit = () => {
    if (choice === 'next-note') return props.onSnooze();
    const day = parseCalendarDate(date);
    const today = parseCalendarDate(props.today) as number;
    if (day === undefined) return setError('Enter a real date, for example 28 November 2026.');
    if (day <= today) return setError(`Enter a date after today (${formatDate(props.today)}).`);
    props.onSnooze(date);
  };
  return (
    <section>
      <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            <h3 ref={props.headingRef} tabIndex={-1} className="nhsuk-fieldset__heading">
              Not now: show this prompt again
            </h3>
          </legend>
          <div className="nhsuk-radios nhsuk-radios--small">
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-next`}
                type="radio"
                name={`${id}-snooze`}
                checked={choice === 'next-note'}
                onChange={() => setChoice('next-note')}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-next`}>
                When the next fit note is issued
              </label>
            </div>
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-date`}
                type="radio"
                name={`${id}-snooze`}
                checked={choice === 'date'}
                onChange={() => setChoice('date')}
                // NHS.UK's conditional reveal names the revealed field; its aria-expanded is left out: ARIA
                // does not allow it on a radio (axe: aria-allowed-attr), the checked state says the same.
                aria-controls={`${id}-conditional`}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-date`}>
                From a date
              </label>
            </div>
            <div
              className={`nhsuk-radios__conditional${choice === 'date' ? '' : ' nhsuk-radios__conditional--hidden'}`}
              id={`${id}-conditional`}
              hidden={choice !== 'date'}
            >
              <label className="nhsuk-label" htmlFor={`${id}-until`}>
                Show again from
              </label>
              {error && (
                <span className="nhsuk-error-message" id={`${id}-until-error`}>
                  <span className="nhsuk-u-visually-hidden">Error:</span> {error}
                </span>
              )}
              <input
                className={`nhsuk-input nhsuk-input--width-10${error ? ' nhsuk-input--error' : ''}`}
                id={`${id}-until`}
                type="date"
                value={date}
                min={addDays(props.today, 1)}
                aria-describedby={error ? `${id}-until-error` : undefined}
                onChange={(e) => {
                  setDate(e.target.value);
                  setError('');
                }}
              />
            </div>
          </div>
        </fieldset>
      </div>
      <div className="fp-actions">
        <button type="button" className="nhsuk-button nhsuk-button--small" onClick={submit}>
          Snooze prompt
        </button>
        <BackButton onBack={props.onBack} />
      </div>
    </section>
  );
}

function OverrideView(
  props: SubViewProps & {
    reasons: Card['overrideReasons'];
    onOverride(reason: Card['overrideReasons'][number], comment: string): void;
  },
) {
  const id = useId();
  const [code, setCode] = useState<string | undefined>();
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const submit = () => {
    const reason = props.reasons.find((r) => r.code === code);
    if (!reason) {
      setError('Choose why a referral is not appropriate.');
      document.getElementById(`${id}-${props.reasons[0]?.code}`)?.focus();
      return;
    }
    props.onOverride(reason, comment.trim());
  };
  return (
    <section>
      <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset className="nhsuk-fieldset" aria-describedby={error ? `${id}-error` : undefined}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            <h3 ref={props.headingRef} tabIndex={-1} className="nhsuk-fieldset__heading">
              Why is a referral not appropriate?
            </h3>
          </legend>
          {error && (
            <span className="nhsuk-error-message" id={`${id}-error`}>
              <span className="nhsuk-u-visually-hidden">Error:</span> {error}
            </span>
          )}
          <div className="nhsuk-radios nhsuk-radios--small">
            {props.reasons.map((r) => (
              <div className="nhsuk-radios__item" key={r.code}>
                <input
                  className="nhsuk-radios__input"
                  id={`${id}-${r.code}`}
                  type="radio"
                  name={`${id}-reason`}
                  checked={code === r.code}
                  onChange={() => {
                    setCode(r.code);
                    setError('');
                  }}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-${r.code}`}>
                  {r.display}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor={`${id}-comment`}>
          Comment (optional)
        </label>
        <textarea
          className="nhsuk-textarea"
          id={`${id}-comment`}
          rows={2}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="fp-actions">
        <button type="button" className="nhsuk-button nhsuk-button--small" onClick={submit}>
          Record reason
        </button>
        <BackButton onBack={props.onBack} />
      </div>
    </section>
  );
}
