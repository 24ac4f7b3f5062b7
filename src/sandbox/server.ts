/**
 * The sandbox EHR on one node:http server (one origin, default http://localhost:8080):
 *  - `/fhir/.well-known/smart-configuration` and `/auth/*`: the SMART authorization server (smartAuth.ts);
 *  - `/fhir/*`: the FHIR R4 server with the synthetic patients (fhirServer.ts);
 *  - `/providers/<id>/fhir/*`: each sandbox-hosted provider's own FHIR endpoint, and `/providers/`:
 *    what each has received (providers.ts);
 *  - `/ehr/`, `/app/`, `/launch/`, `/assets/`: the EHR pages and the built app (ehr.ts);
 *  - `/`: a short index page.
 * `npm run sandbox` runs `main()`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseSearchRequest } from '@medplum/core';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { londonToday } from '../cli/io.js';
import { type CalendarDate, parseCalendarDate } from '../domain/dates.js';
import { packageRoot } from '../fhir/profiles.js';
import { hubSettings } from '../server/env.js';
import { type RunningHub, startHub } from '../server/main.js';
import { readRecords } from '../server/records/parse.js';
import type { EhrRecordsSource } from '../server/records/practiceRecords.js';
import { ehrHandler, patientBundle, sandboxPracticeConfig } from './ehr.js';
import { createFhirServer, type SandboxFhirServer, type SandboxHandler } from './fhirServer.js';
import { createSandboxOidc, type SandboxOidc, sandboxStaffAccounts } from './oidc.js';
import { SANDBOX_PAGE_STYLE } from './pageStyle.js';
import { createProviderEndpoints, type ProviderEndpoints } from './providers.js';
import {
  getSimulatedError,
  type IntrospectionClient,
  SIMULATED_ERRORS,
  type SimulatedError,
  setSimulatedError,
  smartHandler,
  verifyAccessToken,
} from './smartAuth.js';
import { SANDBOX_PRACTICE, VIGNETTE_INDEX } from './vignettes.js';

export interface SandboxOptions {
  /** TCP port; 0 picks a free one (tests). Default 8080. */
  port?: number;
  /** Interface to listen on: loopback only (`127.0.0.1` or `localhost`). Default `localhost`. */
  host?: string;
  /** The date the example records are built for (`YYYY-MM-DD`); default today in London. */
  today?: CalendarDate;
  /** Delay added to every FHIR request, for the benchmarks (ms). */
  latencyMs?: number;
  /** Serve FHIR requests that carry no access token (a bad token is refused either way). Default false. */
  open?: boolean;
  /** Browser origins allowed to call the FHIR API besides loopback ones. */
  corsOrigins?: readonly string[];
  /**
   * The referral hub started alongside (src/server): its port (default 0, any free one) and SQLite
   * file (default in memory). The sample practice's configuration names it, so the GP app sends
   * referrals through it. `false`: no hub; the app hands referrals straight to the providers.
   */
  hub?: false | { port?: number; dbPath?: string; env?: Record<string, string | undefined> };
}

