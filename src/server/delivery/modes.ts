/**
 * One delivery attempt to one provider, by the provider's delivery mode (the directory's
 * endpoint.mode, stored with the referral when the hub accepted it):
 *
 * (a) `fhir-rest`: the referral's transaction Bundle, exactly as the GP app built it, POSTed to the
 *     provider's FHIR base. Every entry is a conditional create on the referral's business
 *     identifier (ID_SYSTEM.referral), so a retry after an unknown outcome creates nothing new.
 *     Cancellation: read the ServiceRequest by that identifier and update it to `revoked` (with
 *     If-Match on the version read), and each open Task with it to `cancelled`.
 * (b) `bars-message`: a FHIR message Bundle POSTed to `[base]/$process-message`, NHS Booking and
 *     Referral Standard (BaRS) style. MessageHeader.eventCoding `servicerequest-request` from
 *     https://fhir.nhs.uk/CodeSystem/message-events-bars; reason `new` from
 *     https://fhir.nhs.uk/CodeSystem/message-reason-bars (codes new | update | delete:
 *     https://simplifier.net/guide/nhsbookingandreferralstandard/Home/FHIRAssets/AllAssets/AllCodeSystems/MessageReasonBARS);
 *     a cancellation is the same event with reason `update` and the ServiceRequest `revoked`
 *     (BaRS Core "Cancellation" pattern: the event code stays that of the request, the reason is
 *     always update). The Bundle and MessageHeader ids are v5 UUIDs of the referral id and the kind,
 *     so a resend is recognisably the same message (a receiver dedupes on them); a 409 whose
 *     OperationOutcome says `duplicate` therefore means the provider already has it.
 * (c) `hub-inbox`: the hub's own inbox is where the provider reads it: nothing to send.
 *
 * Outcomes (never thrown): ok (with the provider's ServiceRequest id when it says), retryable
 * (HTTP 5xx, 408, 429 with its Retry-After, 412 after a concurrent change, network failures,
 * timeouts, answers the hub cannot read) or permanent (any other 4xx, with the provider's own words;
 * nothing at the provider to cancel). Messages are plain English for the GP and the IT lead.
 */
import type {
  Bundle,
  BundleEntry,
  MessageHeader,
  MessageHeaderDestination,
  OperationOutcome,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { ID_SYSTEM, ODS_ORGANIZATION_SYSTEM } from '../../domain/codes.js';
import { stableUuid } from '../../domain/stableId.js';
import type { StoredReferral } from '../store/types.js';
import {
  outcomeText,
  type ProviderClientFactory,
  type ProviderFhirClient,
  ProviderHttpError,
} from './client.js';

export const BARS_EVENT_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/message-events-bars';
export const BARS_REASON_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/message-reason-bars';
/** The MessageDefinition a BaRS referral request meets (BaRS API examples). */
export const BARS_REQUEST_DEFINITION =
  'https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request';
/** MessageHeader.source.endpoint: BaRS uses it for asynchronous replies; the hub takes none yet. */
export const HUB_MESSAGE_SOURCE = 'urn:fitnote-prompt:referral-hub';
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 15_000;

export type DeliveryKind = 'new' | 'cancel';

export type DeliveryOutcome =
  | { ok: true; providerReference?: string }
  | {
      ok: false;
      /** Worth trying again (the provider may take it later); false = give up now. */
      retryable: boolean;
      /** Plain English: what happened. */
      error: string;
      /** The provider's Retry-After (ms), when it sent one. */
      retryAfterMs?: number;
    };

export interface DeliverOptions {
  /** Makes the client for a provider base URL (the hub passes fhir-kit-client's; tests may pass fetch's). */
  client: ProviderClientFactory;
  /** One attempt's time limit, all its requests together (ms, default 15 s). */
  timeoutMs?: number;
  /** The clock, for the message timestamp of a cancellation (default Date.now). */
  now?: () => number;
}

const referralIdentifier = (referral: StoredReferral) => `${ID_SYSTEM.referral}|${referral.id}`;

function entriesOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): Array<BundleEntry<T>> {
  return (bundle.entry ?? []).filter((e) => e.resource?.resourceType === type) as Array<BundleEntry<T>>;
}

