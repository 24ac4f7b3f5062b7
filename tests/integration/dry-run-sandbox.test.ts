/**
 * The dry run over the sandbox EHR's own records: the hub started by the sandbox reads the FHIR
 * repository in-process with the GP app's reader, and an IT lead signed in at the sandbox's OpenID
 * provider replays the rules over it. The counts equal simulate over the same records read directly.
 */

import { parseSearchRequest } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { DEFAULT_RULES } from '../../src/domain/defaultRules.js';
import type { DryRunReport } from '../../src/domain/dryRun.js';
import { parseRules } from '../../src/domain/rules.js';
import { simulate } from '../../src/domain/simulate.js';
import { readRecord } from '../../src/fhir/record.js';
import { patientBundle } from '../../src/sandbox/ehr.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { staffToken } from './staffSignIn.js';

const TODAY = '2026-11-21';
let sandbox: RunningSandbox;
let lead = '';

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: TODAY });
  lead = await staffToken(sandbox, 'it-lead-a99999', { clientId: 'it-lead-console' });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

const hub = () => sandbox.hub?.url ?? '';

it('offers the sandbox EHR’s records and replays the rules over them as the GP app reads them', async () => {
  const patients = await sandbox.fhir.repo.searchResources<Patient>(
    parseSearchRequest<Patient>('Patient', { _count: '1000' }),
  );
  const records = await fetch(`${hub()}/admin/api/records`, { headers: { Authorization: `Bearer ${lead}` } });
  expect(records.status).toBe(200);
  expect(await records.json()).toEqual({
    ehr: { available: true, description: expect.stringContaining(`(${patients.length} patients)`) },
  });

  const from = '2025-11-22';
  const response = await fetch(`${hub()}/admin/api/dry-run`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${lead}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rules: DEFAULT_RULES, from, to: TODAY, source: 'ehr' }),
  });
  expect(response.status).toBe(200);
  const report = (await response.json()) as DryRunReport;
  expect(report.patients).toBe(patients.length);

  const direct = [];
  for (const patient of patients) {
    const record = readRecord(await patientBundle(sandbox.fhir.repo, patient.id));
    direct.push({ patient: record.patient, notes: record.notes });
  }
  const rules = parseRules(DEFAULT_RULES);
  if (!rules.ok) throw new Error(rules.problems.join('\n'));
  const expected = simulate(direct, { rules: rules.value, from, to: TODAY, includeDisabled: false });
  expect(expected.totalPrompts).toBeGreaterThan(0);
  expect(Object.fromEntries(report.rules.map((r) => [r.ruleId, r.draft.prompts]))).toEqual(
    Object.fromEntries(expected.rules.map((r) => [r.ruleId, r.prompts])),
  );
  // The live rules are the sandbox practice's served ones.
  expect(report.rules.every((r) => r.live !== undefined)).toBe(true);
}, 60_000);
