/**
 * The FHIR API for providers' own systems (FHIR R4 JSON, application/fhir+json), each call with a
 * SMART Backend Services access token (auth/backendServices.ts) that acts for one provider:
 *
 *   GET /fhir/metadata                       CapabilityStatement (no token needed)
 *   GET /fhir/Task?status=&_lastUpdated=&_count=&_include=Task:focus
 *                                            searchset of the provider's referral Tasks, newest first
 *   GET /fhir/Task/:id                       one referral's Task (ETag W/"<versionId>")
 *   PUT /fhir/Task/:id                       the provider's updated Task (If-Match honoured): its status,
 *                                            businessStatus, statusReason and output become a
 *                                            ProviderAction (src/fhir/taskOutcome.ts) applied by
 *                                            applyProviderAction; answers the updated Task
 *   GET /fhir/ServiceRequest/:id             the referral as the GP sent it, its Consent and employment
 *                                            Observations contained (supportingInfo → #consent, #…)
 *
 * Ids are the referral's business identifier value (the same for its Task and ServiceRequest). Another
 * provider's referral is a 404, as if it did not exist. Elements the provider may not change (focus,
 * for, owner, requester, identifier, code, intent, authoredOn …) must equal the hub's (leaving them
 * out is fine): a difference is a 422 naming the element. Refusals are OperationOutcomes: 401 without
 * or with a bad token, 403 for a scope the token lacks.
 */
import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  CapabilityStatement,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseProviderAction, REFERRAL_STATUSES, type ReferralStatus } from '../../domain/outcome.js';
import { actionFromTask, taskStatusElements } from '../../fhir/taskOutcome.js';
import {
  type BackendServices,
  type ProviderSystemContext,
  requireSystemScope,
} from '../auth/backendServices.js';
import { FHIR_JSON, HubError, type Problem } from '../errors.js';
import { applyProviderAction, loadProviderReferral } from '../providerActions.js';
import type { StoredReferral } from '../store/types.js';
import type { RouteDeps } from './deps.js';

const iso = (ms: number) => new Date(ms).toISOString();
/**
 * The Task's version: a digest of what the provider's Task shows (status, business status, reason,
 * outcome), not the referral's updatedAt, which the hub's own delivery bookkeeping also moves; an
 * update based on a read of the same Task must not fail with 412 because the hub delivered it meanwhile.
 */
const versionOf = (r: StoredReferral) =>
  createHash('sha256')
    .update(JSON.stringify([r.status, r.businessStatus ?? null, r.statusReason ?? null, r.outcome ?? null]))
    .digest('base64url')
    .slice(0, 16);

function entryOf<T extends Resource>(referral: StoredReferral, type: T['resourceType']): T | undefined {
  return referral.bundle.entry?.find((e) => e.resource?.resourceType === type)?.resource as T | undefined;
}

/** The referral's Task as the hub shows it: the GP's Task with the referral's current state. */
export function taskOf(referral: StoredReferral): Task {
  const gp = entryOf<Task>(referral, 'Task');
  const state = taskStatusElements(referral);
  const task: Task = {
    resourceType: 'Task',
    id: referral.id,
    meta: {
      versionId: versionOf(referral),
      lastUpdated: iso(referral.updatedAt),
      ...(gp?.meta?.profile ? { profile: gp.meta.profile } : {}),
    },
    ...(state.contained ? { contained: state.contained } : {}),
    ...(gp?.identifier ? { identifier: gp.identifier } : {}),
    status: state.status as Task['status'],
    ...(state.statusReason ? { statusReason: state.statusReason } : {}),
    ...(state.businessStatus ? { businessStatus: state.businessStatus } : {}),
    intent: gp?.intent ?? 'order',
    ...(gp?.code ? { code: gp.code } : {}),
    focus: { reference: `ServiceRequest/${referral.id}`, type: 'ServiceRequest' },
    ...(gp?.for ? { for: gp.for } : {}),
    ...(gp?.authoredOn ? { authoredOn: gp.authoredOn } : {}),
    lastModified: iso(referral.updatedAt),
    ...(gp?.requester ? { requester: gp.requester } : {}),
    ...(gp?.owner ? { owner: gp.owner } : {}),
    ...(state.output ? { output: state.output } : {}),
  };
  return task;
}

