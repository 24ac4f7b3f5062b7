/**
 * Test helpers for the hub (imported by *.test.ts only): SMART access tokens from the real sandbox
 * through its EHR launch (launch → authorize without the picker → code → token with PKCE S256), and
 * referral Bundles built by the domain's buildReferral as the GP app builds them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { peterForm } from '../../tests/fixtures/referralForms.js';
import { APP_SCOPE } from '../app/smart/scopes.js';
import { type Provider, parseDirectory } from '../domain/directory.js';
import { buildReferral, type ReferralInput } from '../domain/referral.js';
import { packageRoot } from '../fhir/profiles.js';
import { type AppLaunchToken, launchAsApp } from '../sandbox/appLaunch.js';
import type { RunningSandbox } from '../sandbox/server.js';

export type SandboxToken = AppLaunchToken;

/** A token for `patient` as the GP app gets it (default scopes: the app's own). */
export const sandboxToken = (sandbox: RunningSandbox, patient: string, scope: string = APP_SCOPE) =>
  launchAsApp(sandbox, patient, scope);

let providers: Record<string, Provider> | undefined;

/** The shipped example directory's providers by id. */
export function exampleProviders(): Record<string, Provider> {
  if (providers === undefined) {
    const parsed = parseDirectory(
      JSON.parse(readFileSync(path.join(packageRoot(), 'examples', 'directory.json'), 'utf8')),
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    providers = Object.fromEntries(parsed.directory.providers.map((p) => [p.id, p]));
  }
  return providers;
}

/** Peter's referral to the case-managed support service from the sandbox practice A99999. */
export function peterReferral(overrides: Partial<ReferralInput> = {}): Bundle {
  return buildReferral({
    patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
    practice: { odsCode: 'A99999', name: 'Example Street Surgery' },
    requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr A Example' },
    provider: exampleProviders()['case-managed-support'] as Provider,
    episode: { start: '2026-10-24' },
    fitNoteRefs: ['Observation/fitnote-peter-1'],
    form: peterForm(),
    authoredOn: '2026-11-20T10:20:00Z',
    ...overrides,
  });
}

/** A deep copy to change in a test. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export interface CallResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json: () => unknown;
}

export interface CallOptions {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

/**
 * A request to a listening hub over real HTTP, answered in the shape of Fastify's inject. (inject
 * itself cannot run under jest here: light-my-request needs the ESM-only `cookie` package.)
 */
export function caller(baseUrl: () => string): (options: CallOptions) => Promise<CallResult> {
  return async ({ method = 'GET', url, headers = {}, payload }) => {
    const res = await fetch(`${baseUrl()}${url}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      redirect: 'manual',
    });
    const body = await res.text();
    const out: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      out[key] = value;
    });
    return { statusCode: res.status, headers: out, body, json: () => JSON.parse(body) as unknown };
  };
}
