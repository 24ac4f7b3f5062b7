/**
 * The directory, dry-run, figures and audit pages' calls to the hub (through src/admin/api.ts, which
 * adds the staff token and turns failures into ApiProblem / SignInNeeded).
 */
import type { DryRunReport } from '../../domain/dryRun.js';
import type { FiguresReport } from '../../domain/figures.js';
import { apiDownload, apiFetch } from '../api.js';
import type {
  ConnectionResult,
  DirectoryResponse,
  DryRunRequest,
  RecordsStatus,
  RecordsUploaded,
  RulesResponse,
  VersionView,
} from './types.js';

export const getDirectory = () => apiFetch<DirectoryResponse>('/admin/api/directory');

/** Saves AND publishes the directory (GPs get it on their next launch). */
export const saveDirectory = (directory: unknown, basedOn: number, note?: string) =>
  apiFetch<VersionView>('/admin/api/directory', {
    method: 'PUT',
    json: { directory, basedOn, ...(note ? { note } : {}) },
  });

export const testConnection = (providerId: string) =>
  apiFetch<ConnectionResult>(
    `/admin/api/directory/providers/${encodeURIComponent(providerId)}/test-connection`,
    { method: 'POST', json: {} },
  );

export const getRules = () => apiFetch<RulesResponse>('/admin/api/rules');

export const getRecords = () => apiFetch<RecordsStatus>('/admin/api/records');

/** Uploads an export file as it is (a Bundle, a JSON array of Bundles, or NDJSON); the hub reads it. */
export const uploadRecords = (file: Blob | string) =>
  apiFetch<RecordsUploaded>('/admin/api/records', {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'text/plain' },
  });

export const runDryRun = (request: DryRunRequest) =>
  apiFetch<DryRunReport>('/admin/api/dry-run', { method: 'POST', json: request });

/** `from`/`to` are 'YYYY-MM'. */
export function figuresPath(from: string, to: string, csv = false): string {
  const q = new URLSearchParams({ from, to });
  if (csv) q.set('format', 'csv');
  return `/admin/api/figures?${q}`;
}

export const getFigures = (from: string, to: string) => apiFetch<FiguresReport>(figuresPath(from, to));

export const downloadFigures = (ods: string, from: string, to: string) =>
  apiDownload(figuresPath(from, to, true), `figures-${ods}-${from}-${to}.csv`);

export interface AuditQuery {
  action?: string;
  referral?: string;
  provider?: string;
  since?: string;
  until?: string;
  count: number;
}

export function auditPath(query: AuditQuery, csv = false): string {
  const q = new URLSearchParams();
  for (const key of ['action', 'referral', 'provider', 'since', 'until'] as const) {
    const v = query[key]?.trim();
    if (v) q.set(key, v);
  }
  q.set('_count', String(query.count));
  if (csv) q.set('format', 'csv');
  return `/audit?${q}`;
}

export const getAudit = <T>(query: AuditQuery) => apiFetch<T>(auditPath(query));

export const downloadAudit = (query: AuditQuery, filename: string) =>
  apiDownload(auditPath(query, true), filename);

export const getMe = () => apiFetch<{ name?: string; practiceOds: string }>('/admin/api/me');