/** The referral's ServiceRequest as the GP sent it, its supporting resources contained. */
export function serviceRequestOf(referral: StoredReferral): ServiceRequest {
  const entries = referral.bundle.entry ?? [];
  const sr = entryOf<ServiceRequest>(referral, 'ServiceRequest') as ServiceRequest;
  const contained: Resource[] = [...(sr.contained ?? [])];
  const local = new Map<string, string>();
  let n = 0;
  for (const e of entries) {
    const r = e.resource;
    if (r === undefined || r.resourceType === 'ServiceRequest' || r.resourceType === 'Task' || !e.fullUrl)
      continue;
    const id = r.resourceType === 'Consent' && !local.has('consent') ? 'consent' : `supporting-${++n}`;
    local.set(e.fullUrl, id);
    const { meta: _meta, id: _id, ...rest } = r as Resource & { meta?: unknown };
    contained.push({ ...rest, id, ...(r.meta ? { meta: r.meta } : {}) } as Resource);
  }
  const relink = <T extends { reference?: string }>(ref: T): T => {
    const id = ref.reference === undefined ? undefined : local.get(ref.reference);
    return id === undefined ? ref : { ...ref, reference: `#${id}` };
  };
  const { resourceType: _type, id: _id, meta, contained: _c, ...rest } = sr;
  return {
    resourceType: 'ServiceRequest',
    id: referral.id,
    meta: { ...meta, versionId: versionOf(referral), lastUpdated: iso(referral.updatedAt) },
    ...(contained.length > 0 ? { contained } : {}),
    ...rest,
    status: referral.status === 'cancelled' ? 'revoked' : sr.status,
    ...(sr.supportingInfo ? { supportingInfo: sr.supportingInfo.map(relink) } : {}),
  } as ServiceRequest;
}

// ---------------------------------------------------------------------------------------------
// Search parameters
// ---------------------------------------------------------------------------------------------

const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const PREFIXES = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
type Prefix = (typeof PREFIXES)[number];

interface TaskSearch {
  statuses?: ReferralStatus[];
  lastUpdated: Array<{ prefix: Prefix; at: number }>;
  count: number;
  includeFocus: boolean;
}

const bad = (text: string, expression?: string) =>
  new HubError(400, { code: 'invalid', text, ...(expression ? { expression } : {}) });

const values = (raw: unknown): string[] =>
  Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];

/** Start of the period a FHIR date(Time) names, and its end (ms). */
function periodOf(text: string): { start: number; end: number } | undefined {
  if (!DATE_TIME.test(text)) return undefined;
  if (text.includes('T')) {
    const start = Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(text) ? text : `${text}Z`);
    return Number.isNaN(start) ? undefined : { start, end: start + 1 };
  }
  const [y, m, d] = text.split('-').map(Number) as [number, number?, number?];
  const start = Date.UTC(y, (m ?? 1) - 1, d ?? 1);
  const end =
    d !== undefined
      ? Date.UTC(y, (m ?? 1) - 1, d + 1)
      : m !== undefined
        ? Date.UTC(y, m, 1)
        : Date.UTC(y + 1, 0, 1);
  if (Number.isNaN(start) || (m !== undefined && (m < 1 || m > 12)) || (d !== undefined && (d < 1 || d > 31)))
    return undefined;
  return { start, end };
}

export function parseTaskSearch(query: Record<string, unknown>): TaskSearch {
  const search: TaskSearch = { lastUpdated: [], count: 50, includeFocus: false };
  for (const [key, raw] of Object.entries(query)) {
    const list = values(raw);
    switch (key) {
      case 'status': {
        const statuses = list.flatMap((v) => v.split(','));
        for (const s of statuses) {
          if (!(REFERRAL_STATUSES as readonly string[]).includes(s))
            throw bad(
              `status "${s}" is not a referral status: use ${REFERRAL_STATUSES.join(', ')} (comma-separated for several).`,
              'status',
            );
        }
        search.statuses = statuses as ReferralStatus[];
        break;
      }
      case '_lastUpdated':
        for (const v of list) {
          const prefix = (PREFIXES as readonly string[]).includes(v.slice(0, 2))
            ? (v.slice(0, 2) as Prefix)
            : 'eq';
          const date = prefix === 'eq' && !v.startsWith('eq') ? v : v.slice(2);
          const period = periodOf(date);
          if (period === undefined)
            throw bad(
              `_lastUpdated "${v.slice(0, 40)}" is not a date: use e.g. _lastUpdated=gt2026-11-20T10:00:00Z (prefixes gt, ge, lt, le, eq).`,
              '_lastUpdated',
            );
          const at = prefix === 'gt' || prefix === 'le' ? period.end - 1 : period.start;
          if (prefix === 'eq') {
            search.lastUpdated.push({ prefix: 'ge', at: period.start }, { prefix: 'lt', at: period.end });
          } else search.lastUpdated.push({ prefix, at: prefix === 'lt' ? period.start : at });
        }
        break;
      case '_count': {
        const v = list[list.length - 1] ?? '';
        if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > 1000)
          throw bad(`_count "${v.slice(0, 20)}" must be a whole number from 1 to 1000.`, '_count');
        search.count = Number(v);
        break;
      }
      case '_include':
        for (const v of list) {
          if (v !== 'Task:focus')
            throw bad(
              `_include "${v.slice(0, 60)}" is not supported: the hub includes Task:focus (the ServiceRequests) only.`,
              '_include',
            );
          search.includeFocus = true;
        }
        break;
      case '_format':
        if (list.some((v) => !/json/.test(v)))
          throw bad('The hub answers JSON only: leave out _format, or use _format=json.');
        break;
      default:
        throw bad(
          `The search parameter "${key.slice(0, 60)}" is not supported here: use status, _lastUpdated, _count and _include=Task:focus.`,
          key.slice(0, 60),
        );
    }
  }
  return search;
}

