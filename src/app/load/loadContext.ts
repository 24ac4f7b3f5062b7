/**
 * Loads everything the app needs once it has a token, in as few sequential round trips as the server
 * allows, and reads it into one patient record.
 *
 * `loadContext` (the app's loader) asks for everything at once: one round of parallel GETs, or one
 * batch Bundle POST (`strategy: 'batch'`), with `_include` for the practice and `_revinclude` for the
 * referrals' Tasks. Only what has to wait waits: further pages of a search (`next` links, at most
 * `maxPages` per search; hitting the cap is reported), the practice Organization when the server
 * ignored `_include`, and the practice configuration when its URL needs the practice's ODS code. So
 * on a server that honours includes a patient loads in 1 FHIR round, or 2 with the configuration.
 *
 * `loadContextNaive` (naive.ts, its own module so the app loads it only when asked to) reads each
 * resource type one after another, as a first attempt would; the benchmark compares the two. Both count `roundTrips`: the longest chain of requests, FHIR or
 * configuration, each waiting for the one before.
 *
 * Failures: a read the app cannot work without (the Patient, Observations, ServiceRequests) fails the
 * load with a LaunchFailureError; so does any sign the session or server is broken (401, no answer,
 * timeout). Optional reads that the server refuses (403, 404, 400) or that were not granted are
 * skipped and reported in `problems`, and the rest still loads.
 *
 * Decision on the NHS number: a patient without a valid NHS number fails the load with
 * `no-nhs-number` by default (the issue lists it as an error screen: a referral must identify the
 * patient to a provider, and a record without a traced NHS number is one whose identity the practice
 * has not confirmed). `requireNhsNumber: false` loads anyway, for a read-only view.
 */
import type {
  Bundle,
  BundleEntry,
  Organization,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_ORGANIZATION_SYSTEM } from '../../domain/codes.js';
import type { Directory } from '../../domain/directory.js';
import type { RulesFile } from '../../domain/rules.js';
import { type PatientRecord, RecordError, readRecord } from '../../fhir/record.js';
import {
  classifyFailure,
  describeRequest,
  FAILURE_DETAIL,
  FhirRequestError,
  LaunchFailureError,
  launchFailure,
} from '../smart/failures.js';
import type { FhirRequester } from '../smart/requester.js';
import { allows } from '../smart/scopes.js';
import { type ConfigOptions, defaultConfig, loadPracticeConfig, needsOdsCode } from './config.js';
import { type CodeRef, fastQueries, type Query, type QueryInput } from './queries.js';

export interface LoadOptions {
  patientId: string;
  encounterId?: string;
  /** The user's FHIR resource (`Practitioner/gp-1`, or absolute), from the id_token's fhirUser claim. */
  fhirUser?: string;
  /** The granted scopes: reads they do not allow are not attempted (reported instead). Absent: try everything. */
  grantedScope?: string;
  /** Where the practice configuration comes from, and what to do when it cannot be read. */
  config?: ConfigOptions;
  /** GP-record codes that mean "fit note" (DEFAULT_FIT_NOTE_CODES when absent). */
  fitNoteCodes?: readonly CodeRef[];
  /** `_count` asked for on searches. Default 200. */
  pageSize?: number;
  /** Most pages read per search, first included. Default 10. */
  maxPages?: number;
  /** `parallel` GETs (default) or one `batch` Bundle POST for the first round. */
  strategy?: 'parallel' | 'batch';
  /** Fail with no-nhs-number when the patient has no valid NHS number. Default true. */
  requireNhsNumber?: boolean;
  /**
   * The launch's fhirContext items (SMART 2.2): the resources the launch is about, e.g. the fit note
   * just issued. Those with a `reference` to a type in CONTEXT_ITEM_TYPES are read in the first round
   * and merged into the record when they belong to the patient.
   */
  fhirContext?: ReadonlyArray<{ reference?: string }>;
}

