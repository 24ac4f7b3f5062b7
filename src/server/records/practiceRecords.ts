/**
 * The records a practice's dry run replays (issue 5 item 3), from one of two sources:
 * - `ehr`: the practice's records read in-process from the EHR the hub runs beside. Only the sandbox
 *   provides this (src/sandbox/server.ts reads its FHIR repository with the GP app's reader); a real
 *   hub has no access to a practice's records and says so.
 * - `upload`: an export the IT lead uploaded (parse.ts), kept in memory per practice until replaced
 *   or the hub restarts. Patient data never goes to the store.
 */
import type { ParsedRecords } from './parse.js';

/** The EHR's records, for the practices the hub runs beside (the sandbox's). */
export interface EhrRecordsSource {
  /** What it is, in plain English ("The sandbox EHR's records (7 patients)"). */
  describe(ods: string): Promise<string | undefined>;
  /** The practice's patients, read with the GP app's reader; undefined when this EHR does not hold the practice. */
  load(ods: string): Promise<ParsedRecords | undefined>;
}

export interface UploadedRecords extends ParsedRecords {
  loadedAt: number;
}

export const EHR_NOT_AVAILABLE =
  'This hub has no access to the practice’s clinical records: it runs apart from the EHR. Upload an export of the records (FHIR Bundles or NDJSON) to dry-run the rules over them.';

export class PracticeRecords {
  private readonly uploads = new Map<string, UploadedRecords>();

  constructor(private readonly ehr?: EhrRecordsSource) {}

  /** Replaces the practice's uploaded records. */
  setUpload(ods: string, records: ParsedRecords, now: number): UploadedRecords {
    const uploaded = { ...records, loadedAt: now };
    this.uploads.set(ods, uploaded);
    return uploaded;
  }

  upload(ods: string): UploadedRecords | undefined {
    return this.uploads.get(ods);
  }

  /** Whether the EHR's records are available for the practice, and what they are. */
  async ehrStatus(ods: string): Promise<{ available: boolean; description: string }> {
    const description = this.ehr === undefined ? undefined : await this.ehr.describe(ods);
    return description === undefined
      ? { available: false, description: EHR_NOT_AVAILABLE }
      : { available: true, description };
  }

  async ehrRecords(ods: string): Promise<ParsedRecords | undefined> {
    return this.ehr?.load(ods);
  }
}
