/**
 * Reads fit notes (Med3) out of FHIR resources, whatever shape the record holds them in:
 *  (a) the FitNote Observation (code SNOMED 365524007, with or without meta.profile);
 *  (b) GP-record coded entries: an Observation or Procedure coded with one of the practice's fit-note
 *      codes (DEFAULT_FIT_NOTE_CODES unless configured) and a period;
 *  (c) a QuestionnaireResponse shaped like the UK Core "Statement of Fitness for Work (Mock up)";
 *  (d) a DocumentReference typed as a Med3 / sickness certificate, with context.period.
 * Resources that are not fit notes are ignored. A fit note that cannot be read is returned in
 * `unreadable` with a reason in plain English; nothing throws and nothing is dropped silently.
 *
 * Speed matters (the bench reads about a million notes a second through the whole pipeline): each
 * resource is checked with a minimal zod schema (top-level fields only, unknown keys accepted and
 * not copied) and codings, values and components are hand-read from the resource itself.
 */
import {
  ADVICE_CODES,
  type AdviceCode,
  ASSESS_AGAIN_CODE,
  CODE_SYSTEM,
  FIT_NOTE_CODES,
  SNOMED,
} from '../domain/codes.js';
import { type DayNumber, formatDay, londonDay } from '../domain/dates.js';
import type {
  Coding,
  FitNote,
  FitNoteCondition,
  FitNoteSource,
  Fitness,
  UnreadableFitNote,
} from '../domain/fitnote.js';
import {
  describeParseError,
  FitNoteDocumentReferenceSchema,
  FitNoteObservationSchema,
  FitNoteProcedureSchema,
  FitNoteQuestionnaireResponseSchema,
} from './schemas.js';

export interface FitNoteCode {
  system: string;
  code: string;
  display?: string;
}

/** Codes that mean "a fit note was issued" in GP records (practice configuration may replace them). */
export const DEFAULT_FIT_NOTE_CODES: ReadonlyArray<FitNoteCode> = [
  { system: SNOMED, code: '1331000000103', display: 'Med3 certificate issued to patient' },
  { system: SNOMED, code: '1321000000100', display: "MED3 - doctor's statement" },
  { system: SNOMED, code: '1341000000107', display: 'Med3 certificate duplicate issued' },
];

export interface ReadFitNotesOptions {
  /** Codes that mark a GP-record entry or document as a fit note; DEFAULT_FIT_NOTE_CODES when absent. */
  fitNoteCodes?: ReadonlyArray<{ system: string; code: string }>;
}

export interface FitNoteReading {
  notes: FitNote[];
  unreadable: UnreadableFitNote[];
}

/**
 * Items of the fitness-for-work QuestionnaireResponse. Q1–Q3 (and the older numeric linkIds) are the
 * UK Core mock-up's; the mock-up has no period or advice items, so Q2t and Q4–Q7 are this project's
 * additions, following the Med3 form. Items are matched by linkId, or else by their text.
 */
export const FIT_NOTE_QUESTIONNAIRE_ITEMS = {
  assessmentDate: { linkIds: ['Q1', '4436092714066'], texts: ['Assessment Date'] },
  conditions: { linkIds: ['Q2', '3789717378462'], texts: ['Condition(s)'] },
  conditionCoded: { linkIds: ['Q2g', '3841573519012'], texts: ['Condition (Coded)'] },
  conditionText: { linkIds: ['Q2t', '468626616487'], texts: ['Condition (Text)'] },
  fitness: { linkIds: ['Q3'], texts: ['I find you'] },
  from: { linkIds: ['Q4'], texts: ['From'] },
  to: { linkIds: ['Q5'], texts: ['To', 'Until'] },
  mayBeFitAdvice: {
    linkIds: ['Q6'],
    texts: ['You may be fit for work taking into account the following advice', 'May be fit for work advice'],
  },
  assessAgain: { linkIds: ['Q7'], texts: ['I will need to assess your fitness for work again'] },
} as const;
type QuestionnaireItemKey = keyof typeof FIT_NOTE_QUESTIONNAIRE_ITEMS;

