/**
 * The IT-lead console's configuration API (issue 5): the practice's prompt rules and provider
 * directory, versioned. Every route but sign-in needs a staff token with the it-lead role; the
 * practice is the token's fitnote_practice. Errors are OperationOutcomes (HubError).
 *
 *   GET  /admin/api/sign-in                   where to sign in (no token; 503 when not set up)
 *   GET  /admin/api/me                        { name?, practiceOds }
 *   GET  /admin/api/rules                     { live, latest, national, providers }
 *   GET  /admin/api/rules/versions            { versions } newest first, with bodies and changes
 *   GET  /admin/api/rules/versions/:n         one version
 *   POST /admin/api/rules/versions            { rules, note?, basedOn } → 201 draft; 422 problems; 409 stale
 *   POST /admin/api/rules/versions/:n/publish → the version, now live (checked again against the directory)
 *   POST /admin/api/rules/versions/:n/restore → 201 a new draft with version n's rules
 *   POST /admin/api/rules/import              the rules file text → 201 draft; 422 every problem
 *   GET  /admin/api/rules/export?version=n    the rules file (default the live one) as an attachment
 *   GET  /admin/api/directory                 { live, today }
 *   GET  /admin/api/directory/versions        { versions }
 *   PUT  /admin/api/directory                 { directory, basedOn, note? } → saved AND published
 *   POST /admin/api/directory/providers/:id/test-connection → what the provider's FHIR server said
 *
 * The first console request for a practice with nothing stored seeds version 1 of each kind
 * (config/versions.ts). Rules are checked with the CLI's schema (parseRules) against the live
 * directory's provider ids; a directory that would leave the live or latest rules naming a provider
 * it no longer has is refused, so GPs are never served rules that point nowhere.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { londonDateOf } from '../../domain/dates.js';
import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import { type Directory, type Provider, parseDirectory } from '../../domain/directory.js';
import { parseRules, parseRulesText, type RulesFile } from '../../domain/rules.js';
import { requireItLead, type StaffContext, staffAgent } from '../auth/staff.js';
import { ensureSeeded, type VersionView, versionView, versionViews } from '../config/versions.js';
import { HubError, type Problem } from '../errors.js';
import { staleConfigVersion } from '../store/common.js';
import type { ConfigKind, ConfigVersion, HubStore, NewConfigVersion } from '../store/types.js';
import { StoreConflictError } from '../store/types.js';
import { authenticateStaff, type RouteDeps } from './deps.js';

export const IT_LEAD_CLIENT_ID = 'it-lead-console';
/** How long a connection test waits for the provider's server. */
export const CONNECTION_TEST_TIMEOUT_MS = 5000;
const NOTE_MAX = 500;

export interface AdminConfigRouteOptions {
  oidc: { issuer: string; audience: string } | undefined;
}

interface ItLead {
  staff: StaffContext;
  ods: string;
  agent: string;
}

function national(): RulesFile {
  const parsed = parseRules(structuredClone(DEFAULT_RULES));
  if (!parsed.ok) throw new Error(`The national default rules do not validate: ${parsed.problems.join(' ')}`);
  return parsed.value;
}

/** 422 with one issue per problem, the first saying nothing was saved. */
function refused(problems: string[], lead: string): HubError {
  return new HubError(422, [
    { code: 'business-rule', text: lead },
    ...problems.map((text): Problem => ({ code: 'invalid', text })),
  ]);
}

function bad(text: string, expression?: string): HubError {
  return new HubError(400, { code: 'invalid', text, ...(expression ? { expression } : {}) });
}

function versionNumber(text: string | undefined, what = 'version'): number {
  if (text === undefined || !/^[1-9]\d{0,8}$/.test(text)) {
    throw bad(`"${String(text).slice(0, 20)}" is not a ${what} number: use a whole number, 1 or more.`);
  }
  return Number(text);
}

function noteOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad('note must be text (or left out).', 'note');
  const note = value.trim();
  if (note.length > NOTE_MAX) throw bad(`note is ${note.length} characters; keep it to ${NOTE_MAX}.`, 'note');
  return note === '' ? undefined : note;
}

function bodyObject(body: unknown, shape: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw bad(`Send a JSON object: ${shape}.`);
  }
  return body as Record<string, unknown>;
}

function basedOnOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw bad(
      'basedOn must be the number of the version your change starts from (the latest version when you opened it).',
      'basedOn',
    );
  }
  return value;
}

const KIND_WORDS: Record<ConfigKind, string> = { rules: 'prompt rules', directory: 'provider directory' };

function stale(kind: ConfigKind, basedOn: number, latest: number): HubError {
  return new HubError(409, { code: 'conflict', text: staleConfigVersion({ kind, basedOn }, latest).message });
}

/** Saves a version; another save since `basedOn` (a race the route's own check cannot close) is a 409. */
async function saveVersion(store: HubStore, version: NewConfigVersion, now: number): Promise<ConfigVersion> {
  try {
    return await store.saveConfigVersion(version, now);
  } catch (error) {
    if (error instanceof StoreConflictError && error.kind === 'stale')
      throw new HubError(409, { code: 'conflict', text: error.message });
    throw error;
  }
}

function providerStatus(provider: Provider): 'active' | 'paused' | 'closed' {
  return provider.status === 'open' ? 'active' : provider.status;
}

/** The providers the rules name, by rule: `{ providerId: [ruleId, …] }`. */
function rulesNaming(rules: unknown): Map<string, string[]> {
  const naming = new Map<string, string[]>();
  const list = (rules as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) return naming;
  for (const rule of list) {
    const { id, providers } = (rule ?? {}) as { id?: unknown; providers?: unknown };
    if (typeof id !== 'string' || !Array.isArray(providers)) continue;
    for (const provider of providers) {
      if (typeof provider !== 'string') continue;
      naming.set(provider, [...(naming.get(provider) ?? []), id]);
    }
  }
  return naming;
}

// ---------------------------------------------------------------------------------------------
// Connection test.

export interface ConnectionTestResult {
  ok: boolean;
  summary: string;
  url: string;
  status?: number;
  elapsedMs: number;
  fhirVersion?: string;
  software?: string;
  processMessage?: boolean;
}

function hasProcessMessage(capability: Record<string, unknown>): boolean {
  const isIt = (op: unknown) => {
    const { name, definition } = (op ?? {}) as { name?: unknown; definition?: unknown };
    return (
      name === 'process-message' ||
      name === '$process-message' ||
      (typeof definition === 'string' && /process-message$/.test(definition))
    );
  };
  const rest = Array.isArray(capability.rest) ? capability.rest : [];
  return rest.some((r) => {
    const { operation, resource } = (r ?? {}) as { operation?: unknown; resource?: unknown };
    if (Array.isArray(operation) && operation.some(isIt)) return true;
    return (
      Array.isArray(resource) &&
      resource.some((res) => {
        const ops = (res as { operation?: unknown } | null)?.operation;
        return Array.isArray(ops) && ops.some(isIt);
      })
    );
  });
}

function failureWords(error: unknown, url: URL, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `The provider's server at ${url.host} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} seconds` : `${timeoutMs} ms`}. It may be down or very slow, or a firewall may be in the way: try again later, or ask the provider.`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') {
    return `Nothing is accepting connections at ${url.host}: the provider's server refused the connection. Check the address and port in the directory, or ask the provider whether their system is running.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `The address ${url.hostname} could not be found. Check the provider's base URL in the directory for a typing mistake.`;
  }
  if (code !== undefined && /CERT|SSL|TLS/.test(code)) {
    return `The provider's server at ${url.host} has a security certificate the hub does not trust (${code}). Ask the provider to fix their certificate.`;
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    return `The provider's server at ${url.host} closed the connection without answering. Try again later, or ask the provider.`;
  }
  const detail =
    typeof cause?.message === 'string' ? cause.message : String((error as Error)?.message ?? error);
  return `The hub could not reach the provider's server at ${url.host} (${detail.slice(0, 200)}). Check the address, or ask the provider.`;
}

/**
 * Calls the provider's FHIR `metadata` and says in plain English what happened. Never throws for an
 * unreachable or wrong server (that is ok: false with the reason).
 */
