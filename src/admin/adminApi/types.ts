/**
 * The shapes the console's directory, dry-run, figures and audit pages read from the hub, as the
 * issue-5 contract gives them (/admin/api/…). Type-only: where the hub has the type, it is the hub's
 * (type imports are erased, so no server code reaches the browser bundle).
 */

import type { VersionView } from '../api.js';

export type { VersionView };

export interface DirectoryResponse {
  live: VersionView;
  /** Today in the UK, YYYY-MM-DD (the hub's clock). */
  today: string;
}

/** The connection test's answer (the hub's own type). */
export type { ConnectionTestResult as ConnectionResult } from '../../server/routes/adminConfig.js';

export type { RulesResponse } from '../api.js';

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