/** The provider's name as the referral gives it (ServiceRequest.performer display), else its directory id. */
export function providerName(referral: StoredReferral): string {
  const sr = entriesOf<ServiceRequest>(referral.bundle, 'ServiceRequest')[0]?.resource;
  return sr?.performer?.[0]?.display ?? referral.providerId;
}

/** "ServiceRequest/<id>" from a location or reference (relative or absolute, with or without _history). */
export function serviceRequestRef(text: string | undefined): string | undefined {
  const match = text ? /(?:^|\/)ServiceRequest\/([A-Za-z0-9\-.]{1,64})(?:\/|$)/.exec(text) : null;
  return match ? `ServiceRequest/${match[1]}` : undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused: it may be down',
  ECONNRESET: 'the connection was cut off',
  ENOTFOUND: 'its address was not found',
  EAI_AGAIN: 'its address could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'it could not be reached on the network',
  ENETUNREACH: 'the network could not reach it',
  UND_ERR_SOCKET: 'the connection was cut off',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its security certificate has expired',
};

function networkWords(err: unknown): string {
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  const code = cause?.code ?? (err as { code?: string } | undefined)?.code;
  return (code && NETWORK_WORDS[code]) || 'the connection failed';
}

function isDuplicate(body: unknown): boolean {
  const outcome = body as OperationOutcome | undefined;
  return (
    outcome?.resourceType === 'OperationOutcome' && (outcome.issue ?? []).some((i) => i.code === 'duplicate')
  );
}