export async function testProviderConnection(
  provider: Provider,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<ConnectionTestResult> {
  const endpoint = provider.endpoint;
  if (endpoint.mode === 'hub-inbox') {
    return {
      ok: true,
      summary: `${provider.name} receives referrals in this hub's inbox: there is no server of theirs to call. Their staff sign in to the inbox to see referrals.`,
      url: '',
      elapsedMs: 0,
    };
  }
  const timeoutMs = options.timeoutMs ?? CONNECTION_TEST_TIMEOUT_MS;
  const url = new URL(`${endpoint.baseUrl.replace(/\/+$/, '')}/metadata`);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { Accept: 'application/fhir+json, application/json;q=0.9' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, summary: failureWords(error, url, timeoutMs), url: url.href, elapsedMs: elapsed() };
  }
  const elapsedMs = elapsed();
  const base = { url: url.href, status: response.status, elapsedMs };
  if (!response.ok) {
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const hint =
      response.status === 404
        ? 'there is no FHIR server at this address. Check the base URL in the directory (it should end where the FHIR API starts, e.g. …/fhir).'
        : response.status === 401 || response.status === 403
          ? 'it wants the caller to sign in even to describe itself. Ask the provider to allow the hub, or check the address.'
          : response.status >= 500
            ? 'the server has a problem of its own. Try again later, or ask the provider.'
            : 'check the base URL in the directory, or ask the provider.';
    return { ...base, ok: false, summary: `The provider's server answered ${status}: ${hint}` };
  }
  let capability: Record<string, unknown> | undefined;
  try {
    const json = JSON.parse(text) as unknown;
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      capability = json as Record<string, unknown>;
    }
  } catch {
    capability = undefined;
  }
  if (capability?.resourceType !== 'CapabilityStatement') {
    return {
      ...base,
      ok: false,
      summary: `Something answered at ${url.host}, but not with a FHIR CapabilityStatement, so it is not the provider's FHIR server. Check that the base URL is the FHIR server's (e.g. …/fhir), not a web page.`,
    };
  }
  const fhirVersion = typeof capability.fhirVersion === 'string' ? capability.fhirVersion : undefined;
  const softwareInfo = (capability.software ?? {}) as { name?: unknown; version?: unknown };
  const software =
    typeof softwareInfo.name === 'string'
      ? `${softwareInfo.name}${typeof softwareInfo.version === 'string' ? ` ${softwareInfo.version}` : ''}`
      : undefined;
  const details = {
    ...(fhirVersion ? { fhirVersion } : {}),
    ...(software ? { software } : {}),
  };
  const server = `a FHIR ${fhirVersion ?? '(version not stated)'} server${software ? ` (${software})` : ''}`;
  if (fhirVersion !== undefined && !fhirVersion.startsWith('4.0')) {
    return {
      ...base,
      ...details,
      ok: false,
      summary: `The provider's server is ${server}, but the hub sends referrals as FHIR R4 (4.0). Ask the provider for their R4 address.`,
    };
  }
  if (endpoint.mode === 'bars-message') {
    const processMessage = hasProcessMessage(capability);
    return {
      ...base,
      ...details,
      processMessage,
      ok: processMessage,
      summary: processMessage
        ? `Connected in ${elapsedMs} ms to ${server}. It takes messages ($process-message), so it can receive referrals.`
        : `Connected in ${elapsedMs} ms to ${server}, but it does not say it takes messages ($process-message), which is how referrals reach a BaRS provider. Ask the provider, or change the delivery mode to fhir-rest.`,
    };
  }
  return { ...base, ...details, ok: true, summary: `Connected in ${elapsedMs} ms to ${server}.` };
}

// ---------------------------------------------------------------------------------------------
// Routes.