export interface AppContext {
  record: PatientRecord;
  patientId: string;
  encounterId?: string;
  /** `Encounter/<id>`: the launch's Encounter, only when it was read and is the patient's. */
  encounterRef?: string;
  /** The signed-in user: reference (`Practitioner/gp-1`) and name; empty strings when unknown (see problems). */
  user: { reference: string; display: string };
  /** The practice: ODS code and name; empty strings when unknown (see problems). */
  practice: { odsCode: string; name: string };
  config: {
    rules: RulesFile;
    directory: Directory;
    /** `default` when the practice's own configuration could not be read (the reason is in `problem`). */
    source: 'practice' | 'default';
    problem?: string;
    /** The referral hub that delivers this practice's referrals, when it has one. */
    hubUrl?: string;
  };
  /** Sequential round trips from token to loaded (the longest chain of requests). */
  roundTrips: number;
  /** Requests made in all. */
  requests: number;
  /** Things that could not be loaded, in plain English; the app still works without them. */
  problems: string[];
}

const DEFAULT_PAGE_SIZE = 200;
const DEFAULT_MAX_PAGES = 10;

/** Counts requests and the depth of the longest chain. */
class Rounds {
  depth = 0;
  requests = 0;
  async at<T>(depth: number, run: () => Promise<T>): Promise<T> {
    this.requests++;
    if (depth > this.depth) this.depth = depth;
    return run();
  }
}

/** @internal shared with naive.ts */
export interface QueryResult {
  query: Query;
  resources: Resource[];
  /** The depth (round) of the request that finished this query. */
  depth: number;
}

function isBundle(value: unknown): value is Bundle {
  return (value as Bundle | null)?.resourceType === 'Bundle';
}

function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? [])
    .filter(
      (e) => e.resource && e.search?.mode !== 'outcome' && e.resource.resourceType !== 'OperationOutcome',
    )
    .map((e) => e.resource as Resource);
}

export interface Loader {
  requester: FhirRequester;
  rounds: Rounds;
  problems: string[];
  maxPages: number;
}

/**
 * Whether an error means the session or the server is broken, so the whole load must stop: no
 * answer, a timeout, 401, or a server error. A refusal of one request (403, 404, 400…) is not.
 */
function isFatal(err: unknown): boolean {
  if (!(err instanceof FhirRequestError)) return true;
  return err.reason !== 'http' || err.status === undefined || err.status === 401 || err.status >= 500;
}

function toFailure(err: unknown): LaunchFailureError {
  if (err instanceof LaunchFailureError) return err;
  const failure = classifyFailure(err);
  return new LaunchFailureError(failure.kind, failure.detail);
}

/** The first response of a query (already fetched, e.g. from a batch) followed through its pages. */
async function finishQuery(
  loader: Loader,
  query: Query,
  first: unknown,
  depth: number,
): Promise<QueryResult> {
  if (query.kind === 'read') {
    return { query, resources: first && typeof first === 'object' ? [first as Resource] : [], depth };
  }
  if (!isBundle(first)) {
    throw new FhirRequestError(
      'http',
      query.url,
      'The server answered a search with something that is not a Bundle',
      {
        status: 502,
      },
    );
  }
  const resources = resourcesOf(first);
  let page = first;
  let pages = 1;
  let next = nextLink(page);
  const base = loader.requester.fhirBaseUrl;
  while (next !== undefined) {
    if (!next.startsWith(`${base}/`) && !next.startsWith(`${base}?`)) {
      loader.problems.push(
        `The record server pointed to the next page of ${describeRequest(query.url)} on another address, so it was not read: some may be missing.`,
      );
      break;
    }
    if (pages >= loader.maxPages) {
      loader.problems.push(
        `There were more than ${loader.maxPages} pages of ${describeRequest(query.url)}; only the first ${resources.length} were read, so some may be missing. Check the record in the clinical system.`,
      );
      break;
    }
    const url = next;
    depth++;
    page = await loader.rounds.at(depth, () => loader.requester.request<Bundle>(url));
    if (!isBundle(page)) break;
    resources.push(...resourcesOf(page));
    pages++;
    next = nextLink(page);
  }
  return { query, resources, depth };
}

