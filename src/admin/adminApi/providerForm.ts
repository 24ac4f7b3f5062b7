/**
 * Pure helpers for the provider directory pages: a provider's status in words (from `status`,
 * `activeFrom`, `activeTo`), editing a provider's JSON by field path, and sorting parseDirectory's
 * problems onto the form's fields.
 */

import { longDate, parseCalendarDate } from '../../domain/dates.js';
import { parseDirectory } from '../../domain/directory.js';

export type ProviderJson = Record<string, unknown>;

export type EffectiveStatus =
  | { kind: 'open'; words: string }
  | { kind: 'paused'; words: string }
  | { kind: 'closed'; words: string }
  | { kind: 'not-yet-open'; words: string };

/** What a GP sees of the provider today: taking referrals, paused, closed, or not open yet. */
export function effectiveStatus(p: ProviderJson, today: string): EffectiveStatus {
  const day = parseCalendarDate(today) ?? 0;
  const to = typeof p.activeTo === 'string' ? parseCalendarDate(p.activeTo) : undefined;
  const from = typeof p.activeFrom === 'string' ? parseCalendarDate(p.activeFrom) : undefined;
  if (p.status === 'closed') return { kind: 'closed', words: 'Closed' };
  if (to !== undefined && day >= to)
    return { kind: 'closed', words: `Closed on ${longDate(String(p.activeTo))}` };
  if (p.status === 'paused') return { kind: 'paused', words: 'Paused: not taking referrals' };
  if (from !== undefined && day < from)
    return { kind: 'not-yet-open', words: `Opens on ${longDate(String(p.activeFrom))}` };
  return { kind: 'open', words: 'Taking referrals' };
}

/** A copy of `obj` with `path` set to `value`; `undefined` removes the key (and empty parents). */
export function setAt(obj: ProviderJson, path: readonly string[], value: unknown): ProviderJson {
  const [key, ...rest] = path;
  if (key === undefined) return obj;
  const out: ProviderJson = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[key];
    else out[key] = value;
    return out;
  }
  const child = out[key];
  const next = setAt(child !== null && typeof child === 'object' ? (child as ProviderJson) : {}, rest, value);
  if (Object.keys(next).length === 0) delete out[key];
  else out[key] = next;
  return out;
}

export function getAt(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Text from a number field: a whole number when it is one, else the text (so the schema names it). */
export function numberOrText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** "LS, BD6 hx" → ['LS', 'BD6', 'HX']; blank → undefined (anywhere). */
export function areaCodesOf(text: string): string[] | undefined {
  const list = text
    .split(/[\s,;]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  return list.length === 0 ? undefined : list;
}

/** The form field id for a schema path ("eligibility.ageRange.min" → "p-eligibility-ageRange-min"). */
export function fieldId(path: string): string {
  return `p-${path.replace(/\[\d+\]/g, '').replace(/\./g, '-')}`;
}

export interface FieldProblem {
  /** Schema path without list positions ("services", "eligibility.ageRange"), or '' for the whole entry. */
  path: string;
  text: string;
}

/**
 * Checks the directory with `provider` in place of the one at `index` (or added at the end) and
 * returns this provider's problems by field, and any others (another entry, the whole file).
 */
export function checkProvider(
  providers: readonly unknown[],
  index: number,
  provider: ProviderJson,
): { problems: FieldProblem[]; others: string[] } {
  const list = [...providers];
  if (index < 0 || index >= list.length) list.push(provider);
  else list[index] = provider;
  const at = index < 0 || index >= providers.length ? list.length - 1 : index;
  const result = parseDirectory({ schemaVersion: 1, providers: list });
  if (result.ok) return { problems: [], others: [] };
  const id = typeof provider.id === 'string' && provider.id !== '' ? provider.id : undefined;
  const prefixes = [
    ...(id !== undefined ? [`Provider "${id}": `, `Provider "${id}" (#${at + 1}): `] : []),
    `Provider #${at + 1}: `,
  ];
  const problems: FieldProblem[] = [];
  const others: string[] = [];
  for (const line of result.problems) {
    if (id !== undefined && line.startsWith(`Provider "${id}": the id is used twice`)) {
      problems.push({ path: 'id', text: 'Another provider already has this id: choose a different one' });
      continue;
    }
    const prefix = prefixes.find((p) => line.startsWith(p));
    if (prefix === undefined) {
      others.push(line);
      continue;
    }
    const text = line.slice(prefix.length);
    const m = /^"([^"]+)"/.exec(text) ?? /in "([^"]+)"/.exec(text);
    let path = m?.[1]?.replace(/\[\d+\]/g, '') ?? '';
    if (path === '' && text.startsWith('delivery endpoint')) path = 'endpoint';
    problems.push({ path, text: sentence(inFormWords(text)) });
  }
  return { problems, others };
}

/** The form's words for the schema's fields, so a problem reads "Name must not be empty". */
export const FIELD_LABELS: Record<string, string> = {
  id: 'Id',
  name: 'Name',
  description: 'Description',
  services: 'Services offered',
  modalities: 'How patients are seen',
  waitingTimeDays: 'Typical wait',
  status: 'Status',
  activeFrom: 'First day it takes referrals',
  activeTo: 'Day it closes',
  lastVerified: 'Last checked',
  'eligibility.employmentStatus': 'Employment status',
  'eligibility.conditionGroups': 'Conditions',
  'eligibility.ageRange': 'Ages',
  'eligibility.ageRange.min': 'Ages from',
  'eligibility.ageRange.max': 'Ages to',
  'eligibility.areaCodes': 'Postcode areas',
  'eligibility.employerSize': 'Employer size',
  'eligibility.employerSize.min': 'Employer size from',
  'eligibility.employerSize.max': 'Employer size to',
  'contact.phone': 'Phone',
  'contact.email': 'Email',
  'contact.website': 'Website',
  'selfReferral.instructions': 'How patients refer themselves',
  'selfReferral.phone': 'Self-referral phone',
  'selfReferral.url': 'Self-referral web address',
  'endpoint.mode': 'Delivery',
  'endpoint.baseUrl': 'FHIR server address',
};

/** '"contact.phone" must not be empty' → 'Phone must not be empty' (a list position keeps its number). */
export function inFormWords(text: string): string {
  return text.replace(/^"([^"]+)"/, (whole, path: string) => {
    const at = /\[(\d+)\]$/.exec(path);
    const label = FIELD_LABELS[path.replace(/\[\d+\]/g, '')];
    if (label === undefined) return whole;
    return at ? `${label} (entry ${Number(at[1]) + 1})` : label;
  });
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A new provider's starting values (the schema's required fields, blank). */
export function blankProvider(today: string): ProviderJson {
  return {
    id: '',
    name: '',
    description: '',
    services: [],
    modalities: [],
    eligibility: { employmentStatus: ['employed', 'self-employed'] },
    status: 'open',
    lastVerified: today,
    contact: { phone: '' },
    endpoint: { mode: 'hub-inbox' },
  };
}
