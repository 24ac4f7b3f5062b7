/**
 * Code systems, identifier systems and canonical URLs shared by the domain, the FHIR boundary and
 * the profiles in fhir-profiles/. The canonical base is a reserved `.example` domain until the
 * project has a published home; every profile and code system URL derives from it.
 */

export const CANONICAL_BASE = 'https://fitnote-prompt.example/fhir';

export const SNOMED = 'http://snomed.info/sct';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
export const ICD10_UK = 'http://hl7.org/fhir/sid/icd-10-uk';
export const LOINC = 'http://loinc.org';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANIZATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** Profiles (StructureDefinition canonical URLs). */
export const PROFILE = {
  fitNote: `${CANONICAL_BASE}/StructureDefinition/FitNote`,
  workHealthReferral: `${CANONICAL_BASE}/StructureDefinition/WorkHealthReferral`,
  referralTask: `${CANONICAL_BASE}/StructureDefinition/ReferralTask`,
  referralConsent: `${CANONICAL_BASE}/StructureDefinition/ReferralConsent`,
  employmentStatus: `${CANONICAL_BASE}/StructureDefinition/EmploymentStatus`,
  occupation: `${CANONICAL_BASE}/StructureDefinition/Occupation`,
} as const;

/** Project code systems. */
export const CODE_SYSTEM = {
  fitNoteAdvice: `${CANONICAL_BASE}/CodeSystem/fit-note-advice`,
  referralServiceType: `${CANONICAL_BASE}/CodeSystem/referral-service-type`,
  assessmentModality: `${CANONICAL_BASE}/CodeSystem/assessment-modality`,
  promptOverrideReason: `${CANONICAL_BASE}/CodeSystem/prompt-override-reason`,
  employmentStatus: `${CANONICAL_BASE}/CodeSystem/employment-status`,
  employmentDetail: `${CANONICAL_BASE}/CodeSystem/employment-detail`,
  shareCategory: `${CANONICAL_BASE}/CodeSystem/referral-share-category`,
  /** Task.output types of a completed referral (src/fhir/taskOutcome.ts). */
  referralOutcome: `${CANONICAL_BASE}/CodeSystem/referral-outcome`,
  returnToWorkGoal: `${CANONICAL_BASE}/CodeSystem/return-to-work-goal`,
  referralBusinessStatus: `${CANONICAL_BASE}/CodeSystem/referral-business-status`,
  referralDeclineReason: `${CANONICAL_BASE}/CodeSystem/referral-decline-reason`,
} as const;

/** Identifier systems the project mints. */
export const ID_SYSTEM = {
  referral: `${CANONICAL_BASE}/Id/referral`,
  provider: `${CANONICAL_BASE}/Id/provider`,
} as const;

export const VALUE_SET = {
  msk: `${CANONICAL_BASE}/ValueSet/condition-group-msk`,
  mentalHealth: `${CANONICAL_BASE}/ValueSet/condition-group-mental-health`,
} as const;

/** SNOMED CT concepts the fit-note contract uses. */
export const FIT_NOTE_CODES = {
  fitnessForWorkFinding: '365524007',
  unfitForWork: '160910001',
  fitWithRestrictions: '225891002',
  diagnosis: '439401001',
  sicknessCertificates: '18381000000107',
  med3IssuedToPatient: '1331000000103',
} as const;

/** The four "may be fit" functional-advice options on a Med3, and "assess again". */
export const ADVICE_CODES = [
  'phased-return',
  'altered-hours',
  'amended-duties',
  'workplace-adaptations',
] as const;
export type AdviceCode = (typeof ADVICE_CODES)[number];
export const ASSESS_AGAIN_CODE = 'assess-again';

export const SERVICE_TYPES = [
  'oh-assessment',
  'employment-support',
  'physiotherapy',
  'psychological-therapy',
  'case-management',
  'workplace-mediation',
  'debt-benefits-advice',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const MODALITIES = ['telephone', 'video', 'face-to-face'] as const;
export type Modality = (typeof MODALITIES)[number];

export const OVERRIDE_REASONS = [
  'patient-declined',
  'already-receiving-support',
  'employer-oh-in-place',
  'not-clinically-appropriate',
  'other',
] as const;
export type OverrideReason = (typeof OVERRIDE_REASONS)[number];

/** Employment status as the rules and directory filter on it. */
export const EMPLOYMENT_STATUSES = [
  'employed',
  'self-employed',
  'unemployed',
  'student',
  'retired',
  'not-in-work',
  'unknown',
] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

/** Details of the patient's employer, recorded as components of the EmploymentStatus observation. */
export const EMPLOYMENT_DETAIL_CODES = [
  'employer-name',
  'employer-size',
  'employer-occupational-health',
] as const;
export type EmploymentDetailCode = (typeof EMPLOYMENT_DETAIL_CODES)[number];

/** What a referral's Consent lets the practice share, with the provider and separately with the employer. */
export const SHARE_CATEGORIES = [
  'contact-details',
  'fit-note-dates',
  'diagnosis',
  'functional-advice',
  'employment-details',
  'clinical-notes',
] as const;
export type ShareCategory = (typeof SHARE_CATEGORIES)[number];

/** LOINC codes for the employment observations (as in HL7 ODH). */
export const LOINC_EMPLOYMENT_STATUS = '74165-2';
export const LOINC_OCCUPATION = '11341-5';