export interface RunningSandbox {
  /** The origin, e.g. `http://localhost:8080` (no trailing slash). */
  url: string;
  /** The FHIR base, `${url}/fhir`. */
  fhirBaseUrl: string;
  fhir: SandboxFhirServer;
  /** The referral hub started alongside, unless `hub: false`. */
  hub?: RunningHub;
  /** The providers' FHIR endpoints the sandbox hosts (`${url}/providers/<id>/fhir`). */
  providers: ProviderEndpoints;
  /**
   * Staff sign-in for the hub (with the hub): the OpenID provider at `${url}/oidc` (oidc.ts), its
   * issuer, synthetic accounts and clients' redirect URIs. Tests sign in with
   * tests/integration/staffSignIn.ts.
   */
  oidc?: SandboxOidc;
  /**
   * The resource server registered to call `/auth/introspect` (RFC 7662 §2.1, HTTP Basic): the
   * sandbox's hub uses it; a hub started separately against this sandbox passes it as
   * HUB_INTROSPECTION_CLIENT_ID and HUB_INTROSPECTION_CLIENT_SECRET.
   */
  introspectionClient: IntrospectionClient;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** What each simulated error does, in the words the index page shows. */
export const SIMULATED_ERROR_WORDS: Record<SimulatedError, string> = {
  invalid_scope:
    'Scopes not granted: tokens carry fewer scopes than the app asked for (no writing, no refresh)',
  expired_token: 'Token expired: access tokens are issued already expired',
  access_denied: 'Access refused: sign-in sends the app back with access_denied',
  server_error: 'Server failure: the token endpoint answers 500',
};

export interface IndexPageOptions {
  /** The simulated error switched on now, if any. */
  simulated?: SimulatedError | undefined;
  /** The referral hub started alongside: its origin (its provider inbox and IT-lead console are linked). */
  hubUrl?: string | undefined;
}

/** The index page at `/`: what is running and where, and the switch for simulated sign-in errors. */
export function indexPage(origin: string, options: IndexPageOptions = {}): string {
  const patients = VIGNETTE_INDEX.map(
    (v) =>
      `<li><a href="/fhir/Patient/${encodeURIComponent(v.key)}">${escapeHtml(v.name)}</a> <span class="key">(${escapeHtml(v.key)})</span><p>${escapeHtml(v.summary)}</p></li>`,
  ).join('\n');
  const hub = options.hubUrl
    ? `<li>Referral hub at ${escapeHtml(options.hubUrl)}: it delivers the app’s referrals to the providers. <a href="${escapeHtml(options.hubUrl)}/inbox/">Provider inbox</a> and <a href="${escapeHtml(options.hubUrl)}/admin/">IT lead console</a> (sign in as a synthetic staff member)</li>`
    : '';
  const on = options.simulated;
  const radios = [
    ['none', 'None: everything works normally'],
    ...SIMULATED_ERRORS.map((k) => [k, SIMULATED_ERROR_WORDS[k]]),
  ]
    .map(
      ([value, label], i) =>
        `<div class="radio"><input type="radio" id="simulate-${i}" name="error" value="${value}"${(on ?? 'none') === value ? ' checked' : ''}><label for="simulate-${i}">${escapeHtml(label as string)}</label></div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>fitnote-prompt sandbox EHR</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${SANDBOX_PAGE_STYLE}  li { margin: .5rem 0; overflow-wrap: anywhere; }
  li p { margin: 0; color: #4c6272; }
  .key { color: #4c6272; }
  .status { background: #fff; border-left: 6px solid ${on ? '#d5281b' : '#007f3b'}; padding: .5rem 1rem; margin: .5rem 0 1rem; }
  fieldset { border: 0; padding: 0; margin: 0 0 1rem; }
  legend { font-weight: 700; margin-bottom: .5rem; }
  .radio { display: flex; align-items: flex-start; gap: .5rem; margin: .5rem 0; }
  .radio input { width: 24px; height: 24px; margin: 0; flex: none; }
  button { font: inherit; font-weight: 600; color: #fff; background: #007f3b; border: 0; border-radius: 4px; box-shadow: 0 4px 0 #00401e; padding: .5rem 1rem; min-height: 44px; cursor: pointer; }
  button:focus, input:focus { outline: 3px solid #ffeb3b; box-shadow: 0 0 0 6px #212b32; }
</style></head>
<body>
<main>
<h1>fitnote-prompt sandbox EHR</h1>
<p>A local EHR for trying the fit-note prompt app with synthetic patients. Nothing here is real.</p>
<ul>
<li>EHR: <a href="/ehr/">patient list</a>, each record with the app beside it</li>
<li>FHIR R4 server: <a href="/fhir/metadata">${escapeHtml(origin)}/fhir</a> (CapabilityStatement at /fhir/metadata)</li>
<li>Providers: <a href="/providers/">what each provider has received</a> (their own FHIR endpoints, where the hub delivers referrals)</li>
${hub}
<li>SMART configuration: <a href="/fhir/.well-known/smart-configuration">/fhir/.well-known/smart-configuration</a></li>
<li>Staff sign-in (provider inbox, practice IT leads): the OpenID provider at <a href="/oidc/.well-known/openid-configuration">/oidc</a>, with synthetic staff accounts</li>
</ul>
<h2 id="simulated-errors">Simulated sign-in errors</h2>
<p>Switch one on to see how the app handles it; it applies to every launch until switched off.</p>
<p class="status" role="status">${on ? `On now: ${escapeHtml(SIMULATED_ERROR_WORDS[on])}.` : 'None is on: sign-in works normally.'}</p>
<form method="post" action="/simulate">
<fieldset>
<legend>Simulated error</legend>
${radios}
</fieldset>
<button type="submit">Switch</button>
</form>
<h2>Patients</h2>
<p>FHIR requests need an access token unless the sandbox was started open.</p>
<ul>
${patients}
</ul>
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function plainError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

/** Every patient's record in the sandbox's FHIR repository, as the GP app would fetch it (one Bundle each). */
async function sandboxBundles(fhir: SandboxFhirServer): Promise<Bundle[]> {
  const bundles: Bundle[] = [];
  for (let offset = 0; ; offset += 1000) {
    const patients = await fhir.repo.searchResources<Patient>(
      parseSearchRequest<Patient>('Patient', { _count: '1000', _offset: String(offset) }),
    );
    for (const patient of patients) {
      const bundle = await patientBundle(fhir.repo, patient.id);
      if (bundle) bundles.push(bundle);
    }
    if (patients.length < 1000) return bundles;
  }
}

/** The sandbox practice's records for the hub's dry run (read afresh each time: the EHR page adds fit notes). */
function sandboxEhrRecords(fhir: SandboxFhirServer): EhrRecordsSource {
  const ours = (ods: string) => ods.toUpperCase() === SANDBOX_PRACTICE.odsCode;
  return {
    describe: async (ods) => {
      if (!ours(ods)) return undefined;
      const count = (await sandboxBundles(fhir)).length;
      return `The sandbox EHR’s records of ${SANDBOX_PRACTICE.name} (${count} patient${count === 1 ? '' : 's'}), read as the GP app reads them.`;
    },
    load: async (ods) => (ours(ods) ? readRecords(await sandboxBundles(fhir)) : undefined),
  };
}

/** Starts the sandbox; resolves once it is listening. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? 'localhost';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(
      `The sandbox listens on this computer only: use host "localhost" or "127.0.0.1", not "${host}".`,
    );
  }
  const today = options.today ?? londonToday();
  if (parseCalendarDate(today) === undefined) {
    throw new Error(`"${today}" is not a calendar date: give today's date as YYYY-MM-DD, e.g. 2026-11-21.`);
  }
  const fhir = await createFhirServer({
    today,
    latencyMs: options.latencyMs ?? 0,
    open: options.open ?? false,
    verifyAccessToken,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  });

  // The same directory the practice configuration serves (examples/directory.json).
  const providers = await createProviderEndpoints({
    directory: JSON.parse(await readFile(path.join(packageRoot(), 'examples', 'directory.json'), 'utf8')),
    today,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  });

  // The hub's credentials for token introspection: HUB_INTROSPECTION_* when given, else made up now.
  const hubEnv = options.hub === false ? undefined : options.hub?.env;
  const introspectionClient: IntrospectionClient =
    hubEnv?.HUB_INTROSPECTION_CLIENT_ID && hubEnv.HUB_INTROSPECTION_CLIENT_SECRET
      ? { id: hubEnv.HUB_INTROSPECTION_CLIENT_ID, secret: hubEnv.HUB_INTROSPECTION_CLIENT_SECRET }
      : { id: 'fitnote-hub', secret: randomBytes(24).toString('base64url') };

  let handlers: SandboxHandler[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void dispatch(req, res);
  });
  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      } catch {
        plainError(res, 400, 'The request URL could not be read. Check it and try again.');
        return;
      }
      for (const handler of handlers) {
        if (await handler(req, res, url)) return;
      }
      if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        const origin = `http://${req.headers.host ?? 'localhost'}`;
        const html = indexPage(origin, { simulated: getSimulatedError(), hubUrl: hub?.url });
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : html);
        return;
      }
      if (url.pathname === '/simulate') {
        await simulateForm(req, res);
        return;
      }
      plainError(
        res,
        404,
        `There is nothing at ${url.pathname}. The sandbox serves its index at /, the EHR at /ehr/, the FHIR server at /fhir, SMART sign-in at /auth/, the app at /app/ and /launch/, the practice configuration at /config/A99999.json, the providers at /providers/ and staff sign-in at /oidc/.`,
      );
    } catch (err) {
      plainError(
        res,
        500,
        `The sandbox could not answer this request (${(err as Error)?.message ?? String(err)}).`,
      );
    }
  };
  /** `POST /simulate`: the index page's form (same-origin only) switches the simulated error, then back to `/`. */
  const simulateForm = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Switch simulated errors with the form on the sandbox index page (POST).\n');
      return;
    }
    const host = req.headers.host ?? '';
    const from = req.headers.origin ?? req.headers.referer;
    let sameOrigin = false;
    try {
      sameOrigin =
        from !== undefined &&
        new URL(from).host === host &&
        LOOPBACK_HOSTS.has(new URL(from).hostname.replace(/^\[|\]$/g, ''));
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin || (req.headers['sec-fetch-site'] ?? 'same-origin') !== 'same-origin') {
      plainError(res, 403, 'Switch simulated errors from the sandbox index page itself.');
      return;
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      plainError(res, 415, 'Send the form as application/x-www-form-urlencoded (as the index page does).');
      return;
    }
    let body = '';
    for await (const chunk of req) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length > 4096) {
        plainError(res, 413, 'The form is larger than the sandbox accepts. Use the index page.');
        return;
      }
    }
    const choice = new URLSearchParams(body).get('error') ?? '';
    if (choice !== 'none' && !(SIMULATED_ERRORS as readonly string[]).includes(choice)) {
      plainError(
        res,
        400,
        `"${choice}" is not a simulated error. Choose none or one of ${SIMULATED_ERRORS.join(', ')}.`,
      );
      return;
    }
    setSimulatedError(choice === 'none' ? undefined : (choice as SimulatedError));
    res.writeHead(303, { Location: '/#simulated-errors', 'Cache-Control': 'no-store' });
    res.end();
  };

  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  let hub: RunningHub | undefined;
  let oidc: SandboxOidc | undefined;
  if (options.hub !== false) {
    const hubOptions = options.hub ?? {};
    try {
      const settings = hubSettings({
        ...hubOptions.env,
        HUB_PORT: String(hubOptions.port ?? 0),
        HUB_HOST: host === 'localhost' ? '127.0.0.1' : host,
        HUB_DB_PATH: hubOptions.dbPath ?? ':memory:',
        // Tokens from this sandbox, whichever loopback name the browser used.
        HUB_EHR_BASES: [`http://localhost:${port}/fhir`, `http://127.0.0.1:${port}/fhir`].join(','),
        // Staff (inbox, IT leads) sign in at this sandbox's OpenID provider.
        HUB_OIDC_ISSUER: `${url}/oidc`,
        // It checks GP tokens at this sandbox's introspection endpoint, as a registered client.
        HUB_INTROSPECTION_CLIENT_ID: introspectionClient.id,
        HUB_INTROSPECTION_CLIENT_SECRET: introspectionClient.secret,
      });
      hub = await startHub(settings, {
        configSource: {
          get: (ods) => sandboxPracticeConfig(ods, { origin: url, hubUrl: hub?.url }),
        },
        // The hosted providers' own systems (their pages' buttons) call the hub with Backend Services.
        providerClients: providers.clients(),
        // The IT lead's dry run reads the sandbox practice's records in-process, with the GP app's reader.
        ehrRecords: sandboxEhrRecords(fhir),
      });
      providers.connectHub(hub.url);
      // Its synthetic staff come from the sample practice's own directory (the one the hub serves).
      const practice = await sandboxPracticeConfig(SANDBOX_PRACTICE.odsCode, { origin: url });
      oidc = await createSandboxOidc({
        origin: url,
        hubUrl: hub.url,
        ...(settings.oidc ? { audience: settings.oidc.audience } : {}),
        accounts: sandboxStaffAccounts(practice?.directory, SANDBOX_PRACTICE),
      });
    } catch (err) {
      await hub?.close();
      server.close();
      throw err;
    }
  }
  handlers = [
    ...(oidc ? [oidc.handle] : []),
    smartHandler({ baseUrl: url, introspectionClients: [introspectionClient] }),
    fhir.handle,
    providers.handle,
    ehrHandler({
      fhir,
      origin: url,
      today,
      // The GP app reads the practice's configuration as the hub has it published now.
      ...(hub ? { hubUrl: hub.url, practiceConfig: hub.practiceConfig } : {}),
    }),
  ];

  return {
    url,
    fhirBaseUrl: `${url}/fhir`,
    fhir,
    providers,
    ...(hub ? { hub } : {}),
    ...(oidc ? { oidc } : {}),
    introspectionClient,
    server,
    close: async () => {
      await hub?.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** `npm run sandbox`: reads PORT (default 8080), `--today`/TODAY, `--latency`/LATENCY_MS and `--open`. */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env = process.env,
): Promise<RunningSandbox> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      today: { type: 'string' },
      port: { type: 'string' },
      latency: { type: 'string' },
      open: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new Error(
      `PORT "${portText}" is not a port number: give a number from 0 to 65535, e.g. PORT=8080.`,
    );
  }
  const latencyText = values.latency ?? env.LATENCY_MS ?? '0';
  if (!/^\d{1,6}$/.test(latencyText)) {
    throw new Error(`Latency "${latencyText}" is not a whole number of milliseconds, e.g. --latency 50.`);
  }
  const hubPortText = env.HUB_PORT ?? String(port === 0 ? 0 : port + 1);
  const sandbox = await startSandbox({
    port,
    today: values.today ?? env.TODAY ?? londonToday(),
    latencyMs: Number(latencyText),
    open: values.open ?? env.SANDBOX_OPEN === '1',
    // The referral hub alongside: the next port, its SQLite file under data/ (HUB_* settings apply).
    hub: { port: Number(hubPortText), dbPath: env.HUB_DB_PATH ?? 'data/hub.sqlite', env },
  });
  console.log(`Sandbox EHR running at ${sandbox.url}/ (FHIR base ${sandbox.fhirBaseUrl})`);
  if (sandbox.hub) console.log(`Referral hub running at ${sandbox.hub.url}/ (${sandbox.hub.store.backend})`);
  return sandbox;
}
