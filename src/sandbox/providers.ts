/**
 * The providers' own FHIR endpoints, hosted by the sandbox until real providers (and the referral
 * hub) exist. Every provider in the sandbox practice's directory whose endpoint is `fhir-rest` with a
 * base URL on the sandbox (`http://127.0.0.1:8080/providers/<id>/fhir`) gets a real FHIR R4 server at
 * that path: its own empty in-memory repository, made by the same factory as the EHR's `/fhir`
 * (validation, transactions that roll back, conditional create, writes one at a time, CORS for
 * loopback origins). The GP app hands a referral over by POSTing the same transaction Bundle it wrote
 * to the record; the conditional creates on the referral's identifier make a resend create nothing.
 *
 * Access is open (no token) from this computer. A real provider authenticates its callers: the
 * referral hub will call providers with SMART Backend Services tokens, and the app never sends the
 * EHR's access token to a provider.
 *
 * Each hosted endpoint also takes BaRS-style messages at `POST <base>/$process-message` (see
 * processMessage): the referral hub's `bars-message` delivery mode, testable against the sandbox.
 *
 * Also here: `GET /providers/` (each hosted provider with what it has received, and links) and
 * `GET /providers/<id>/` (its referrals as a table), read-only pages for a person clicking through;
 * and the one place that points the directory's sandbox-hosted base URLs at the running sandbox
 * (`rewriteSandboxEndpoints`, used by the practice configuration the sandbox serves).
 */

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { getStatus, isOk, parseSearchRequest } from '@medplum/core';
import type { FhirRequest } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, MessageHeader, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ID_SYSTEM, NHS_NUMBER_SYSTEM } from '../domain/codes.js';
import type { CalendarDate } from '../domain/dates.js';
import type { ProviderClient } from '../server/auth/backendServices.js';
import { plain } from './ehrStatic.js';
import {
  createFhirServer,
  errorOutcome,
  FhirHttpError,
  parseBody,
  readBody,
  type SandboxFhirServer,
  type SandboxHandler,
} from './fhirServer.js';
import { SANDBOX_PAGE_STYLE } from './pageStyle.js';
import {
  ACTION_STYLE,
  actionForms,
  createProviderSystem,
  type HubStatus,
  type ProviderSystem,
} from './providerSystem.js';

/** Where the provider endpoints live on the sandbox origin. */
export const PROVIDERS_MOUNT = '/providers';
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
const PROVIDER_FHIR_PATH = /^\/providers\/([A-Za-z0-9][A-Za-z0-9-]{0,63})\/fhir$/;

/** Whether a directory base URL points at the sandbox (a loopback host, a path under /providers/). */
export function isSandboxHosted(baseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    LOOPBACK_HOSTNAMES.has(url.hostname) &&
    url.pathname.startsWith(`${PROVIDERS_MOUNT}/`)
  );
}

/** The same URL on `origin` (e.g. `http://127.0.0.1:53127`), when it is sandbox-hosted; otherwise unchanged. */
export function onSandbox(baseUrl: string, origin: string): string {
  if (!isSandboxHosted(baseUrl)) return baseUrl;
  const url = new URL(baseUrl);
  return `${origin.replace(/\/+$/, '')}${url.pathname.replace(/\/+$/, '')}${url.search}`;
}

type Json = Record<string, unknown>;
const isObj = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of a directory (as JSON, valid or not) whose sandbox-hosted endpoint base URLs point at the
 * running sandbox's `origin`: the directory says 127.0.0.1:8080, but the sandbox may run on another
 * port (tests use port 0) or host name. Everything else is left exactly as it was.
 */
export function rewriteSandboxEndpoints<T>(directory: T, origin: string): T {
  if (!isObj(directory) || !Array.isArray(directory.providers)) return directory;
  return {
    ...directory,
    providers: directory.providers.map((provider: unknown) => {
      if (!isObj(provider) || !isObj(provider.endpoint)) return provider;
      const baseUrl = provider.endpoint.baseUrl;
      if (typeof baseUrl !== 'string' || !isSandboxHosted(baseUrl)) return provider;
      return { ...provider, endpoint: { ...provider.endpoint, baseUrl: onSandbox(baseUrl, origin) } };
    }),
  } as T;
}