export function registerAdminConfigRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  options: AdminConfigRouteOptions,
): void {
  const { store } = deps;
  const NATIONAL = national();

  async function itLead(request: FastifyRequest): Promise<ItLead> {
    const staff = await authenticateStaff(deps, request);
    const ods = requireItLead(staff);
    await ensureSeeded(store, deps.configs.source, ods, deps.now);
    return { staff, ods, agent: staffAgent(staff) };
  }

  async function versionsOf(ods: string, kind: ConfigKind): Promise<ConfigVersion[]> {
    const versions = await store.listConfigVersions(ods, kind);
    if (versions.length === 0) {
      throw new HubError(503, {
        code: 'transient',
        text: `The ${KIND_WORDS[kind]} of practice ${ods} could not be set up at the hub. Try again in a minute.`,
      });
    }
    return versions;
  }

  function liveOf(versions: ConfigVersion[], kind: ConfigKind): ConfigVersion {
    const live = versions.find((v) => v.published);
    if (live === undefined) {
      throw new HubError(503, {
        code: 'transient',
        text: `No version of the ${KIND_WORDS[kind]} is published. Publish one from the versions page.`,
      });
    }
    return live;
  }

  function viewOf(versions: ConfigVersion[], version: ConfigVersion): VersionView {
    const index = versions.indexOf(version);
    return versionView(version, index < 0 ? undefined : versions[index + 1]);
  }

  function findVersion(versions: ConfigVersion[], n: number, kind: ConfigKind, ods: string): ConfigVersion {
    const found = versions.find((v) => v.version === n);
    if (found === undefined) {
      throw new HubError(404, {
        code: 'not-found',
        text: `The practice ${ods} has no version ${n} of its ${KIND_WORDS[kind]}; the latest is ${versions[0]?.version ?? 0}. Choose a version from the list.`,
      });
    }
    return found;
  }

  async function liveDirectory(ods: string): Promise<Directory> {
    const live = liveOf(await versionsOf(ods, 'directory'), 'directory');
    const parsed = parseDirectory(live.body);
    if (!parsed.ok) {
      throw new HubError(503, {
        code: 'transient',
        text: `The live provider directory (version ${live.version}) cannot be read: ${parsed.problems.slice(0, 3).join(' ')} Fix the directory first.`,
      });
    }
    return parsed.directory;
  }

  async function checkRules(ods: string, rules: unknown, lead: string): Promise<void> {
    const directory = await liveDirectory(ods);
    const parsed = parseRules(rules, { providerIds: directory.providers.map((p) => p.id) });
    if (!parsed.ok) throw refused(parsed.problems, lead);
  }

  async function saveRules(
    lead: ItLead,
    body: unknown,
    note: string | undefined,
    reply: { code(n: number): unknown },
    basedOn?: number,
  ): Promise<VersionView> {
    const saved = await saveVersion(
      store,
      {
        practiceOds: lead.ods,
        kind: 'rules',
        body,
        author: lead.agent,
        authorName: lead.staff.name,
        ...(note ? { note } : {}),
        publish: false,
        ...(basedOn === undefined ? {} : { basedOn }),
      },
      deps.now(),
    );
    reply.code(201);
    const versions = await store.listConfigVersions(lead.ods, 'rules');
    return viewOf(versions, versions.find((v) => v.version === saved.version) ?? saved);
  }

  app.get('/admin/api/sign-in', async (_request, reply) => {
    if (options.oidc === undefined) {
      throw new HubError(503, {
        code: 'not-supported',
        text: 'Staff sign-in is not set up at this hub (HUB_OIDC_ISSUER is not set), so the IT-lead console cannot be used. Ask the hub’s administrator to set it.',
      });
    }
    reply.header('Cache-Control', 'no-cache');
    return { issuer: options.oidc.issuer, clientId: IT_LEAD_CLIENT_ID, resource: options.oidc.audience };
  });

  app.get('/admin/api/me', async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const practiceOds = requireItLead(staff);
    reply.header('Cache-Control', 'no-store');
    return { ...(staff.name ? { name: staff.name } : {}), practiceOds };
  });

  app.get('/admin/api/rules', async (request, reply) => {
    const { ods } = await itLead(request);
    const [versions, directory] = await Promise.all([versionsOf(ods, 'rules'), liveDirectory(ods)]);
    const live = liveOf(versions, 'rules');
    reply.header('Cache-Control', 'no-store');
    return {
      live: viewOf(versions, live),
      latest: viewOf(versions, versions[0] as ConfigVersion),
      national: NATIONAL,
      providers: directory.providers.map((p) => ({ id: p.id, name: p.name, status: providerStatus(p) })),
    };
  });

  for (const kind of ['rules', 'directory'] as const) {
    app.get(`/admin/api/${kind}/versions`, async (request, reply) => {
      const { ods } = await itLead(request);
      reply.header('Cache-Control', 'no-store');
      return { versions: versionViews(await versionsOf(ods, kind)) };
    });
  }

  app.get('/admin/api/rules/versions/:n', async (request, reply) => {
    const { ods } = await itLead(request);
    const n = versionNumber((request.params as { n?: string }).n);
    const versions = await versionsOf(ods, 'rules');
    reply.header('Cache-Control', 'no-store');
    return viewOf(versions, findVersion(versions, n, 'rules', ods));
  });

  app.post('/admin/api/rules/versions', async (request, reply) => {
    const lead = await itLead(request);
    const body = bodyObject(
      request.body,
      '{ "rules": the rules file, "basedOn": the version you started from, "note": optional }',
    );
    for (const key of Object.keys(body)) {
      if (!['rules', 'note', 'basedOn'].includes(key)) {
        throw bad(`"${key.slice(0, 40)}" is not part of saving rules: send rules, basedOn and note.`, key);
      }
    }
    if (body.rules === undefined) throw bad('"rules" is missing: send the rules file to save.', 'rules');
    const basedOn = basedOnOf(body.basedOn);
    const note = noteOf(body.note);
    const versions = await versionsOf(lead.ods, 'rules');
    const latest = versions[0] as ConfigVersion;
    if (basedOn !== latest.version) throw stale('rules', basedOn, latest.version);
    await checkRules(lead.ods, body.rules, 'The rules were not saved: fix these problems and save again.');
    return saveRules(lead, body.rules, note, reply, basedOn);
  });

  app.post('/admin/api/rules/versions/:n/publish', async (request, reply) => {
    const lead = await itLead(request);
    const n = versionNumber((request.params as { n?: string }).n);
    const version = findVersion(await versionsOf(lead.ods, 'rules'), n, 'rules', lead.ods);
    await checkRules(
      lead.ods,
      version.body,
      `Version ${n} was not published: it no longer fits the live provider directory. Restore it, fix these problems and publish the new version.`,
    );
    try {
      await store.publishConfigVersion(lead.ods, 'rules', n, lead.agent, deps.now());
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new HubError(404, { code: 'not-found', text: error.message });
      throw error;
    }
    const versions = await store.listConfigVersions(lead.ods, 'rules');
    reply.header('Cache-Control', 'no-store');
    return viewOf(versions, findVersion(versions, n, 'rules', lead.ods));
  });

  app.post('/admin/api/rules/versions/:n/restore', async (request, reply) => {
    const lead = await itLead(request);
    const n = versionNumber((request.params as { n?: string }).n);
    const version = findVersion(await versionsOf(lead.ods, 'rules'), n, 'rules', lead.ods);
    await checkRules(
      lead.ods,
      version.body,
      `Version ${n} was not restored: it no longer fits the live provider directory. Start from the latest version and make the change there.`,
    );
    return saveRules(lead, version.body, `Restored from version ${n}`, reply);
  });

  // The import takes the file's text as it is (JSON or plain text), so a file that is not even JSON
  // gets the CLI's own explanation (line and column) rather than a generic parse error.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'string' },
      (_request, text, done) => done(null, text),
    );
    scope.post('/admin/api/rules/import', async (request, reply) => {
      const lead = await itLead(request);
      const text = typeof request.body === 'string' ? request.body : '';
      if (text.trim() === '') {
        throw refused(
          ['The file is empty: choose the rules file (JSON) to import.'],
          'Nothing was imported.',
        );
      }
      const directory = await liveDirectory(lead.ods);
      const parsed = parseRulesText(text, { providerIds: directory.providers.map((p) => p.id) });
      if (!parsed.ok) {
        throw refused(
          parsed.problems,
          'The file was not imported and nothing changed: fix these problems and import it again.',
        );
      }
      return saveRules(lead, JSON.parse(text), 'Imported from a file', reply);
    });
  });

  app.get('/admin/api/rules/export', async (request, reply) => {
    const { ods } = await itLead(request);
    const query = request.query as Record<string, unknown>;
    const versions = await versionsOf(ods, 'rules');
    const raw = query.version;
    const version =
      raw === undefined
        ? liveOf(versions, 'rules')
        : findVersion(versions, versionNumber(typeof raw === 'string' ? raw : undefined), 'rules', ods);
    return reply
      .type('application/json; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', `attachment; filename="rules-${ods}-v${version.version}.json"`)
      .send(`${JSON.stringify(version.body, null, 2)}\n`);
  });

  app.get('/admin/api/directory', async (request, reply) => {
    const { ods } = await itLead(request);
    const versions = await versionsOf(ods, 'directory');
    reply.header('Cache-Control', 'no-store');
    return {
      live: viewOf(versions, liveOf(versions, 'directory')),
      today: londonDateOf(new Date(deps.now())),
    };
  });

  app.put('/admin/api/directory', async (request, reply) => {
    const lead = await itLead(request);
    const body = bodyObject(
      request.body,
      '{ "directory": the provider directory, "basedOn": the version you started from, "note": optional }',
    );
    for (const key of Object.keys(body)) {
      if (!['directory', 'note', 'basedOn'].includes(key)) {
        throw bad(
          `"${key.slice(0, 40)}" is not part of saving the directory: send directory, basedOn and note.`,
          key,
        );
      }
    }
    if (body.directory === undefined)
      throw bad('"directory" is missing: send the provider directory to save.', 'directory');
    const basedOn = basedOnOf(body.basedOn);
    const note = noteOf(body.note);
    const versions = await versionsOf(lead.ods, 'directory');
    const latest = versions[0] as ConfigVersion;
    if (basedOn !== latest.version) throw stale('directory', basedOn, latest.version);
    const parsed = parseDirectory(body.directory);
    const lead422 =
      'The directory was not saved and GPs still see the one before: fix these problems and save again.';
    if (!parsed.ok) throw refused(parsed.problems, lead422);
    // The rules GPs get now, and the latest draft, must still find every provider they name.
    const ids = new Set(parsed.directory.providers.map((p) => p.id));
    const rulesVersions = await versionsOf(lead.ods, 'rules');
    const liveRules = liveOf(rulesVersions, 'rules');
    const latestRules = rulesVersions[0] as ConfigVersion;
    const problems: string[] = [];
    for (const [which, rules] of [
      ['live', liveRules],
      ['latest', latestRules],
    ] as const) {
      if (which === 'latest' && rules === liveRules) continue;
      for (const [providerId, ruleIds] of rulesNaming(rules.body)) {
        if (ids.has(providerId)) continue;
        const named = ruleIds.map((r) => `"${r}"`).join(', ');
        problems.push(
          which === 'live'
            ? `Provider "${providerId}" is removed, but the live rules (version ${rules.version}) offer it in ${ruleIds.length === 1 ? 'rule' : 'rules'} ${named}. Take it out of the rules and publish them first, or pause or close the provider instead of removing it.`
            : `Provider "${providerId}" is removed, but the latest rules draft (version ${rules.version}) offers it in ${ruleIds.length === 1 ? 'rule' : 'rules'} ${named}. Take it out of that draft first, or pause or close the provider instead.`,
        );
      }
    }
    if (problems.length === 0) {
      // The same check the GP app's rules get: nothing published may stop validating.
      const check = parseRules(liveRules.body, { providerIds: [...ids] });
      if (!check.ok)
        problems.push(...check.problems.map((p) => `The live rules would no longer be valid: ${p}`));
    }
    if (problems.length > 0) throw refused(problems, lead422);
    const saved = await saveVersion(
      store,
      {
        practiceOds: lead.ods,
        kind: 'directory',
        body: body.directory,
        author: lead.agent,
        authorName: lead.staff.name,
        ...(note ? { note } : {}),
        publish: true,
        basedOn,
      },
      deps.now(),
    );
    const after = await store.listConfigVersions(lead.ods, 'directory');
    reply.header('Cache-Control', 'no-store');
    return viewOf(after, after.find((v) => v.version === saved.version) ?? saved);
  });

  app.post('/admin/api/directory/providers/:id/test-connection', async (request, reply) => {
    const lead = await itLead(request);
    const id = (request.params as { id?: string }).id ?? '';
    const directory = await liveDirectory(lead.ods);
    const provider = directory.providers.find((p) => p.id === id);
    if (provider === undefined) {
      throw new HubError(404, {
        code: 'not-found',
        text: `There is no provider "${id.slice(0, 64)}" in the live provider directory. Save the directory first, then test the connection.`,
      });
    }
    const result = await testProviderConnection(provider);
    await store.appendAudit({
      action: 'provider-connection-test',
      outcome: result.ok ? '0' : '4',
      agent: lead.agent,
      practiceOds: lead.ods,
      providerId: provider.id,
      at: deps.now(),
      detail: {
        text: result.summary,
        ...(result.url ? { url: result.url } : {}),
        ...(result.status !== undefined ? { status: result.status } : {}),
        elapsedMs: result.elapsedMs,
      },
    });
    reply.header('Cache-Control', 'no-store');
    return result;
  });
}
