/**
 * Sending a referral: the transaction Bundle (ServiceRequest, Consent, Task, work Observations) goes
 * to the patient's record, then is handed over to the provider the GP chose.
 *
 * Handing over is a `HandOver`. When the practice's configuration names a referral hub (main.tsx),
 * `handOverToHub` gives the referral to the hub, which delivers it with its outbox and retries over
 * whatever route the provider takes. Without a hub, `handOverToProvider` POSTs the same transaction
 * to the provider's FHIR endpoint when the directory says `fhir-rest`, and sends nothing for
 * `bars-message` and `hub-inbox` (both need a hub). Neither throws: every outcome is a `Delivery` the
 * confirmation can put in plain English. Neither sends the EHR's access token to a provider: it is
 * for the EHR (and the hub, which checks it at the EHR's introspection endpoint) only.
 *
 * `sendReferral` writes to the record first (when the launch may write) and hands over only once the
 * record has it, so a failed delivery never loses the referral. Resending is safe in both places:
 * every entry is a conditional create on the referral's identifier.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Provider } from '../domain/directory.js';
import type { FhirRequester } from './smart/index.js';
import { outcomeText } from './smart/requester.js';
import { canWriteBundle } from './smart/scopes.js';
import type { SendResult } from './ui/types.js';

/** What became of handing a referral to its provider. */
export type Delivery =
  | { state: 'delivered' }
  /** The referral hub accepted it and delivers it to the provider (outbox, retries). */
  | { state: 'queued' }
  /** Not attempted: the provider's route needs the referral hub. */
  | { state: 'not-sent'; reason: string }
  /** Attempted and failed (network, CORS, timeout, refused, or an answer that is not a success). */
  | { state: 'failed'; reason: string };

/** Hands a referral's transaction Bundle to its provider. Never throws. */
export type HandOver = (provider: Provider, bundle: Bundle) => Promise<Delivery>;

export interface HandOverOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default 15 s. */
  timeoutMs?: number;
}

export const DELIVERY_TIMEOUT_MS = 15_000;

const isSuccess = (entry: BundleEntry): boolean => /^2\d\d/.test(entry.response?.status ?? '');

/** Whether `answer` is a transaction-response saying every entry of `sent` succeeded. */
const tookEveryPart = (sent: Bundle, answer: Bundle | undefined): boolean =>
  answer?.resourceType === 'Bundle' &&
  answer.type === 'transaction-response' &&
  answer.entry?.length === (sent.entry ?? []).length &&
  answer.entry.every(isSuccess);

/**
 * Hands the referral to the provider's endpoint (see the file comment). `fhir-rest`: POST the
 * transaction to the endpoint's base URL; delivered when it answers 2xx with a transaction-response
 * whose every entry succeeded (201 created, or 200 when it already had the referral).
 */
export async function handOverToProvider(
  provider: Provider,
  bundle: Bundle,
  options: HandOverOptions = {},
): Promise<Delivery> {
  const endpoint = provider.endpoint;
  if (endpoint.mode === 'hub-inbox') {
    return {
      state: 'not-sent',
      reason: `${provider.name} takes referrals through a referral hub’s inbox, and this practice’s set-up names no referral hub, so the app did not send it.`,
    };
  }
  if (endpoint.mode === 'bars-message') {
    return {
      state: 'not-sent',
      reason: `${provider.name} takes referrals as NHS BaRS messages, which need a referral hub, and this practice’s set-up names none, so the app did not send it.`,
    };
  }
  const name = provider.name;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const posted = await postFhir(endpoint.baseUrl.replace(/\/+$/, ''), bundle, {}, options);
  if (posted.kind === 'timeout') {
    return {
      state: 'failed',
      reason: `${name}’s system did not answer within ${Math.round(timeoutMs / 1000)} seconds.`,
    };
  }
  if (posted.kind === 'network') {
    // fetch reports a refused connection, a network failure and a CORS refusal alike (and its
    // message, e.g. "Failed to fetch", says no more).
    return {
      state: 'failed',
      reason: `The app could not reach ${name}’s system: the connection failed or was not allowed.`,
    };
  }
  const { response, body } = posted;
  if (!response.ok) {
    const said = outcomeText(body);
    const what =
      response.status >= 500 ? 'had a problem and did not take the referral' : 'did not accept the referral';
    return {
      state: 'failed',
      reason: `${name}’s system ${what} (HTTP ${response.status}${said ? `: ${said}` : ''}).`,
    };
  }
  const answer = body as Bundle | undefined;
  if (answer?.resourceType !== 'Bundle' || answer.type !== 'transaction-response') {
    return {
      state: 'failed',
      reason: `${name}’s system answered, but not with a FHIR transaction response, so the app cannot tell whether it has the referral.`,
    };
  }
  if (!tookEveryPart(bundle, answer)) {
    return {
      state: 'failed',
      reason: `${name}’s system did not take every part of the referral.`,
    };
  }
  return { state: 'delivered' };
}

type Posted =
  | { kind: 'answered'; response: Response; body: unknown }
  | { kind: 'timeout' }
  | { kind: 'network' };

/** POSTs a FHIR resource as JSON without credentials; the answer and its parsed body, or why none came. */
async function postFhir(
  url: string,
  resource: unknown,
  headers: Record<string, string>,
  options: HandOverOptions,
): Promise<Posted> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs ?? DELIVERY_TIMEOUT_MS);
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json', ...headers },
      body: JSON.stringify(resource),
      credentials: 'omit',
      signal: controller.signal,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    return { kind: 'answered', response, body };
  } catch {
    return timedOut ? { kind: 'timeout' } : { kind: 'network' };
  } finally {
    clearTimeout(timer);
  }
}

