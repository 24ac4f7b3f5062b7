/**
 * The GP app's entry (`/app/`, built by Vite from src/app/index.html): finishes the SMART launch
 * (completeLaunch), loads the patient's context (loadContext), then renders the App, or the launch
 * error screen saying in plain English why the app cannot start.
 */
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { type HandOver, handOverToHub, handOverToProvider, sendReferral } from './deliver.js';
import type { PromptEventReport, PromptEventSink } from './feedback/hubFeedback.js';
import { LocalStorageFeedbackStore } from './feedback/index.js';
import { hubReferralsClient } from './hubReferrals.js';
import { type AppContext, loadContext } from './load/index.js';
import {
  applySmartStyle,
  classifyFailure,
  completeLaunch,
  isLaunchFailure,
  type LaunchFailure,
  LaunchFailureError,
  loadSmartStyle,
  type SmartSession,
} from './smart/index.js';
import { App, LaunchErrorScreen } from './ui/index.js';
import type { PanelHub } from './ui/PatientPanel.js';

function Loading() {
  return (
    <main className="fp-app">
      <p role="status">Loading the record…</p>
    </main>
  );
}

function showFailure(root: Root, failure: LaunchFailure): void {
  document.title = 'Fit note prompt: could not start';
  root.render(
    <StrictMode>
      <LaunchErrorScreen failure={failure} onRetry={() => window.location.reload()} />
    </StrictMode>,
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

async function start(root: Root): Promise<void> {
  root.render(<Loading />);
  const session = await completeLaunch();
  if (isLaunchFailure(session)) {
    showFailure(root, session);
    return;
  }
  const rootElement = document.documentElement;
  void loadSmartStyle(session.tokenResponse.smart_style_url).then((vars) =>
    applySmartStyle(vars, rootElement),
  );

  let context: AppContext;
  try {
    context = await loadContext(session.requester, {
      patientId: session.tokenResponse.patient,
      ...(session.tokenResponse.encounter ? { encounterId: session.tokenResponse.encounter } : {}),
      ...(session.fhirUser ? { fhirUser: session.fhirUser } : {}),
      grantedScope: session.tokenResponse.scope,
    });
  } catch (err) {
    showFailure(root, err instanceof LaunchFailureError ? err.failure : classifyFailure(err, 'fhir'));
    return;
  }
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
