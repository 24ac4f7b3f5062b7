/**
 * The referral hub's HTTP API (Fastify), without listening: `buildHub` gives an instance that tests
 * drive with `inject` and `startHub` (main.ts) listens with.
 *
 * - Routes: POST /referrals, GET /referrals/:id, GET /referrals?patient=, POST /referrals/:id/cancel
 *   (routes/referrals.ts), GET /config/<ODS>.json (routes/config.ts), GET /health (routes/health.ts).
 * - Bodies: JSON as application/fhir+json or application/json, at most 1 MB (413 beyond).
 * - Every 4xx/5xx answer is an OperationOutcome (application/fhir+json) in plain English: unreadable
 *   JSON, a wrong content type, an oversized body, an unknown address (404), a wrong method (405 with
 *   Allow). Bad input never gives a 500; an unexpected error gives a 500 without internals, and is
 *   logged. Every 401/403 is audited (access-refused).
 * - CORS: loopback origins and HUB_CORS_ORIGINS; preflights answered; ETag, Location,
 *   WWW-Authenticate and Retry-After exposed.
 *
 * Profile validation of each referral (settings.validateProfiles) is exact but costs about 5 ms of
 * CPU per Bundle (mostly Medplum's own FHIRPath constraint checks; each profile is parsed once, see
 * src/fhir/validate.ts), which caps acceptance near 150 referrals/s per core; without it the hub's own
 * checks (routes/referralBundle.ts) still refuse every Bundle the hub could not deliver or show.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  BackendServices,
  type ProviderClient,
  registerBackendServicesRoutes,
} from './auth/backendServices.js';
import { TokenChecker } from './auth/smartToken.js';
import { StaffTokenChecker } from './auth/staff.js';
import { PracticeConfigs } from './config/practices.js';
import { ConfigBrokenError, type ConfigSource } from './config/source.js';
import type { HubSettings } from './env.js';
import { describeError, FHIR_JSON, operationOutcome, type Problem } from './errors.js';
import { type EhrRecordsSource, PracticeRecords } from './records/practiceRecords.js';
import { registerAdminConfigRoutes } from './routes/adminConfig.js';
import { registerAdminPages } from './routes/adminPages.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerConfigRoutes } from './routes/config.js';
import { agentOf, type RouteDeps } from './routes/deps.js';
import { registerDryRunRoutes } from './routes/dryRun.js';
import { registerFeedbackRoutes } from './routes/feedback.js';
import { registerFiguresRoutes } from './routes/figures.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerInboxRoutes } from './routes/inbox.js';
import { registerInboxPages } from './routes/inboxPages.js';
import { registerProviderFhirRoutes } from './routes/providerFhir.js';
import { registerReferralRoutes } from './routes/referrals.js';
import type { HubStore } from './store/types.js';
import type { ProfileValidator } from './validation.js';

export const BODY_LIMIT = 1024 * 1024;

export interface BuildHubOptions {
  store: HubStore;
  settings: Pick<HubSettings, 'ehrBases' | 'corsOrigins' | 'validateProfiles'> &
    Partial<Pick<HubSettings, 'introspectionClient' | 'oidc' | 'publicUrl' | 'providerClientsFile'>>;
  configSource: ConfigSource;
  /** For calls to the EHRs (discovery, introspection). */
  fetch?: typeof fetch;
  /** The hub's clock (ms): acceptance and audit times, provider opening dates. Token expiry uses the real clock. */
  now?: () => number;
  /** Where unexpected errors are reported (default console.error). */
  onError?: (error: unknown, request: { method: string; url: string }) => void;
  /** Token introspection cache (ms, ≤ 30 000). */
  tokenCacheMs?: number;
  /** Called when the outbox gained an item (a referral accepted or cancelled): wakes the delivery worker. */
  onOutboxChange?: () => void;
  /** Providers' systems registered for SMART Backend Services (main.ts loads HUB_PROVIDER_CLIENTS into this). */
  providerClients?: readonly ProviderClient[];
  /** Built browser code served at /inbox/ and /app/assets/ (default `<package root>/dist/web`). */
  webRoot?: string;
  /** Checks profiles when settings.validateProfiles (validation.ts; default: on the main thread). */
  validator?: ProfileValidator;
  /** The EHR's records for the IT lead's dry run (only the sandbox has them; default none). */
  ehrRecords?: EhrRecordsSource;
}

