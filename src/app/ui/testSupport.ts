/**
 * Test support for the UI tests: the sample patients read through readRecord, the shipped rules and
 * directory, and an AppContext built from them (what helper L's loader produces from the sandbox).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import { type Directory, parseDirectory } from '../../domain/directory.js';
import type { RulesFile } from '../../domain/rules.js';
import { parseRules } from '../../domain/rules.js';
import { type PatientRecord, readRecord } from '../../fhir/record.js';
import { vignetteRecords } from '../../sandbox/vignettes.js';
import type { AppContext } from './types.js';

export const TODAY = '2026-11-21';

let records: Record<string, PatientRecord> | undefined;

export function sampleRecord(key: string): PatientRecord {
  records ??= Object.fromEntries(
    Object.entries(vignetteRecords(TODAY)).map(([k, bundle]) => [k, readRecord(bundle)]),
  );
  const record = records[key];
  if (!record) throw new Error(`No sample patient "${key}"`);
  return JSON.parse(JSON.stringify(record)) as PatientRecord;
}

export function sampleRules(): RulesFile {
  const parsed = parseRules(DEFAULT_RULES);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.value;
}

export function sampleDirectory(): Directory {
  const json = JSON.parse(readFileSync(join(__dirname, '../../../examples/directory.json'), 'utf8'));
  const parsed = parseDirectory(json);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.directory;
}

export function sampleContext(key: string): AppContext {
  const record = sampleRecord(key);
  return {
    record,
    patientId: record.patient.id,
    user: { reference: 'Practitioner/gp-1', display: 'Dr Test Practitioner' },
    practice: { odsCode: 'Y12345', name: 'Test Valley Surgery' },
    config: { rules: sampleRules(), directory: sampleDirectory(), source: 'practice' },
    roundTrips: 1,
    requests: 1,
    problems: [],
  };
}

/** A promise with its resolve and reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