function matchesUpdated(at: number, filters: TaskSearch['lastUpdated']): boolean {
  return filters.every((f) =>
    f.prefix === 'gt'
      ? at > f.at
      : f.prefix === 'ge'
        ? at >= f.at
        : f.prefix === 'lt'
          ? at < f.at
          : at <= f.at,
  );
}

// ---------------------------------------------------------------------------------------------
// PUT: what a provider may not change
// ---------------------------------------------------------------------------------------------

/** Elements the provider sets: the state, and the outcome. Everything else is the hub's. */
const PROVIDER_ELEMENTS = new Set([
  'resourceType',
  'id',
  'meta',
  'text',
  'status',
  'statusReason',
  'businessStatus',
  'output',
  'contained',
  'lastModified',
]);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function unchangeable(body: Record<string, unknown>, held: Task): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (PROVIDER_ELEMENTS.has(key) || value === undefined) continue;
    const mine = (held as unknown as Record<string, unknown>)[key];
    if (mine === undefined) {
      problems.push({
        code: 'business-rule',
        expression: `Task.${key}`,
        text: `Task.${key.slice(0, 60)} is not kept by the hub and cannot be set by a provider: leave it out. A provider changes status, statusReason, businessStatus and output.`,
      });
    } else if (canonical(value) !== canonical(mine)) {
      problems.push({
        code: 'business-rule',
        expression: `Task.${key}`,
        text: `Task.${key} differs from the referral's (a provider cannot change it): send it as the hub shows it, or leave it out.`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

function capabilityStatement(hubUrl: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-21',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    implementation: {
      description: 'fitnote-prompt referral hub: the FHIR API for providers’ systems',
      url: `${hubUrl}/fhir`,
    },
    rest: [
      {
        mode: 'server',
        security: {
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          description: `SMART Backend Services: tokens from ${hubUrl}/auth/token (see ${hubUrl}/fhir/.well-known/smart-configuration).`,
        },
        resource: [
          {
            type: 'Task',
            interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'update' }],
            versioning: 'versioned-update',
            searchInclude: ['Task:focus'],
            searchParam: [
              { name: 'status', type: 'token' },
              { name: '_lastUpdated', type: 'date' },
              { name: '_count', type: 'number' },
            ],
          },
          { type: 'ServiceRequest', interaction: [{ code: 'read' }] },
        ],
      },
    ],
  };
}

