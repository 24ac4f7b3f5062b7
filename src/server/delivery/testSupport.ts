/**
 * Test support for the delivery tests (unit and integration): synthetic referrals as the hub stores
 * them, and a provider endpoint whose behaviour a test controls (down, slow, 5xx, then recovering)
 * that stores what it accepts in a real sandbox FHIR server. Not used by the hub itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSearchRequest } from '@medplum/core';
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { ID_SYSTEM } from '../../domain/codes.js';
import type { Provider } from '../../domain/directory.js';
import { buildReferral } from '../../domain/referral.js';
import { createProviderEndpoints, type HostedProvider } from '../../sandbox/providers.js';
import type { DeliveryMode, NewReferral, StoredReferral } from '../store/types.js';

/** A synthetic provider (obviously not real), offering an OH assessment by telephone. */
export function testProvider(id: string, baseUrl?: string, mode: DeliveryMode = 'fhir-rest'): Provider {
  return {
    id,
    name: `Test Provider ${id}`,
    description: 'A provider that exists only in tests.',
    services: ['oh-assessment'],
    modalities: ['telephone'],
    eligibility: { employmentStatus: ['employed'], excludeIfEmployerHasOccupationalHealth: false },
    status: 'open',
    lastVerified: '2026-10-01',
    waitingTimeDays: 5,
    contact: { phone: '0113 496 0999' },
    endpoint:
      mode === 'hub-inbox'
        ? { mode }
        : { mode, baseUrl: baseUrl ?? `http://127.0.0.1:9/providers/${id}/fhir` },
  };
}

/** Referral number `n` for a synthetic patient (Test Patient n), as the hub would store it. */
export function testReferral(
  n: number,
  provider: { id: string; mode: DeliveryMode; baseUrl?: string },
): NewReferral {
  const p = testProvider(provider.id, provider.baseUrl, provider.mode);
  const bundle = buildReferral({
    patient: { id: `test-patient-${n}`, name: `Test Patient ${n}` },
    practice: { odsCode: 'A99999', name: 'Sandbox Surgery' },
    requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr Test Example' },
    provider: p,
    episode: { start: '2026-10-24' },
    fitNoteRefs: [`Observation/fitnote-test-${n}`],
    form: {
      serviceTypes: ['oh-assessment'],
      modality: 'telephone',
      reason: { text: 'Work and health support while off work', useGeneralWording: true },
      employment: { status: 'employed', occupation: 'Warehouse operative', recordedInRecord: false },
      employerLiaison: { requested: false, shareWithEmployer: [] },
      shareWithProvider: ['contact-details', 'fit-note-dates', 'employment-details'],
      contact: { phone: '07700 900999', preferredMethod: 'phone' },
      interpreter: { needed: false },
      consent: { given: true, recordedAt: '2026-11-20T10:18:00Z' },
    },
    authoredOn: '2026-11-20T10:20:00Z',
  });
  const sr = bundle.entry?.[0]?.resource as ServiceRequest;
  return {
    id: sr.identifier?.[0]?.value as string,
    practiceOds: 'A99999',
    ehrBaseUrl: 'http://127.0.0.1:8080/fhir',
    patientId: `test-patient-${n}`,
    providerId: provider.id,
    deliveryMode: provider.mode,
    ...(provider.baseUrl ? { deliveryBaseUrl: provider.baseUrl } : {}),
    bundle,
    sentBy: 'Practitioner/gp-1',
  };
}

/** The referral as the store would give it back, for tests of deliver() without a store. */
export function stored(referral: NewReferral, extra: Partial<StoredReferral> = {}): StoredReferral {
  return {
    ...referral,
    status: 'requested',
    deliveryState: 'pending',
    createdAt: Date.parse('2026-11-20T10:20:01Z'),
    updatedAt: Date.parse('2026-11-20T10:20:01Z'),
    ...extra,
  };
}

/** A loopback port nothing listens on (a provider that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How the controllable provider answers the next requests. */
export type ProviderBehaviour =
  | { kind: 'normal' }
  /** Answers with this status (and OperationOutcome text, Retry-After) without storing anything. */
  | { kind: 'status'; status: number; text?: string; retryAfter?: string }
  /** Stores the referral, then holds the answer this long (the hub's timeout may fire first). */
  | { kind: 'slow'; delayMs: number }
  /** Closes the connection without an answer. */
  | { kind: 'hang-up' };