/** A directory file (e.g. examples/directory.json), its sandbox-hosted endpoints pointed at `origin` (see rewriteSandboxEndpoints). */
export async function readSandboxDirectory(directoryFile: string, origin: string): Promise<unknown> {
  return rewriteSandboxEndpoints(JSON.parse(await readFile(directoryFile, 'utf8')) as unknown, origin);
}

/** A provider whose FHIR endpoint the sandbox hosts. */
export interface HostedProvider {
  /** The directory's provider id. */
  id: string;
  name: string;
  phone?: string;
  /** The path the endpoint answers at, e.g. `/providers/local-oh-service/fhir`. */
  mount: string;
  fhir: SandboxFhirServer;
  /** Its own system's client at the referral hub (providerSystem.ts): acts on referrals through the hub. */
  system?: ProviderSystem;
}

export interface ProviderEndpoints {
  providers: HostedProvider[];
  /** Answers `/providers/`, `/providers/<id>/` and each hosted `/providers/<id>/fhir/*`; passes on the rest. */
  handle: SandboxHandler;
  /** The hosted provider with this directory id. */
  get(id: string): HostedProvider | undefined;
  /** The providers' systems to register with the hub (SMART Backend Services, keys made at start). */
  clients(): ProviderClient[];
  /** Points the providers' systems (the page's buttons) at the hub the sandbox started. */
  connectHub(hubUrl: string): void;
}

export interface ProviderEndpointsOptions {
  /** The practice's directory as JSON (need not be valid: entries that are not usable are skipped). */
  directory: unknown;
  today: CalendarDate;
  /** Browser origins allowed besides loopback ones. */
  corsOrigins?: readonly string[];
}

/**
 * Which directory entries the sandbox hosts: endpoint mode `fhir-rest` with a sandbox-hosted base URL
 * whose path is `/providers/<id>/fhir`. Each path is hosted once.
 */
export function providersToHost(
  directory: unknown,
): Array<{ id: string; name: string; phone?: string; mount: string }> {
  const providers = isObj(directory) && Array.isArray(directory.providers) ? directory.providers : [];
  const hosted: Array<{ id: string; name: string; phone?: string; mount: string }> = [];
  for (const provider of providers) {
    if (!isObj(provider) || typeof provider.id !== 'string' || !isObj(provider.endpoint)) continue;
    const { mode, baseUrl } = provider.endpoint;
    // fhir-rest providers take the transaction at the base; bars-message ones take messages at
    // <base>/$process-message. The sandbox hosts both kinds on the same FHIR endpoint.
    if (mode !== 'fhir-rest' && mode !== 'bars-message') continue;
    if (typeof baseUrl !== 'string' || !isSandboxHosted(baseUrl)) continue;
    const mount = new URL(baseUrl).pathname.replace(/\/+$/, '');
    if (!PROVIDER_FHIR_PATH.test(mount) || hosted.some((h) => h.mount === mount)) continue;
    const phone = isObj(provider.contact) ? provider.contact.phone : undefined;
    hosted.push({
      id: provider.id,
      name: typeof provider.name === 'string' ? provider.name : provider.id,
      ...(typeof phone === 'string' ? { phone } : {}),
      mount,
    });
  }
  return hosted;
}

