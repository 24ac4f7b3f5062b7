/**
 * The provider's outcome of a completed referral, for the GP: where the patient is heading (the
 * return-to-work goal), the adjustments the provider recommends, phrased for the next fit note (they
 * are the Med3's "may be fit for work" options), and the provider's short report, with long text
 * collapsed behind "Show the whole report".
 */
import { useId, useState } from 'react';
import {
  ADJUSTMENT_WORDS,
  RETURN_TO_WORK_GOAL_WORDS,
  type ReferralOutcome,
} from '../../domain/outcomeCodes.js';

/** Reports longer than this show their beginning and a "Show the whole report" button. */
export const REPORT_PREVIEW_CHARS = 280;

/** The beginning of a long text, cut at a word boundary, with an ellipsis. */
export function previewOf(text: string, max = REPORT_PREVIEW_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

export function ReferralOutcomeView({
  outcome,
  providerName,
}: {
  outcome: ReferralOutcome;
  providerName: string;
}) {
  const id = useId();
  const [whole, setWhole] = useState(false);
  const report = outcome.report.text.trim();
  const long = report.length > REPORT_PREVIEW_CHARS;
  return (
    <div className="fp-outcome">
      <h3 className="nhsuk-heading-xs fp-outcome__title">Outcome from {providerName}</h3>
      <p className="nhsuk-body-s fp-outcome__goal">
        <span className="fp-outcome__label">Return to work: </span>
        {RETURN_TO_WORK_GOAL_WORDS[outcome.returnToWorkGoal]}
      </p>
      {outcome.adjustments.length > 0 ? (
        <>
          <p className="nhsuk-body-s fp-outcome__lead">
            You can use these on the next fit note (“may be fit for work”):
          </p>
          <ul className="nhsuk-list nhsuk-list--bullet fp-compact-list fp-outcome__adjustments">
            {outcome.adjustments.map((a) => (
              <li key={a.code} data-adjustment={a.code}>
                <strong>{ADJUSTMENT_WORDS[a.code]}</strong>
                {a.text.trim() !== '' && `: ${a.text.trim()}`}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="nhsuk-body-s">The provider did not recommend any adjustments for the fit note.</p>
      )}
      <h4 className="nhsuk-heading-xs fp-outcome__report-title">
        <span className="nhsuk-u-visually-hidden">Report: </span>
        {outcome.report.title}
      </h4>
      <p className="nhsuk-body-s fp-outcome__report" id={`${id}-report`}>
        {long && !whole ? previewOf(report) : report}
      </p>
      {long && (
        <button
          type="button"
          className="fp-link-button nhsuk-body-s"
          aria-expanded={whole}
          aria-controls={`${id}-report`}
          onClick={() => setWhole((w) => !w)}
        >
          {whole ? 'Show less of the report' : 'Show the whole report'}
        </button>
      )}
    </div>
  );
}