/** Runs one query from the start; optional queries that fail harmlessly give no resources and a problem. */
/** @internal shared with naive.ts */
export async function runQuery(loader: Loader, query: Query, depth: number): Promise<QueryResult> {
  try {
    const first = await loader.rounds.at(depth + 1, () => loader.requester.request<unknown>(query.url));
    return await finishQuery(loader, query, first, depth + 1);
  } catch (err) {
    return optionalFailure(loader, query, err, depth + 1);
  }
}

function optionalFailure(loader: Loader, query: Query, err: unknown, depth: number): QueryResult {
  if (query.required || isFatal(err)) throw toFailure(err);
  if (query.key === 'contextItem') {
    const answered =
      err instanceof FhirRequestError && err.status ? ` (the server answered ${err.status})` : '';
    loader.problems.push(
      `The record entry the clinical system opened the app about (${query.url}) could not be read${answered}; anything the searches found is shown.`,
    );
    return { query, resources: [], depth };
  }
  const words = describeRequest(query.url);
  const answered =
    err instanceof FhirRequestError && err.status ? ` (the server answered ${err.status})` : '';
  loader.problems.push(
    `${capitalise(words)} could not be read${answered}, so ${words === 'the consultation' ? 'it is' : 'they are'} not shown or counted.`,
  );
  return { query, resources: [], depth };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Splits out the queries the granted scopes do not allow (reported), and fails if a required one is among them. */
/** @internal shared with naive.ts */
export function allowedQueries(
  queries: Query[],
  grantedScope: string | undefined,
  problems: string[],
): Query[] {
  if (grantedScope === undefined) return queries;
  return queries.filter((q) => {
    const perm = q.kind === 'read' ? 'r' : 's';
    if (allows(grantedScope, q.resourceType, perm)) return true;
    // A fhirContext item the app may not read: the search of its type already says what is missing.
    if (q.key === 'contextItem') return false;
    if (q.key === 'patient' && allows(grantedScope, 'Patient', 'r')) return true; // replaced by a read below
    if (q.required) {
      throw new LaunchFailureError(
        'scopes-not-granted',
        `The clinical system did not give the app permission to read ${describeRequest(q.url)}. Ask your practice IT lead to check the app’s permissions in the clinical system.`,
      );
    }
    problems.push(
      `The app was not given permission to read ${describeRequest(q.url)}, so they are not shown or counted.`,
    );
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// The practice and the user

function referenceTail(reference: string | undefined, type: string): string | undefined {
  if (!reference) return undefined;
  const match = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(reference);
  return match?.[1];
}

function practiceReference(patient: Patient | undefined): string | undefined {
  if (!patient) return undefined;
  const managing = patient.managingOrganization?.reference;
  if (referenceTail(managing, 'Organization')) return managing;
  return patient.generalPractitioner
    ?.map((r: Reference) => r.reference)
    .find((r) => referenceTail(r, 'Organization'));
}

function findById<T extends Resource>(
  resources: Resource[],
  type: T['resourceType'],
  reference: string | undefined,
): T | undefined {
  const id = referenceTail(reference, type);
  if (id === undefined) return undefined;
  return resources.find((r) => r.resourceType === type && r.id === id) as T | undefined;
}

/** @internal shared with naive.ts */
export function describePractice(org: Organization | undefined): { odsCode: string; name: string } {
  const odsCode = org?.identifier?.find((i) => i.system === ODS_ORGANIZATION_SYSTEM)?.value?.trim() ?? '';
  return { odsCode, name: org?.name ?? '' };
}

export function personName(resource: Practitioner | undefined): string {
  const name = resource?.name?.find((n) => n.use === 'official') ?? resource?.name?.[0];
  if (!name) return '';
  if (name.text) return name.text;
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Assembly

function assemble(base: string, results: QueryResult[], extra: Resource[]): Bundle {
  const entries: BundleEntry[] = [];
  const seen = new Set<string>();
  const all = [...results.flatMap((r) => r.resources), ...extra];
  // The Patient first, then everything else in the order read.
  all.sort((a, b) => Number(b.resourceType === 'Patient') - Number(a.resourceType === 'Patient'));
  for (const resource of all) {
    const key = resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
    if (key !== undefined) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    entries.push(key ? { fullUrl: `${base}/${key}`, resource } : { resource });
  }
  return { resourceType: 'Bundle', type: 'collection', entry: entries };
}

export interface Gathered {
  results: QueryResult[];
  practiceOrg?: Organization;
  config: Awaited<ReturnType<typeof loadPracticeConfig>>;
}

/** @internal shared with naive.ts */
export function finish(
  requester: FhirRequester,
  options: LoadOptions,
  loader: Loader,
  gathered: Gathered,
): AppContext {
  const { results, practiceOrg, config } = gathered;
  const patientResult = results.find((r) => r.query.key === 'patient');
  const patient = patientResult?.resources.find(
    (r): r is Patient => r.resourceType === 'Patient' && r.id === options.patientId,
  );
  if (patient === undefined) {
    throw new LaunchFailureError(
      'no-launch-context',
      'The patient the clinical system opened the app for could not be found in the record. Open the app again from the patient’s record; if it keeps happening, tell your practice IT lead.',
    );
  }
  // Only the launch patient's Patient resource goes into the record (includes bring Organizations and Practitioners).
  const patientQueryResources = (patientResult?.resources ?? []).filter(
    (r) => r.resourceType !== 'Patient' || r.id === options.patientId,
  );
  const bundle = assemble(
    requester.fhirBaseUrl,
    results.map((r) => {
      if (r.query.key === 'patient') return { ...r, resources: patientQueryResources };
      // fhirContext items join the record (deduplicated by id in assemble) only when they are of the
      // type asked for and belong to the launch patient: an item about another patient, or of another
      // type than its reference said, is ignored.
      if (r.query.key === 'contextItem')
        return {
          ...r,
          resources: r.resources.filter(
            (res) => res.resourceType === r.query.resourceType && belongsTo(res, options.patientId),
          ),
        };
      return r;
    }),
    practiceOrg ? [practiceOrg] : [],
  );
  let record: PatientRecord;
  try {
    record = readRecord(bundle);
  } catch (err) {
    const message = err instanceof RecordError ? err.message : String(err);
    throw new LaunchFailureError(
      'fhir-unreachable',
      `The patient’s record could not be read (${message}). Tell your practice IT lead.`,
    );
  }
  if (options.requireNhsNumber !== false && record.patient.nhsNumber === undefined) {
    const recorded = patient.identifier?.some((i) => i.system === NHS_NUMBER_SYSTEM && i.value);
    // A number that is there but fails the check is its own failure: the fix is to correct it, not trace one.
    throw new LaunchFailureError(
      recorded ? 'nhs-number-invalid' : 'no-nhs-number',
      FAILURE_DETAIL[recorded ? 'nhs-number-invalid' : 'no-nhs-number'],
    );
  }

  const problems = [...loader.problems];
  const practice = describePractice(practiceOrg);
  if (!practiceOrg)
    problems.push(
      'The patient’s registered practice is not in the record, so its name and ODS code are not known.',
    );
  else if (!practice.odsCode) problems.push('The practice’s record has no ODS code.');

  const userResult = results.find((r) => r.query.key === 'user');
  const userResource = userResult?.resources[0] as Practitioner | undefined;
  const userReference = options.fhirUser ? options.fhirUser.replace(`${requester.fhirBaseUrl}/`, '') : '';
  if (!options.fhirUser)
    problems.push(
      'The clinical system did not say who you are, so referrals will not name you as the referrer.',
    );
  const user = { reference: userReference, display: personName(userResource) };

  const context: AppContext = {
    record,
    patientId: options.patientId,
    user,
    practice,
    config: {
      rules: config.rules,
      directory: config.directory,
      source: config.source,
      ...(config.hubUrl ? { hubUrl: config.hubUrl } : {}),
      ...(config.problem ? { problem: config.problem } : {}),
    },
    roundTrips: loader.rounds.depth,
    requests: loader.rounds.requests,
    problems: config.problem ? [...problems, config.problem] : problems,
  };
  if (options.encounterId) {
    context.encounterId = options.encounterId;
    const encounter = results
      .filter((r) => r.query.key === 'encounter')
      .flatMap((r) => r.resources)
      .find((r) => r.resourceType === 'Encounter' && r.id === options.encounterId);
    if (encounter && belongsTo(encounter, options.patientId))
      context.encounterRef = `Encounter/${encounter.id}`;
  }
  return context;
}

/** Whether a resource's subject (or patient) is the launch patient. */
function belongsTo(resource: Resource, patientId: string): boolean {
  const r = resource as { subject?: Reference; patient?: Reference };
  const reference = r.subject?.reference ?? r.patient?.reference;
  return referenceTail(reference, 'Patient') === patientId;
}

/** The practice Organization: from the results, or read by reference (one more round). */
/** @internal shared with naive.ts */
export async function practiceFor(
  loader: Loader,
  patientResult: QueryResult,
): Promise<{ org?: Organization; depth: number }> {
  const patient = patientResult.resources.find((r): r is Patient => r.resourceType === 'Patient');
  const reference = practiceReference(patient);
  if (!reference) return { depth: patientResult.depth };
  const found = findById<Organization>(patientResult.resources, 'Organization', reference);
  if (found) return { org: found, depth: patientResult.depth };
  const result = await runQuery(
    loader,
    { key: 'practice', url: reference, kind: 'read', required: false, resourceType: 'Organization' },
    patientResult.depth,
  );
  const org = result.resources.find((r): r is Organization => r.resourceType === 'Organization');
  return org ? { org, depth: result.depth } : { depth: result.depth };
}

/** @internal shared with naive.ts */
export async function configAt(
  loader: Loader,
  options: LoadOptions,
  odsCode: string | undefined,
  depth: number,
) {
  try {
    return await loader.rounds.at(depth + 1, () => loadPracticeConfig(odsCode, options.config));
  } catch (err) {
    if (err instanceof LaunchFailureError) throw err;
    if (options.config?.required)
      throw new LaunchFailureError('config-unreadable', launchFailure('config-unreadable').detail);
    return defaultConfig(String(err));
  }
}

/** The early configuration, or the one read once the practice's ODS code is known. */
function configAfter(
  loader: Loader,
  options: LoadOptions,
  earlyConfig: ReturnType<typeof configAt> | undefined,
  practicePromise: Promise<{ org?: Organization; depth: number }>,
): ReturnType<typeof configAt> {
  const config =
    earlyConfig ??
    practicePromise.then((p) =>
      configAt(loader, options, describePractice(p.org).odsCode || undefined, p.depth),
    );
  // Keep a rejection from going unhandled while the other reads finish; it is awaited below.
  config.catch(() => undefined);
  return config;
}

/** @internal shared with naive.ts */
export function loaderFor(requester: FhirRequester, options: LoadOptions): Loader {
  return {
    requester,
    rounds: new Rounds(),
    problems: [],
    maxPages: Math.max(1, options.maxPages ?? DEFAULT_MAX_PAGES),
  };
}

/** Sends the first round as one batch Bundle; each entry's response continues as its query. */
async function batchRound(loader: Loader, queries: Query[]): Promise<QueryResult[]> {
  const base = loader.requester.fhirBaseUrl;
  const inBatch = queries.filter((q) => !/^https?:\/\//i.test(q.url) || q.url.startsWith(`${base}/`));
  const outside = queries.filter((q) => !inBatch.includes(q));
  const body: Bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: inBatch.map((q) => ({ request: { method: 'GET', url: q.url.replace(`${base}/`, '') } })),
  };
  const batchPromise = loader.rounds.at(1, () =>
    loader.requester.request<Bundle>('', { method: 'POST', body: JSON.stringify(body) }),
  );
  const outsidePromises = outside.map((q) => runQuery(loader, q, 0));
  let response: Bundle;
  try {
    response = await batchPromise;
    if (!isBundle(response))
      throw new FhirRequestError('http', base, 'The batch answer is not a Bundle', { status: 400 });
  } catch (err) {
    if (isFatal(err) || (err as FhirRequestError).status === 403) throw toFailure(err);
    // The server does not take batches: ask for each on its own, in the next round.
    return [
      ...(await Promise.all(inBatch.map((q) => runQuery(loader, q, 1)))),
      ...(await Promise.all(outsidePromises)),
    ];
  }
  const results = await Promise.all(
    inBatch.map(async (query, index) => {
      const entry = response.entry?.[index];
      const status = Number.parseInt(entry?.response?.status ?? '', 10);
      try {
        if (!entry || !(status >= 200 && status < 300)) {
          throw new FhirRequestError(
            'http',
            query.url,
            `The batch entry answered ${entry?.response?.status ?? 'nothing'}`,
            {
              status: Number.isFinite(status) ? status : 502,
            },
          );
        }
        return await finishQuery(loader, query, entry.resource, 1);
      } catch (err) {
        return optionalFailure(loader, query, err, 1);
      }
    }),
  );
  return [...results, ...(await Promise.all(outsidePromises))];
}

/** What both loaders' query lists are built from. */
export function queryInput(options: LoadOptions, fhirBaseUrl?: string): QueryInput {
  const contextReferences = (options.fhirContext ?? []).flatMap((item) =>
    item.reference ? [item.reference] : [],
  );
  return {
    patientId: options.patientId,
    ...(contextReferences.length > 0 ? { contextReferences } : {}),
    ...(fhirBaseUrl ? { fhirBaseUrl } : {}),
    ...(options.encounterId ? { encounterId: options.encounterId } : {}),
    ...(options.fhirUser ? { fhirUser: options.fhirUser } : {}),
    ...(options.fitNoteCodes ? { fitNoteCodes: options.fitNoteCodes } : {}),
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
  };
}

/** Loads the patient's context in as few sequential round trips as the server allows (see the module comment). */
export async function loadContext(requester: FhirRequester, options: LoadOptions): Promise<AppContext> {
  const loader = loaderFor(requester, options);
  let queries = allowedQueries(
    fastQueries(queryInput(options, requester.fhirBaseUrl)),
    options.grantedScope,
    loader.problems,
  );
  if (options.grantedScope !== undefined && !allows(options.grantedScope, 'Patient', 's')) {
    queries = queries.map((q) =>
      q.key === 'patient'
        ? { ...q, url: `Patient/${encodeURIComponent(options.patientId)}`, kind: 'read' }
        : q,
    );
  }
  const configFirst = !needsOdsCode(options.config?.configUrl);
  const earlyConfig = configFirst ? configAt(loader, options, undefined, 0) : undefined;
  // Keep a rejected early config from going unhandled while the FHIR reads run.
  earlyConfig?.catch(() => undefined);

  let practicePromise: Promise<{ org?: Organization; depth: number }>;
  let configPromise: ReturnType<typeof configAt> | undefined;
  let results: QueryResult[];
  if (options.strategy === 'batch') {
    results = await batchRound(loader, queries);
    const patientResult = results.find((r) => r.query.key === 'patient') as QueryResult;
    practicePromise = practiceFor(loader, patientResult);
  } else {
    const running = queries.map((q) => runQuery(loader, q, 0));
    const patientIndex = queries.findIndex((q) => q.key === 'patient');
    practicePromise = (running[patientIndex] as Promise<QueryResult>).then((r) => practiceFor(loader, r));
    practicePromise.catch(() => undefined);
    // Start the configuration as soon as the practice is known, not after every other read.
    configPromise = configAfter(loader, options, earlyConfig, practicePromise);
    results = await Promise.all(running);
  }
  configPromise ??= configAfter(loader, options, earlyConfig, practicePromise);
  const [practice, config] = await Promise.all([practicePromise, configPromise]);
  return finish(requester, options, loader, {
    results,
    ...(practice.org ? { practiceOrg: practice.org } : {}),
    config,
  });
}
