/**
 * The hub's settings from environment variables. Every variable is optional; a value that cannot be
 * used stops the hub at start with a message naming the variable and what is wrong, instead of
 * running with a surprise.
 *
 * | Variable                     | Default                                            | Meaning |
 * |------------------------------|----------------------------------------------------|---------|
 * | HUB_PORT                     | 8081                                               | TCP port (0 = any free port) |
 * | HUB_HOST                     | 127.0.0.1                                          | interface to listen on |
 * | DATABASE_URL                 | (unset: SQLite)                                    | PostgreSQL connection URL (`postgres://…`) |
 * | HUB_DB_PATH                  | data/hub.sqlite                                    | SQLite file when DATABASE_URL is unset |
 * | HUB_EHR_BASES                | http://127.0.0.1:8080/fhir,http://localhost:8080/fhir | FHIR bases whose tokens are trusted |
 * | HUB_CONFIG_DIR               | (unset: the shipped examples as practice A99999)   | folder of `<ODS>.json` practice configs |
 * | HUB_CORS_ORIGINS             | (none; loopback origins are always allowed)        | extra browser origins, comma-separated |
 * | HUB_INTROSPECTION_CLIENT_ID  | (unset: introspection without client auth)         | HTTP Basic user for introspection |
 * | HUB_INTROSPECTION_CLIENT_SECRET | (must be set with the client id)                | HTTP Basic password for introspection |
 * | HUB_VALIDATE_PROFILES        | true                                               | check each referral against the profiles |
 * | HUB_VALIDATION_THREADS       | (unset: os.availableParallelism())                 | threads checking profiles (0 = main thread) |
 * | HUB_PUBLIC_URL               | (unset: http://HUB_HOST:HUB_PORT)                  | the hub's address as callers see it (token audience) |
 * | HUB_OIDC_ISSUER              | (unset: no staff sign-in; the sandbox sets its own) | OpenID provider for inbox and IT-lead sign-in |
 * | HUB_OIDC_AUDIENCE            | urn:fitnote-prompt:hub                             | audience staff access tokens must carry |
 * | HUB_PROVIDER_CLIENTS         | (unset: no provider systems registered)            | JSON file of provider systems (SMART Backend Services) |
 */

export interface HubSettings {
  port: number;
  host: string;
  /** PostgreSQL when set; SQLite at `sqlitePath` otherwise. */
  databaseUrl?: string;
  sqlitePath: string;
  /** Trusted EHR FHIR base URLs, without trailing slashes. */
  ehrBases: string[];
  /** Folder of `<ODS>.json` practice configs; undefined = the shipped examples as practice A99999. */
  configDir?: string;
  /** Browser origins allowed besides loopback ones (`scheme://host[:port]`). */
  corsOrigins: string[];
  /** HTTP Basic credentials for the introspection endpoint (RFC 7662 §2.1), when the EHR asks for them. */
  introspectionClient?: { id: string; secret: string };
  /** Validate the ServiceRequest, Task and Consent against the project's profiles (slow: see app.ts). */
  validateProfiles: boolean;
  /** Threads that check profiles off the event loop (validation.ts); undefined: one per core; 0: none. */
  validationThreads?: number;
  /** The hub's address as its callers see it, without a trailing slash (undefined: where it listens). */
  publicUrl?: string;
  /** Staff sign-in (provider inbox, IT-lead routes) by OpenID Connect; undefined: not set up. */
  oidc?: { issuer: string; audience: string };
  /** The file registering providers' systems for SMART Backend Services (src/server/auth/backendServices.ts). */
  providerClientsFile?: string;
}

export const DEFAULT_OIDC_AUDIENCE = 'urn:fitnote-prompt:hub';

export const DEFAULT_EHR_BASES = ['http://127.0.0.1:8080/fhir', 'http://localhost:8080/fhir'];
export const DEFAULT_PORT = 8081;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_SQLITE_PATH = 'data/hub.sqlite';

/** The variables read, for the README and error messages. */
export const HUB_ENV = [
  'HUB_PORT',
  'HUB_HOST',
  'DATABASE_URL',
  'HUB_DB_PATH',
  'HUB_EHR_BASES',
  'HUB_CONFIG_DIR',
  'HUB_CORS_ORIGINS',
  'HUB_INTROSPECTION_CLIENT_ID',
  'HUB_INTROSPECTION_CLIENT_SECRET',
  'HUB_VALIDATE_PROFILES',
  'HUB_VALIDATION_THREADS',
  'HUB_PUBLIC_URL',
  'HUB_OIDC_ISSUER',
  'HUB_OIDC_AUDIENCE',
  'HUB_PROVIDER_CLIENTS',
] as const;

