import { DEFAULT_EHR_BASES, hubSettings } from './env.js';

describe('hubSettings', () => {
  it('has working defaults', () => {
    expect(hubSettings({})).toEqual({
      port: 8081,
      host: '127.0.0.1',
      sqlitePath: 'data/hub.sqlite',
      ehrBases: DEFAULT_EHR_BASES,
      corsOrigins: [],
      validateProfiles: true,
    });
  });

  it('reads every variable', () => {
    expect(
      hubSettings({
        HUB_PORT: '9000',
        HUB_HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://hub@localhost/hub',
        HUB_DB_PATH: '/tmp/hub.sqlite',
        HUB_EHR_BASES: 'https://ehr.example.org/fhir/, http://localhost:8080/fhir',
        HUB_CONFIG_DIR: '/etc/hub/practices',
        HUB_CORS_ORIGINS: 'https://gp.example.org,https://gp.example.org',
        HUB_INTROSPECTION_CLIENT_ID: 'hub',
        HUB_INTROSPECTION_CLIENT_SECRET: 's3cret',
        HUB_VALIDATE_PROFILES: 'false',
        HUB_VALIDATION_THREADS: '3',
        HUB_PUBLIC_URL: 'https://hub.example.org/',
        HUB_OIDC_ISSUER: 'https://sign-in.example.org',
        HUB_OIDC_AUDIENCE: 'https://hub.example.org',
        HUB_PROVIDER_CLIENTS: '/etc/hub/provider-clients.json',
      }),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://hub@localhost/hub',
      sqlitePath: '/tmp/hub.sqlite',
      ehrBases: ['https://ehr.example.org/fhir', 'http://localhost:8080/fhir'],
      configDir: '/etc/hub/practices',
      corsOrigins: ['https://gp.example.org'],
      introspectionClient: { id: 'hub', secret: 's3cret' },
      validateProfiles: false,
      validationThreads: 3,
      publicUrl: 'https://hub.example.org',
      oidc: { issuer: 'https://sign-in.example.org', audience: 'https://hub.example.org' },
      providerClientsFile: '/etc/hub/provider-clients.json',
    });
  });

  it('gives staff tokens the default audience when only the issuer is set', () => {
    expect(hubSettings({ HUB_OIDC_ISSUER: 'http://127.0.0.1:8080/oidc' }).oidc).toEqual({
      issuer: 'http://127.0.0.1:8080/oidc',
      audience: 'urn:fitnote-prompt:hub',
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ HUB_PORT: 'eighty' }, /HUB_PORT is "eighty".*0 to 65535/],
    [{ HUB_PORT: '70000' }, /HUB_PORT is "70000"/],
    [{ HUB_HOST: 'http://localhost' }, /HUB_HOST .*no scheme/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a PostgreSQL address/],
    [{ HUB_EHR_BASES: ' , ' }, /HUB_EHR_BASES is empty/],
    [
      { HUB_EHR_BASES: 'ehr.example.org/fhir' },
      /HUB_EHR_BASES has "ehr\.example\.org\/fhir", which is not a web address/,
    ],
    [{ HUB_EHR_BASES: 'ftp://ehr.example.org/fhir' }, /must start with http/],
    [{ HUB_CORS_ORIGINS: 'https://gp.example.org/app' }, /HUB_CORS_ORIGINS has .* not an origin/],
    [{ HUB_INTROSPECTION_CLIENT_ID: 'hub' }, /without HUB_INTROSPECTION_CLIENT_SECRET/],
    [
      { HUB_INTROSPECTION_CLIENT_SECRET: 'x' },
      /HUB_INTROSPECTION_CLIENT_SECRET is set without HUB_INTROSPECTION_CLIENT_ID/,
    ],
    [{ HUB_VALIDATE_PROFILES: 'maybe' }, /HUB_VALIDATE_PROFILES is "maybe"/],
    [{ HUB_VALIDATION_THREADS: 'two' }, /HUB_VALIDATION_THREADS is "two".*0 to 64/],
    [{ HUB_VALIDATION_THREADS: '65' }, /HUB_VALIDATION_THREADS is "65"/],
    [
      { HUB_PUBLIC_URL: 'hub.example.org' },
      /HUB_PUBLIC_URL has "hub\.example\.org", which is not a web address/,
    ],
    [{ HUB_OIDC_ISSUER: 'ftp://sign-in' }, /HUB_OIDC_ISSUER .*must start with http/],
    [{ HUB_OIDC_AUDIENCE: 'urn:x' }, /HUB_OIDC_AUDIENCE is set without HUB_OIDC_ISSUER/],
  ])('refuses %j', (env, message) => {
    expect(() => hubSettings(env)).toThrow(message);
  });
});
