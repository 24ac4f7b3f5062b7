/**
 * The fast path of readRecord: a hand-written reader for the common, well-formed record, with no zod
 * and as little allocation as possible (no intermediate objects per resource, no string-keyed
 * caches, dates read from character codes).
 *
 * It covers: a collection (or searchset without paging) Bundle whose entries each hold a resource
 * with a distinct id; one Patient whose identifier, birthDate, address, communication and extension
 * are well-formed and raise no problem; FitNote Observations (SNOMED 365524007) that can be read
 * without a reason; EmploymentStatus and Occupation Observations that raise no problem; and any
 * other resource type, skipped by its resourceType once it is known to be about this patient.
 *
 * What it does not fully accept it never guesses at. A fit-note resource it declines (a coded
 * entry, a QuestionnaireResponse or DocumentReference, or a FitNote Observation with anything odd)
 * is handed, on its own, to the zod-checked reader in fitNotes.ts, which gives the note or the
 * plain-English reason. Anything else it declines (a problem to report, referrals, duplicates,
 * paging, a record-level error) makes it return undefined, and readRecord reads the whole record
 * with readRecordThorough. The two are checked to agree in fastRecord.test.ts.
 */
import {
  ADVICE_CODES,
  type AdviceCode,
  ASSESS_AGAIN_CODE,
  CODE_SYSTEM,
  EMPLOYMENT_STATUSES,
  type EmploymentStatus,
  FIT_NOTE_CODES,
  LOINC,
  LOINC_EMPLOYMENT_STATUS,
  LOINC_OCCUPATION,
  NHS_NUMBER_SYSTEM,
  SNOMED,
} from '../domain/codes.js';
import { bstBounds, type DayNumber, datePrefix, formatDay } from '../domain/dates.js';
import type { FitNote, FitNoteCondition, Fitness } from '../domain/fitnote.js';
import type { PatientContactPoint, PatientFacts } from '../domain/patient.js';
import {
  createFitNoteReader,
  type FitNoteReader,
  type FitNoteReading,
  type ReadFitNotesOptions,
  readCondition,
  resourceRef,
} from './fitNotes.js';
import type { PatientRecord } from './record.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/** Thrown inside the fast path to hand the whole record to readRecordThorough. */
const DECLINE = Symbol('decline');

// ---------------------------------------------------------------------------------------------
// Dates from character codes

function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : -100;
}

function twoDigits(text: string, at: number): number {
  const n = digit(text, at) * 10 + digit(text, at + 1);
  return n >= 0 ? n : -1;
}

/** Days before each month in a common year (index 1 = January). */

/** British Summer Time bounds (minutes since the epoch, UTC) by year, filled as years are met. */
const BST_FIRST_YEAR = 1800;
const BST_YEARS = 600;
const bstStart = new Int32Array(BST_YEARS);
const bstEnd = new Int32Array(BST_YEARS);

function isSummerTime(year: number, utcMinutes: number): boolean {
  const slot = year - BST_FIRST_YEAR;
  if (slot < 0 || slot >= BST_YEARS) {
    const { start, end } = bstBounds(year);
    return utcMinutes >= start && utcMinutes < end;
  }
  let start = bstStart[slot] as number;
  if (start === 0) {
    // 0 is never a bound (bounds fall at 01:00 UTC on a Sunday), so it marks a year not yet met.
    const bounds = bstBounds(year);
    bstStart[slot] = start = bounds.start;
    bstEnd[slot] = bounds.end;
  }
  return utcMinutes >= start && utcMinutes < (bstEnd[slot] as number);
}

/**
 * londonDay for the forms it reads (`YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.f…]][Z|±hh:mm]`), from
 * character codes (the date part through the domain's datePrefix). NaN for anything else, including invalid or partial dates: those are
 * left to the thorough reader, which says what is wrong with them.
 *
 * The BST bounds are taken for the year as written rather than the UTC year: the two differ only
 * within a few days of New Year (an offset is at most 99:99), when neither year's bounds apply.
 */
