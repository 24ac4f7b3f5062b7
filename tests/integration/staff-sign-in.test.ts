/**
 * Staff sign-in end to end on the sandbox: a real token from the sandbox's OpenID provider (code flow
 * with PKCE over HTTP, tests/integration/staffSignIn.ts) used at the sandbox's hub, which checks it
 * against the provider's published keys. The IT lead reads the audit trail (and sees a GP's config read
 * and their own earlier read); provider staff use the inbox and are refused the audit trail.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditEvent, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { packageRoot } from '../../src/fhir/profiles.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { sandboxToken } from '../../src/server/testSupport.js';
import { staffSignIn, staffToken } from './staffSignIn.js';

jest.setTimeout(60_000);

let sandbox: RunningSandbox;
let hubUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  hubUrl = sandbox.hub?.url as string;
});

afterAll(async () => {
  await sandbox?.close();
});

async function call(url: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${hubUrl}${url}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('staff sign-in through the sandbox', () => {
  it('has an IT lead for A99999 and a coordinator for every provider in the sample directory', async () => {
    const directory = JSON.parse(
      await readFile(path.join(packageRoot(), 'examples', 'directory.json'), 'utf8'),
    ) as { providers: Array<{ id: string }> };
    const accounts = sandbox.oidc?.accounts ?? [];
    expect(accounts.filter((a) => a.role === 'provider-staff').map((a) => a.providerId)).toEqual(
      directory.providers.map((p) => p.id),
    );
    expect(accounts.find((a) => a.role === 'it-lead')).toMatchObject({
      id: 'it-lead-a99999',
      practiceOds: 'A99999',
    });
    expect(sandbox.oidc?.issuer).toBe(`${sandbox.url}/oidc`);
    expect(sandbox.oidc?.redirectUris['provider-inbox']).toContain(`${hubUrl}/inbox/`);
    expect(sandbox.oidc?.redirectUris['it-lead-console']).toContain(`${hubUrl}/admin/`);
  });

  it("lets the IT lead read the practice's audit trail, which shows a GP's config read", async () => {
    const gp = await sandboxToken(sandbox, 'peter');
    const config = await call('/config/A99999.json', gp.access_token, {
      'X-EHR-FHIR-Base': sandbox.fhirBaseUrl,
    });
    expect(config.status).toBe(200);

    const lead = await staffToken(sandbox, 'it-lead-a99999', { clientId: 'it-lead-console' });
    const res = await call('/audit?action=config-read', lead);
    expect(res.status).toBe(200);
    const bundle = JSON.parse(res.body) as Bundle<AuditEvent>;
    expect(bundle.entry?.[0]?.resource).toMatchObject({
      resourceType: 'AuditEvent',
      subtype: [{ code: 'config-read' }],
      outcome: '0',
      agent: [{ who: { identifier: { value: 'Practitioner/gp-1' } } }],
    });
    const again = JSON.parse((await call('/audit?action=audit-read', lead)).body) as Bundle<AuditEvent>;
    expect(again.entry?.[0]?.resource?.outcomeDesc).toBe(
      'IT lead, Example Street Surgery (synthetic) read the audit trail (1 record).',
    );
  });

  it('lets a provider coordinator into the inbox API but not the audit trail (403, audited)', async () => {
    const token = await staffToken(sandbox, 'coordinator-local-oh-service');
    const inbox = await call('/inbox/api/referrals', token);
    expect(inbox.status).toBe(200);
    const refused = await call('/audit', token);
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/fhir+json');
    const outcome = JSON.parse(refused.body) as OperationOutcome;
    expect(outcome.issue?.[0]?.diagnostics).toMatch(/Only the practice’s IT lead can see this/);
  });

  it('refuses a token issued for another audience, and one from the EHR’s SMART server', async () => {
    const other = await staffSignIn(sandbox, 'it-lead-a99999', {
      clientId: 'it-lead-console',
      params: { resource: 'urn:somewhere-else' },
    }).then(
      () => 'issued',
      (e: Error) => e.message,
    );
    // The sandbox's provider issues tokens for the hub only.
    expect(other).toMatch(/invalid_target/);
    const gp = await sandboxToken(sandbox, 'peter');
    const res = await call('/audit', gp.access_token);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).issue[0].diagnostics).toMatch(/Sign in again/);
  });
});