/** An error from a call to the provider, as a DeliveryOutcome (see the file comment). */
export function classifyError(
  err: unknown,
  name: string,
  timedOut: boolean,
  timeoutMs: number,
): DeliveryOutcome & { ok: false } {
  if (timedOut) {
    return {
      ok: false,
      retryable: true,
      error: `${name}’s system did not answer within ${timeoutMs < 2000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} seconds`}.`,
    };
  }
  if (err instanceof ProviderHttpError && err.status < 300) {
    // fhir-kit-client reports a success whose body is not JSON as an error.
    return {
      ok: false,
      retryable: true,
      error: `${name}’s system answered, but not in FHIR JSON, so the hub cannot tell whether it has the referral.`,
    };
  }
  if (err instanceof ProviderHttpError) {
    const status = err.status;
    const said = err.said ? `: ${err.said}` : '';
    if (status >= 500 || status === 408 || status === 429 || status === 412) {
      const what =
        status === 429
          ? 'is busy and asked the hub to wait'
          : status === 412
            ? 'changed the referral while the hub was updating it'
            : status === 408
              ? 'timed out waiting for the hub'
              : 'had a problem and did not take it';
      return {
        ok: false,
        retryable: true,
        error: `${name}’s system ${what} (HTTP ${status}${said}).`,
        ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
      };
    }
    return {
      ok: false,
      retryable: false,
      error: `${name}’s system refused it (HTTP ${status}${said}). Sending it again would be refused the same way: contact the provider.`,
    };
  }
  return {
    ok: false,
    retryable: true,
    error: `The hub could not reach ${name}’s system: ${networkWords(err)}.`,
  };
}

/** Runs `work` with a signal that aborts after `timeoutMs`; maps every failure to a DeliveryOutcome. */
async function attempt(
  name: string,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<DeliveryOutcome>,
  onError?: (err: unknown) => DeliveryOutcome | undefined,
): Promise<DeliveryOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return await work(controller.signal);
  } catch (err) {
    return onError?.(err) ?? classifyError(err, name, timedOut, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// (a) FHIR REST
// ---------------------------------------------------------------------------------------------

const isSuccess = (entry: BundleEntry): boolean => /^2\d\d/.test(entry.response?.status ?? '');

async function restNew(
  client: ProviderFhirClient,
  referral: StoredReferral,
  name: string,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const answer = await client.transaction(referral.bundle, signal);
  if (answer?.resourceType !== 'Bundle' || answer.type !== 'transaction-response') {
    return {
      ok: false,
      retryable: true,
      error: `${name}’s system answered, but not with a FHIR transaction response, so the hub cannot tell whether it has the referral.`,
    };
  }
  const entries = answer.entry ?? [];
  if (entries.length !== (referral.bundle.entry ?? []).length || !entries.every(isSuccess)) {
    return { ok: false, retryable: true, error: `${name}’s system did not take every part of the referral.` };
  }
  const reference = entries.map((e) => serviceRequestRef(e.response?.location)).find(Boolean);
  return { ok: true, ...(reference ? { providerReference: reference } : {}) };
}

const OPEN_TASK = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);

async function restCancel(
  client: ProviderFhirClient,
  referral: StoredReferral,
  name: string,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const identifier = referralIdentifier(referral);
  const found = await client.search('ServiceRequest', { identifier }, signal);
  const requests = entriesOf<ServiceRequest>(found, 'ServiceRequest').flatMap((e) =>
    e.resource?.id ? [e.resource as ServiceRequest & { id: string }] : [],
  );
  if (requests.length === 0) {
    return {
      ok: false,
      retryable: false,
      error: `${name}’s system has no referral with reference ${referral.id}, so the hub could not cancel it there. Phone the provider to cancel it.`,
    };
  }
  for (const sr of requests) {
    if (sr.status === 'revoked') continue;
    if (sr.status === 'completed' || sr.status === 'entered-in-error') {
      return {
        ok: false,
        retryable: false,
        error: `${name}’s system shows the referral as ${sr.status === 'completed' ? 'completed' : 'entered in error'}, so it cannot be cancelled. Phone the provider if something needs to change.`,
      };
    }
    await client.update({ ...sr, status: 'revoked' }, signal, sr.meta?.versionId);
  }
  const tasks = await client.search('Task', { identifier }, signal);
  for (const entry of entriesOf<Task>(tasks, 'Task')) {
    const task = entry.resource;
    if (!task?.id || !OPEN_TASK.has(task.status)) continue;
    await client.update(
      {
        ...(task as Task & { id: string }),
        status: 'cancelled',
        ...(referral.statusReason ? { statusReason: { text: referral.statusReason } } : {}),
      },
      signal,
      task.meta?.versionId,
    );
  }
  return { ok: true, providerReference: `ServiceRequest/${requests[0]?.id}` };
}

// ---------------------------------------------------------------------------------------------
// (b) BaRS-style message
// ---------------------------------------------------------------------------------------------

/** The message's Bundle id and MessageHeader id: stable for (referral, kind), so a resend is the same message. */
export function messageIds(referralId: string, kind: DeliveryKind): { bundleId: string; headerId: string } {
  return {
    bundleId: stableUuid(referralId, 'bars-message', kind),
    headerId: stableUuid(referralId, 'bars-message-header', kind),
  };
}

/** The BaRS-style message Bundle for a new referral or its cancellation. */
export function buildMessage(referral: StoredReferral, kind: DeliveryKind, timestamp: number): Bundle {
  const { bundleId, headerId } = messageIds(referral.id, kind);
  const srEntry = entriesOf<ServiceRequest>(referral.bundle, 'ServiceRequest')[0];
  const sr = srEntry?.resource;
  const srFullUrl = srEntry?.fullUrl ?? `urn:uuid:${stableUuid(referral.id, 'service-request')}`;
  const payload: BundleEntry[] =
    kind === 'new'
      ? (referral.bundle.entry ?? []).flatMap((e) =>
          e.resource ? [{ ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource: e.resource }] : [],
        )
      : [
          ...(sr ? [{ fullUrl: srFullUrl, resource: { ...sr, status: 'revoked' as const } }] : []),
          ...entriesOf<Task>(referral.bundle, 'Task').flatMap((e) =>
            e.resource
              ? [
                  {
                    ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}),
                    resource: {
                      ...e.resource,
                      status: 'cancelled' as const,
                      ...(referral.statusReason ? { statusReason: { text: referral.statusReason } } : {}),
                    },
                  },
                ]
              : [],
          ),
        ];
  const practice: Reference = {
    type: 'Organization',
    identifier: { system: ODS_ORGANIZATION_SYSTEM, value: referral.practiceOds },
  };
  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id: headerId,
    eventCoding: {
      system: BARS_EVENT_SYSTEM,
      code: 'servicerequest-request',
      display: 'ServiceRequest Request',
    },
    destination: [
      {
        endpoint: referral.deliveryBaseUrl ?? '',
        ...(sr?.performer?.[0] ? { receiver: sr.performer[0] as MessageHeaderDestination['receiver'] } : {}),
      },
    ],
    sender: practice as MessageHeader['sender'],
    source: { name: 'Fit note referral hub', endpoint: HUB_MESSAGE_SOURCE },
    reason: {
      coding: [
        kind === 'new'
          ? { system: BARS_REASON_SYSTEM, code: 'new', display: 'New' }
          : { system: BARS_REASON_SYSTEM, code: 'update', display: 'Update' },
      ],
    },
    focus: [{ reference: srFullUrl }],
    ...(kind === 'new' ? { definition: BARS_REQUEST_DEFINITION } : {}),
  };
  return {
    resourceType: 'Bundle',
    id: bundleId,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${bundleId}` },
    type: 'message',
    timestamp: new Date(timestamp).toISOString(),
    entry: [{ fullUrl: `urn:uuid:${headerId}`, resource: header }, ...payload],
  };
}