export function registerProviderFhirRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  backend: BackendServices,
): void {
  const send = (reply: FastifyReply, status: number, resource: Resource, referral?: StoredReferral) => {
    if (referral !== undefined) {
      reply
        .header('ETag', `W/"${versionOf(referral)}"`)
        .header('Last-Modified', new Date(referral.updatedAt).toUTCString());
    }
    return reply.code(status).type(FHIR_JSON).header('Cache-Control', 'no-store').send(resource);
  };

  const authenticate = (request: FastifyRequest): Promise<ProviderSystemContext> =>
    backend.authenticate(request.headers, deps.publicUrl());

  app.get('/fhir/metadata', async (_request, reply) =>
    reply.type(FHIR_JSON).send(capabilityStatement(deps.publicUrl())),
  );

  app.get('/fhir/Task', async (request, reply) => {
    const system = await authenticate(request);
    requireSystemScope(system, 'Task', 's');
    const search = parseTaskSearch(request.query as Record<string, unknown>);
    if (search.includeFocus) requireSystemScope(system, 'ServiceRequest', 'r');
    const lists = await Promise.all(
      (search.statuses ?? [undefined]).map((status) =>
        deps.store.listReferrals({
          providerId: system.providerId,
          ...(status ? { status } : {}),
          limit: 1000,
        }),
      ),
    );
    const matched = lists
      .flat()
      .filter((r) => matchesUpdated(r.updatedAt, search.lastUpdated))
      .sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
    const page = matched.slice(0, search.count);
    const hub = deps.publicUrl();
    const entry: BundleEntry[] = page.map((r) => ({
      fullUrl: `${hub}/fhir/Task/${r.id}`,
      resource: taskOf(r),
      search: { mode: 'match' },
    }));
    if (search.includeFocus) {
      for (const r of page)
        entry.push({
          fullUrl: `${hub}/fhir/ServiceRequest/${r.id}`,
          resource: serviceRequestOf(r),
          search: { mode: 'include' },
        });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matched.length,
      link: [{ relation: 'self', url: `${hub}${request.url}` }],
      entry,
    };
    return send(reply, 200, bundle);
  });

  app.get<{ Params: { id: string } }>('/fhir/Task/:id', async (request, reply) => {
    const system = await authenticate(request);
    requireSystemScope(system, 'Task', 'r');
    const referral = await loadProviderReferral(deps, request.params.id, system.providerId);
    return send(reply, 200, taskOf(referral), referral);
  });

  app.get<{ Params: { id: string } }>('/fhir/ServiceRequest/:id', async (request, reply) => {
    const system = await authenticate(request);
    requireSystemScope(system, 'ServiceRequest', 'r');
    const referral = await loadProviderReferral(deps, request.params.id, system.providerId);
    return send(reply, 200, serviceRequestOf(referral), referral);
  });

  app.put<{ Params: { id: string } }>('/fhir/Task/:id', async (request, reply) => {
    const system = await authenticate(request);
    requireSystemScope(system, 'Task', 'u');
    const { id } = request.params;
    const referral = await loadProviderReferral(deps, id, system.providerId);
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw bad('Send the updated Task as a FHIR JSON resource (Content-Type application/fhir+json).');
    }
    const task = body as Record<string, unknown>;
    if (task.resourceType !== 'Task') {
      throw bad(
        `This address takes a Task, not ${typeof task.resourceType === 'string' ? `a ${task.resourceType.slice(0, 40)}` : 'a body without resourceType'}.`,
        'resourceType',
      );
    }
    if (task.id !== id) {
      throw bad(`The Task's id must be "${id}", the id in the address (FHIR update).`, 'Task.id');
    }
    const ifMatch = request.headers['if-match'];
    if (
      typeof ifMatch === 'string' &&
      ifMatch.replace(/^W\//, '').replace(/"/g, '') !== versionOf(referral)
    ) {
      throw new HubError(412, {
        code: 'conflict',
        text: `The referral has changed since you read it (version ${versionOf(referral)}, not ${ifMatch.slice(0, 40)}): read it again, then send your update.`,
      });
    }
    const held = taskOf(referral);
    const problems = unchangeable(task, held);
    if (problems.length > 0) throw new HubError(422, problems);
    const read = actionFromTask(task as unknown as Task);
    if (!read.ok) {
      throw new HubError(
        422,
        read.problems.map((p) => ({ code: 'business-rule', expression: p.expression, text: p.text })),
      );
    }
    if (read.action === undefined) {
      if (referral.status === 'requested') return send(reply, 200, held, referral);
      throw new HubError(422, {
        code: 'business-rule',
        expression: 'Task.status',
        text: `The referral is ${referral.status}; it cannot go back to requested.`,
      });
    }
    const parsed = parseProviderAction(read.action);
    if (!parsed.ok) {
      throw new HubError(
        422,
        parsed.problems.map((text) => ({ code: 'business-rule', text: `The Task's outcome: ${text}` })),
      );
    }
    const { referral: updated } = await applyProviderAction(deps, {
      referralId: referral.id,
      providerId: system.providerId,
      action: parsed.value,
      agent: `client:${system.clientId}`,
    });
    return send(reply, 200, taskOf(updated), updated);
  });
}
