/**
 * The GP app's entry (`/app/`, built by Vite from src/app/index.html): openApp finishes the SMART
 * launch, applies the EHR's style when it arrives, and loads the patient's context; then the App is
 * rendered, or the launch error screen saying in plain English why the app cannot start.
 */
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { type HandOver, handOverToHub, handOverToProvider, sendReferral } from './deliver.js';
import type { PromptEventReport, PromptEventSink } from './feedback/hubFeedback.js';
import { LocalStorageFeedbackStore } from './feedback/index.js';
import { hubReferralsClient } from './hubReferrals.js';
import type { AppContext } from './load/loadContext.js';
import { type ContextLoader, openApp } from './load/openApp.js';
import { applySmartStyle, classifyFailure, type LaunchFailure, type SmartSession } from './smart/index.js';
import { App } from './ui/App.js';
import type { PanelHub } from './ui/PatientPanel.js';

function Loading() {
  return (
    <main className="fp-app">
      <p role="status">Loading the record…</p>
    </main>
  );
}

/**
 * The launch error screen, loaded only when the app cannot start (its words are not needed to show
 * the prompt, so they stay out of the first script). If even that cannot load, the failure's own
 * plain-English detail is shown.
 */
function showFailure(root: Root, failure: LaunchFailure): void {
  document.title = 'Fit note prompt: could not start';
  import('./ui/LaunchErrorScreen.js').then(
    ({ LaunchErrorScreen }) =>
      root.render(
        <StrictMode>
          <LaunchErrorScreen failure={failure} onRetry={() => window.location.reload()} />
        </StrictMode>,
      ),
    () =>
      root.render(
        <main className="fp-launch-error" data-kind={failure.kind}>
          <h1 className="nhsuk-heading-m">The app could not start</h1>
          <p>{failure.detail}</p>
        </main>,
      ),
  );
}

/** The practice's referral hub when its configuration names one, else straight to the provider. */
function handOverFor(session: SmartSession, context: AppContext): HandOver {
  const hubUrl = context.config.hubUrl;
  if (!hubUrl) return handOverToProvider;
  return (provider, bundle) =>
    handOverToHub({
      hubUrl,
      accessToken: session.accessToken?.() ?? '',
      ehrFhirBase: session.requester.fhirBaseUrl,
    })(provider, bundle);
}

/** The practice's referral hub for the launch's patient, when its configuration names one. */
function hubFor(session: SmartSession, context: AppContext): PanelHub | undefined {
  const hubUrl = context.config.hubUrl;
  if (!hubUrl) return undefined;
  const client = hubReferralsClient({
    hubUrl,
    accessToken: () => session.accessToken?.() ?? '',
    ehrFhirBase: session.requester.fhirBaseUrl,
  });
  return {
    list: () => client.list(context.patientId),
    cancel: (id, reason) => client.cancel(id, reason),
  };
}

/**
 * What the GP does with prompts, for the practice's figures at its referral hub (when it has one). The
 * queue loads with the first event, outside the app's first script.
 */
function promptEventsFor(
  session: SmartSession,
  context: AppContext,
): ((event: PromptEventReport) => void) | undefined {
  const hubUrl = context.config.hubUrl;
  if (!hubUrl) return undefined;
  let sink: Promise<PromptEventSink> | undefined;
  return (event) => {
    sink ??= import('./feedback/hubFeedback.js').then((m) =>
      m.hubFeedbackQueue({
        hubUrl,
        accessToken: () => session.accessToken?.() ?? '',
        ehrFhirBase: session.requester.fhirBaseUrl,
        practiceOds: context.practice.odsCode,
      }),
    );
    sink.then((queue) => queue.report(event)).catch(() => undefined);
  };
}

/**
 * Set to `naive` in this tab's sessionStorage (the bench does, with an init script) to load the record
 * with the naive loader, one resource type after another, so the bench can time it in the browser
 * exactly like the app's own. Same record either way; only slower. The naive loader is imported only
 * then, so it is not in the app's initial JavaScript.
 */
const BENCH_LOADER_KEY = 'fitnote-prompt:loader';

function benchLoader(): ContextLoader | undefined {
  let choice: string | null = null;
  try {
    choice = sessionStorage.getItem(BENCH_LOADER_KEY);
  } catch {
    return undefined;
  }
  if (choice !== 'naive') return undefined;
  // Imported while the sign-in completes, so the download is not counted in the load.
  const naive = import('./load/naive.js');
  return async (requester, options) => (await naive).loadContextNaive(requester, options);
}

async function start(root: Root): Promise<void> {
  root.render(<Loading />);
  const loader = benchLoader();
  const opened = await openApp({
    onStyle: (vars) => applySmartStyle(vars, document.documentElement),
    ...(loader ? { loader } : {}),
  });
  if ('kind' in opened) {
    showFailure(root, opened);
    return;
  }
  const { session, context } = opened;
  const feedbackStore = new LocalStorageFeedbackStore();
  const promptEvents = promptEventsFor(session, context);
  root.render(
    <StrictMode>
      <App
        context={context}
        session={session}
        feedbackStore={feedbackStore}
        // Saves it in the record, then hands it to the practice's referral hub, or without one straight
        // to the provider's endpoint.
        onSendReferral={(referral) => sendReferral(session, referral, handOverFor(session, context))}
        // The referrals' progress, and cancelling, from the practice's referral hub (when it has one).
        hub={hubFor(session, context)}
        // What the GP does with prompts, reported to the hub in the background for the practice's figures.
        onPromptEvent={promptEvents}
      />
    </StrictMode>,
  );
}

const element = document.getElementById('root');
if (element) {
  const root = createRoot(element);
  start(root).catch((err: unknown) => showFailure(root, classifyFailure(err, 'fhir')));
}
