/**
 * Tells the practice's referral hub what the GP did with each prompt (shown, referred, self-referral
 * details given, snoozed, overridden), for the IT lead's figures: CDS Hooks 2.0 feedback posted to
 * `<hub>/cds-services/fitnote-prompt/feedback` with the launch's SMART access token.
 *
 * Fire and forget: `report` never throws, never waits and never touches the screen. Items are batched
 * for a moment, and a batch the hub could not take (no answer, 5xx, 408, 429) is tried again a few
 * times, then dropped; one it refused (another 4xx) is dropped at once. The GP's own feedback store
 * (which suppresses repeat prompts) is separate and unaffected. No comment text is ever sent: the
 * override reason's code only. Kept small and schema-free: it is in the app's first script.
 */
import { CODE_SYSTEM } from '../../domain/codes.js';
import { stableUuid } from '../../domain/stableId.js';

export type PromptEventAction = 'shown' | 'referred' | 'self-referral' | 'snoozed' | 'overridden';

/** One thing the GP did with a prompt card. */
export interface PromptEventReport {
  card: string;
  ruleId: string;
  action: PromptEventAction;
  /** ISO date-time with zone. */
  at: string;
  /** overridden: the override reason code; snoozed: 'until-next-note' | 'until-date'. */
  reasonCode?: string;
  /** referred: the referral's business identifier and the provider. */
  referralId?: string;
  providerId?: string;
}

export interface HubFeedbackOptions {
  hubUrl: string;
  /** The current SMART access token (read at each send). */
  accessToken: () => string;
  ehrFhirBase: string;
  practiceOds: string;
  fetch?: typeof fetch;
  /** Waits before each retry of a batch (ms); its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** How long items gather before a batch goes (ms). */
  batchDelayMs?: number;
  /** Most items waiting; beyond it the oldest are dropped. */
  maxQueue?: number;
  /** Told when items are dropped (default: a console warning). */
  onDropped?: (count: number, why: string) => void;
}

export interface PromptEventSink {
  report(event: PromptEventReport): void;
  /** Resolves once nothing is waiting or in flight (for tests and page hand-over). */
  idle(): Promise<void>;
}

/**
 * The CDS Hooks feedback item for an event (`shown` and `snoozed` have no outcome: a documented
 * departure). Accepted items carry `acceptedSuggestions` (required by CDS Hooks 2.0 for `accepted`):
 * `referred` names the card's suggestion for the provider referred to (evaluate() makes its uuid from
 * the card's uuid and the provider id); `self-referral` has an empty list, as none of the card's
 * suggestions (each a referral to a provider) was taken.
 */
export function feedbackItem(e: PromptEventReport, practice: string): Record<string, unknown> {
  const ext: Record<string, unknown> = { practice, ruleId: e.ruleId, action: e.action };
  if (e.referralId) ext.referralId = e.referralId;
  if (e.providerId) ext.providerId = e.providerId;
  if (e.action === 'snoozed' && e.reasonCode) ext.snooze = e.reasonCode;
  return {
    card: e.card,
    outcomeTimestamp: e.at,
    ...(e.action === 'referred' || e.action === 'self-referral'
      ? {
          outcome: 'accepted',
          acceptedSuggestions:
            e.action === 'referred' && e.providerId
              ? [{ id: stableUuid('suggestion', e.card, e.providerId) }]
              : [],
        }
      : {}),
    ...(e.action === 'overridden'
      ? {
          outcome: 'overridden',
          overrideReason: {
            reason: { system: CODE_SYSTEM.promptOverrideReason, code: e.reasonCode ?? 'other' },
          },
        }
      : {}),
    extension: { 'fitnote-prompt': ext },
  };
}

const BATCH = 50;

export function hubFeedbackQueue(options: HubFeedbackOptions): PromptEventSink {
  const url = `${options.hubUrl.replace(/\/+$/, '')}/cds-services/fitnote-prompt/feedback`;
  const delays = options.retryDelaysMs ?? [2_000, 10_000, 30_000];
  const maxQueue = options.maxQueue ?? 500;
  const dropped =
    options.onDropped ??
    ((n: number, why: string) => console.warn(`Prompt figures: ${n} item(s) not sent to the hub (${why}).`));
  const queue: PromptEventReport[] = [];
  let busy = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiters: Array<() => void> = [];

  const settle = () => {
    if (busy || timer !== undefined || queue.length > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const schedule = (ms: number) => {
    if (timer === undefined && !busy) timer = setTimeout(run, ms);
  };

  async function post(batch: PromptEventReport[]): Promise<'ok' | 'retry' | string> {
    try {
      const res = await (options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${options.accessToken()}`,
          'X-EHR-FHIR-Base': options.ehrFhirBase,
        },
        body: JSON.stringify({ feedback: batch.map((e) => feedbackItem(e, options.practiceOds)) }),
        ...(typeof AbortSignal.timeout === 'function' ? { signal: AbortSignal.timeout(10_000) } : {}),
      });
      if (res.ok) return 'ok';
      return res.status >= 500 || res.status === 408 || res.status === 429 ? 'retry' : `HTTP ${res.status}`;
    } catch {
      return 'retry';
    }
  }

  async function run(): Promise<void> {
    timer = undefined;
    busy = true;
    const batch = queue.splice(0, BATCH);
    let result = await post(batch);
    for (let i = 0; result === 'retry' && i < delays.length; i++) {
      await new Promise((r) => setTimeout(r, delays[i]));
      result = await post(batch);
    }
    if (result !== 'ok') dropped(batch.length, result === 'retry' ? 'the hub did not answer' : result);
    busy = false;
    if (queue.length > 0) schedule(0);
    settle();
  }

  return {
    report(event) {
      try {
        queue.push(event);
        if (queue.length > maxQueue)
          dropped(queue.splice(0, queue.length - maxQueue).length, 'too many waiting');
        schedule(options.batchDelayMs ?? 250);
      } catch {
        // Never let figures break the GP's screen.
      }
    },
    idle() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
  };
}
