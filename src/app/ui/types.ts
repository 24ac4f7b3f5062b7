/**
 * The app-level types the UI is driven by. They come from helper L's launch and loading modules
 * (src/app/smart, src/app/load); the UI re-exports them so its props and theirs are one type.
 */
export type { AppContext } from '../load/index.js';
export { LAUNCH_FAILURE_KINDS, type LaunchFailure, type LaunchFailureKind } from '../smart/failures.js';
export type { FhirRequester, SmartSession } from '../smart/index.js';

import type { CalendarDate } from '../../domain/dates.js';
import type { Provider } from '../../domain/directory.js';
import type { Delivery } from '../deliver.js';

export type { Delivery } from '../deliver.js';

/** What sending a referral did, place by place (src/app/deliver.ts `sendReferral`). */
export interface SendResult {
  /** The referral's state (its Task's status), e.g. `requested`. */
  status: string;
  /** The referral's business identifier value (the same on every resend). */
  identifier: string;
  /** Whether the referral is saved in the patient's record (absent: it is). */
  inRecord?: boolean;
  /** What became of handing it to the provider (absent: the caller did not say). */
  delivery?: Delivery;
  /** Hands it to the provider again, when delivery failed (a resend creates no second referral). */
  retryDelivery?: () => Promise<Delivery>;
}

/** A referral the GP sent in this launch, as the patient panel lists it until the record or hub does. */
export interface SentReferral {
  /** The referral's business identifier value (the hub's referral id). */
  id: string;
  provider: Provider;
  serviceTypes: readonly Provider['services'][number][];
  /** The day it was sent. */
  date: CalendarDate;
  /** The referral's state (its Task's status). */
  status: string;
  inRecord: boolean;
  /** What became of handing it to the provider, after any retry. */
  delivery?: Delivery | undefined;
}