export function fastLondonDay(text: string): DayNumber {
  const length = text.length;
  const date = datePrefix(text);
  if (date === undefined) return Number.NaN;
  if (length === 10) return date;
  if (length < 16 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return Number.NaN;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN;
  let at = 16;
  if (at < length && text.charCodeAt(at) === 58) {
    const second = twoDigits(text, at + 1);
    if (second < 0 || second > 60) return Number.NaN;
    at += 3;
    if (at < length && text.charCodeAt(at) === 46) {
      at++;
      const first = at;
      while (at < length && digit(text, at) >= 0) at++;
      if (at === first) return Number.NaN;
    }
  }
  if (at === length) return date;
  let offset: number;
  const sign = text.charCodeAt(at);
  if (sign === 90 && at + 1 === length) offset = 0;
  else if ((sign === 43 || sign === 45) && at + 6 === length && text.charCodeAt(at + 3) === 58) {
    const hours = twoDigits(text, at + 1);
    const minutes = twoDigits(text, at + 4);
    if (hours < 0 || minutes < 0) return Number.NaN;
    offset = (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
  } else return Number.NaN;
  const utcMinutes = date * 1440 + hour * 60 + minute - offset;
  const year =
    (text.charCodeAt(0) - 48) * 1000 +
    (text.charCodeAt(1) - 48) * 100 +
    (text.charCodeAt(2) - 48) * 10 +
    text.charCodeAt(3) -
    48;
  const londonMinutes = utcMinutes + (isSummerTime(year, utcMinutes) ? 60 : 0);
  return Math.floor(londonMinutes / 1440);
}

/** Calendar-date text by day number, shared between notes; an array, so a lookup hashes nothing. */
const DAY_TEXT_LIMIT = 1 << 17;
const dayTexts: Array<string | undefined> = new Array<string | undefined>(DAY_TEXT_LIMIT).fill(undefined);

function dayText(day: DayNumber): string {
  if (day < 0 || day >= DAY_TEXT_LIMIT) return formatDay(day);
  let text = dayTexts[day];
  if (text === undefined) {
    text = formatDay(day);
    dayTexts[day] = text;
  }
  return text;
}

/** The calendar date of a text fastLondonDay read: the text itself when it is already `YYYY-MM-DD`. */
function dateText(text: string, day: DayNumber): string {
  return text.length === 10 ? text : dayText(day);
}

// ---------------------------------------------------------------------------------------------
// FitNote Observations

/**
 * Conditions already read, by the code of their first coding (or their text when they have no
 * codings): notes repeat a handful of conditions. Each entry keeps a copy of the concept's text and
 * codings (system, code, display), so a match is found by comparing strings (the short ones, such as
 * codes, interned by JSON.parse, compare by pointer), and a concept changed in place after it was
 * read is never mistaken.
 */
interface KnownCondition {
  text: string | undefined;
  flat: Array<string | undefined>;
  condition: FitNoteCondition | undefined;
}
const knownConditions = new Map<string, KnownCondition[]>();
const KNOWN_KEYS_LIMIT = 10_000;
const KNOWN_PER_KEY_LIMIT = 32;

function matchesKnown(known: KnownCondition, text: unknown, codings: unknown[]): boolean {
  if (known.text !== text) return false;
  const flat = known.flat;
  const count = codings.length;
  if (flat.length !== count * 3) return false;
  for (let i = 0, j = 0; i < count; i++, j += 3) {
    const coding = codings[i];
    if (!isObj(coding) || coding.code !== flat[j + 1] || coding.system !== flat[j]) return false;
    if (coding.display !== flat[j + 2]) return false;
  }
  return true;
}

/** readCondition, first looking among the concepts already read (only well-formed ones are kept). */
function fastCondition(concept: unknown): FitNoteCondition | undefined {
  if (!isObj(concept)) return undefined;
  const codings = concept.coding;
  const text = concept.text;
  if (!Array.isArray(codings) || !optionalText(text)) return readCondition(concept);
  let key: unknown = text;
  if (codings.length > 0) {
    const first = codings[0];
    key = isObj(first) ? first.code : undefined;
  }
  if (typeof key !== 'string') return readCondition(concept);
  let known = knownConditions.get(key);
  if (known !== undefined) {
    for (let i = 0; i < known.length; i++) {
      const candidate = known[i] as KnownCondition;
      if (matchesKnown(candidate, text, codings)) return candidate.condition;
    }
  }
  const condition = readCondition(concept);
  const flat: Array<string | undefined> = [];
  for (let i = 0; i < codings.length; i++) {
    const coding = codings[i];
    if (!isObj(coding) || typeof coding.system !== 'string' || typeof coding.code !== 'string')
      return condition;
    if (!optionalText(coding.display)) return condition;
    flat.push(coding.system, coding.code, coding.display as string | undefined);
  }
  if (known === undefined) {
    if (knownConditions.size >= KNOWN_KEYS_LIMIT) knownConditions.clear();
    known = [];
    knownConditions.set(key, known);
  } else if (known.length >= KNOWN_PER_KEY_LIMIT) known.length = 0;
  known.push({ text: text as string | undefined, flat, condition });
  return condition;
}

const FINDING_CODE = FIT_NOTE_CODES.fitnessForWorkFinding;
const DIAGNOSIS_CODE = FIT_NOTE_CODES.diagnosis;
const NOT_FIT_CODE = FIT_NOTE_CODES.unfitForWork;
const MAY_BE_FIT_CODE = FIT_NOTE_CODES.fitWithRestrictions;
const ADVICE_SYSTEM = CODE_SYSTEM.fitNoteAdvice;

/** What fastComponents found, kept in scratch variables (the reader is not re-entrant). */
let foundConditions = 0;
let condition0: FitNoteCondition | undefined;
const moreConditions: FitNoteCondition[] = [];
let foundAdvice = 0;
const adviceFound: AdviceCode[] = ['phased-return', 'phased-return', 'phased-return', 'phased-return'];
let foundAssessAgain: boolean | undefined;

function adviceCodeOf(code: unknown): AdviceCode | undefined {
  for (let i = 0; i < ADVICE_CODES.length; i++) if (ADVICE_CODES[i] === code) return ADVICE_CODES[i];
  return undefined;
}

/** readComponents of fitNotes.ts; false where that would give a reason (the note is then declined). */
function fastComponents(components: unknown): boolean {
  foundConditions = 0;
  foundAdvice = 0;
  foundAssessAgain = undefined;
  if (!Array.isArray(components)) return true;
  for (let c = 0; c < components.length; c++) {
    const component = components[c];
    if (!isObj(component)) continue;
    const code = component.code;
    if (!isObj(code)) continue;
    const codings = code.coding;
    if (!Array.isArray(codings)) continue;
    for (let k = 0; k < codings.length; k++) {
      const coding = codings[k];
      if (!isObj(coding)) continue;
      const system = coding.system;
      if (coding.code === DIAGNOSIS_CODE && system === SNOMED) {
        const condition = fastCondition(component.valueCodeableConcept);
        if (condition !== undefined) {
          if (foundConditions === 0) condition0 = condition;
          else moreConditions[foundConditions - 1] = condition;
          foundConditions++;
        }
        break;
      }
      if (system === ADVICE_SYSTEM) {
        const value = coding.code;
        if (value === ASSESS_AGAIN_CODE) {
          if (typeof component.valueBoolean !== 'boolean') return false;
          foundAssessAgain = component.valueBoolean;
        } else {
          const advice = adviceCodeOf(value);
          if (advice === undefined) return false;
          let seen = false;
          for (let i = 0; i < foundAdvice; i++) if (adviceFound[i] === advice) seen = true;
          if (!seen) adviceFound[foundAdvice++] = advice;
        }
        break;
      }
    }
  }
  return true;
}

function conditionList(): FitNoteCondition[] {
  if (foundConditions === 0) return [];
  const first = condition0 as FitNoteCondition;
  if (foundConditions === 1) return [first];
  if (foundConditions === 2) return [first, moreConditions[0] as FitNoteCondition];
  const list = [first];
  for (let i = 0; i < foundConditions - 1; i++) list.push(moreConditions[i] as FitNoteCondition);
  return list;
}

function adviceList(): AdviceCode[] {
  switch (foundAdvice) {
    case 0:
      return [];
    case 1:
      return [adviceFound[0] as AdviceCode];
    default:
      return adviceFound.slice(0, foundAdvice);
  }
}

/**
 * A FitNote Observation (code SNOMED 365524007) read as readObservation(…, 'observation') would read
 * it, or undefined when it has anything that reader would give a reason for, or anything unusual.
 */
function fastFitNote(resource: Obj, index: number): FitNote | undefined {
  const id = resource.id;
  if (!optionalText(id)) return undefined;
  const status = resource.status;
  if (status !== 'final' && status !== 'amended' && status !== 'corrected') return undefined;
  const issuedText = resource.issued;
  if (!optionalText(issuedText) || !optionalText(resource.effectiveDateTime)) return undefined;
  const period = resource.effectivePeriod;
  if (!isObj(period)) return undefined;
  const startText = period.start;
  const endText = period.end;
  if (typeof startText !== 'string' || !optionalText(endText)) return undefined;
  const startDay = fastLondonDay(startText);
  if (Number.isNaN(startDay)) return undefined;
  let endDay = Number.NaN;
  if (endText !== undefined) {
    endDay = fastLondonDay(endText as string);
    if (Number.isNaN(endDay) || endDay < startDay) return undefined;
  }
  let issuedDay = startDay;
  if (issuedText !== undefined) {
    issuedDay = fastLondonDay(issuedText as string);
    if (Number.isNaN(issuedDay)) return undefined;
  }

  const value = resource.valueCodeableConcept;
  if (!isObj(value)) return undefined;
  const valueCodings = value.coding;
  if (!Array.isArray(valueCodings)) return undefined;
  let notFit = false;
  let mayBeFit = false;
  for (let i = 0; i < valueCodings.length; i++) {
    const coding = valueCodings[i];
    if (!isObj(coding)) continue;
    // Codes first: short ones are interned by JSON.parse, so most differ by pointer.
    const code = coding.code;
    if (code === NOT_FIT_CODE) {
      if (coding.system === SNOMED) notFit = true;
    } else if (code === MAY_BE_FIT_CODE && coding.system === SNOMED) mayBeFit = true;
  }
  if (notFit === mayBeFit) return undefined;
  const fitness: Fitness = notFit ? 'not-fit' : 'may-be-fit';

  if (!fastComponents(resource.component)) return undefined;

  let performer: string | undefined;
  const performers = resource.performer;
  if (Array.isArray(performers)) {
    for (let i = 0; i < performers.length; i++) {
      const item = performers[i];
      if (isObj(item) && typeof item.reference === 'string') {
        performer = item.reference;
        break;
      }
    }
  }

  const start = dateText(startText, startDay);
  const note: FitNote = {
    ref: resourceRef('Observation', id, index),
    source: 'observation',
    issued: issuedText === undefined ? start : dateText(issuedText as string, issuedDay),
    start,
    fitness,
    conditions: conditionList(),
    advice: adviceList(),
  };
  if (endText !== undefined) note.end = dateText(endText as string, endDay);
  if (foundAssessAgain !== undefined) note.assessAgain = foundAssessAgain;
  if (performer !== undefined) note.performer = performer;
  return note;
}

// ---------------------------------------------------------------------------------------------
// Patient

const INTERPRETER_REQUIRED = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';

/** A valid NHS number written as exactly ten digits (anything else is left to the thorough reader). */
function isPlainValidNhsNumber(value: string): boolean {
  if (value.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const d = digit(value, i);
    if (d < 0) return false;
    sum += d * (10 - i);
  }
  const last = digit(value, 9);
  if (last < 0) return false;
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === last;
}

function isCodeableConcept(value: unknown): value is Obj {
  if (!isObj(value) || !optionalText(value.text)) return false;
  const codings = value.coding;
  if (codings === undefined) return true;
  if (!Array.isArray(codings)) return false;
  for (const coding of codings) {
    if (!isObj(coding) || !optionalText(coding.system) || !optionalText(coding.code)) return false;
    if (!optionalText(coding.display)) return false;
  }
  return true;
}

function isPeriod(value: unknown): boolean {
  return value === undefined || (isObj(value) && optionalText(value.start) && optionalText(value.end));
}

function checkExtensions(value: unknown): Obj[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw DECLINE;
  for (const extension of value) {
    if (!isObj(extension) || typeof extension.url !== 'string') throw DECLINE;
    if (!(extension.valueBoolean === undefined || typeof extension.valueBoolean === 'boolean')) throw DECLINE;
    if (!optionalText(extension.valueString)) throw DECLINE;
  }
  return value as Obj[];
}

function interpreterIn(extensions: Obj[] | undefined): Obj | undefined {
  if (extensions === undefined) return undefined;
  for (const extension of extensions) if (extension.url === INTERPRETER_REQUIRED) return extension;
  return undefined;
}

/** readPatientFacts for a Patient that raises no problem; declines (throws DECLINE) otherwise. */
function fastPatientFacts(patient: Obj, id: string): PatientFacts {
  const facts: PatientFacts = { id, employmentStatus: 'unknown' };

  const identifiers = patient.identifier;
  if (identifiers !== undefined) {
    if (!Array.isArray(identifiers)) throw DECLINE;
    for (const identifier of identifiers) {
      if (!isObj(identifier) || !optionalText(identifier.system)) throw DECLINE;
      const value = identifier.value;
      if (!optionalText(value)) throw DECLINE;
      if (identifier.system !== NHS_NUMBER_SYSTEM || value === undefined) continue;
      if (!isPlainValidNhsNumber(value as string)) throw DECLINE;
      if (facts.nhsNumber === undefined) facts.nhsNumber = value as string;
      else if (facts.nhsNumber !== value) throw DECLINE;
    }
  }

  const birthDate = patient.birthDate;
  if (birthDate !== undefined) {
    if (typeof birthDate !== 'string' || birthDate.length !== 10 || Number.isNaN(fastLondonDay(birthDate)))
      throw DECLINE;
    facts.birthDate = birthDate;
  }

  const addresses = patient.address;
  if (addresses !== undefined) {
    if (!Array.isArray(addresses)) throw DECLINE;
    let home: Obj | undefined;
    let first: Obj | undefined;
    for (const address of addresses) {
      if (!isObj(address) || !optionalText(address.use) || !optionalText(address.postalCode)) throw DECLINE;
      const period = address.period;
      if (!isPeriod(period)) throw DECLINE;
      if (home !== undefined) continue;
      const current =
        address.use !== 'old' &&
        (period === undefined || (period as Obj).end === undefined) &&
        (address.postalCode as string | undefined)?.trim();
      if (!current) continue;
      if (address.use === 'home') home = address;
      else if (first === undefined) first = address;
    }
    const postcode = ((home ?? first)?.postalCode as string | undefined)?.trim();
    if (postcode) facts.postcode = postcode;
  }

  let spoken: Obj | undefined;
  const communication = patient.communication;
  if (communication !== undefined) {
    if (!Array.isArray(communication)) throw DECLINE;
    for (const item of communication) {
      if (!isObj(item) || !isCodeableConcept(item.language)) throw DECLINE;
      if (!(item.preferred === undefined || typeof item.preferred === 'boolean')) throw DECLINE;
      checkExtensions(item.extension);
      if (item.preferred === true && (spoken === undefined || spoken.preferred !== true)) spoken = item;
    }
    spoken ??= communication[0] as Obj | undefined;
    if (spoken !== undefined) {
      const language = spoken.language as Obj;
      let code: string | undefined;
      for (const coding of (language.coding as Obj[] | undefined) ?? []) {
        if (coding.code !== undefined) {
          code = coding.code as string;
          break;
        }
      }
      const found = code ?? (language.text as string | undefined);
      if (found !== undefined) facts.language = found;
    }
  }

  const interpreter =
    interpreterIn(checkExtensions(patient.extension)) ??
    interpreterIn(spoken?.extension as Obj[] | undefined);
  if (interpreter !== undefined) {
    if (typeof interpreter.valueBoolean !== 'boolean') throw DECLINE;
    facts.interpreterNeeded = interpreter.valueBoolean;
  }

  const telecom = patient.telecom;
  if (telecom !== undefined) {
    if (!Array.isArray(telecom)) throw DECLINE;
    const points: PatientContactPoint[] = [];
    for (const point of telecom) {
      if (!isObj(point) || !optionalText(point.system) || !optionalText(point.value)) throw DECLINE;
      if (!optionalText(point.use) || !(point.rank === undefined || typeof point.rank === 'number'))
        throw DECLINE;
      if (!isPeriod(point.period)) throw DECLINE;
      const value = point.value as string | undefined;
      if ((point.system !== 'phone' && point.system !== 'email') || !value?.trim()) continue;
      const end = (point.period as Obj | undefined)?.end as string | undefined;
      points.push({
        system: point.system,
        value,
        ...(point.use !== undefined ? { use: point.use as string } : {}),
        ...(point.rank !== undefined ? { rank: point.rank as number } : {}),
        ...(end !== undefined ? { end } : {}),
      });
    }
    if (points.length > 0) facts.telecom = points;
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// Employment and occupation

/** WorkObservationSchema, checked by hand; declines on anything it would reject. */
function checkWorkObservation(resource: Obj): void {
  if (!optionalText(resource.id) || typeof resource.status !== 'string') throw DECLINE;
  if (!isCodeableConcept(resource.code)) throw DECLINE;
  if (!optionalText(resource.effectiveDateTime) || !isPeriod(resource.effectivePeriod)) throw DECLINE;
  if (!optionalText(resource.issued) || !optionalText(resource.valueString)) throw DECLINE;
  const value = resource.valueCodeableConcept;
  if (value !== undefined && !isCodeableConcept(value)) throw DECLINE;
  const components = resource.component;
  if (components === undefined) return;
  if (!Array.isArray(components)) throw DECLINE;
  for (const component of components) {
    if (!isObj(component) || !isCodeableConcept(component.code)) throw DECLINE;
    if (!optionalText(component.valueString) || component.valueQuantity !== undefined) throw DECLINE;
    const integer = component.valueInteger;
    if (!(integer === undefined || (typeof integer === 'number' && Number.isFinite(integer)))) throw DECLINE;
    const flag = component.valueBoolean;
    if (!(flag === undefined || typeof flag === 'boolean')) throw DECLINE;
  }
}

function isCounted(status: unknown): boolean {
  return status === 'final' || status === 'amended' || status === 'corrected';
}

/** observationDay of record.ts; declines when a date is given that fastLondonDay does not read. */
function workDay(resource: Obj): number {
  const period = resource.effectivePeriod as Obj | undefined;
  const text = (resource.effectiveDateTime ?? period?.start ?? resource.issued) as string | undefined;
  if (text === undefined) return Number.NEGATIVE_INFINITY;
  const day = fastLondonDay(text);
  if (Number.isNaN(day)) throw DECLINE;
  return day;
}

function firstCodeOf(concept: Obj, system: string): unknown {
  const codings = concept.coding as Obj[] | undefined;
  if (codings === undefined) return undefined;
  for (const coding of codings) if (coding.system === system) return coding.code;
  return undefined;
}

function applyEmploymentStatus(observation: Obj, facts: PatientFacts): void {
  const value = observation.valueCodeableConcept as Obj | undefined;
  let status: EmploymentStatus | undefined;
  for (const coding of (value?.coding as Obj[] | undefined) ?? []) {
    const code = coding.code;
    if (code === undefined) continue;
    if (
      coding.system === CODE_SYSTEM.employmentStatus &&
      (EMPLOYMENT_STATUSES as readonly unknown[]).includes(code)
    ) {
      status = code as EmploymentStatus;
      break;
    }
    if (coding.system !== CODE_SYSTEM.employmentStatus) throw DECLINE; // e.g. the ODH codes
  }
  if (status === undefined) throw DECLINE;
  facts.employmentStatus = status;
  const components = observation.component as Obj[] | undefined;
  if (components === undefined) return;
  for (const component of components) {
    const detail = firstCodeOf(component.code as Obj, CODE_SYSTEM.employmentDetail);
    if (detail === 'employer-name') {
      const name = (component.valueString as string | undefined)?.trim();
      if (name) facts.employerName = name;
    } else if (detail === 'employer-size') {
      const size = component.valueInteger;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw DECLINE;
      facts.employerSize = size;
    } else if (detail === 'employer-occupational-health') {
      if (typeof component.valueBoolean !== 'boolean') throw DECLINE;
      facts.employerHasOccupationalHealth = component.valueBoolean;
    }
  }
}

function applyOccupation(observation: Obj, facts: PatientFacts): void {
  const value = observation.valueCodeableConcept as Obj | undefined;
  let text = value?.text as string | undefined;
  if (text === undefined) {
    for (const coding of (value?.coding as Obj[] | undefined) ?? []) {
      if (coding.display !== undefined) {
        text = coding.display as string;
        break;
      }
    }
  }
  text ??= observation.valueString as string | undefined;
  const trimmed = text?.trim();
  if (!trimmed) throw DECLINE;
  facts.occupation = trimmed;
}

// ---------------------------------------------------------------------------------------------
// The record

/** What the first pass found each entry's resource to be. */
const KIND_OTHER = 0;
const KIND_PATIENT = 1;
const KIND_OBSERVATION = 2;
/** Procedure, QuestionnaireResponse and DocumentReference: fit notes, perhaps, for the thorough reader. */
const KIND_THOROUGH = 3;
const KIND_CONSENT = 4;

/**
 * False when a reference to a patient (Task.for, Consent.patient, else subject) may be to someone
 * other than this patient: a reference other than the ones the thorough reader takes as this
 * patient without a second look, or a logical reference by identifier.
 */
function aboutThisPatient(reference: unknown, patientRef: string | undefined, fullUrl: unknown): boolean {
  if (!isObj(reference)) return true;
  const text = reference.reference;
  if (typeof text === 'string') return text === patientRef || text === fullUrl;
  return reference.identifier === undefined;
}

let defaultReader: FitNoteReader | undefined;

function thoroughReader(options: ReadFitNotesOptions | undefined): FitNoteReader {
  if (options?.fitNoteCodes !== undefined) return createFitNoteReader(options);
  defaultReader ??= createFitNoteReader();
  return defaultReader;
}

/** Scratch space for the first pass (the reader is not re-entrant). */
let scratchKinds = new Uint8Array(64);
let scratchPrints = new Int32Array(64);
const scratchIds: string[] = [];

/** A cheap summary of an id (length and two characters), so that most distinct ids differ without a string comparison. */
function fingerprint(id: string): number {
  const length = id.length;
  return (length << 16) ^ (id.charCodeAt(length - 1) << 8) ^ id.charCodeAt(length >> 1);
}

function isPlainJson(value: Obj): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function read(input: unknown, options: ReadFitNotesOptions | undefined): PatientRecord | undefined {
  if (!isObj(input) || input.resourceType !== 'Bundle' || !isPlainJson(input)) return undefined;
  if (input.type !== 'collection' && input.type !== 'searchset') return undefined;
  if (!optionalText(input.id) || input.total !== undefined || input.link !== undefined) return undefined;
  const entries = input.entry;
  if (!Array.isArray(entries)) return undefined;
  const count = entries.length;
  if (count > scratchKinds.length) {
    scratchKinds = new Uint8Array(count * 2);
    scratchPrints = new Int32Array(count * 2);
  }
  const kinds = scratchKinds;
  const prints = scratchPrints;

  // Entries: each a well-formed { fullUrl?, resource, search? } with a distinct id; one Patient.
  let patientIndex = -1;
  let ids = 0;
  for (let index = 0; index < count; index++) {
    const entry = entries[index];
    if (!isObj(entry) || !optionalText(entry.fullUrl)) return undefined;
    const search = entry.search;
    if (search !== undefined && (!isObj(search) || !optionalText(search.mode) || search.mode === 'outcome'))
      return undefined;
    const resource = entry.resource;
    if (!isObj(resource)) return undefined;
    const resourceType = resource.resourceType;
    if (typeof resourceType !== 'string') return undefined;
    let kind = KIND_OTHER;
    if (resourceType === 'Observation') kind = KIND_OBSERVATION;
    else if (resourceType === 'Patient') {
      if (patientIndex >= 0) return undefined;
      patientIndex = index;
      kind = KIND_PATIENT;
    } else if (
      resourceType === 'OperationOutcome' ||
      resourceType === 'ServiceRequest' ||
      resourceType === 'Task'
    )
      return undefined;
    else if (
      resourceType === 'Procedure' ||
      resourceType === 'QuestionnaireResponse' ||
      resourceType === 'DocumentReference'
    )
      kind = KIND_THOROUGH;
    else if (resourceType === 'Consent') kind = KIND_CONSENT;
    kinds[index] = kind;
    const id = resource.id;
    if (typeof id === 'string' && id !== '') {
      const print = fingerprint(id);
      for (let k = 0; k < ids; k++) {
        if (prints[k] === print && scratchIds[k] === id) {
          scratchIds.length = 0;
          return undefined;
        }
      }
      prints[ids] = print;
      scratchIds[ids++] = id;
    }
  }
  scratchIds.length = 0;
  if (patientIndex < 0) return undefined;

  const patientEntry = entries[patientIndex] as Obj;
  const patient = patientEntry.resource as Obj;
  const patientId = typeof patient.id === 'string' && patient.id !== '' ? patient.id : undefined;
  const fullUrl = patientEntry.fullUrl as string | undefined;
  const factsId = patientId ?? fullUrl;
  if (factsId === undefined) return undefined;
  const facts = fastPatientFacts(patient, factsId);
  // References the thorough reader takes as this patient without a second look.
  const patientRef = patientId === undefined ? undefined : `Patient/${patientId}`;

  const reading: FitNoteReading = { notes: [], unreadable: [] };
  let thorough: FitNoteReader | undefined;
  let status: Obj | undefined;
  let statusDay = 0;
  let occupation: Obj | undefined;
  let occupationDay = 0;
  // Only resources about this patient count; anything that may be about someone else is declined.
  // Each kind of resource has its own property reads, so that none sees objects of many shapes.
  for (let index = 0; index < count; index++) {
    const kind = kinds[index];
    if (kind === KIND_PATIENT) continue;
    const resource = (entries[index] as Obj).resource as Obj;
    if (kind === KIND_OTHER) {
      if (!aboutThisPatient(resource.subject, patientRef, fullUrl)) return undefined;
      continue;
    }
    if (kind === KIND_CONSENT) {
      if (!aboutThisPatient(resource.patient, patientRef, fullUrl)) return undefined;
      continue;
    }
    if (kind === KIND_THOROUGH) {
      if (!aboutThisPatient(resource.subject, patientRef, fullUrl)) return undefined;
      thorough ??= thoroughReader(options);
      thorough(resource, index, reading);
      continue;
    }

    // An Observation.
    if (!aboutThisPatient(resource.subject, patientRef, fullUrl)) return undefined;
    const code = resource.code;
    const codings = code === undefined || code === null ? undefined : (code as Obj).coding;
    let finding = false;
    let work = 0;
    let otherSystem = false;
    if (codings !== undefined) {
      if (!Array.isArray(codings)) return undefined;
      for (let k = 0; k < codings.length; k++) {
        const coding = codings[k];
        if (typeof coding !== 'object' || coding === null) return undefined;
        // Codes first: short ones are interned by JSON.parse, so most differ by pointer.
        const value = (coding as Obj).code;
        const system = (coding as Obj).system;
        if (value === FINDING_CODE) {
          if (system === SNOMED) {
            if (!Array.isArray(coding)) finding = true;
            else otherSystem = true;
          } else if (system !== LOINC) otherSystem = true;
        } else if (system === LOINC) {
          if (value === LOINC_EMPLOYMENT_STATUS) work |= 1;
          else if (value === LOINC_OCCUPATION) work |= 2;
        } else otherSystem = true;
      }
    }
    if (finding) {
      if (work !== 0) return undefined;
      const note = fastFitNote(resource, index);
      if (note !== undefined) reading.notes.push(note);
      else {
        thorough ??= thoroughReader(options);
        thorough(resource, index, reading);
      }
      continue;
    }
    if (work === 0 || otherSystem || options?.fitNoteCodes !== undefined) {
      // Perhaps a GP-record coded entry (possibly also an employment one): the thorough reader decides.
      thorough ??= thoroughReader(options);
      thorough(resource, index, reading);
      if (work === 0) continue;
    }
    if (work === 3) return undefined;
    checkWorkObservation(resource);
    if (!isCounted(resource.status)) continue;
    const day = workDay(resource);
    if (work === 1) {
      if (status === undefined || day >= statusDay) {
        status = resource;
        statusDay = day;
      }
    } else if (occupation === undefined || day >= occupationDay) {
      occupation = resource;
      occupationDay = day;
    }
  }

  if (status !== undefined) applyEmploymentStatus(status, facts);
  if (occupation !== undefined) applyOccupation(occupation, facts);
  return {
    patient: facts,
    notes: reading.notes,
    unreadable: reading.unreadable,
    referrals: [],
    problems: [],
  };
}

/**
 * readRecord's fast path: the record, or undefined when it is to be read by readRecordThorough
 * (anything the fast path does not fully accept, including every record-level error and problem).
 */
export function fastReadRecord(input: unknown, options?: ReadFitNotesOptions): PatientRecord | undefined {
  try {
    return read(input, options);
  } catch (error) {
    if (error === DECLINE) return undefined;
    // Something unforeseen (an exotic object): the thorough reader is the one to say what happened.
    return undefined;
  }
}
