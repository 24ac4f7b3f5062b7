/**
 * One screen per launch failure: a plain-English title, what happened, and what to do next. The
 * launch's own detail (plain English, from src/app/smart) is behind a "More detail" reveal.
 */
import { useEffect, useRef } from 'react';
import { launchErrorCopy } from '../smart/failureCopy.js';
import type { LaunchFailure } from './types.js';

// The titles and texts are shared with the launch page (launch/launch.ts): one source for both.
export { LAUNCH_ERROR_COPY, type LaunchErrorCopy } from '../smart/failureCopy.js';

export interface LaunchErrorScreenProps {
  failure: LaunchFailure;
  /** Offered for failures a retry can fix (record unreachable or slow, settings unreadable). */
  onRetry?: () => void;
}

export function LaunchErrorScreen({ failure, onRetry }: LaunchErrorScreenProps) {
  const copy = launchErrorCopy(failure.kind);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main className="fp-launch-error" data-kind={failure.kind}>
      <h1 ref={heading} tabIndex={-1} className="nhsuk-heading-m">
        {copy.title}
      </h1>
      <p>{copy.happened}</p>
      <div className="nhsuk-inset-text fp-inset">
        <span className="nhsuk-u-visually-hidden">What to do next: </span>
        <p>{copy.next}</p>
      </div>
      {copy.retry && onRetry && (
        <button type="button" className="nhsuk-button nhsuk-button--small" onClick={onRetry}>
          Try again
        </button>
      )}
      {failure.detail && (
        <details className="nhsuk-details fp-details">
          <summary className="nhsuk-details__summary">
            <span className="nhsuk-details__summary-text">More detail</span>
          </summary>
          <div className="nhsuk-details__text">
            <p className="fp-detail-text">{failure.detail}</p>
          </div>
        </details>
      )}
    </main>
  );
}