async function barsSend(
  client: ProviderFhirClient,
  referral: StoredReferral,
  kind: DeliveryKind,
  name: string,
  timestamp: number,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const answer = await client.processMessage(buildMessage(referral, kind, timestamp), signal);
  if (answer === undefined) return { ok: true };
  if (answer.resourceType === 'Bundle') {
    const header = (answer.entry ?? []).find((e) => e.resource?.resourceType === 'MessageHeader')?.resource as
      | MessageHeader
      | undefined;
    const code = header?.response?.code;
    const outcome = (answer.entry ?? []).find(
      (e) => e.resource?.resourceType === 'OperationOutcome',
    )?.resource;
    const said = outcomeText(outcome);
    if (code === 'transient-error') {
      return {
        ok: false,
        retryable: true,
        error: `${name}’s system could not take it just now${said ? ` (${said})` : ''}.`,
      };
    }
    if (code === 'fatal-error') {
      return {
        ok: false,
        retryable: false,
        error: `${name}’s system refused it${said ? ` (${said})` : ''}. Sending it again would be refused the same way: contact the provider.`,
      };
    }
    const reference = header?.focus?.map((f) => serviceRequestRef(f.reference)).find(Boolean);
    return { ok: true, ...(reference ? { providerReference: reference } : {}) };
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------

/**
 * Makes one attempt to deliver `kind` ('new' = the referral, 'cancel' = its cancellation) to the
 * referral's provider. Never throws.
 */
export async function deliver(
  referral: StoredReferral,
  kind: DeliveryKind,
  options: DeliverOptions,
): Promise<DeliveryOutcome> {
  const name = providerName(referral);
  if (referral.deliveryMode === 'hub-inbox') return { ok: true };
  const base = referral.deliveryBaseUrl;
  if (!base) {
    return {
      ok: false,
      retryable: false,
      error: `The practice directory gives no address for ${name}’s system, so the hub cannot send to it. Ask the practice’s IT lead to correct the directory, and phone the provider meanwhile.`,
    };
  }
  let client: ProviderFhirClient;
  try {
    client = options.client(base);
  } catch (err) {
    return {
      ok: false,
      retryable: false,
      error: `The address for ${name}’s system (${base}) cannot be used (${(err as Error)?.message ?? String(err)}). Ask the practice’s IT lead to correct the directory.`,
    };
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  if (referral.deliveryMode === 'fhir-rest') {
    return attempt(name, timeoutMs, (signal) =>
      kind === 'new' ? restNew(client, referral, name, signal) : restCancel(client, referral, name, signal),
    );
  }
  if (referral.deliveryMode === 'bars-message') {
    const timestamp = kind === 'new' ? referral.createdAt : (options.now ?? Date.now)();
    return attempt(
      name,
      timeoutMs,
      (signal) => barsSend(client, referral, kind, name, timestamp, signal),
      // A receiver that has this message already (same Bundle id) says so with 409 duplicate.
      (err) =>
        err instanceof ProviderHttpError && err.status === 409 && isDuplicate(err.body)
          ? { ok: true }
          : undefined,
    );
  }
  return {
    ok: false,
    retryable: false,
    error: `The hub does not know the delivery mode "${String(referral.deliveryMode)}" for ${name}. Ask the practice’s IT lead to correct the directory.`,
  };
}
