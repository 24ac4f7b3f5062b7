import {
  APP_REDIRECT,
  configUrlForServer,
  isSandboxIss,
  type LaunchRegistration,
  REGISTRATIONS,
  registrationFor,
} from '../../../launch/registrations.js';
import { authorizeParams } from './launch.js';
import { APP_SCOPE, APP_SCOPES } from './scopes.js';

describe('launch registrations', () => {
  it.each([
    ['http://localhost:8080/fhir', 'Sandbox EHR'],
    ['http://127.0.0.1:8080/fhir', 'Sandbox EHR'],
    ['http://127.0.0.1:53111/fhir', 'Sandbox EHR'],
    ['http://localhost/fhir/', 'Sandbox EHR'],
    ['https://practice-a12.emis-style-ehr.example/fhir/r4', 'EMIS-style EHR (placeholder)'],
    ['https://fhir.systmone-style-ehr.example/A99999/fhir', 'SystmOne-style EHR (placeholder)'],
  ])('%s → %s', (iss, name) => {
    expect(registrationFor(iss)?.name).toBe(name);
  });

  it.each([
    ['another host', 'http://evil.example:8080/fhir'],
    ['a host that only starts like localhost', 'http://localhost.evil.example/fhir'],
    ['another path on the sandbox', 'http://localhost:8080/other'],
    ['a deeper path', 'http://localhost:8080/fhir/Patient'],
    ['a query', 'http://localhost:8080/fhir?x=1'],
    ['user info', 'http://user@localhost:8080/fhir'],
    ['not a URL', 'localhost:8080/fhir'],
    ['the EMIS-style pattern on plain http', 'http://practice.emis-style-ehr.example/fhir/r4'],
    [
      'the EMIS-style pattern on a look-alike domain',
      'https://x.emis-style-ehr.example.evil.example/fhir/r4',
    ],
    ['the SystmOne-style pattern without an ODS code', 'https://fhir.systmone-style-ehr.example/fhir'],
  ])('no registration matches %s', (_label, iss) => {
    expect(registrationFor(iss)).toBeUndefined();
  });

  it('isSandboxIss is the sandbox registration’s matcher', () => {
    expect(REGISTRATIONS[0]?.issMatch).toBe(isSandboxIss);
  });

  it('the first match wins, as in fhirclient', () => {
    const regs: LaunchRegistration[] = [
      { name: 'a', issMatch: /^https:\/\/x\//, clientId: 'a', scope: 's', redirectUri: '/' },
      { name: 'b', issMatch: () => true, clientId: 'b', scope: 's', redirectUri: '/' },
    ];
    expect(registrationFor('https://x/fhir', regs)?.name).toBe('a');
    expect(registrationFor('https://y/fhir', regs)?.name).toBe('b');
  });

  it('real EHRs carry obviously placeholder client ids; every registration asks for the app scopes and returns to the app', () => {
    for (const r of REGISTRATIONS.slice(1)) expect(r.clientId).toMatch(/^PLACEHOLDER-/);
    expect(REGISTRATIONS[0]?.clientId).toBe('fitnote-prompt');
    for (const r of REGISTRATIONS) {
      expect(r.scope).toBe(APP_SCOPE);
      expect(r.redirectUri).toBe(APP_REDIRECT);
    }
  });

  it('fhirclient gets PKCE required and completion in the iframe, for every registration', () => {
    const params = authorizeParams();
    expect(params).toHaveLength(REGISTRATIONS.length);
    for (const p of params) {
      expect(p.pkceMode).toBe('required');
      expect(p.completeInTarget).toBe(true);
      expect(p.issMatch).toBeDefined();
    }
  });
});

describe('the deployment’s config URL', () => {
  const regs: LaunchRegistration[] = [
    {
      name: 'hub',
      issMatch: /^https:\/\/a\.example\/fhir$/,
      clientId: 'a',
      scope: 's',
      redirectUri: '/',
      configUrl: 'https://hub.example/config/{ods}.json',
    },
    {
      name: 'default',
      issMatch: /^https:\/\/b\.example\/fhir$/,
      clientId: 'b',
      scope: 's',
      redirectUri: '/',
    },
  ];
  it.each([
    ['a registration that names one', 'https://a.example/fhir', 'https://hub.example/config/{ods}.json'],
    ['a registration that names none (the default)', 'https://b.example/fhir', undefined],
    ['a server no registration matches', 'https://c.example/fhir', undefined],
    ['no server', undefined, undefined],
  ])('%s', (_label, serverUrl, expected) => {
    expect(configUrlForServer(serverUrl, regs)).toBe(expected);
  });

  it('the shipped registrations keep today’s default (/config/{ods}.json on the app’s origin)', () => {
    for (const r of REGISTRATIONS) expect(r.configUrl).toBeUndefined();
  });
});

describe('the scope list', () => {
  it('is exactly the minimal set, in SMART v2 syntax', () => {
    expect(APP_SCOPES).toEqual([
      'launch',
      'openid',
      'fhirUser',
      'online_access',
      'patient/Patient.rs',
      'patient/Encounter.rs',
      'patient/Observation.rs',
      'patient/Condition.rs',
      'patient/DocumentReference.rs',
      'patient/QuestionnaireResponse.rs',
      'patient/Procedure.rs',
      'patient/ServiceRequest.rs',
      'patient/Task.rs',
      'patient/ServiceRequest.c',
      'patient/Task.c',
      'patient/Consent.c',
      'patient/Observation.c',
      'user/Practitioner.rs',
      'user/Organization.rs',
    ]);
  });

  it('has no wildcards, no v1 scopes, no offline access, no updates or deletes, and no repeats', () => {
    for (const s of APP_SCOPES) {
      expect(s).not.toMatch(/\*|\.read$|\.write$/);
      expect(s).not.toMatch(/\.[a-z]*[ud][a-z]*$/);
    }
    expect(APP_SCOPES).not.toContain('offline_access');
    expect(new Set(APP_SCOPES).size).toBe(APP_SCOPES.length);
    expect(APP_SCOPE).toBe(APP_SCOPES.join(' '));
  });
});