/** The address patterns the hub serves and their methods (for 405 and Allow). */
const ROUTES: Array<{ pattern: RegExp; methods: string[] }> = [
  { pattern: /^\/referrals\/?$/, methods: ['GET', 'POST'] },
  { pattern: /^\/referrals\/[^/]+\/cancel\/?$/, methods: ['POST'] },
  { pattern: /^\/referrals\/[^/]+\/?$/, methods: ['GET'] },
  { pattern: /^\/config\/[^/]+\/?$/, methods: ['GET'] },
  { pattern: /^\/health\/?$/, methods: ['GET'] },
  { pattern: /^\/auth\/token\/?$/, methods: ['POST'] },
  {
    pattern: /^\/fhir\/(metadata|\.well-known\/smart-configuration|ServiceRequest\/[^/]+)\/?$/,
    methods: ['GET'],
  },
  { pattern: /^\/fhir\/Task\/?$/, methods: ['GET'] },
  { pattern: /^\/fhir\/Task\/[^/]+\/?$/, methods: ['GET', 'PUT'] },
  { pattern: /^\/audit\/?$/, methods: ['GET'] },
  { pattern: /^\/admin\/api\/records\/?$/, methods: ['GET', 'POST'] },
  { pattern: /^\/admin\/api\/dry-run\/?$/, methods: ['POST'] },
  { pattern: /^\/inbox\/api\/referrals\/[^/]+\/actions\/?$/, methods: ['POST'] },
  { pattern: /^\/inbox\/api\/(referrals(\/[^/]+)?|sign-in)\/?$/, methods: ['GET'] },
  { pattern: /^\/inbox(\/(?!api(\/|$)).*)?$/, methods: ['GET'] },
  { pattern: /^\/admin(\/(?!api(\/|$)).*)?$/, methods: ['GET'] },
  { pattern: /^\/app\/assets\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/cds-services\/fitnote-prompt\/feedback\/?$/, methods: ['POST'] },
  { pattern: /^\/admin\/api\/figures\/?$/, methods: ['GET'] },
  {
    pattern: /^\/admin\/api\/(sign-in|me|rules|rules\/versions\/[^/]+|rules\/export|directory\/versions)\/?$/,
    methods: ['GET'],
  },
  { pattern: /^\/admin\/api\/rules\/versions\/?$/, methods: ['GET', 'POST'] },
  { pattern: /^\/admin\/api\/rules\/versions\/[^/]+\/(publish|restore)\/?$/, methods: ['POST'] },
  { pattern: /^\/admin\/api\/rules\/import\/?$/, methods: ['POST'] },
  { pattern: /^\/admin\/api\/directory\/?$/, methods: ['GET', 'PUT'] },
  { pattern: /^\/admin\/api\/directory\/providers\/[^/]+\/test-connection\/?$/, methods: ['POST'] },
];

const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-EHR-FHIR-Base, If-None-Match, Accept';
const EXPOSED_HEADERS = 'ETag, Location, WWW-Authenticate, Retry-After';

