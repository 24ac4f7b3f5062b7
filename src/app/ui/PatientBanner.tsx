/**
 * The patient banner the app shows when the EHR asks it to (SMART `need_patient_banner`): who the
 * patient is, so the GP can check the app is on the right record.
 */
import type { PatientFacts } from '../../domain/patient.js';
import { formatDate, formatNhsNumber } from './format.js';

export interface PatientBannerProps {
  patient: Pick<PatientFacts, 'id' | 'nhsNumber' | 'birthDate'>;
  /** The patient's name, when the app has it. */
  name?: string | undefined;
}

export function PatientBanner({ patient, name }: PatientBannerProps) {
  return (
    <section className="fp-banner" aria-label="Patient">
      <p className="fp-banner__name">
        <strong>{name ?? 'Patient'}</strong>
      </p>
      <dl className="fp-banner__facts">
        <div>
          <dt>NHS number</dt>
          <dd>{patient.nhsNumber ? formatNhsNumber(patient.nhsNumber) : 'Not recorded'}</dd>
        </div>
        <div>
          <dt>Born</dt>
          <dd>{patient.birthDate ? formatDate(patient.birthDate) : 'Not recorded'}</dd>
        </div>
      </dl>
    </section>
  );
}
