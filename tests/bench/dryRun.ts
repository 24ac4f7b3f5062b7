/**
 * The IT lead's dry run through the console's API (issue 5): a practice of 20,000 patients with five
 * years of fit notes, uploaded once as NDJSON through POST /admin/api/records, then POST
 * /admin/api/dry-run over the full five-year window (the harder case: every note in the window),
 * draft (the six-week rule at four weeks) and live (the national defaults) together, through HTTP.
 *
 * Population: a third of the patients have fit notes, 10 each over the five years (about 67,000
 * notes): several times the national rate (England issues roughly 11 million fit notes a year for
 * some 57 million people, about 19,000 notes over five years for 20,000 patients), so this errs on
 * the heavy side. (Every patient with notes would be 200,000 notes and a 240 MB export, over the
 * upload limit.) The hub runs in this process (startHub,
 * SQLite in memory, no delivery worker); staff tokens come from a local stand-in OpenID issuer.
 * Times are printed, never asserted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEFAULT_RULES } from '../../src/domain/defaultRules.js';
import type { DryRunReport } from '../../src/domain/dryRun.js';
import { syntheticPopulation } from '../../src/sandbox/synthetic.js';
import { hubSettings } from '../../src/server/env.js';
import { startHub } from '../../src/server/main.js';

type Line = (label: string, value: string, goal: string) => void;

const TODAY = '2026-11-21';
const FROM = '2021-11-22'; // five years up to TODAY
const PATIENTS = 20_000;
const NOTES_PER_PATIENT = 10;
const AUDIENCE = 'urn:fitnote-prompt:hub';

/** A local OpenID discovery document and key set, and an IT-lead access token signed with its key. */
async function itLeadToken(): Promise<{ issuer: string; token: string; close: () => Promise<void> }> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/oidc/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/oidc/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  const token = await new SignJWT({
    name: 'IT lead (synthetic)',
    fitnote_role: 'it-lead',
    fitnote_practice: 'A99999',
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject('bench-it-lead')
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(pair.privateKey);
  return { issuer, token, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function dryRunFigures(line: Line): Promise<void> {
  const oidc = await itLeadToken();
  const hub = await startHub(
    hubSettings({
      HUB_PORT: '0',
      HUB_HOST: '127.0.0.1',
      HUB_DB_PATH: ':memory:',
      HUB_OIDC_ISSUER: oidc.issuer,
      HUB_OIDC_AUDIENCE: AUDIENCE,
    }),
    { worker: false },
  );
  try {
    const lines: string[] = [];
    for (const bundle of syntheticPopulation({
      patients: PATIENTS,
      notesPerPatient: NOTES_PER_PATIENT,
      withNotesShare: 1 / 3,
      seed: 5,
      from: FROM,
      to: TODAY,
    })) {
      lines.push(JSON.stringify(bundle));
    }
    const body = lines.join('\n');
    const headers = { Authorization: `Bearer ${oidc.token}` };

    // While the export is read, the hub must go on answering (GPs' referrals, token checks): a probe
    // of GET /health every 100 ms; the longest wait is from when a probe was due (a blocked event loop
    // also delays sending it) to its answer.
    let probing = true;
    let longestProbeMs = 0;
    const probe = (async () => {
      while (probing) {
        const due = performance.now() + 100;
        await new Promise((resolve) => setTimeout(resolve, 100));
        await fetch(`${hub.url}/health`).then((r) => r.arrayBuffer());
        longestProbeMs = Math.max(longestProbeMs, performance.now() - due);
      }
    })();
    let started = performance.now();
    const uploaded = await fetch(`${hub.url}/admin/api/records`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/fhir+ndjson' },
      body,
    });
    const uploadMs = performance.now() - started;
    probing = false;
    await probe;
    const summary = (await uploaded.json()) as { patients?: number; fitNotes?: number; unreadable?: number };
    if (uploaded.status !== 200)
      throw new Error(`Upload refused (${uploaded.status}): ${JSON.stringify(summary)}`);

    const draft = {
      ...DEFAULT_RULES,
      rules: DEFAULT_RULES.rules.map((r) =>
        r.id === 'six-weeks-oh' ? { ...r, when: { ...r.when, absenceDaysAtLeast: 28 } } : r,
      ),
    };
    const request = JSON.stringify({ rules: draft, from: FROM, to: TODAY, source: 'upload' });
    let best = Number.POSITIVE_INFINITY;
    let report: DryRunReport | undefined;
    for (let run = 0; run < 3; run++) {
      started = performance.now();
      const response = await fetch(`${hub.url}/admin/api/dry-run`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: request,
      });
      const json = (await response.json()) as DryRunReport;
      const ms = performance.now() - started;
      if (response.status !== 200)
        throw new Error(`Dry run refused (${response.status}): ${JSON.stringify(json)}`);
      if (ms < best) {
        best = ms;
        report = json;
      }
    }
    const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');
    line(
      `Dry-run upload, ${fmt(PATIENTS)} patients (${fmt(summary.fitNotes ?? 0)} notes, ${(body.length / 1024 / 1024).toFixed(0)} MB NDJSON)`,
      `${(uploadMs / 1000).toFixed(2)} s`,
      '',
    );
    line('  longest wait for GET /health during the upload', `${fmt(longestProbeMs)} ms`, '');
    line(
      'Dry run through the API, 5-year window, draft + live',
      `${(best / 1000).toFixed(2)} s`,
      `< 3 s (${(best / 3000).toFixed(2)} of it)`,
    );
    line(
      '  of which the replay itself (elapsedMs, same run)',
      `${((report?.elapsedMs ?? 0) / 1000).toFixed(2)} s`,
      '',
    );
    const prompts = (report?.rules ?? []).reduce((n, r) => n + r.draft.prompts + (r.live?.prompts ?? 0), 0);
    console.log(`${''.padEnd(58)} ${`${fmt(prompts)} prompts`.padStart(16)}   draft + live, over 60 months`);
  } finally {
    await hub.close();
    await oidc.close();
  }
}

// `node dist/tests/bench/dryRun.js` runs this part alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  await dryRunFigures((label, value, goal) =>
    console.log(`${label.padEnd(58)} ${value.padStart(16)}${goal ? `   goal ${goal}` : ''}`),
  );
}
