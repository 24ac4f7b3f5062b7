/**
 * Condition groups used by prompt rules and provider eligibility. Each group is also published as a
 * ValueSet in fhir-profiles/ (a test keeps the two identical): ICD-10 chapters by code range, plus an
 * enumerated list of common SNOMED CT concepts (no terminology server is assumed, so SNOMED
 * subsumption is not evaluated; a practice that needs more codes adds them to this list).
 */
import { ICD10, ICD10_UK, SNOMED } from './codes.js';
import type { FitNoteCondition } from './fitnote.js';

export const CONDITION_GROUP_IDS = ['msk', 'mental-health'] as const;
export type ConditionGroupId = (typeof CONDITION_GROUP_IDS)[number];

export interface ConditionGroup {
  id: ConditionGroupId;
  title: string;
  /** ICD-10 code ranges, inclusive, by three-character category (e.g. M00–M99). */
  icd10Ranges: Array<{ from: string; to: string }>;
  /** SNOMED CT concept ids with their preferred terms. */
  snomed: Array<{ code: string; display: string }>;
}

export const CONDITION_GROUPS: Record<ConditionGroupId, ConditionGroup> = {
  msk: {
    id: 'msk',
    title: 'Musculoskeletal conditions',
    icd10Ranges: [{ from: 'M00', to: 'M99' }],
    snomed: [
      { code: '928000', display: 'Disorder of musculoskeletal system' },
      { code: '279039007', display: 'Low back pain' },
      { code: '278860009', display: 'Chronic low back pain' },
      { code: '161891005', display: 'Backache' },
      { code: '23056005', display: 'Sciatica' },
      { code: '81680005', display: 'Neck pain' },
      { code: '45326000', display: 'Shoulder pain' },
      { code: '30989003', display: 'Knee pain' },
      { code: '57676002', display: 'Pain of joint' },
      { code: '68962001', display: 'Muscle pain' },
      { code: '69896004', display: 'Rheumatoid arthritis' },
      { code: '396275006', display: 'Osteoarthritis' },
      { code: '239873007', display: 'Osteoarthritis of knee' },
      { code: '239872002', display: 'Osteoarthritis of hip' },
      { code: '203082005', display: 'Fibromyalgia' },
      { code: '202855006', display: 'Lateral epicondylitis' },
      { code: '57406009', display: 'Carpal tunnel syndrome' },
      { code: '90560007', display: 'Gout' },
    ],
  },
  'mental-health': {
    id: 'mental-health',
    title: 'Mental health conditions',
    icd10Ranges: [{ from: 'F00', to: 'F99' }],
    snomed: [
      { code: '74732009', display: 'Mental disorder' },
      { code: '35489007', display: 'Depressive disorder' },
      { code: '370143000', display: 'Major depressive disorder' },
      { code: '36923009', display: 'Major depression, single episode' },
      { code: '197480006', display: 'Anxiety disorder' },
      { code: '21897009', display: 'Generalized anxiety disorder' },
      { code: '231504006', display: 'Mixed anxiety and depressive disorder' },
      { code: '371631005', display: 'Panic disorder' },
      { code: '73595000', display: 'Stress' },
      { code: '47505003', display: 'Posttraumatic stress disorder' },
      { code: '191736004', display: 'Obsessive-compulsive disorder' },
      { code: '13746004', display: 'Bipolar disorder' },
      { code: '58214004', display: 'Schizophrenia' },
      { code: '69322001', display: 'Psychotic disorder' },
      { code: '7200002', display: 'Alcoholism' },
      { code: '66590003', display: 'Alcohol dependence' },
    ],
  },
};

const SNOMED_INDEX = new Map<string, ConditionGroupId>();
for (const group of Object.values(CONDITION_GROUPS)) {
  for (const concept of group.snomed) SNOMED_INDEX.set(concept.code, group.id);
}

/** ICD-10 ranges by chapter letter, for a lookup without string building (this runs for every note). */
const ICD10_RANGES: Array<{ letter: number; from: number; to: number; group: ConditionGroupId }> = [];
for (const group of Object.values(CONDITION_GROUPS)) {
  for (const range of group.icd10Ranges) {
    ICD10_RANGES.push({
      letter: range.from.charCodeAt(0),
      from: Number(range.from.slice(1)),
      to: range.to.charCodeAt(0) === range.from.charCodeAt(0) ? Number(range.to.slice(1)) : 99,
      group: group.id,
    });
  }
}

/** Group of an ICD-10 code such as `M54.5`, `m545` or `F32`, by its three-character category. */
function icd10Group(code: string): ConditionGroupId | undefined {
  if (code.length < 3) return undefined;
  const letter = code.charCodeAt(0) & ~32; // upper case
  const d0 = code.charCodeAt(1) - 48;
  const d1 = code.charCodeAt(2) - 48;
  if (letter < 65 || letter > 90 || d0 >>> 0 > 9 || d1 >>> 0 > 9) return undefined;
  const number = d0 * 10 + d1;
  for (const range of ICD10_RANGES) {
    if (range.letter === letter && number >= range.from && number <= range.to) return range.group;
  }
  return undefined;
}

/** The groups a single coding belongs to (at most one with the shipped groups). */
export function groupOfCoding(system: string, code: string): ConditionGroupId | undefined {
  if (system === SNOMED) return SNOMED_INDEX.get(code);
  if (system === ICD10 || system === ICD10_UK) return icd10Group(code);
  return undefined;
}

/** Every group any coding of the condition belongs to. */
export function groupsOfCondition(condition: FitNoteCondition): ConditionGroupId[] {
  const groups: ConditionGroupId[] = [];
  for (const coding of condition.codings) {
    const group = groupOfCoding(coding.system, coding.code);
    if (group !== undefined && !groups.includes(group)) groups.push(group);
  }
  return groups;
}
