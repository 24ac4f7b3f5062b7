/**
 * The GP app's reads of the practice's referral hub: the patient's referrals as the hub sees them
 * (GET /referrals?patient=…, views built by src/server/views.ts, with the provider's outcome once it
 * completes the referral), and a GP's request to cancel one
 * (POST /referrals/:id/cancel). Every call carries the launch's SMART token and the EHR's FHIR base.
 * Answers are checked with zod; anything that goes wrong becomes a HubReferralsError whose message is
 * plain English saying what happened and what to do next.
 */
// zod/mini, as everywhere the browser bundles (classic zod does not tree-shake).
import * as z from 'zod/mini';
import { ADVICE_CODES } from '../domain/codes.js';
import { RETURN_TO_WORK_GOALS, type ReferralOutcome } from '../domain/outcomeCodes.js';
import { outcomeText } from './smart/requester.js';

const TimelineEntrySchema = z.object({ at: z.string(), event: z.string(), text: z.string() });

const ReferralViewSchema = z.object({
  id: z.string().check(z.minLength(1)),
  status: z.string().check(z.minLength(1)),
  businessStatus: z.optional(z.string()),
  statusReason: z.optional(z.string()),
  deliveryState: z.optional(z.string()),
  lastDeliveryError: z.optional(z.string()),
  provider: z.object({
    id: z.string(),
    name: z.optional(z.string()),
    phone: z.optional(z.string()),
    email: z.optional(z.string()),
  }),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  /** YYYY-MM-DD: the booked appointment (or the missed one). */
  appointmentDate: z.optional(z.string()),
  /** Checked on its own (OutcomeSchema): an outcome the app cannot read must not hide the referral. */
  outcome: z.optional(z.unknown()),
  timeline: z._default(z.array(TimelineEntrySchema), []),
});

/**
 * The provider's outcome as the hub gives it (src/domain/outcome.ts ReferralOutcome). Keys the app
 * does not know are ignored; unknown codes make the outcome unreadable rather than shown as codes.
 */
const OutcomeSchema = z.object({
  returnToWorkGoal: z.enum(RETURN_TO_WORK_GOALS),
  adjustments: z.array(z.object({ code: z.enum(ADVICE_CODES), text: z.string() })),
  report: z.object({ title: z.string(), text: z.string() }),
});

/** One referral as the hub shows it to the GP. */
export type HubReferral = Omit<z.infer<typeof ReferralViewSchema>, 'outcome'> & {
  /** The provider's outcome, when it reported one the app can read. */
  outcome?: ReferralOutcome;
  /** True when the hub gave an outcome the app could not read (the panel says so). */
  outcomeUnreadable?: boolean;
};
export type HubTimelineEntry = z.infer<typeof TimelineEntrySchema>;

const ListSchema = z.object({ referrals: z.array(z.unknown()) });

/** Where the hub is, and the launch's credentials it checks. */
export interface HubReferralsAccess {
  hubUrl: string;
  /** The launch's SMART access token, or a way to read the current one (it may be refreshed). */
  accessToken: string | (() => string);
  ehrFhirBase: string;
  /** Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** What the patient panel needs of the hub. */
export interface HubReferralsClient {
  list(patientId: string): Promise<HubReferral[]>;
  cancel(referralId: string, reason?: string): Promise<HubReferral>;
}

export class HubReferralsError extends Error {
  override name = 'HubReferralsError';
}

/** The statuses after which a referral cannot be cancelled. */
const FINAL = new Set(['completed', 'cancelled', 'rejected']);

/** Whether the GP may still ask for the referral to be cancelled. */
export function canCancel(referral: Pick<HubReferral, 'status'>): boolean {
  return !FINAL.has(referral.status);
}

function parseView(value: unknown): HubReferral | undefined {
  const parsed = ReferralViewSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { outcome, ...view } = parsed.data;
  if (outcome === undefined || outcome === null) return view;
  const read = OutcomeSchema.safeParse(outcome);
  return read.success ? { ...view, outcome: read.data } : { ...view, outcomeUnreadable: true };
}

/** Reads the hub's views of the patient's referrals, and cancels one. */
export function hubReferralsClient(access: HubReferralsAccess): HubReferralsClient {
  const base = access.hubUrl.replace(/\/+$/, '');
  const doFetch = access.fetch ?? ((input, init) => fetch(input, init));

  async function call(path: string, init: RequestInit, doing: string): Promise<unknown> {
    const controller = new AbortController();
    const timeoutMs = access.timeoutMs ?? 15_000;
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        ...init,
        signal: controller.signal,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${typeof access.accessToken === 'function' ? access.accessToken() : access.accessToken}`,
          'X-EHR-FHIR-Base': access.ehrFhirBase,
          ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      });
    } catch {
      throw new HubReferralsError(
        controller.signal.aborted
          ? `The referral hub did not answer within ${Math.round(timeoutMs / 1000)} seconds, so the app could not ${doing}. Try again in a few minutes.`
          : `The app could not reach the referral hub to ${doing}. Check the connection and try again.`,
      );
    } finally {
      clearTimeout(timer);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const said = outcomeText(body);
      throw new HubReferralsError(
        `The referral hub could not ${doing} (HTTP ${response.status})${said ? `: ${said}` : '. Try again, or ask the practice IT lead.'}`,
      );
    }
    return body;
  }

  return {
    async list(patientId) {
      const doing = 'check the progress of referrals';
      const body = await call(`/referrals?patient=${encodeURIComponent(patientId)}`, {}, doing);
      const list = ListSchema.safeParse(body);
      if (!list.success) {
        throw new HubReferralsError(
          'The referral hub’s answer about referral progress could not be read. Ask the practice IT lead to check the hub.',
        );
      }
      return list.data.referrals.map(parseView).filter((v): v is HubReferral => v !== undefined);
    },
    async cancel(referralId, reason) {
      const doing = 'cancel the referral';
      const trimmed = reason?.trim();
      const body = await call(
        `/referrals/${encodeURIComponent(referralId)}/cancel`,
        { method: 'POST', body: JSON.stringify(trimmed ? { reason: trimmed } : {}) },
        doing,
      );
      const view = parseView(body);
      if (view === undefined) {
        throw new HubReferralsError(
          'The referral hub answered, but its answer could not be read: open the app again to see whether the referral is cancelled.',
        );
      }
      return view;
    },
  };
}