/** The hub's own address from the socket it listens on (http://127.0.0.1:8081). */
function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return 'http://127.0.0.1';
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function buildHub(options: BuildHubOptions): FastifyInstance {
  const { store, settings } = options;
  const now = options.now ?? Date.now;
  const onError =
    options.onError ??
    ((error: unknown, request: { method: string; url: string }) =>
      console.error(`hub: unexpected error on ${request.method} ${request.url}:`, error));
  const corsOrigins = new Set(settings.corsOrigins);
  const originAllowed = (origin: string) => LOOPBACK_ORIGIN.test(origin) || corsOrigins.has(origin);

  const deps: RouteDeps = {
    store,
    configs: new PracticeConfigs(options.configSource, store),
    tokens: new TokenChecker({
      trustedBases: settings.ehrBases,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(settings.introspectionClient ? { introspectionClient: settings.introspectionClient } : {}),
      ...(options.tokenCacheMs !== undefined ? { cacheMs: options.tokenCacheMs } : {}),
    }),
    now,
    validateProfiles: settings.validateProfiles,
    onOutboxChange: options.onOutboxChange ?? (() => {}),
    staff:
      settings.oidc === undefined
        ? undefined
        : new StaffTokenChecker({ ...settings.oidc, ...(options.fetch ? { fetch: options.fetch } : {}) }),
    // Where the hub listens, once it does (main.ts), unless HUB_PUBLIC_URL says otherwise.
    publicUrl: () => settings.publicUrl ?? listeningUrl(app),
    records: new PracticeRecords(options.ehrRecords),
  };

  const sendOutcome = (
    reply: FastifyReply,
    status: number,
    problems: Problem[],
    headers: Record<string, string> = {},
  ) => reply.code(status).headers(headers).type(FHIR_JSON).send(operationOutcome(status, problems));

  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: false,
    return503OnClosing: true,
    // Fastify's own early errors (a malformed address) get the same OperationOutcome treatment.
    frameworkErrors: (error, _request, reply) => {
      const d = describeError(error);
      void sendOutcome(reply, d.status === 500 ? 400 : d.status, d.problems);
    },
  });
  app.decorateRequest('hubToken', undefined);
  app.decorateRequest('hubStaff', undefined);

  // JSON under both types, nothing else (415); the default parser refuses __proto__ and constructor keys.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'application/fhir+json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    app.getDefaultJsonParser('error', 'error'),
  );

  // CORS on every answer to an allowed origin.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && originAllowed(origin)) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    reply.header('Vary', 'Origin');
  });

  // Preflights.
  app.options('/*', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !originAllowed(origin)) {
      return sendOutcome(reply, 403, [
        {
          code: 'forbidden',
          text: `The hub does not accept calls from web pages at ${origin ?? 'an unnamed origin'}. If the GP app is served from there, the hub's administrator must add it to HUB_CORS_ORIGINS.`,
        },
      ]);
    }
    const route = ROUTES.find((r) => r.pattern.test(pathOf(request.url)));
    return reply
      .code(204)
      .header('Access-Control-Allow-Methods', (route?.methods ?? ['GET', 'POST']).join(', '))
      .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
      .header('Access-Control-Max-Age', '600')
      .send();
  });

  registerReferralRoutes(app, deps, options.validator === undefined ? {} : { validator: options.validator });
  registerConfigRoutes(app, deps);
  registerHealthRoutes(app, deps);
  // Providers' own systems: SMART Backend Services tokens and the FHIR Task API.
  const backendServices = new BackendServices({
    clients: options.providerClients ?? [],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  registerBackendServicesRoutes(app, deps, backendServices, onError);
  registerProviderFhirRoutes(app, deps, backendServices);
  registerAuditRoutes(app, deps);
  registerFeedbackRoutes(app, deps);
  registerFiguresRoutes(app, deps);
  registerDryRunRoutes(app, deps);
  registerInboxRoutes(app, deps, { oidc: settings.oidc });
  registerInboxPages(app, options.webRoot === undefined ? {} : { webRoot: options.webRoot });
  registerAdminConfigRoutes(app, deps, { oidc: settings.oidc });
  registerAdminPages(app, options.webRoot === undefined ? {} : { webRoot: options.webRoot });

  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request.url);
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (route !== undefined) {
      return sendOutcome(
        reply,
        405,
        [
          {
            code: 'not-supported',
            text: `${path} does not take ${request.method} requests: use ${route.methods.join(' or ')}.`,
          },
        ],
        { Allow: [...route.methods, 'OPTIONS'].join(', ') },
      );
    }
    return sendOutcome(reply, 404, [
      {
        code: 'not-found',
        text: `There is nothing at ${path}. The hub serves the GP app at /referrals and /config/<ODS code>.json, providers’ systems at /auth/token and /fhir, the provider inbox at /inbox/, the IT leads’ audit trail at /audit and console at /admin/ (its API under /admin/api), and /health.`,
      },
    ]);
  });

  app.setErrorHandler(async (error, request, reply) => {
    let status: number;
    let problems: Problem[];
    let headers: Record<string, string> = {};
    if (error instanceof ConfigBrokenError) {
      status = 503;
      headers = { 'Retry-After': '300' };
      problems = [
        {
          code: 'transient',
          text: `The hub cannot use this practice's settings because ${error.file} is broken: ${error.problems.slice(0, 5).join(' ')}${error.problems.length > 5 ? ` (and ${error.problems.length - 5} more problems)` : ''} This is for the practice IT lead to fix; until then, phone the provider to refer.`,
        },
      ];
    } else {
      const d = describeError(error);
      status = d.status;
      problems = d.problems;
      headers = d.headers;
      if (d.internal) onError(error, request);
    }
    if (status === 401 || status === 403) await auditRefusal(request, status, problems);
    return sendOutcome(reply, status, problems, headers);
  });

  async function auditRefusal(request: FastifyRequest, status: number, problems: Problem[]): Promise<void> {
    const params = (request.params ?? {}) as { id?: unknown };
    const referralId =
      typeof params.id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(params.id) ? params.id : undefined;
    try {
      // The practice concerned (an IT lead's own, or the referral's), so its IT lead sees the refusal at /audit.
      const practiceOds =
        request.hubStaff?.practiceOds ??
        (referralId === undefined ? undefined : (await store.getReferral(referralId))?.practiceOds);
      await store.appendAudit({
        action: 'access-refused',
        outcome: '4',
        agent: agentOf(request.hubToken, request.hubStaff),
        at: now(),
        ...(referralId === undefined ? {} : { referralId }),
        ...(practiceOds === undefined ? {} : { practiceOds }),
        detail: {
          text: problems.map((p) => p.text).join(' '),
          status,
          method: request.method,
          path: pathOf(request.url),
          ...(request.hubToken ? { ehrBaseUrl: request.hubToken.ehrBaseUrl } : {}),
          ...(typeof request.headers['x-ehr-fhir-base'] === 'string' && !request.hubToken
            ? { claimedEhrBaseUrl: request.headers['x-ehr-fhir-base'].slice(0, 300) }
            : {}),
        },
      });
    } catch (error) {
      onError(error, request);
    }
  }

  return app;
}
