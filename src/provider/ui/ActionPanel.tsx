/**
 * What staff can do with a referral in its status (actionsFor): Accept; Decline with a reason (text
 * required for "other"); Mark contacted; Booked (optional date); Did not attend; Complete with the
 * outcome (return-to-work goal, adjustments each with text, a short report). Forms are checked here
 * in plain English and with the domain's parseProviderAction before anything is sent; the hub's own
 * problems are shown in the same error summary.
 */
import { type FormEvent, useId, useState } from 'react';
import { ADVICE_CODES, type AdviceCode } from '../../domain/codes.js';
import {
  ADJUSTMENT_WORDS,
  DECLINE_REASON_WORDS,
  DECLINE_REASONS,
  type DeclineReason,
  LIMITS,
  type ProviderAction,
  parseProviderAction,
  RETURN_TO_WORK_GOAL_WORDS,
  RETURN_TO_WORK_GOALS,
  type ReturnToWorkGoal,
} from '../../domain/outcome.js';
import { ApiProblem } from '../api.js';
import { ErrorSummary } from './ErrorSummary.js';

type Mode = 'buttons' | 'decline' | 'scheduled' | 'complete';
interface FieldError {
  /** The id of the field to focus from the summary (empty: no field). */
  field: string;
  message: string;
}

export interface ActionPanelProps {
  actions: ProviderAction['action'][];
  /** Sends the action; rejects with ApiProblem (the hub's problems) when it refuses. */
  onAct: (action: ProviderAction) => Promise<void>;
}

function errorFor(errors: FieldError[], field: string) {
  const e = errors.find((x) => x.field === field);
  return e === undefined ? null : (
    <span className="nhsuk-error-message" id={`${field}-error`}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {e.message}
    </span>
  );
}

const groupClass = (errors: FieldError[], ...fields: string[]) =>
  `nhsuk-form-group${errors.some((e) => fields.includes(e.field)) ? ' nhsuk-form-group--error' : ''}`;