/** Questionnaire canonicals that mark a QuestionnaireResponse as a fit note. */
const FIT_NOTE_QUESTIONNAIRE = /fitness-?for-?work|fit-?note|med-?3/i;

// ---------------------------------------------------------------------------------------------
// Reasons (plain English; shown after the resource reference, e.g. "Observation/x: …")

const ENTERED_IN_ERROR = 'marked entered in error: not counted';
const CANCELLED = 'marked cancelled: not counted';
const FITNESS_EXPECTED =
  'expected SNOMED CT 160910001 "Unfit for work" or 225891002 "Fit for work with restrictions"';
const ADVICE_EXPECTED = `expected one of ${ADVICE_CODES.join(', ')}`;

// ---------------------------------------------------------------------------------------------
// Hand-reading helpers

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasCoding(concept: unknown, system: string, code: string): boolean {
  if (!isObj(concept)) return false;
  const codings = concept.coding;
  if (!Array.isArray(codings)) return false;
  for (const coding of codings) {
    if (isObj(coding) && coding.code === code && coding.system === system) return true;
  }
  return false;
}

/** Fit-note code list as system → codes, so lookups do not build strings. */
class CodeList {
  private readonly bySystem = new Map<string, Set<string>>();
  constructor(codes: ReadonlyArray<{ system: string; code: string }>) {
    for (const { system, code } of codes) {
      let set = this.bySystem.get(system);
      if (set === undefined) {
        set = new Set();
        this.bySystem.set(system, set);
      }
      set.add(code);
    }
  }
  has(system: unknown, code: unknown): boolean {
    if (typeof system !== 'string' || typeof code !== 'string') return false;
    return this.bySystem.get(system)?.has(code) === true;
  }
  matches(concept: unknown): boolean {
    if (!isObj(concept) || !Array.isArray(concept.coding)) return false;
    for (const coding of concept.coding) {
      if (isObj(coding) && this.has(coding.system, coding.code)) return true;
    }
    return false;
  }
}

const DEFAULT_CODE_LIST = new CodeList(DEFAULT_FIT_NOTE_CODES);

/** Codes of a concept in words, for reasons: `http://snomed.info/sct|123 ("text")`. */
function describeConcept(concept: unknown): string {
  if (!isObj(concept)) return 'nothing';
  const parts: string[] = [];
  if (Array.isArray(concept.coding)) {
    for (const coding of concept.coding) {
      if (isObj(coding))
        parts.push(`${String(coding.system ?? '(no system)')}|${String(coding.code ?? '(no code)')}`);
    }
  }
  if (typeof concept.text === 'string') parts.push(JSON.stringify(concept.text));
  return parts.length === 0 ? 'an empty value' : parts.join(', ');
}

function fitnessOf(concept: unknown): Fitness | 'both' | undefined {
  const notFit = hasCoding(concept, SNOMED, FIT_NOTE_CODES.unfitForWork);
  const mayBeFit = hasCoding(concept, SNOMED, FIT_NOTE_CODES.fitWithRestrictions);
  if (notFit && mayBeFit) return 'both';
  return notFit ? 'not-fit' : mayBeFit ? 'may-be-fit' : undefined;
}

/**
 * Conditions repeat across notes (the same SNOMED CT and ICD-10 codes and wording), so each distinct
 * one is built once and shared, frozen: notes are read-only values, and sharing keeps the reader from
 * allocating several objects per note that would all live as long as the notes. Candidates are
 * found by the first code (or the text) and compared field by field, so a lookup allocates nothing.
 */
const conditionCache = new Map<string, FitNoteCondition[]>();

function isCoding(coding: unknown): coding is { system: string; code: string; display?: unknown } {
  return isObj(coding) && typeof coding.system === 'string' && typeof coding.code === 'string';
}

