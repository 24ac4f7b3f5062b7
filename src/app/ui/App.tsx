/**
 * The GP app's root: evaluates the loaded record with the practice's rules (feedback from the store
 * and the record's referrals suppress prompts already answered), shows the first prompt as a modal
 * dialog or, with none, the patient panel, and opens the referral form from either. The referral
 * Bundle is built by the domain (buildReferral); `onSendReferral` writes and delivers it.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CalendarDate } from '../../domain/dates.js';
import type { Provider } from '../../domain/directory.js';
import { currentEpisode } from '../../domain/episodes.js';
import { type ExistingReferral, evaluate, type PromptFeedback } from '../../domain/evaluate.js';
import type { ReferralForm as DomainReferralForm } from '../../domain/referral.js';
import { existingReferrals } from '../../fhir/referrals.js';
import type { PromptEventReport } from '../feedback/hubFeedback.js';
import { type FeedbackStore, patientKeyOf } from '../feedback/store.js';
import { londonToday } from './format.js';
import { PatientBanner } from './PatientBanner.js';
import { type PanelHub, PatientPanel } from './PatientPanel.js';
import { PromptDialog } from './PromptDialog.js';
import type { SendResult } from './ReferralForm.js';
import type { DeclinedReferral } from './referralFormState.js';
import type { AppContext, Delivery, SentReferral, SmartSession } from './types.js';

export interface ReferralToSend {
  /** The transaction Bundle (ServiceRequest, Consent, Task, any employment Observations). */
  bundle: Bundle;
  provider: Provider;
  form: DomainReferralForm;
  /** The referral's business identifier (system ID_SYSTEM.referral): the same on a resend. */
  identifier: { system: string; value: string };
}

export interface AppProps {
  context: AppContext;
  /** The launch: its token response, whether it may write, and (optionally) whether to show a banner. */
  session: Pick<SmartSession, 'tokenResponse' | 'canWrite'> &
    Partial<Pick<SmartSession, 'requester' | 'showPatientBanner'>>;
  feedbackStore: FeedbackStore;
  /** Writes the referral to the record (when allowed) and delivers it; resolves with its state. */
  onSendReferral(referral: ReferralToSend): Promise<SendResult>;
  /** Defaults to today in London. */
  today?: CalendarDate;
  now?: () => Date;
  /** The patient's name for the banner, when known. */
  patientName?: string;
  /** The practice's referral hub for this patient, when it has one: the panel shows referral progress. */
  hub?: PanelHub | undefined;
  /**
   * Told what the GP does with each prompt (shown, referred once the referral is sent, self-referral,
   * snoozed, overridden), for the practice's figures at the hub. Must not throw or wait.
   */
  onPromptEvent?: ((event: PromptEventReport) => void) | undefined;
}

type View =
  | { kind: 'main' }
  | { kind: 'form'; providerId?: string | undefined; declined?: readonly DeclinedReferral[] | undefined };

/**
 * The referral form and the referral builder are not needed to show a prompt, so they load in their
 * own chunk: the app's first script stays small and the prompt appears sooner. The chunk is fetched
 * as soon as the app has rendered, so *Refer* does not wait for it.
 */
const loadReferralForm = () => import('./ReferralForm.js');
const ReferralForm = lazy(() => loadReferralForm().then((m) => ({ default: m.ReferralForm })));

