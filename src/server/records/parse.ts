/**
 * An IT lead's export of the practice's records, read into what the dry run replays: one
 * SimulationPatient per patient, read with the GP app's own reader (src/fhir/record.ts readRecord,
 * which accepts every fit-note shape the app accepts), so the dry run sees what the GP app sees.
 *
 * Accepted: a FHIR Bundle (one patient's record, or many patients' resources in one collection), a
 * JSON array of Bundles (or resources), or NDJSON (one resource or one Bundle a line, as FHIR Bulk
 * Data exports are). Loose resources are grouped by the patient they name (`subject` or `patient`
 * → `Patient/<id>`). Fit notes that cannot be read are counted (with the reasons), never dropped;
 * fit notes naming no patient in the export are counted as unreadable too.
 *
 * Anything that is not JSON, not a FHIR resource or a Bundle the reader refuses as a whole makes
 * the upload unreadable: the error names the line (NDJSON) or the item (a JSON list).
 */
import type { SimulationPatient } from '../../domain/simulate.js';
import { readFitNotes } from '../../fhir/fitNotes.js';
import { RecordError, readRecord } from '../../fhir/record.js';

export interface ParsedRecords {
  patients: SimulationPatient[];
  /** Fit notes read. */
  fitNotes: number;
  /** Fit notes that could not be read (or named no patient in the export). */
  unreadable: number;
  /** The first few reasons, in plain English (at most MAX_PROBLEMS). */
  problems: string[];
}

export type ParseExportResult = { ok: true; records: ParsedRecords } | { ok: false; problem: string };

