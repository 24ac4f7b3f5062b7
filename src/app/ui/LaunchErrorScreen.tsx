/**
 * One screen per launch failure: a plain-English title, what happened, and what to do next. The
 * launch's own detail (plain English, from src/app/smart) is behind a "More detail" reveal.
 */
import { useEffect, useRef } from 'react';
import type { LaunchFailure, LaunchFailureKind } from './types.js';

export interface LaunchErrorCopy {
  title: string;
  happened: string;
  next: string;
  /** Whether "Try again" can help (the app can retry without a new launch). */
  retry: boolean;
}

export const LAUNCH_ERROR_COPY: Record<LaunchFailureKind, LaunchErrorCopy> = {
  'no-launch-context': {
    title: 'Open the app from a patient’s record',
    happened:
      'The app was opened without a patient. It only works when started from inside the clinical record.',
    next: 'Open the patient’s record in your clinical system and start the app from there.',
    retry: false,
  },
  'state-lost': {
    title: 'The app needs to be opened again',
    happened:
      'The app could not finish starting because its sign-in details were lost. This happens when the page is reloaded or opened in a new tab.',
    next: 'Open the app again from the patient’s record.',
    retry: false,
  },
  'scopes-not-granted': {
    title: 'The app was not given the access it needs',
    happened:
      'The clinical system did not allow the app to read the patient’s fit notes and record, so it cannot show prompts.',
    next: 'Ask your practice IT lead to give the app read access to patient records, then open it again from the patient’s record.',
    retry: false,
  },
  'token-expired': {
    title: 'Your session has ended',
    happened: 'The app’s sign-in to the clinical system has expired. Nothing has been sent.',
    next: 'Open the app again from the patient’s record.',
    retry: false,
  },
  'fhir-unreachable': {
    title: 'The patient’s record could not be reached',
    happened: 'The app could not connect to the clinical system to read the record.',
    next: 'Try again. If it keeps happening, check the clinical system is working and contact your IT support.',
    retry: true,
  },
  'fhir-slow': {
    title: 'The patient’s record is taking too long to load',
    happened: 'The clinical system did not answer in time. Nothing has been lost or sent.',
    next: 'Try again in a moment. If it keeps happening, contact your IT support.',
    retry: true,
  },
  'no-nhs-number': {
    title: 'This patient has no NHS number in the record',
    happened: 'A referral needs the patient’s verified NHS number, and the record does not hold one.',
    next: 'Trace and record the patient’s NHS number, then open the app again. Until then, refer by the provider’s usual route.',
    retry: false,
  },
  'config-unreadable': {
    title: 'The practice’s prompt settings could not be read',
    happened:
      'The practice’s prompt rules or list of providers could not be loaded, so the app cannot show prompts.',
    next: 'Tell your practice IT lead. Until it is fixed, refer by the provider’s usual route.',
    retry: true,
  },
};

export interface LaunchErrorScreenProps {
  failure: LaunchFailure;
  /** Offered for failures a retry can fix (record unreachable or slow, settings unreadable). */
  onRetry?: () => void;
}

export function LaunchErrorScreen({ failure, onRetry }: LaunchErrorScreenProps) {
  const copy = LAUNCH_ERROR_COPY[failure.kind] ?? {
    title: 'The app could not start',
    happened: 'Something went wrong while the app was starting.',
    next: 'Open the app again from the patient’s record. If it keeps happening, contact your IT support.',
    retry: false,
  };
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