export function ActionPanel({ actions, onAct }: ActionPanelProps) {
  const id = useId().replace(/:/g, '');
  const [mode, setMode] = useState<Mode>('buttons');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState<DeclineReason | ''>('');
  const [reasonText, setReasonText] = useState('');
  const [date, setDate] = useState('');
  const [goal, setGoal] = useState<ReturnToWorkGoal | ''>('');
  const [adjustments, setAdjustments] = useState<Partial<Record<AdviceCode, string>>>({});
  const [title, setTitle] = useState('');
  const [report, setReport] = useState('');

  if (actions.length === 0) return null;

  const f = (name: string) => `${id}-${name}`;

  async function send(action: ProviderAction, fieldErrors: FieldError[] = []) {
    if (fieldErrors.length > 0) {
      setErrors(fieldErrors);
      return;
    }
    const checked = parseProviderAction(action);
    if (!checked.ok) {
      setErrors(checked.problems.map((message) => ({ field: '', message })));
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      await onAct(checked.value);
      setMode('buttons');
    } catch (error) {
      const problems = error instanceof ApiProblem ? error.problems : [(error as Error).message];
      setErrors(problems.map((message) => ({ field: '', message })));
    } finally {
      setBusy(false);
    }
  }

  function open(next: Mode) {
    setErrors([]);
    setMode(next);
  }

  function submitDecline(e: FormEvent) {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (reason === '')
      errs.push({ field: f('reason-0'), message: 'Choose why you are declining the referral' });
    if (reason === 'other' && reasonText.trim() === '')
      errs.push({ field: f('reason-text'), message: 'Say why you are declining the referral' });
    if (reasonText.length > LIMITS.reasonText)
      errs.push({
        field: f('reason-text'),
        message: `Keep the reason to ${LIMITS.reasonText} characters or fewer`,
      });
    void send(
      {
        action: 'decline',
        reason: reason as DeclineReason,
        ...(reasonText.trim() ? { text: reasonText.trim() } : {}),
      },
      errs,
    );
  }

  function submitScheduled(e: FormEvent) {
    e.preventDefault();
    const errs: FieldError[] =
      date !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(date)
        ? [
            {
              field: f('date'),
              message: 'Enter the appointment date, for example 27/11/2026, or leave it empty',
            },
          ]
        : [];
    void send({ action: 'scheduled', ...(date ? { date } : {}) }, errs);
  }

  function submitComplete(e: FormEvent) {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (goal === '') errs.push({ field: f('goal-0'), message: 'Choose the return-to-work goal' });
    for (const code of ADVICE_CODES) {
      const text = adjustments[code];
      if (text !== undefined && text.trim() === '')
        errs.push({
          field: f(`adj-${code}-text`),
          message: `Describe the ${ADJUSTMENT_WORDS[code].toLowerCase()} you recommend`,
        });
    }
    if (title.trim() === '') errs.push({ field: f('title'), message: 'Enter a title for the report' });
    if (title.length > LIMITS.reportTitle)
      errs.push({
        field: f('title'),
        message: `Keep the title to ${LIMITS.reportTitle} characters or fewer`,
      });
    if (report.trim() === '') errs.push({ field: f('report'), message: 'Write the report for the GP' });
    const list = ADVICE_CODES.filter((c) => adjustments[c] !== undefined).map((code) => ({
      code,
      text: (adjustments[code] ?? '').trim(),
    }));
    void send(
      {
        action: 'complete',
        outcome: {
          returnToWorkGoal: goal as ReturnToWorkGoal,
          adjustments: list,
          report: { title: title.trim(), text: report.trim() },
        },
      },
      errs,
    );
  }

  const cancel = (
    <button
      type="button"
      className="nhsuk-button nhsuk-button--secondary ib-button"
      onClick={() => open('buttons')}
    >
      Cancel
    </button>
  );

  return (
    <section aria-labelledby={f('title-actions')} className="ib-actions ib-no-print">
      <h2 className="nhsuk-heading-s" id={f('title-actions')}>
        What you can do
      </h2>
      <ErrorSummary
        titleId="ib-error-title"
        problems={errors.map((e) => (e.field ? { text: e.message, href: `#${e.field}` } : e.message))}
      />
      {mode === 'buttons' && (
        <div className="ib-button-row">
          {actions.includes('accept') && (
            <button
              type="button"
              className="nhsuk-button ib-button"
              disabled={busy}
              onClick={() => void send({ action: 'accept' })}
            >
              Accept
            </button>
          )}
          {actions.includes('decline') && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary ib-button"
              onClick={() => open('decline')}
            >
              Decline…
            </button>
          )}
          {actions.includes('contacted') && (
            <button
              type="button"
              className="nhsuk-button ib-button"
              disabled={busy}
              onClick={() => void send({ action: 'contacted' })}
            >
              Mark contacted
            </button>
          )}
          {actions.includes('scheduled') && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary ib-button"
              onClick={() => open('scheduled')}
            >
              Booked…
            </button>
          )}
          {actions.includes('did-not-attend') && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary ib-button"
              disabled={busy}
              onClick={() => void send({ action: 'did-not-attend' })}
            >
              Did not attend
            </button>
          )}
          {actions.includes('complete') && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary ib-button"
              onClick={() => open('complete')}
            >
              Complete…
            </button>
          )}
        </div>
      )}

      {mode === 'decline' && (
        <form onSubmit={submitDecline} noValidate>
          <div className={groupClass(errors, f('reason-0'))}>
            <fieldset
              className="nhsuk-fieldset"
              aria-describedby={
                errors.some((e) => e.field === f('reason-0')) ? `${f('reason-0')}-error` : undefined
              }
            >
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                Why are you declining the referral?
              </legend>
              {errorFor(errors, f('reason-0'))}
              <div className="nhsuk-radios nhsuk-radios--small">
                {DECLINE_REASONS.map((r, i) => (
                  <div className="nhsuk-radios__item" key={r}>
                    <input
                      className="nhsuk-radios__input"
                      id={f(`reason-${i}`)}
                      name={f('reason')}
                      type="radio"
                      value={r}
                      checked={reason === r}
                      onChange={() => setReason(r)}
                    />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={f(`reason-${i}`)}>
                      {DECLINE_REASON_WORDS[r]}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <div className={groupClass(errors, f('reason-text'))}>
            <label className="nhsuk-label" htmlFor={f('reason-text')}>
              {reason === 'other'
                ? 'Say why (the GP will read this)'
                : 'Anything the GP should know (optional)'}
            </label>
            {errorFor(errors, f('reason-text'))}
            <textarea
              className="nhsuk-textarea"
              id={f('reason-text')}
              rows={3}
              value={reasonText}
              onChange={(e) => setReasonText(e.target.value)}
            />
          </div>
          <div className="ib-button-row">
            <button type="submit" className="nhsuk-button nhsuk-button--warning ib-button" disabled={busy}>
              Decline the referral
            </button>
            {cancel}
          </div>
        </form>
      )}

      {mode === 'scheduled' && (
        <form onSubmit={submitScheduled} noValidate>
          <div className={groupClass(errors, f('date'))}>
            <label className="nhsuk-label" htmlFor={f('date')}>
              Appointment date (optional)
            </label>
            {errorFor(errors, f('date'))}
            <input
              className="nhsuk-input nhsuk-input--width-10"
              id={f('date')}
              type="date"
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
          </div>
          <div className="ib-button-row">
            <button type="submit" className="nhsuk-button ib-button" disabled={busy}>
              Mark as booked
            </button>
            {cancel}
          </div>
        </form>
      )}

      {mode === 'complete' && (
        <form onSubmit={submitComplete} noValidate>
          <div className={groupClass(errors, f('goal-0'))}>
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                Return-to-work goal
              </legend>
              {errorFor(errors, f('goal-0'))}
              <div className="nhsuk-radios nhsuk-radios--small">
                {RETURN_TO_WORK_GOALS.map((g, i) => (
                  <div className="nhsuk-radios__item" key={g}>
                    <input
                      className="nhsuk-radios__input"
                      id={f(`goal-${i}`)}
                      name={f('goal')}
                      type="radio"
                      value={g}
                      checked={goal === g}
                      onChange={() => setGoal(g)}
                    />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={f(`goal-${i}`)}>
                      {RETURN_TO_WORK_GOAL_WORDS[g]}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <div className="nhsuk-form-group">
            <fieldset className="nhsuk-fieldset" aria-describedby={f('adj-hint')}>
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                Recommended adjustments
              </legend>
              <div className="nhsuk-hint" id={f('adj-hint')}>
                The GP can use these on the next fit note. Select all that apply.
              </div>
              <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                {ADVICE_CODES.map((code) => (
                  <div key={code}>
                    <div className="nhsuk-checkboxes__item">
                      <input
                        className="nhsuk-checkboxes__input"
                        id={f(`adj-${code}`)}
                        type="checkbox"
                        checked={adjustments[code] !== undefined}
                        onChange={(e) =>
                          setAdjustments((prev) => {
                            const next = { ...prev };
                            if (e.target.checked) next[code] = '';
                            else delete next[code];
                            return next;
                          })
                        }
                      />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={f(`adj-${code}`)}>
                        {ADJUSTMENT_WORDS[code]}
                      </label>
                    </div>
                    {adjustments[code] !== undefined && (
                      <div
                        className={`nhsuk-checkboxes__conditional ${groupClass(errors, f(`adj-${code}-text`))}`}
                      >
                        <label className="nhsuk-label" htmlFor={f(`adj-${code}-text`)}>
                          What and for how long
                        </label>
                        {errorFor(errors, f(`adj-${code}-text`))}
                        <textarea
                          className="nhsuk-textarea"
                          id={f(`adj-${code}-text`)}
                          rows={2}
                          value={adjustments[code]}
                          onChange={(e) => setAdjustments((prev) => ({ ...prev, [code]: e.target.value }))}
                        />
                      </div>
                    )}
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <div className={groupClass(errors, f('title'))}>
            <label className="nhsuk-label" htmlFor={f('title')}>
              Report title
            </label>
            {errorFor(errors, f('title'))}
            <input
              className="nhsuk-input"
              id={f('title')}
              type="text"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
          <div className={groupClass(errors, f('report'))}>
            <label className="nhsuk-label" htmlFor={f('report')}>
              Report for the GP
            </label>
            {errorFor(errors, f('report'))}
            <textarea
              className="nhsuk-textarea"
              id={f('report')}
              rows={5}
              value={report}
              onChange={(e) => setReport(e.target.value)}
            />
          </div>
          <div className="ib-button-row">
            <button type="submit" className="nhsuk-button ib-button" disabled={busy}>
              Complete the referral
            </button>
            {cancel}
          </div>
        </form>
      )}
    </section>
  );
}
