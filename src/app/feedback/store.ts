/**
 * Where the GP's answers to prompts are kept, so a declined or snoozed prompt does not come back
 * for that episode (evaluate() suppresses cards whose uuid has feedback). The browser keeps them in
 * localStorage, one key per patient, namespaced; a corrupt entry is reported and reset, never fatal.
 */
import type { PromptFeedback } from '../../domain/evaluate.js';

/**
 * A GP's answer as the app records it: the domain's PromptFeedback plus CDS Hooks 2.0
 * `acceptedSuggestions` on `accepted` outcomes (the ids of the card's suggestions acted on; empty
 * when the GP accepted the card without taking any of its suggestions, as with self-referral details).
 */
export interface RecordedFeedback extends PromptFeedback {
  acceptedSuggestions?: Array<{ id: string }>;
}

export interface FeedbackStore {
  list(patientKey: string): RecordedFeedback[];
  record(patientKey: string, feedback: RecordedFeedback): void;
}

/** The part of the Web Storage API the store uses (so tests and non-browser hosts can pass their own). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const FEEDBACK_NAMESPACE = 'fitnote-prompt:feedback:v1:';

/**
 * The key feedback is kept under for a patient: the NHS number, or (without one) the patient's
 * reference on its FHIR server.
 */
export function patientKeyOf(patient: { id: string; nhsNumber?: string }, fhirBaseUrl?: string): string {
  if (patient.nhsNumber) return `nhs:${patient.nhsNumber}`;
  return `${fhirBaseUrl ? `${fhirBaseUrl.replace(/\/+$/, '')}/` : ''}Patient/${patient.id}`;
}

/** The storage key for a patient (patientKey: the NHS number, or `Patient/<id>` without one). */
export function feedbackKey(patientKey: string, namespace = FEEDBACK_NAMESPACE): string {
  return `${namespace}${patientKey}`;
}

const OUTCOMES = new Set(['accepted', 'overridden', 'snoozed']);

function isFeedback(value: unknown): value is RecordedFeedback {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.card === 'string' &&
    typeof v.outcome === 'string' &&
    OUTCOMES.has(v.outcome) &&
    typeof v.outcomeTimestamp === 'string' &&
    (v.acceptedSuggestions === undefined ||
      (Array.isArray(v.acceptedSuggestions) &&
        v.acceptedSuggestions.every((s) => typeof (s as { id?: unknown } | null)?.id === 'string')))
  );
}

export interface LocalFeedbackStoreOptions {
  storage?: KeyValueStorage;
  namespace?: string;
  /** Told (in plain English) when an entry was unreadable and has been reset. Default: console.warn. */
  onProblem?: (message: string) => void;
}

/** A FeedbackStore over localStorage (or any Web Storage). */
export class LocalStorageFeedbackStore implements FeedbackStore {
  readonly #storage: KeyValueStorage | undefined;
  readonly #namespace: string;
  readonly #onProblem: (message: string) => void;
  /** Kept in memory too, so feedback still counts this session when storage refuses a write. */
  readonly #memory = new Map<string, RecordedFeedback[]>();

  constructor(options: LocalFeedbackStoreOptions = {}) {
    this.#storage = options.storage ?? safeLocalStorage();
    this.#namespace = options.namespace ?? FEEDBACK_NAMESPACE;
    this.#onProblem = options.onProblem ?? ((message) => console.warn(message));
  }

  list(patientKey: string): RecordedFeedback[] {
    const key = feedbackKey(patientKey, this.#namespace);
    const remembered = this.#memory.get(key);
    if (remembered) return remembered.slice();
    const stored = this.#read(key);
    this.#memory.set(key, stored);
    return stored.slice();
  }

  record(patientKey: string, feedback: RecordedFeedback): void {
    const key = feedbackKey(patientKey, this.#namespace);
    const list = [...this.list(patientKey), feedback];
    this.#memory.set(key, list);
    try {
      this.#storage?.setItem(key, JSON.stringify(list));
    } catch (error) {
      this.#onProblem(
        `Your answer to the prompt could not be saved in this browser (${String(error)}): it counts until the app is closed, and the prompt may show again next time.`,
      );
    }
  }

  #read(key: string): RecordedFeedback[] {
    let text: string | null;
    try {
      text = this.#storage?.getItem(key) ?? null;
    } catch {
      return [];
    }
    if (text === null) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.#reset(key, 'it is not valid JSON');
    }
    if (!Array.isArray(parsed)) return this.#reset(key, 'it is not a list');
    const good = parsed.filter(isFeedback);
    if (good.length !== parsed.length) {
      this.#onProblem(
        `${parsed.length - good.length} saved answer(s) to prompts were unreadable and have been dropped; the prompts they answered may show again.`,
      );
      try {
        this.#storage?.setItem(key, JSON.stringify(good));
      } catch {
        // Reading still works from memory.
      }
    }
    return good;
  }

  #reset(key: string, why: string): RecordedFeedback[] {
    this.#onProblem(
      `The saved answers to prompts for this patient could not be read (${why}) and have been cleared; prompts already answered may show again.`,
    );
    try {
      this.#storage?.removeItem(key);
    } catch {
      // Nothing more to do.
    }
    return [];
  }
}

/** A FeedbackStore kept in memory only (tests, or browsers that refuse storage). */
export class MemoryFeedbackStore implements FeedbackStore {
  readonly #lists = new Map<string, RecordedFeedback[]>();
  list(patientKey: string): RecordedFeedback[] {
    return (this.#lists.get(patientKey) ?? []).slice();
  }
  record(patientKey: string, feedback: RecordedFeedback): void {
    this.#lists.set(patientKey, [...this.list(patientKey), feedback]);
  }
}

/** localStorage, or undefined where touching it throws (sandboxed iframes, privacy modes). */
function safeLocalStorage(): KeyValueStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
