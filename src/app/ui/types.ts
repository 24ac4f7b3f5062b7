/**
 * The app-level types the UI is driven by, declared here to match the shared contract exactly
 * (helper L's src/app/load and src/app/smart were not in the tree when the UI was written). When
 * those modules export the same shapes, this file can re-export them instead.
 */

import type { Directory } from '../../domain/directory.js';
import type { RulesFile } from '../../domain/rules.js';
import type { PatientRecord } from '../../fhir/record.js';

/** A thin wrapper over fhirclient's Client.request, so tests can pass a fake. */
export interface FhirRequester {
  request<T>(url: string, init?: RequestInit): Promise<T>;
  fhirBaseUrl: string;
}

/** Everything the app loaded for one launch. */
export interface AppContext {
  record: PatientRecord;
  patientId: string;
  encounterId?: string;
  user: { reference: string; display: string };
  practice: { odsCode: string; name: string };
  config: { rules: RulesFile; directory: Directory };
  roundTrips: number;
}

export interface SmartSession {
  requester: FhirRequester;
  tokenResponse: {
    patient: string;
    encounter?: string;
    need_patient_banner?: boolean;
    smart_style_url?: string;
    scope: string;
  };
  canWrite: boolean;
}

export const LAUNCH_FAILURE_KINDS = [
  'no-launch-context',
  'state-lost',
  'scopes-not-granted',
  'token-expired',
  'fhir-unreachable',
  'fhir-slow',
  'no-nhs-number',
  'config-unreadable',
] as const;
export type LaunchFailureKind = (typeof LAUNCH_FAILURE_KINDS)[number];

export interface LaunchFailure {
  kind: LaunchFailureKind;
  detail: string;
}