export function App(props: AppProps) {
  const { context, session, feedbackStore } = props;
  const now = props.now ?? (() => new Date());
  const today = props.today ?? londonToday(now());
  const { record } = context;
  const providers = context.config.directory.providers;
  const patientKey = patientKeyOf(record.patient, session.requester?.fhirBaseUrl);
  const [feedbackVersion, setFeedbackVersion] = useState(0);
  // Referrals sent in this launch: they suppress prompts and show on the panel until the record does.
  const [sent, setSent] = useState<SentReferral[]>([]);
  const [view, setView] = useState<View>({ kind: 'main' });
  const panelHeading = useRef<HTMLHeadingElement>(null);
  // Prompts shown this launch (card uuid → rule id), and the prompt a "Refer now" came from: its
  // feedback is kept back until the referral is sent, so cancelling the form brings the prompt back.
  const promptRules = useRef(new Map<string, string>());
  const referFrom = useRef<{ feedback: PromptFeedback; ruleId?: string | undefined } | undefined>(undefined);
  const reportEvent = props.onPromptEvent;

  // biome-ignore lint/correctness/useExhaustiveDependencies: feedbackVersion re-reads the store.
  const evaluation = useMemo(
    () =>
      evaluate({
        patient: record.patient,
        notes: record.notes,
        unreadable: record.unreadable,
        rules: context.config.rules,
        today,
        referrals: [
          ...existingReferrals(record),
          ...sent.map(
            (s): ExistingReferral => ({ ref: `referral/${s.id}`, authoredOn: s.date, active: true }),
          ),
        ],
        feedback: feedbackStore.list(patientKey),
        directory: providers,
      }),
    [record, context.config.rules, today, sent, feedbackStore, patientKey, providers, feedbackVersion],
  );
  const episode = currentEpisode(evaluation.episodes);
  const card = view.kind === 'main' ? evaluation.cards[0] : undefined;

  const onFeedback = useCallback(
    (feedback: PromptFeedback, answer?: 'refer' | 'self-referral') => {
      const ruleId = promptRules.current.get(feedback.card);
      // Refer now is an answer only once the referral is sent (see send).
      if (answer === 'refer') referFrom.current = { feedback, ruleId };
      else feedbackStore.record(patientKey, feedback);
      if (ruleId !== undefined && reportEvent) {
        const base = { card: feedback.card, ruleId, at: feedback.outcomeTimestamp };
        if (feedback.outcome === 'snoozed')
          reportEvent({
            ...base,
            action: 'snoozed',
            reasonCode: feedback.snooze?.until ? 'until-date' : 'until-next-note',
          });
        else if (feedback.outcome === 'overridden')
          reportEvent({
            ...base,
            action: 'overridden',
            reasonCode: feedback.overrideReason?.reason?.code ?? 'other',
          });
        else if (answer === 'self-referral') reportEvent({ ...base, action: 'self-referral' });
      }
      setFeedbackVersion((v) => v + 1);
      // With no opener to return to, focus lands on the panel once the dialog has gone.
      setTimeout(() => {
        if (document.activeElement === document.body || document.activeElement === null)
          panelHeading.current?.focus();
      }, 0);
    },
    [feedbackStore, patientKey, reportEvent],
  );

  // A prompt is shown when its dialog opens: reported once per card per launch.
  const shownCard = card && episode ? card : undefined;
  useEffect(() => {
    if (shownCard === undefined || promptRules.current.has(shownCard.uuid)) return;
    promptRules.current.set(shownCard.uuid, shownCard.extension.ruleId);
    reportEvent?.({
      card: shownCard.uuid,
      ruleId: shownCard.extension.ruleId,
      action: 'shown',
      at: now().toISOString(),
    });
  });

  useEffect(() => {
    const timer = setTimeout(() => void loadReferralForm().catch(() => undefined), 0);
    return () => clearTimeout(timer);
  }, []);

  const send = async (form: DomainReferralForm, provider: Provider): Promise<SendResult> => {
    const { buildReferral, referralIdentifier } = await import('../../domain/referral.js');
    const { patient } = record;
    const bundle = buildReferral({
      patient: { id: context.patientId, ...(patient.nhsNumber ? { nhsNumber: patient.nhsNumber } : {}) },
      practice: context.practice,
      requester: {
        ...(/^Practitioner\//.test(context.user.reference)
          ? { practitionerRef: context.user.reference }
          : {}),
        display: context.user.display,
      },
      provider,
      ...(episode ? { episode } : {}),
      fitNoteRefs: (episode?.noteRefs ?? []).filter((ref) => ref.startsWith('Observation/')),
      // The consultation the app was launched in, when the EHR named one.
      ...(context.encounterRef ? { encounterRef: context.encounterRef } : {}),
      // The episode's notes themselves: copied into the referral when the patient shares their dates.
      fitNotes: record.notes.filter((note) => episode?.noteRefs.includes(note.ref) ?? false),
      form,
      authoredOn: now().toISOString(),
    });
    const identifier = referralIdentifier({
      odsCode: context.practice.odsCode,
      patient: { id: context.patientId, nhsNumber: patient.nhsNumber },
      providerId: provider.id,
      episodeStart: episode?.start,
      serviceTypes: form.serviceTypes,
    });
    let result = await props.onSendReferral({ bundle, provider, form, identifier });
    const id = identifier.value;
    const note = (delivery: Delivery | undefined) =>
      setSent((list) => [
        ...list.filter((s) => s.id !== id),
        {
          id,
          provider,
          serviceTypes: form.serviceTypes,
          date: today,
          status: result.status,
          inRecord: result.inRecord !== false,
          delivery,
        },
      ]);
    note(result.delivery);
    // The prompt was acted on once the referral is sent (now, or when a retry gets it through): only
    // then is "Refer now" recorded, and reported to the hub.
    const from = referFrom.current;
    const referred = () => {
      if (from === undefined || referFrom.current !== from) return;
      referFrom.current = undefined;
      feedbackStore.record(patientKey, from.feedback);
      setFeedbackVersion((v) => v + 1);
      if (from.ruleId !== undefined)
        reportEvent?.({
          card: from.feedback.card,
          ruleId: from.ruleId,
          action: 'referred',
          at: now().toISOString(),
          referralId: id,
          providerId: provider.id,
        });
    };
    const isSent = (state: string | undefined) =>
      state === undefined || state === 'delivered' || state === 'queued';
    if (isSent(result.delivery?.state)) referred();
    else if (result.retryDelivery) {
      const retry = result.retryDelivery;
      result = {
        ...result,
        retryDelivery: async () => {
          const delivery = await retry();
          note(delivery);
          if (isSent(delivery.state)) referred();
          return delivery;
        },
      };
    }
    return result;
  };

  // SMART: the app shows its own banner unless the EHR says it already shows the patient.
  const showBanner = session.showPatientBanner ?? session.tokenResponse.need_patient_banner !== false;
  const banner = showBanner ? <PatientBanner patient={record.patient} name={props.patientName} /> : null;

  if (view.kind === 'form') {
    return (
      <div className="fp-app">
        {banner}
        <main className="fp-main">
          <Suspense fallback={<p role="status">Opening the referral form…</p>}>
            <ReferralForm
              patient={record.patient}
              episode={episode}
              providers={providers}
              today={today}
              initialProviderId={view.providerId}
              declined={view.declined}
              canWrite={session.canWrite}
              onSend={send}
              onClose={() => {
                // Closed without the referral sent: the prompt it came from is back.
                referFrom.current = undefined;
                setView({ kind: 'main' });
                setTimeout(() => panelHeading.current?.focus(), 0);
              }}
              now={now}
            />
          </Suspense>
        </main>
      </div>
    );
  }

  return (
    <div className="fp-app">
      <div className="fp-behind" inert={card !== undefined}>
        {banner}
        <main className="fp-main">
          {context.config.source === 'default' && (
            <div className="nhsuk-inset-text fp-inset">
              <span className="nhsuk-u-visually-hidden">Information: </span>
              <p>
                The practice’s own prompt settings could not be read, so the national defaults are in use.
                {context.config.problem ? ` ${context.config.problem}` : ''}
              </p>
            </div>
          )}
          <PatientPanel
            record={{ ...record, problems: [...record.problems, ...context.problems] }}
            episode={episode}
            directory={providers}
            onRefer={(declined) => setView({ kind: 'form', declined })}
            headingRef={panelHeading}
            hub={props.hub}
            sent={sent}
          />
        </main>
      </div>
      {card && episode && (
        <PromptDialog
          key={card.uuid}
          card={card}
          directory={providers}
          latestIssued={episode.latestIssued}
          noteCount={episode.noteCount}
          today={today}
          now={now}
          onFeedback={onFeedback}
          onRefer={(providerId) => setView({ kind: 'form', providerId })}
        />
      )}
    </div>
  );
}