function sameCondition(
  condition: FitNoteCondition,
  list: readonly unknown[] | undefined,
  count: number,
  text: string | undefined,
): boolean {
  if (condition.text !== text || condition.codings.length !== count) return false;
  if (list === undefined) return true;
  let i = 0;
  for (const coding of list) {
    if (!isCoding(coding)) continue;
    const known = condition.codings[i++] as Coding;
    if (
      known.code !== coding.code ||
      known.system !== coding.system ||
      known.display !== (typeof coding.display === 'string' ? coding.display : undefined)
    ) {
      return false;
    }
  }
  return true;
}

/** A condition from a CodeableConcept, shared and frozen (see conditionCache); undefined when it has no code or text. */
export function readCondition(concept: unknown): FitNoteCondition | undefined {
  if (!isObj(concept)) return undefined;
  const text = typeof concept.text === 'string' && concept.text.trim() !== '' ? concept.text : undefined;
  const list = Array.isArray(concept.coding) ? concept.coding : undefined;
  let first: string | undefined;
  let count = 0;
  if (list !== undefined) {
    for (const coding of list) {
      if (!isCoding(coding)) continue;
      if (first === undefined) first = coding.code;
      count++;
    }
  }
  const key = first ?? text;
  if (key === undefined) return undefined;
  let candidates = conditionCache.get(key);
  if (candidates !== undefined) {
    for (const candidate of candidates) if (sameCondition(candidate, list, count, text)) return candidate;
  } else {
    if (conditionCache.size > 50_000) conditionCache.clear();
    candidates = [];
    conditionCache.set(key, candidates);
  }
  const codings: Coding[] = [];
  if (list !== undefined) {
    for (const coding of list) {
      if (!isCoding(coding)) continue;
      codings.push(
        Object.freeze(
          typeof coding.display === 'string'
            ? { system: coding.system, code: coding.code, display: coding.display }
            : { system: coding.system, code: coding.code },
        ),
      );
    }
  }
  Object.freeze(codings);
  const condition: FitNoteCondition = Object.freeze(text === undefined ? { codings } : { codings, text });
  if (candidates.length >= 64) candidates.length = 0;
  candidates.push(condition);
  return condition;
}

function firstReference(list: unknown, key?: string): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    const ref = key === undefined ? item : isObj(item) ? item[key] : undefined;
    if (isObj(ref) && typeof ref.reference === 'string') return ref.reference;
  }
  return undefined;
}

/** Calendar-date text for a day number, shared between notes (days repeat across a population). */
const dayTexts = new Map<DayNumber, string>();
function dayText(day: DayNumber): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    if (dayTexts.size > 100_000) dayTexts.clear();
    text = formatDay(day);
    dayTexts.set(day, text);
  }
  return text;
}

/**
 * londonDay, remembered: the same date texts recur across a record and a population, and reading
 * one (regular expressions, offset and BST arithmetic) costs far more than a lookup.
 */
const dayByText = new Map<string, DayNumber | undefined>();
function dayOf(text: string): DayNumber | undefined {
  let day = dayByText.get(text);
  if (day === undefined && !dayByText.has(text)) {
    if (dayByText.size > 100_000) dayByText.clear();
    day = londonDay(text);
    dayByText.set(text, day);
  }
  return day;
}

const PARTIAL_DATE = /^\d{4}(-\d{2})?$/;

function dateReason(label: string, text: string): string {
  return PARTIAL_DATE.test(text)
    ? `${label} is a partial date (${text}): a full date is needed`
    : `${label} is not a valid date (${JSON.stringify(text)})`;
}

/** The result of reading a period: scratch space reused between notes (the reader is not re-entrant). */
const span = { start: 0, end: Number.NaN as DayNumber };

/**
 * Reads start/end into `span`. Returns a reason when they cannot be read: a missing start, a partial
 * or invalid date, or an end before the start. An absent end leaves `span.end` NaN (open-ended).
 */
function readSpan(
  start: string | undefined,
  end: string | undefined,
  startLabel: string,
  endLabel: string,
): string | undefined {
  if (start === undefined || start === '') return `has no start date (${startLabel})`;
  const startDay = dayOf(start);
  if (startDay === undefined) return dateReason(startLabel, start);
  span.start = startDay;
  span.end = Number.NaN;
  if (end !== undefined) {
    const endDay = dayOf(end);
    if (endDay === undefined) return dateReason(endLabel, end);
    if (endDay < startDay) {
      return `the period it covers ends (${dayText(endDay)}) before it starts (${dayText(startDay)})`;
    }
    span.end = endDay;
  }
  return undefined;
}