/** Where the referral hub is, and the launch's credentials it checks (at the EHR's introspection endpoint). */
export interface HubAccess extends HandOverOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:8081 (from the practice configuration). */
  hubUrl: string;
  /** The SMART access token of this launch. */
  accessToken: string;
  /** The EHR's FHIR base URL (the hub trusts tokens only from EHRs it knows). */
  ehrFhirBase: string;
}

/** The hub's answer about one referral (src/server/views.ts), as far as the app reads it. */
interface HubReferralView {
  deliveryState?: 'pending' | 'delivered' | 'failed';
  lastDeliveryError?: string;
}

/**
 * A hand-over to the referral hub: POST /referrals with the launch's token. The hub stores the
 * referral with its delivery in one transaction and delivers it with retries, so an accepted
 * referral is `queued` (or `delivered` if the hub already has); a refusal or no answer is `failed`,
 * and trying again is safe (the hub keeps one referral per business identifier).
 */
export function handOverToHub(access: HubAccess): HandOver {
  return async (provider, bundle) => {
    const posted = await postFhir(
      `${access.hubUrl.replace(/\/+$/, '')}/referrals`,
      bundle,
      { Authorization: `Bearer ${access.accessToken}`, 'X-EHR-FHIR-Base': access.ehrFhirBase },
      access,
    );
    if (posted.kind !== 'answered') {
      return {
        state: 'failed',
        reason:
          posted.kind === 'timeout'
            ? `The referral hub did not answer within ${Math.round((access.timeoutMs ?? DELIVERY_TIMEOUT_MS) / 1000)} seconds, so it may not have the referral for ${provider.name}.`
            : `The app could not reach the referral hub to send it to ${provider.name}: the connection failed or was not allowed.`,
      };
    }
    const { response, body } = posted;
    if (!response.ok) {
      const said = outcomeText(body);
      return {
        state: 'failed',
        reason: `The referral hub did not accept the referral (HTTP ${response.status}${said ? `: ${said}` : ''}).`,
      };
    }
    const view = (body ?? {}) as HubReferralView;
    if (view.deliveryState === 'delivered') return { state: 'delivered' };
    if (view.deliveryState === 'failed') {
      return {
        state: 'failed',
        reason: view.lastDeliveryError ?? `The referral hub could not deliver it to ${provider.name}.`,
      };
    }
    return { state: 'queued' };
  };
}

/**
 * The record answered the referral's transaction without confirming every part (not a
 * transaction-response, or an entry that did not succeed): the referral form words it for the GP.
 */
export class RecordIncompleteError extends Error {}

/** What sendReferral needs of the launch: a way to the record's FHIR server, and whether it may write. */
export interface RecordAccess {
  requester: Pick<FhirRequester, 'request' | 'fhirBaseUrl'>;
  /** Whether the launch may write any referral (with its work Observations) to the record. */
  canWrite: boolean;
  /**
   * The scopes granted: when given, whether this referral can be written is judged against what its
   * bundle holds (a referral without work Observations needs no Observation create).
   */
  tokenResponse?: { scope?: string | undefined };
}

export interface ReferralToDeliver {
  bundle: Bundle;
  provider: Provider;
  identifier: { system: string; value: string };
}

/** The referral's state as its Task says (`requested` at creation). */
function taskStatus(bundle: Bundle): string {
  const task = bundle.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as
    | { status?: string }
    | undefined;
  return task?.status ?? 'requested';
}

function phoneLine(provider: Provider): string {
  return `Phone ${provider.name} on ${provider.contact.phone} to refer.`;
}

/**
 * Saves the referral in the record (one transaction; a failure throws the requester's error, an
 * answer that does not confirm every part a RecordIncompleteError, and nothing is handed over), then
 * hands it to the provider with `handOver`. Without write access it only hands over, and throws
 * when that does not deliver (the referral would be nowhere). Resolves with what happened in each
 * place, and a `retryDelivery` when delivery failed.
 */
export async function sendReferral(
  access: RecordAccess,
  referral: ReferralToDeliver,
  handOver: HandOver = handOverToProvider,
): Promise<SendResult> {
  const { bundle, provider } = referral;
  const canWrite =
    access.tokenResponse === undefined ? access.canWrite : canWriteBundle(access.tokenResponse.scope, bundle);
  if (canWrite) {
    const answer = await access.requester.request<Bundle | undefined>(access.requester.fhirBaseUrl, {
      method: 'POST',
      body: JSON.stringify(bundle),
    });
    if (!tookEveryPart(bundle, answer)) {
      throw new RecordIncompleteError('The record did not confirm it saved every part of the referral.');
    }
  }
  const delivery = await handOver(provider, bundle);
  if (!canWrite && (delivery.state === 'failed' || delivery.state === 'not-sent')) {
    throw new Error(
      `${delivery.reason} The referral is not in the patient’s record either, because the clinical system does not let this app save to it. ${phoneLine(provider)}`,
    );
  }
  return {
    status: taskStatus(bundle),
    identifier: referral.identifier.value,
    inRecord: canWrite,
    delivery,
    ...(delivery.state === 'failed' ? { retryDelivery: () => handOver(provider, bundle) } : {}),
  };
}
