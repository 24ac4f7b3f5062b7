/**
 * The SMART launch page (`/launch/?iss=…&launch=…`): hands over to the EHR's authorization server
 * (startLaunch), which returns the browser to the app at `/app/`. If the launch cannot start, says why
 * in plain English instead.
 */
import { startLaunch } from '../src/app/smart/launch.js';

const TITLES: Record<string, string> = {
  'no-launch-context': 'Open the app from the patient’s record',
  'scopes-not-granted': 'The app was not given permission',
  'fhir-unreachable': 'The clinical system could not be reached',
};

function show(kind: string, detail: string): void {
  const working = document.getElementById('working');
  const failure = document.getElementById('failure');
  const title = document.getElementById('failure-title');
  const text = document.getElementById('failure-detail');
  if (working) working.hidden = true;
  if (title) title.textContent = TITLES[kind] ?? 'The app could not start';
  if (text) text.textContent = detail;
  if (failure) failure.hidden = false;
  document.title = 'Fit note prompt: could not start';
}

startLaunch().then(
  (failure) => {
    if (failure) show(failure.kind, failure.detail);
  },
  (err: unknown) => {
    show(
      '',
      `Something went wrong while signing in (${err instanceof Error ? err.message : String(err)}). Close the app and open it again from the patient’s record.`,
    );
  },
);