function observationStatusReason(status: string): string | undefined {
  switch (status) {
    case 'final':
    case 'amended':
    case 'corrected':
      return undefined;
    case 'entered-in-error':
      return ENTERED_IN_ERROR;
    case 'cancelled':
      return CANCELLED;
    default:
      return `has status "${status}", not final: only final, amended or corrected entries are counted`;
  }
}

/** Resource reference for notes and reasons: `Type/id`, or `Type (no id) at index N`. */
export function resourceRef(resourceType: string, id: unknown, index: number): string {
  return typeof id === 'string' && id !== ''
    ? `${resourceType}/${id}`
    : `${resourceType} (no id) at index ${index}`;
}

function buildNote(
  ref: string,
  source: FitNoteSource,
  issued: DayNumber,
  fitness: Fitness,
  conditions: FitNoteCondition[],
  advice: AdviceCode[],
  assessAgain: boolean | undefined,
  performer: string | undefined,
): FitNote {
  const note: FitNote = {
    ref,
    source,
    issued: dayText(issued),
    start: dayText(span.start),
    fitness,
    conditions,
    advice,
  };
  if (!Number.isNaN(span.end)) note.end = dayText(span.end);
  if (assessAgain !== undefined) note.assessAgain = assessAgain;
  if (performer !== undefined) note.performer = performer;
  return note;
}

function isAdviceCode(code: unknown): code is AdviceCode {
  return (ADVICE_CODES as readonly unknown[]).includes(code);
}

/**
 * Observation components: diagnosis → conditions, advice and assess-again, gathered in scratch arrays
 * and copied out at their exact length (an array grown by push keeps spare capacity for as long as
 * the note lives). Returns a reason when an advice component cannot be read.
 */
const scratchConditions: FitNoteCondition[] = [];
const scratchAdvice: AdviceCode[] = [];
let scratchAssessAgain: boolean | undefined;