const MAX_PROBLEMS = 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Patient/abc` (or a URL ending in it) → `abc`. */
function patientIdOf(resource: Obj): string | undefined {
  for (const key of ['subject', 'patient']) {
    const ref = resource[key];
    if (!isObj(ref) || typeof ref.reference !== 'string') continue;
    const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref.reference);
    if (match) return match[1];
  }
  return undefined;
}

class Collector {
  readonly patients: SimulationPatient[] = [];
  fitNotes = 0;
  unreadable = 0;
  readonly problems: string[] = [];
  /** Loose resources (NDJSON lines, many-patient Bundles), grouped at the end. */
  private readonly loosePatients = new Map<string, Obj>();
  private readonly looseByPatient = new Map<string, Obj[]>();
  private readonly orphans: Obj[] = [];

  problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(text);
  }

  /** One patient's record; returns the reader's refusal when the Bundle as a whole cannot be read. */
  record(bundle: unknown, where: string): string | undefined {
    try {
      const record = readRecord(bundle);
      this.patients.push({ patient: record.patient, notes: record.notes });
      this.fitNotes += record.notes.length;
      this.unreadable += record.unreadable.length;
      for (const u of record.unreadable) this.problem(`${where}: ${u.ref}: ${u.reason}`);
      return undefined;
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      if ((error.kind === 'no-patient' || error.kind === 'several-patients') && isObj(bundle)) {
        // Many patients' resources (or none) in one Bundle: group them by patient instead.
        const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
        for (const entry of entries) {
          if (isObj(entry) && isObj(entry.resource)) this.loose(entry.resource);
        }
        return undefined;
      }
      return error.message;
    }
  }

  loose(resource: Obj): void {
    if (resource.resourceType === 'Patient' && typeof resource.id === 'string') {
      this.loosePatients.set(resource.id, resource);
      return;
    }
    const id = patientIdOf(resource);
    if (id === undefined) {
      this.orphans.push(resource);
      return;
    }
    let list = this.looseByPatient.get(id);
    if (list === undefined) {
      list = [];
      this.looseByPatient.set(id, list);
    }
    list.push(resource);
  }

  /** Groups the loose resources into records; a refusal names the patient. */
  finish(): string | undefined {
    for (const [id, patient] of this.loosePatients) {
      const resources = this.looseByPatient.get(id) ?? [];
      this.looseByPatient.delete(id);
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [patient, ...resources].map((resource) => ({ resource })),
      };
      const refused = this.record(bundle, `Patient/${id}`);
      if (refused !== undefined) return `The record of Patient/${id} could not be read: ${refused}`;
    }
    const strays = [...this.orphans, ...[...this.looseByPatient.values()].flat()];
    if (strays.length > 0) {
      const reading = readFitNotes(strays);
      const lost = reading.notes.length + reading.unreadable.length;
      if (lost > 0) {
        this.unreadable += lost;
        this.problem(
          `${lost} fit note${lost === 1 ? '' : 's'} named no patient in the export (or a patient it does not hold), so ${lost === 1 ? 'it was' : 'they were'} counted as unreadable: export the Patient resources too.`,
        );
      }
    }
    return undefined;
  }
}

/** What a JSON value is, for messages. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isObj(value))
    return typeof value.resourceType === 'string'
      ? `a ${value.resourceType}`
      : 'an object with no resourceType';
  return `a ${typeof value}`;
}

function take(collector: Collector, value: unknown, where: string): string | undefined {
  if (!isObj(value) || typeof value.resourceType !== 'string') {
    return `${where} is ${describe(value)}, not a FHIR resource or Bundle.`;
  }
  if (value.resourceType === 'Bundle') {
    const refused = collector.record(value, where);
    return refused === undefined ? undefined : `${where} could not be read: ${refused}`;
  }
  collector.loose(value);
  return undefined;
}

const NOT_JSON_HINT =
  'Export the records as a FHIR Bundle, a JSON list of Bundles, or NDJSON (one resource or Bundle a line), then upload the file again.';

/** Reads an uploaded export. */
export function parseExport(text: string): ParseExportResult {
  const collector = new Collector();
  const fail = (problem: string): ParseExportResult => ({ ok: false, problem });
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return fail(`The upload is empty. ${NOT_JSON_HINT}`);

  let whole: unknown;
  let isWhole = false;
  try {
    whole = JSON.parse(body);
    isWhole = true;
  } catch {
    // NDJSON, or broken JSON: read line by line below.
  }
  if (isWhole) {
    if (Array.isArray(whole)) {
      for (let i = 0; i < whole.length; i++) {
        const refused = take(collector, whole[i], `Item ${i + 1} of the list`);
        if (refused !== undefined) return fail(`${refused} ${NOT_JSON_HINT}`);
      }
    } else {
      const refused = take(collector, whole, 'The upload');
      if (refused !== undefined) return fail(`${refused} ${NOT_JSON_HINT}`);
    }
  } else {
    let start = 0;
    let line = 0;
    while (start <= body.length) {
      let end = body.indexOf('\n', start);
      if (end === -1) end = body.length;
      line++;
      const raw = body.slice(start, end).trim();
      start = end + 1;
      if (raw === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        const why = (error as Error).message;
        return fail(
          !body.trim().includes('\n')
            ? `The upload is not JSON (${why}). ${NOT_JSON_HINT}`
            : `Line ${line} is not JSON (${why}). ${NOT_JSON_HINT}`,
        );
      }
      const refused = take(collector, value, `Line ${line}`);
      if (refused !== undefined) return fail(`${refused} ${NOT_JSON_HINT}`);
    }
  }
  const refused = collector.finish();
  if (refused !== undefined) return fail(refused);
  if (collector.patients.length === 0) {
    return fail(
      `The upload holds no Patient resources, so there is nobody to replay the rules over. ${NOT_JSON_HINT}`,
    );
  }
  return {
    ok: true,
    records: {
      patients: collector.patients,
      fitNotes: collector.fitNotes,
      unreadable: collector.unreadable,
      problems: collector.problems,
    },
  };
}

/**
 * Reads patients' records (one Bundle each, as the EHR gives them) into ParsedRecords; a Bundle
 * the reader refuses as a whole is left out and named in `problems`.
 */
export function readRecords(bundles: Iterable<unknown>): ParsedRecords {
  const collector = new Collector();
  let index = 0;
  for (const bundle of bundles) {
    index++;
    const refused = collector.record(bundle, `Record ${index}`);
    if (refused !== undefined)
      collector.problem(`Record ${index} could not be read and was left out: ${refused}`);
  }
  const refused = collector.finish();
  if (refused !== undefined) collector.problem(refused);
  return {
    patients: collector.patients,
    fitNotes: collector.fitNotes,
    unreadable: collector.unreadable,
    problems: collector.problems,
  };
}