export interface ControllableProvider {
  /** The FHIR base URL (`http://127.0.0.1:<port>/providers/<id>/fhir`). */
  baseUrl: string;
  /** Sets the behaviour for requests from now on (a function: decided per request). */
  behave(next: ProviderBehaviour | ((requestNumber: number) => ProviderBehaviour)): void;
  /** Requests received so far (every method, every path). */
  requests(): number;
  /** The most requests it has had under way at once (since the last call, which resets it). */
  maxInFlight(): number;
  /** How many ServiceRequests carry this referral identifier. */
  serviceRequestsFor(referralId: string): Promise<number>;
  /** Every ServiceRequest's referral identifier, one per ServiceRequest. */
  serviceRequestIdentifiers(): Promise<string[]>;
  taskStatusFor(referralId: string): Promise<string[]>;
  serviceRequestStatusFor(referralId: string): Promise<string[]>;
  /** Stops listening (the provider is "down"); `start()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A provider's FHIR endpoint (the sandbox's own, with $process-message) behind a switch: normal,
 * an error status, slow, hanging up, or not listening at all.
 */
export async function startControllableProvider(id = 'test-provider'): Promise<ControllableProvider> {
  const mount = `/providers/${id}/fhir`;
  const endpoints = await createProviderEndpoints({
    directory: {
      providers: [
        {
          id,
          name: `Test Provider ${id}`,
          endpoint: { mode: 'fhir-rest', baseUrl: `http://127.0.0.1:8080${mount}` },
        },
      ],
    },
    today: '2026-11-21',
  });
  const hosted = endpoints.get(id) as HostedProvider;
  let behaviour: ProviderBehaviour | ((n: number) => ProviderBehaviour) = { kind: 'normal' };
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    count++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const now = typeof behaviour === 'function' ? behaviour(count) : behaviour;
    if (now.kind === 'hang-up') {
      req.socket.destroy();
      return;
    }
    if (now.kind === 'status') {
      res.writeHead(now.status, {
        'Content-Type': 'application/fhir+json',
        ...(now.retryAfter ? { 'Retry-After': now.retryAfter } : {}),
      });
      res.end(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', details: { text: now.text ?? 'Test failure.' } }],
        }),
      );
      return;
    }
    if (now.kind === 'slow') {
      const realEnd = res.end.bind(res);
      // Let the sandbox store it, then hold the answer back.
      (res as unknown as { end: (...args: unknown[]) => void }).end = (...args: unknown[]) => {
        setTimeout(() => {
          if (!res.destroyed) (realEnd as (...a: unknown[]) => void)(...args);
        }, now.delayMs).unref();
      };
    }
    const url = new URL(req.url ?? '/', 'http://provider.invalid');
    if (!(await endpoints.handle(req, res, url))) {
      res.writeHead(404);
      res.end();
    }
  };
  let server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<import('node:net').Socket>();
  const track = (s: Server) =>
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  track(server);

  const withIdentifier = async <T extends ServiceRequest | Task>(
    type: T['resourceType'],
    referralId?: string,
  ) =>
    hosted.fhir.repo.searchResources<T>(
      parseSearchRequest<T>(type, {
        _count: '1000',
        ...(referralId ? { identifier: `${ID_SYSTEM.referral}|${referralId}` } : {}),
      }),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  return {
    baseUrl: `http://127.0.0.1:${port}${mount}`,
    behave(next) {
      behaviour = next;
    },
    requests: () => count,
    maxInFlight: () => {
      const max = maxInFlight;
      maxInFlight = inFlight;
      return max;
    },
    serviceRequestsFor: async (referralId) =>
      (await withIdentifier<ServiceRequest>('ServiceRequest', referralId)).length,
    serviceRequestIdentifiers: async () =>
      (await withIdentifier<ServiceRequest>('ServiceRequest')).map(
        (sr) => sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value ?? '',
      ),
    taskStatusFor: async (referralId) =>
      (await withIdentifier<Task>('Task', referralId)).map((t) => t.status),
    serviceRequestStatusFor: async (referralId) =>
      (await withIdentifier<ServiceRequest>('ServiceRequest', referralId)).map((t) => t.status),
    down: stop,
    async up() {
      if (server.listening) return;
      server = createServer((req, res) => void handler(req, res));
      track(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
