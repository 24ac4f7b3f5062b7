/**
 * What each launch failure's screen says: one source for the app's error screen
 * (src/app/ui/LaunchErrorScreen.tsx) and the launch page (launch/launch.ts), so the same failure has
 * the same title wherever it shows. Plain data, no React: the launch page imports it too and stays small.
 */
import type { LaunchFailureKind } from './failures.js';

export interface LaunchErrorCopy {
  title: string;
  happened: string;
  next: string;
  /** Whether "Try again" can help (the app can retry without a new launch). */
  retry: boolean;
}

const FROM_THE_RECORD = 'Open the app again from the patient’s record.';

export const LAUNCH_ERROR_COPY: Record<LaunchFailureKind, LaunchErrorCopy> = {
  'no-launch-context': {
    title: 'Open the app from a patient’s record',
    happened:
      'The app was opened without a patient. It only works when started from inside the clinical record.',
    next: 'Open the patient’s record in your clinical system and start the app from there.',
    retry: false,
  },
  'ehr-not-registered': {
    title: 'The app is not set up for this clinical system',
    happened: 'The clinical system that opened the app is not one the app has been registered with.',
    next: 'Ask your practice IT lead to register the app with the clinical system’s supplier. Until then, refer by the provider’s usual route.',
    retry: false,
  },
  'pkce-unsupported': {
    title: 'The clinical system’s sign-in is not secure enough',
    happened:
      'The clinical system’s sign-in does not offer the protection the app requires (PKCE with S256), so the app will not sign in.',
    next: 'Tell your practice IT lead. Until it is fixed, refer by the provider’s usual route.',
    retry: false,
  },
  'state-lost': {
    title: 'The app needs to be opened again',
    happened:
      'The app could not finish starting because its sign-in details were lost. This happens when the page is reloaded or opened in a new tab.',
    next: FROM_THE_RECORD,
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
    next: FROM_THE_RECORD,
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
  'nhs-number-invalid': {
    title: 'This patient’s NHS number is not valid',
    happened:
      'The NHS number in the record fails the NHS number check, so a referral could not identify the patient.',
    next: 'Check and correct the NHS number (trace it if needed), then open the app again. Until then, refer by the provider’s usual route.',
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

/** For a failure of no known kind (an unexpected error). */
export const UNKNOWN_FAILURE_COPY: LaunchErrorCopy = {
  title: 'The app could not start',
  happened: 'Something went wrong while the app was starting.',
  next: 'Open the app again from the patient’s record. If it keeps happening, contact your IT support.',
  retry: false,
};

/** The copy for a kind (any string: the launch page's unknown errors fall back to UNKNOWN_FAILURE_COPY). */
export function launchErrorCopy(kind: string): LaunchErrorCopy {
  return (LAUNCH_ERROR_COPY as Record<string, LaunchErrorCopy | undefined>)[kind] ?? UNKNOWN_FAILURE_COPY;
}