/** A base URL without trailing slashes (how bases are compared). */
export function normaliseBase(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

function value(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function httpUrl(name: string, text: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name} has "${text}", which is not a web address. Give one like ${example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${name} has "${text}": it must start with http:// or https://, like ${example}.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`${name} has "${text}": remove the "?…" or "#…" part, like ${example}.`);
  }
  return url;
}

/** Reads the hub's settings; throws an Error naming the variable when one cannot be used. */
export function hubSettings(env: Record<string, string | undefined>): HubSettings {
  const portText = value(env, 'HUB_PORT') ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(
      `HUB_PORT is "${portText}", but it must be a port number from 0 to 65535 (e.g. HUB_PORT=8081), or unset for ${DEFAULT_PORT}.`,
    );
  }
  const host = value(env, 'HUB_HOST') ?? DEFAULT_HOST;
  if (/[\s/]/.test(host)) {
    throw new Error(
      `HUB_HOST is "${host}", but it must be a host name or IP address such as 127.0.0.1 (no scheme, no path).`,
    );
  }

  const databaseUrl = value(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      'DATABASE_URL must be a PostgreSQL address starting postgres:// or postgresql:// (e.g. postgres://hub@localhost/hub), or unset to use SQLite.',
    );
  }

  const basesText = value(env, 'HUB_EHR_BASES');
  const ehrBases = basesText === undefined ? [...DEFAULT_EHR_BASES] : list(basesText);
  if (ehrBases.length === 0) {
    throw new Error(
      'HUB_EHR_BASES is empty: give the FHIR base URLs of the EHRs whose tokens the hub trusts, comma-separated (e.g. https://ehr.example.org/fhir).',
    );
  }
  const normalisedBases = ehrBases.map((b) => {
    httpUrl('HUB_EHR_BASES', b, 'https://ehr.example.org/fhir');
    return normaliseBase(b);
  });

  const corsText = value(env, 'HUB_CORS_ORIGINS');
  const corsOrigins = (corsText === undefined ? [] : list(corsText)).map((o) => {
    const url = httpUrl('HUB_CORS_ORIGINS', o, 'https://gp-app.example.org');
    if (url.pathname !== '/' || url.username !== '' || o.replace(/\/$/, '') !== url.origin) {
      throw new Error(
        `HUB_CORS_ORIGINS has "${o}", which is not an origin: give the scheme, host and port only, like https://gp-app.example.org.`,
      );
    }
    return url.origin;
  });

  const clientId = value(env, 'HUB_INTROSPECTION_CLIENT_ID');
  const clientSecret = value(env, 'HUB_INTROSPECTION_CLIENT_SECRET');
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new Error(
      clientId === undefined
        ? 'HUB_INTROSPECTION_CLIENT_SECRET is set without HUB_INTROSPECTION_CLIENT_ID: set both (the hub’s client at the EHR’s introspection endpoint) or neither.'
        : 'HUB_INTROSPECTION_CLIENT_ID is set without HUB_INTROSPECTION_CLIENT_SECRET: set both or neither.',
    );
  }

  const validateText = (value(env, 'HUB_VALIDATE_PROFILES') ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(validateText)) {
    throw new Error(
      `HUB_VALIDATE_PROFILES is "${validateText}", but it must be true or false (default true).`,
    );
  }

  const settings: HubSettings = {
    port: Number(portText),
    host,
    sqlitePath: value(env, 'HUB_DB_PATH') ?? DEFAULT_SQLITE_PATH,
    ehrBases: [...new Set(normalisedBases)],
    corsOrigins: [...new Set(corsOrigins)],
    validateProfiles: ['true', '1', 'yes'].includes(validateText),
  };
  if (databaseUrl !== undefined) settings.databaseUrl = databaseUrl;
  const threadsText = value(env, 'HUB_VALIDATION_THREADS');
  if (threadsText !== undefined) {
    if (!/^[0-9]{1,2}$/.test(threadsText) || Number(threadsText) > 64) {
      throw new Error(
        `HUB_VALIDATION_THREADS is "${threadsText}", but it must be a whole number from 0 to 64 (0 checks profiles on the main thread), or unset for one per core.`,
      );
    }
    settings.validationThreads = Number(threadsText);
  }
  const configDir = value(env, 'HUB_CONFIG_DIR');
  if (configDir !== undefined) settings.configDir = configDir;
  if (clientId !== undefined && clientSecret !== undefined) {
    settings.introspectionClient = { id: clientId, secret: clientSecret };
  }
  const publicUrl = value(env, 'HUB_PUBLIC_URL');
  if (publicUrl !== undefined) {
    httpUrl('HUB_PUBLIC_URL', publicUrl, 'https://hub.example.org');
    settings.publicUrl = normaliseBase(publicUrl);
  }
  const issuer = value(env, 'HUB_OIDC_ISSUER');
  const audience = value(env, 'HUB_OIDC_AUDIENCE');
  if (issuer !== undefined) {
    httpUrl('HUB_OIDC_ISSUER', issuer, 'https://sign-in.example.org');
    settings.oidc = { issuer, audience: audience ?? DEFAULT_OIDC_AUDIENCE };
  } else if (audience !== undefined) {
    throw new Error(
      'HUB_OIDC_AUDIENCE is set without HUB_OIDC_ISSUER: set the OpenID provider’s issuer too, or unset both.',
    );
  }
  const clientsFile = value(env, 'HUB_PROVIDER_CLIENTS');
  if (clientsFile !== undefined) settings.providerClientsFile = clientsFile;
  return settings;
}
