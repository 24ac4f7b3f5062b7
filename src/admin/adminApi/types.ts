/**
 * The shapes the console's directory, dry-run, figures and audit pages read from the hub, as the
 * issue-5 contract gives them (/admin/api/…). Kept here, type-only, so the pages compile before and
 * independently of the server modules (which must not be bundled for the browser).
 */

/** One saved version of the rules or directory, as the console API shows it. */
export interface VersionView {
  version: number;
  body: unknown;
  author: string;
  authorName?: string;
  createdAt: number;
  note?: string;
  published: boolean;
  publishedAt?: number;
  publishedBy?: string;
  changes: string[];
}

export interface DirectoryResponse {
  live: VersionView;
  /** Today in the UK, YYYY-MM-DD (the hub's clock). */
  today: string;
}

export interface ConnectionResult {
  ok: boolean;
  summary: string;
  url: string;
  status?: number;
  elapsedMs: number;
  fhirVersion?: string;
  software?: string;
  processMessage?: boolean;
}

export interface RulesResponse {
  live: VersionView;
  latest: VersionView;
  national: unknown;
  providers: Array<{ id: string; name: string; status: 'active' | 'paused' | 'closed' }>;
}

export interface RecordsStatus {
  ehr: { available: boolean; description: string };
  upload?: { patients: number; fitNotes: number; loadedAt: number };
}

export interface RecordsUploaded {
  patients: number;
  fitNotes: number;
  unreadable: number;
  loadedAt: number;
}

export interface DryRunRequest {
  rules: unknown;
  from: string;
  to: string;
  fullTimeGps?: number;
  source: 'ehr' | 'upload';
}