function readComponents(components: unknown): string | undefined {
  scratchConditions.length = 0;
  scratchAdvice.length = 0;
  scratchAssessAgain = undefined;
  if (!Array.isArray(components)) return undefined;
  for (const component of components) {
    if (!isObj(component) || !isObj(component.code)) continue;
    const codings = component.code.coding;
    if (!Array.isArray(codings)) continue;
    for (const coding of codings) {
      if (!isObj(coding)) continue;
      if (coding.code === FIT_NOTE_CODES.diagnosis && coding.system === SNOMED) {
        const condition = readCondition(component.valueCodeableConcept);
        if (condition !== undefined) scratchConditions.push(condition);
        break;
      }
      if (coding.system === CODE_SYSTEM.fitNoteAdvice) {
        if (coding.code === ASSESS_AGAIN_CODE) {
          if (typeof component.valueBoolean !== 'boolean') {
            return 'the "assess again" component has no yes/no value (valueBoolean)';
          }
          scratchAssessAgain = component.valueBoolean;
        } else if (isAdviceCode(coding.code)) {
          if (!scratchAdvice.includes(coding.code)) scratchAdvice.push(coding.code);
        } else {
          return `unknown advice code ${JSON.stringify(coding.code)}: ${ADVICE_EXPECTED}`;
        }
        break;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The readers, one per shape

function readObservation(resource: Obj, ref: string, source: FitNoteSource): FitNote | string {
  const parsed = FitNoteObservationSchema.safeParse(resource);
  if (!parsed.success) {
    return describeParseError(parsed.error, resource);
  }
  const head = parsed.data;
  const statusReason = observationStatusReason(head.status);
  if (statusReason !== undefined) return statusReason;

  const period = head.effectivePeriod;
  if (period === undefined) {
    return head.effectiveDateTime === undefined
      ? 'has no period (effectivePeriod): the dates the note covers are needed'
      : 'has a single date (effectiveDateTime) but no period (effectivePeriod): the dates the note covers are needed';
  }
  const spanReason = readSpan(period.start, period.end, 'effectivePeriod.start', 'effectivePeriod.end');
  if (spanReason !== undefined) return spanReason;

  let issued = span.start;
  if (head.issued !== undefined) {
    const day = dayOf(head.issued);
    if (day === undefined) return dateReason('issued', head.issued);
    issued = day;
  }

  let fitness: Fitness = 'not-fit';
  const value = resource.valueCodeableConcept;
  if (value === undefined) {
    if (source === 'observation') {
      return `has no fitness value (valueCodeableConcept): ${FITNESS_EXPECTED}`;
    }
  } else {
    const found = fitnessOf(value);
    if (found === 'both') return 'records both "not fit" and "may be fit": cannot tell which applies';
    if (found === undefined) return `unknown fitness value (${describeConcept(value)}): ${FITNESS_EXPECTED}`;
    fitness = found;
  }

  const componentReason = readComponents(resource.component);
  if (componentReason !== undefined) return componentReason;
  return buildNote(
    ref,
    source,
    issued,
    fitness,
    scratchConditions.slice(),
    scratchAdvice.slice(),
    scratchAssessAgain,
    firstReference(resource.performer),
  );
}

function readProcedure(resource: Obj, ref: string): FitNote | string {
  const parsed = FitNoteProcedureSchema.safeParse(resource);
  if (!parsed.success) {
    return describeParseError(parsed.error, resource);
  }
  const head = parsed.data;
  switch (head.status) {
    case 'completed':
      break;
    case 'entered-in-error':
      return ENTERED_IN_ERROR;
    case 'not-done':
      return 'recorded as not done (no certificate was issued): not counted';
    default:
      return `has status "${head.status}", not completed: only completed entries are counted`;
  }
  const period = head.performedPeriod;
  if (period === undefined) {
    return head.performedDateTime === undefined
      ? 'has no period (performedPeriod): the dates the note covers are needed'
      : 'has a single date (performedDateTime) but no period (performedPeriod): the dates the note covers are needed';
  }
  const spanReason = readSpan(period.start, period.end, 'performedPeriod.start', 'performedPeriod.end');
  if (spanReason !== undefined) return spanReason;

  const conditions: FitNoteCondition[] = [];
  if (Array.isArray(resource.reasonCode)) {
    for (const reason of resource.reasonCode) {
      const condition = readCondition(reason);
      if (condition !== undefined) conditions.push(condition);
    }
  }
  return buildNote(
    ref,
    'coded-entry',
    span.start,
    'not-fit',
    conditions,
    [],
    undefined,
    firstReference(resource.performer, 'actor'),
  );
}

function readDocumentReference(resource: Obj, ref: string): FitNote | string {
  const parsed = FitNoteDocumentReferenceSchema.safeParse(resource);
  if (!parsed.success) {
    return describeParseError(parsed.error, resource);
  }
  const head = parsed.data;
  if (head.status === 'entered-in-error' || head.docStatus === 'entered-in-error') return ENTERED_IN_ERROR;
  if (head.status === 'superseded') return 'superseded by a newer document: not counted';
  if (head.status !== 'current') {
    return `has status "${head.status}", not current: only current documents are counted`;
  }
  if (head.docStatus === 'preliminary') return 'is a preliminary draft (docStatus preliminary): not counted';

  const period = head.context?.period;
  if (period === undefined)
    return 'has no period (context.period): the dates the certificate covers are needed';
  const spanReason = readSpan(period.start, period.end, 'context.period.start', 'context.period.end');
  if (spanReason !== undefined) return spanReason;

  let issued = span.start;
  if (head.date !== undefined) {
    const day = dayOf(head.date);
    if (day === undefined) return dateReason('date', head.date);
    issued = day;
  }

  // Fitness is "not fit" unless the type or a category says "may be fit".
  let fitness: Fitness = 'not-fit';
  let stated: Fitness | 'both' | undefined = fitnessOf(resource.type);
  if (Array.isArray(resource.category)) {
    for (const category of resource.category) {
      const found = fitnessOf(category);
      if (found === undefined) continue;
      stated = stated === undefined || stated === found ? found : 'both';
    }
  }
  if (stated === 'both') return 'records both "not fit" and "may be fit": cannot tell which applies';
  if (stated !== undefined) fitness = stated;
  return buildNote(
    ref,
    'document-reference',
    issued,
    fitness,
    [],
    [],
    undefined,
    firstReference(resource.author),
  );
}

// --- QuestionnaireResponse ---------------------------------------------------------------------

function normaliseText(text: string): string {
  return text
    .trim()
    .replace(/[\s:?]+$/, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

const ITEM_BY_LINK_ID = new Map<string, QuestionnaireItemKey>();
const ITEM_BY_TEXT = new Map<string, QuestionnaireItemKey>();
for (const [key, { linkIds, texts }] of Object.entries(FIT_NOTE_QUESTIONNAIRE_ITEMS)) {
  for (const linkId of linkIds) ITEM_BY_LINK_ID.set(linkId, key as QuestionnaireItemKey);
  for (const text of texts) ITEM_BY_TEXT.set(normaliseText(text), key as QuestionnaireItemKey);
}

const ADVICE_BY_LABEL = new Map<string, AdviceCode>([
  ['phased return', 'phased-return'],
  ['a phased return to work', 'phased-return'],
  ['phased return to work', 'phased-return'],
  ['altered hours', 'altered-hours'],
  ['amended duties', 'amended-duties'],
  ['workplace adaptations', 'workplace-adaptations'],
]);

function itemKey(item: Obj): QuestionnaireItemKey | undefined {
  if (typeof item.linkId === 'string') {
    const key = ITEM_BY_LINK_ID.get(item.linkId);
    if (key !== undefined) return key;
  }
  return typeof item.text === 'string' ? ITEM_BY_TEXT.get(normaliseText(item.text)) : undefined;
}

interface ConditionGroupAnswers {
  codings: Coding[];
  texts: string[];
}

interface QuestionnaireAnswers {
  answers: Partial<Record<QuestionnaireItemKey, Obj[]>>;
  conditionGroups: ConditionGroupAnswers[];
}

function answersOf(item: Obj): Obj[] {
  return Array.isArray(item.answer) ? item.answer.filter(isObj) : [];
}

function collectItems(
  items: unknown,
  found: QuestionnaireAnswers,
  group: ConditionGroupAnswers | undefined,
): void {
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!isObj(item)) continue;
    const key = itemKey(item);
    if (key === 'conditions') {
      const own: ConditionGroupAnswers = { codings: [], texts: [] };
      found.conditionGroups.push(own);
      collectItems(item.item, found, own);
      continue;
    }
    if (key === 'conditionCoded' || key === 'conditionText') {
      let target = group;
      if (target === undefined) {
        target = { codings: [], texts: [] };
        found.conditionGroups.push(target);
      }
      for (const answer of answersOf(item)) {
        const coding = answer.valueCoding;
        if (isObj(coding) && typeof coding.system === 'string' && typeof coding.code === 'string') {
          target.codings.push(
            typeof coding.display === 'string'
              ? { system: coding.system, code: coding.code, display: coding.display }
              : { system: coding.system, code: coding.code },
          );
        } else if (typeof answer.valueString === 'string' && answer.valueString.trim() !== '') {
          target.texts.push(answer.valueString);
        }
      }
    } else if (key !== undefined) {
      const list = found.answers[key] ?? [];
      list.push(...answersOf(item));
      found.answers[key] = list;
    }
    collectItems(item.item, found, group);
  }
}

function conditionsFrom(groups: ConditionGroupAnswers[]): FitNoteCondition[] {
  const conditions: FitNoteCondition[] = [];
  for (const { codings, texts } of groups) {
    const text = texts.length > 0 ? texts.join('; ') : undefined;
    if (codings.length <= 1) {
      if (codings.length === 0 && text === undefined) continue;
      conditions.push(text === undefined ? { codings } : { codings, text });
      continue;
    }
    // Several coded answers are several conditions; free text beside them stands as its own.
    for (const coding of codings) {
      conditions.push(
        coding.display === undefined ? { codings: [coding] } : { codings: [coding], text: coding.display },
      );
    }
    if (text !== undefined) conditions.push({ codings: [], text });
  }
  return conditions;
}

function answerDate(answer: Obj | undefined): string | undefined {
  if (answer === undefined) return undefined;
  for (const key of ['valueDate', 'valueDateTime', 'valueString'] as const) {
    if (typeof answer[key] === 'string') return answer[key];
  }
  return undefined;
}

function isFitnessAnswer(answer: Obj): boolean {
  return fitnessOf({ coding: [answer.valueCoding] }) !== undefined;
}

function looksLikeFitNoteResponse(resource: Obj): boolean {
  const questionnaire = resource.questionnaire;
  if (typeof questionnaire === 'string' && FIT_NOTE_QUESTIONNAIRE.test(questionnaire.split('|')[0] ?? '')) {
    return true;
  }
  const stack: unknown[] = Array.isArray(resource.item) ? [...resource.item] : [];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!isObj(item)) continue;
    if (typeof item.text === 'string' && ITEM_BY_TEXT.get(normaliseText(item.text)) === 'fitness')
      return true;
    if (item.linkId === 'Q3' && answersOf(item).some(isFitnessAnswer)) return true;
    if (Array.isArray(item.item)) stack.push(...item.item);
  }
  return false;
}

function readQuestionnaireResponse(resource: Obj, ref: string): FitNote | string {
  const parsed = FitNoteQuestionnaireResponseSchema.safeParse(resource);
  if (!parsed.success) {
    return describeParseError(parsed.error, resource);
  }
  const head = parsed.data;
  switch (head.status) {
    case 'completed':
    case 'amended':
      break;
    case 'entered-in-error':
      return ENTERED_IN_ERROR;
    default:
      return `has status "${head.status}", not completed: only completed or amended forms are counted`;
  }
  const found: QuestionnaireAnswers = { answers: {}, conditionGroups: [] };
  collectItems(head.item, found, undefined);
  const { answers } = found;

  const fitnessAnswer = answers.fitness?.[0];
  if (fitnessAnswer === undefined) return 'has no answer to "I find you" (fitness for work, linkId Q3)';
  const fitness = fitnessOf({ coding: [fitnessAnswer.valueCoding] });
  if (fitness === undefined || fitness === 'both') {
    const coding = fitnessAnswer.valueCoding;
    return `unknown assessment code for "I find you" (${isObj(coding) ? describeConcept({ coding: [coding] }) : 'no coded answer'}): ${FITNESS_EXPECTED}`;
  }

  const from = answerDate(answers.from?.[0]);
  if (from === undefined) return 'has no "From" date (linkId Q4) for the period the note covers';
  const to = answerDate(answers.to?.[0]);
  const spanReason = readSpan(from, to, 'the "From" date (Q4)', 'the "To" date (Q5)');
  if (spanReason !== undefined) return spanReason;

  let issued = span.start;
  const assessed = answerDate(answers.assessmentDate?.[0]);
  const issuedText = assessed ?? head.authored;
  if (issuedText !== undefined) {
    const day = dayOf(issuedText);
    if (day === undefined)
      return dateReason(assessed === undefined ? 'authored' : 'the assessment date (Q1)', issuedText);
    issued = day;
  }

  const advice: AdviceCode[] = [];
  for (const answer of answers.mayBeFitAdvice ?? []) {
    const coding = answer.valueCoding;
    let code: AdviceCode | undefined;
    if (isObj(coding) && coding.system === CODE_SYSTEM.fitNoteAdvice && isAdviceCode(coding.code))
      code = coding.code;
    else {
      const label = isObj(coding) && typeof coding.display === 'string' ? coding.display : answer.valueString;
      if (typeof label === 'string') code = ADVICE_BY_LABEL.get(normaliseText(label));
    }
    if (code === undefined) {
      const shown = isObj(coding)
        ? describeConcept({ coding: [coding] })
        : JSON.stringify(answer.valueString ?? null);
      return `unknown "may be fit" option (${shown}): ${ADVICE_EXPECTED}`;
    }
    if (!advice.includes(code)) advice.push(code);
  }

  let assessAgain: boolean | undefined;
  const again = answers.assessAgain?.[0];
  if (again !== undefined) {
    if (typeof again.valueBoolean !== 'boolean') {
      return 'the "assess again" answer (linkId Q7) is not a yes/no value (valueBoolean)';
    }
    assessAgain = again.valueBoolean;
  }

  const author = resource.author;
  const performer = isObj(author) && typeof author.reference === 'string' ? author.reference : undefined;
  return buildNote(
    ref,
    'questionnaire-response',
    issued,
    fitness,
    conditionsFrom(found.conditionGroups),
    advice,
    assessAgain,
    performer,
  );
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** A reader for one resource at a time (readRecord uses it with Bundle entry indices). */
export type FitNoteReader = (resource: unknown, index: number, out: FitNoteReading) => void;

export function createFitNoteReader(options?: ReadFitNotesOptions): FitNoteReader {
  const codes = options?.fitNoteCodes === undefined ? DEFAULT_CODE_LIST : new CodeList(options.fitNoteCodes);
  const readOne = (
    resource: unknown,
    index: number,
  ): { ref: string; result: FitNote | string } | undefined => {
    if (!isObj(resource)) return undefined;
    const type = resource.resourceType;
    switch (type) {
      case 'Observation': {
        const code = resource.code;
        if (hasCoding(code, SNOMED, FIT_NOTE_CODES.fitnessForWorkFinding)) {
          const ref = resourceRef(type, resource.id, index);
          return { ref, result: readObservation(resource, ref, 'observation') };
        }
        if (!codes.matches(code)) return undefined;
        const ref = resourceRef(type, resource.id, index);
        return { ref, result: readObservation(resource, ref, 'coded-entry') };
      }
      case 'Procedure': {
        if (!codes.matches(resource.code)) return undefined;
        const ref = resourceRef(type, resource.id, index);
        return { ref, result: readProcedure(resource, ref) };
      }
      case 'QuestionnaireResponse': {
        if (!looksLikeFitNoteResponse(resource)) return undefined;
        const ref = resourceRef(type, resource.id, index);
        return { ref, result: readQuestionnaireResponse(resource, ref) };
      }
      case 'DocumentReference': {
        if (
          !codes.matches(resource.type) &&
          !hasCoding(resource.type, SNOMED, FIT_NOTE_CODES.sicknessCertificates)
        ) {
          return undefined;
        }
        const ref = resourceRef(type, resource.id, index);
        return { ref, result: readDocumentReference(resource, ref) };
      }
      default:
        return undefined;
    }
  };
  // The readers guard every value they touch; this is a last line so that one odd resource can never
  // stop a whole record being read.
  return (resource, index, out) => {
    try {
      const read = readOne(resource, index);
      if (read === undefined) return;
      if (typeof read.result === 'string') out.unreadable.push({ ref: read.ref, reason: read.result });
      else out.notes.push(read.result);
    } catch (error) {
      const type =
        isObj(resource) && typeof resource.resourceType === 'string' ? resource.resourceType : 'Resource';
      const id = isObj(resource) ? resource.id : undefined;
      out.unreadable.push({
        ref: resourceRef(type, id, index),
        reason: `could not be read (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  };
}

/**
 * Reads every fit note among `resources`. Resources that are not fit notes are ignored; fit notes
 * that cannot be read are listed in `unreadable` with the reason. Never throws on bad input.
 */
export function readFitNotes(resources: readonly unknown[], options?: ReadFitNotesOptions): FitNoteReading {
  const read = createFitNoteReader(options);
  const out: FitNoteReading = { notes: [], unreadable: [] };
  if (!Array.isArray(resources)) return out;
  for (let index = 0; index < resources.length; index++) read(resources[index], index, out);
  return out;
}
