/**
 * The sandbox EHR's consultations: opening a patient's record starts (or, later the same day, resumes)
 * today's GP consultation with that patient, as an Encounter in the FHIR repository, and the app is
 * launched within it (`encounter` in the launch context). Like a real GP system, the Encounter is made
 * when the clinician opens the record, not stored with the sample records, so examples/ stays stable.
 */
import { randomUUID } from 'node:crypto';
import { parseSearchRequest } from '@medplum/core';
import type { Encounter } from '@medplum/fhirtypes';
import type { CalendarDate } from '../domain/dates.js';
import type { SandboxFhirServer } from './fhirServer.js';
import { SANDBOX_PRACTICE } from './vignettes.js';

/** SNOMED CT 11429006 |Consultation (procedure)|, as the GP consultation's type. */
export const GP_CONSULTATION_TYPE = {
  coding: [{ system: 'http://snomed.info/sct', code: '11429006', display: 'Consultation' }],
  text: 'GP consultation',
} as const;

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

export interface ConsultationInput {
  patientId: string;
  patientName?: string;
  /** The signed-in clinician, e.g. `gp-1`. */
  practitionerId: string;
  practitionerName?: string;
  /** The sandbox's "today": a consultation started on another day is not reused. */
  today: CalendarDate;
  /** When a new consultation starts (ISO instant; see issuedInstant). */
  start: string;
}

/** The London calendar date of an instant. */
function londonDate(instant: string): string {
  const date = new Date(instant);
  return Number.isNaN(date.getTime())
    ? ''
    : new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(date);
}

/**
 * Today's in-progress consultation between this clinician and this patient: the one already open
 * (reopening the record the same day) or a new one. Returns the Encounter as stored.
 */
export async function todaysConsultation(
  repo: SandboxFhirServer['repo'],
  input: ConsultationInput,
): Promise<Encounter> {
  const open = await repo.searchResources<Encounter>(
    parseSearchRequest<Encounter>('Encounter', {
      subject: `Patient/${input.patientId}`,
      status: 'in-progress',
      _count: '100',
    }),
  );
  const practitioner = `Practitioner/${input.practitionerId}`;
  const existing = open.find(
    (e) =>
      londonDate(e.period?.start ?? '') === input.today &&
      (e.participant ?? []).some((p) => p.individual?.reference === practitioner),
  );
  if (existing) return existing;
  return repo.createResource<Encounter>({
    resourceType: 'Encounter',
    id: randomUUID(),
    status: 'in-progress',
    class: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
    type: [
      {
        coding: GP_CONSULTATION_TYPE.coding.map((c) => ({ ...c })),
        text: GP_CONSULTATION_TYPE.text,
      },
    ],
    subject: {
      reference: `Patient/${input.patientId}`,
      ...(input.patientName ? { display: input.patientName } : {}),
    },
    participant: [
      {
        type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'PPRF', display: 'primary performer' }] }],
        individual: {
          reference: practitioner,
          ...(input.practitionerName ? { display: input.practitionerName } : {}),
        },
      },
    ],
    period: { start: input.start },
    serviceProvider: { reference: `Organization/${SANDBOX_PRACTICE.id}`, display: SANDBOX_PRACTICE.name },
  });
}
