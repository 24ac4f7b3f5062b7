/**
 * The SMART launch page (`/launch/?iss=…&launch=…`): hands over to the EHR's authorization server
 * (startLaunch), which returns the browser to the app at `/app/`. If the launch cannot start, says why
 * in plain English instead.
 */
import { launchErrorCopy } from '../src/app/smart/failureCopy.js';
import { startLaunch } from '../src/app/smart/launch.js';

function show(kind: string, detail: string): void {
  const working = document.getElementById('working');
  const failure = document.getElementById('failure');
  const title = document.getElementById('failure-title');
  const text = document.getElementById('failure-detail');
  if (working) working.hidden = true;
  // The same titles as the app's error screen (one source: src/app/smart/failureCopy.ts).
  if (title) title.textContent = launchErrorCopy(kind).title;
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