/** One FHIR server per hosted provider, empty at start, open to unauthenticated callers (see the file comment). */
export async function createProviderEndpoints(options: ProviderEndpointsOptions): Promise<ProviderEndpoints> {
  const providers: HostedProvider[] = [];
  for (const provider of providersToHost(options.directory)) {
    const fhir = await createFhirServer({
      today: options.today,
      mount: provider.mount,
      exampleRecords: false,
      // Providers authenticate callers in real life (the hub brings SMART Backend Services); the
      // sandbox's stand-ins take any caller on this computer. A bearer token is refused, as no
      // token is issued for them.
      open: true,
      enforceScopes: false,
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    });
    providers.push({ ...provider, fhir, system: await createProviderSystem(provider.id) });
  }
  const byPageId = new Map(providers.map((p) => [p.mount.split('/')[2] as string, p]));
  const messages = new Map(providers.map((p) => [p.id, messageProcessor(p)]));

  const handle: SandboxHandler = async (req, res, url) => {
    const p = url.pathname;
    if (p !== PROVIDERS_MOUNT && !p.startsWith(`${PROVIDERS_MOUNT}/`)) return false;
    const operation = /^(.*)\/\$process-message\/?$/.exec(p);
    const receiver = operation ? providers.find((provider) => provider.mount === operation[1]) : undefined;
    if (receiver) {
      await (messages.get(receiver.id) as MessageProcessor)(req, res);
      return true;
    }
    for (const provider of providers) {
      if (await provider.fhir.handle(req, res, url)) return true;
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (p === PROVIDERS_MOUNT || p === `${PROVIDERS_MOUNT}/`) {
      if (!get) return notAllowed(res);
      sendHtml(req, res, 200, providersPage(await Promise.all(providers.map(summarise))));
      return true;
    }
    // The buttons on a provider's page: act as its own system through the hub (providerSystem.ts).
    const act = /^\/providers\/([^/]+)\/actions$/.exec(p);
    const actor = act ? byPageId.get(act[1] as string) : undefined;
    if (actor?.system && req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8')));
      const notice = await actor.system
        .act(form.referral ?? '', form)
        .catch((err: unknown) => `The hub could not be reached (${(err as Error)?.message ?? String(err)}).`);
      res.writeHead(303, {
        Location: `${actor.mount.replace(/\/fhir$/, '/')}?notice=${encodeURIComponent(notice)}`,
      });
      res.end();
      return true;
    }
    const page = /^\/providers\/([^/]+)\/?$/.exec(p);
    const provider = page ? byPageId.get(page[1] as string) : undefined;
    if (provider) {
      if (!get) return notAllowed(res);
      const summary = await summarise(provider);
      const statuses = await provider.system?.statuses();
      const hubView =
        statuses === undefined
          ? undefined
          : {
              statuses,
              action: provider.mount.replace(/\/fhir$/, '/actions'),
              notice: url.searchParams.get('notice') ?? undefined,
            };
      sendHtml(req, res, 200, providerPage(summary, hubView));
      return true;
    }
    plain(
      res,
      404,
      `There is no provider endpoint at ${p}. The providers the sandbox hosts are listed at ${PROVIDERS_MOUNT}/.`,
    );
    return true;
  };

  return {
    providers,
    handle,
    get: (id) => providers.find((p) => p.id === id),
    clients: () => providers.flatMap((p) => (p.system ? [p.system.registration] : [])),
    connectHub: (hubUrl) => {
      for (const p of providers) if (p.system) p.system.hubUrl = hubUrl;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The read-only pages
// ---------------------------------------------------------------------------------------------

/** One referral as a provider holds it. */
export interface ReceivedReferral {
  id: string;
  identifier?: string;
  authoredOn?: string;
  service?: string;
  nhsNumber?: string;
  /** The status of the Task that carries the referral, when one arrived. */
  taskStatus?: string;
}

export interface ProviderSummary {
  id: string;
  name: string;
  mount: string;
  referrals: ReceivedReferral[];
  taskCount: number;
}

/** What a hosted provider has received: its ServiceRequests (newest first) with their Tasks' status. */
export async function summarise(provider: HostedProvider): Promise<ProviderSummary> {
  const repo = provider.fhir.repo;
  const [requests, tasks] = await Promise.all([
    repo.searchResources<ServiceRequest>(
      parseSearchRequest<ServiceRequest>('ServiceRequest', { _count: '1000' }),
    ),
    repo.searchResources<Task>(parseSearchRequest<Task>('Task', { _count: '1000' })),
  ]);
  const referrals = requests.map((sr): ReceivedReferral => {
    const identifier = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value;
    const task = tasks.find((t) => t.focus?.reference === `ServiceRequest/${sr.id}`);
    const service = sr.code?.text ?? sr.code?.coding?.[0]?.display ?? sr.code?.coding?.[0]?.code;
    const nhsNumber =
      sr.subject?.identifier?.system === NHS_NUMBER_SYSTEM ? sr.subject.identifier.value : undefined;
    return {
      id: sr.id,
      ...(identifier ? { identifier } : {}),
      ...(sr.authoredOn ? { authoredOn: sr.authoredOn } : {}),
      ...(service ? { service } : {}),
      ...(nhsNumber ? { nhsNumber } : {}),
      ...(task?.status ? { taskStatus: task.status } : {}),
    };
  });
  referrals.sort((a, b) => (b.authoredOn ?? '').localeCompare(a.authoredOn ?? ''));
  return { id: provider.id, name: provider.name, mount: provider.mount, referrals, taskCount: tasks.length };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `${SANDBOX_PAGE_STYLE}  li { margin: .25rem 0; overflow-wrap: anywhere; }
  .muted { color: #4c6272; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #d8dde0; vertical-align: top; overflow-wrap: anywhere; }
  @media (max-width: 40rem) { table, thead, tbody, tr, th, td { display: block; } thead { position: absolute; left: -9999px; } td::before { content: attr(data-label) ": "; font-weight: bold; } }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>${STYLE}</style></head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `GET /providers/`: each hosted provider, how many referrals it has received, and links. */
export function providersPage(summaries: readonly ProviderSummary[]): string {
  const items = summaries
    .map(
      (s) => `<li>
<h2>${escapeHtml(s.name)}</h2>
<p>${plural(s.referrals.length, 'referral', 'referrals')} received (${plural(s.taskCount, 'task', 'tasks')}).
<a href="${escapeHtml(s.mount.replace(/\/fhir$/, '/'))}">See the referrals<span class="visually-hidden"> ${escapeHtml(s.name)} received</span></a></p>
<ul>
<li>FHIR base: <a href="${escapeHtml(s.mount)}/metadata">${escapeHtml(s.mount)}</a></li>
<li><a href="${escapeHtml(s.mount)}/ServiceRequest">ServiceRequest search (FHIR JSON)</a></li>
<li><a href="${escapeHtml(s.mount)}/Task">Task search (FHIR JSON)</a></li>
</ul>
</li>`,
    )
    .join('\n');
  return page(
    'Provider endpoints: sandbox',
    `<p><a href="/">Sandbox home</a></p>
<h1>Provider endpoints</h1>
<p>Stand-ins for the providers’ own FHIR servers. The GP app sends each referral here after saving it in the record. Nothing here is real.</p>
${summaries.length === 0 ? '<p>The practice directory names no provider hosted by the sandbox.</p>' : `<ul class="providers">\n${items}\n</ul>`}
<style>.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; } .providers { list-style: none; padding: 0; }</style>`,
  );
}

/** A referral's status at the hub and the buttons that make sense for it. */
function hubCell(
  hub: { statuses: Map<string, HubStatus>; action: string },
  identifier: string | undefined,
  n: number,
): string {
  const at = identifier === undefined ? undefined : hub.statuses.get(identifier);
  if (at === undefined || identifier === undefined) return 'not known to the hub';
  return `${escapeHtml(at.text)}${actionForms(hub.action, identifier, n, at.status)}`;
}

/** `GET /providers/<id>/`: the referrals one provider has received. */
export function providerPage(
  summary: ProviderSummary,
  hub?: { statuses: Map<string, HubStatus>; action: string; notice?: string | undefined },
): string {
  const rows = summary.referrals
    .map(
      (r, i) => `<tr>
<td data-label="Sent (UTC)">${escapeHtml(r.authoredOn?.slice(0, 16).replace('T', ' ') ?? 'not given')}</td>
<td data-label="Reference">${escapeHtml(r.identifier ?? r.id)}</td>
<td data-label="NHS number">${escapeHtml(r.nhsNumber ?? 'not given')}</td>
<td data-label="Service">${escapeHtml(r.service ?? 'not given')}</td>
<td data-label="Task as received">${escapeHtml(r.taskStatus ?? 'no task')}</td>
<td data-label="FHIR"><a href="${escapeHtml(summary.mount)}/ServiceRequest/${encodeURIComponent(r.id)}">ServiceRequest/${escapeHtml(r.id)}</a></td>
${hub ? `<td data-label="At the hub">${hubCell(hub, r.identifier, i)}</td>` : ''}
</tr>`,
    )
    .join('\n');
  return page(
    `${summary.name}: referrals received`,
    `<p><a href="${PROVIDERS_MOUNT}/">All provider endpoints</a></p>
<h1>${escapeHtml(summary.name)}</h1>
<p class="muted">FHIR base ${escapeHtml(summary.mount)} (<a href="${escapeHtml(summary.mount)}/ServiceRequest">ServiceRequest search</a>)</p>
${hub ? `<p>A test stand-in for this provider’s own system: the buttons update each referral through the referral hub’s FHIR API (SMART Backend Services), so the GP sees the status.</p>${hub.notice ? `<p class="notice" role="status">${escapeHtml(hub.notice)}</p>` : ''}<style>${ACTION_STYLE}</style>` : ''}
${
  summary.referrals.length === 0
    ? '<p>No referrals received yet.</p>'
    : `<p id="received">${plural(summary.referrals.length, 'referral', 'referrals')} received, newest first.</p>
<table aria-describedby="received">
<thead><tr><th scope="col">Sent (UTC)</th><th scope="col">Reference</th><th scope="col">NHS number</th><th scope="col">Service</th><th scope="col">Task as received</th><th scope="col">FHIR</th>${hub ? '<th scope="col">At the hub</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}`,
  );
}

function sendHtml(
  req: { method?: string | undefined },
  res: Parameters<SandboxHandler>[1],
  status: number,
  html: string,
): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function notAllowed(res: Parameters<SandboxHandler>[1]): true {
  plain(res, 405, 'This page accepts GET and HEAD requests only.', { Allow: 'GET, HEAD' });
  return true;
}

// ---------------------------------------------------------------------------------------------
// BaRS-style messages: POST <base>/$process-message
// ---------------------------------------------------------------------------------------------

const BARS_EVENTS = 'https://fhir.nhs.uk/CodeSystem/message-events-bars';
type MessageProcessor = (req: Parameters<SandboxHandler>[0], res: ServerResponse) => Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * A minimal BaRS receiver for one hosted provider: takes a message Bundle whose MessageHeader's
 * event is `servicerequest-request`; reason `new` stores its resources as conditional creates on
 * each one's first identifier (as the REST route does), reason `update` applies the ServiceRequest's
 * and Task's status to the ones it holds (a cancellation: revoked / cancelled). A message it has
 * processed (same Bundle id) is answered again with the same response and not applied twice.
 * Answers a response message (event servicerequest-response, response.code ok, focus → the
 * ServiceRequest). Processed message ids are kept in memory, like everything else in the sandbox.
 */
function messageProcessor(provider: HostedProvider): MessageProcessor {
  const processed = new Map<string, Bundle>();
  let queue: Promise<unknown> = Promise.resolve();
  const repo = provider.fhir.repo;

  const apply = async (message: Bundle, header: MessageHeader): Promise<Bundle> => {
    const earlier = processed.get(message.id as string);
    if (earlier) return earlier;
    const payload = (message.entry ?? [])
      .slice(1)
      .filter((e): e is BundleEntry & { resource: Resource } => !!e.resource);
    const reason = header.reason?.coding?.[0]?.code;
    let focus: string | undefined;
    if (reason === 'new') {
      const transaction: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: payload.map((e) => {
          const id = (e.resource as { identifier?: Array<{ system?: string; value?: string }> })
            .identifier?.[0];
          const { id: _drop, ...resource } = e.resource;
          return {
            ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}),
            resource: resource as Resource,
            request: {
              method: 'POST',
              url: e.resource.resourceType,
              ...(id?.system && id.value ? { ifNoneExist: `identifier=${id.system}|${id.value}` } : {}),
            },
          };
        }),
      };
      const request: FhirRequest = {
        method: 'POST',
        url: '',
        pathname: '',
        params: {},
        query: {},
        body: transaction,
        headers: {},
        config: { transactions: true },
      };
      const [outcome, result] = await provider.fhir.router.handleRequest(request, repo);
      if (!isOk(outcome)) {
        const text = outcome.issue?.map((i) => i.details?.text ?? i.diagnostics).join(' ');
        throw new FhirHttpError(getStatus(outcome), `The message's resources could not be stored: ${text}`);
      }
      focus = ((result as Bundle | undefined)?.entry ?? [])
        .map((e) => e.response?.location)
        .find((l) => l?.startsWith('ServiceRequest/'))
        ?.split('/_history')[0];
    } else if (reason === 'update') {
      for (const { resource } of payload) {
        if (resource.resourceType !== 'ServiceRequest' && resource.resourceType !== 'Task') continue;
        const id = resource.identifier?.[0];
        if (!id?.system || !id.value) continue;
        const held = await repo.searchResources<ServiceRequest | Task>(
          parseSearchRequest(resource.resourceType, { identifier: `${id.system}|${id.value}` }),
        );
        if (held.length === 0 && resource.resourceType === 'ServiceRequest') {
          throw new FhirHttpError(
            422,
            `This provider has no ServiceRequest with identifier ${id.system}|${id.value}, so there is nothing to update.`,
          );
        }
        for (const current of held) {
          await repo.updateResource({ ...current, status: resource.status } as ServiceRequest | Task);
          if (current.resourceType === 'ServiceRequest') focus = `ServiceRequest/${current.id}`;
        }
      }
    } else {
      throw new FhirHttpError(
        422,
        `This provider takes the message reasons "new" and "update", not "${reason ?? 'none'}".`,
      );
    }
    const response: Bundle = {
      resourceType: 'Bundle',
      id: randomUUID(),
      type: 'message',
      timestamp: new Date().toISOString(),
      entry: [
        {
          resource: {
            resourceType: 'MessageHeader',
            id: randomUUID(),
            eventCoding: { system: BARS_EVENTS, code: 'servicerequest-response' },
            source: { name: provider.name, endpoint: provider.mount },
            response: { identifier: message.id as string, code: 'ok' },
            ...(focus ? { focus: [{ reference: focus }] } : {}),
          },
        },
      ],
    };
    processed.set(message.id as string, response);
    return response;
  };

  return async (req, res) => {
    try {
      if (req.method !== 'POST') {
        throw new FhirHttpError(
          405,
          '$process-message takes POST only: send the message Bundle as the body.',
          {
            Allow: 'POST',
          },
        );
      }
      const body = parseBody(req.headers['content-type'], await readBody(req), 'POST') as Bundle | undefined;
      const header = body?.entry?.[0]?.resource as MessageHeader | undefined;
      if (
        body?.resourceType !== 'Bundle' ||
        body.type !== 'message' ||
        !body.id ||
        header?.resourceType !== 'MessageHeader'
      ) {
        throw new FhirHttpError(
          400,
          'Send a FHIR message: a Bundle of type "message" with an id, whose first entry is its MessageHeader.',
        );
      }
      if (
        header.eventCoding?.system !== BARS_EVENTS ||
        header.eventCoding.code !== 'servicerequest-request'
      ) {
        throw new FhirHttpError(
          422,
          `This provider takes the BaRS event servicerequest-request (${BARS_EVENTS}) only.`,
        );
      }
      const work = queue.then(() => apply(body, header));
      queue = work.catch(() => undefined);
      sendJson(res, 200, await work);
    } catch (err) {
      const status = err instanceof FhirHttpError ? err.status : 500;
      const message =
        err instanceof FhirHttpError
          ? err.message
          : `The provider could not process the message (${(err as Error)?.message ?? String(err)}). Try again.`;
      sendJson(res, status, errorOutcome(status, message));
    }
  };
}
