/**
 * Readable differences between two versions of a practice's configuration (the IT-lead console's
 * version history): one line per change, naming rules and providers by id, e.g.
 * `Rule "six-weeks-oh": absence threshold 42 days (6 weeks) → 28 days (4 weeks)`.
 * Works on the JSON as saved (validated, but typed as unknown here so old versions always show).
 */

export type ConfigKind = 'rules' | 'directory';

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Deep equality for JSON values (key order ignored; an absent key equals an undefined one). */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameJson(a[key], b[key])) return false;
    return true;
  }
  return false;
}

const MAX_TEXT = 80;

function shorten(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1).trimEnd()}…` : text;
}

/** A value in words: lists joined with commas, text as it is (shortened), nothing as "(none)". */
export function valueWords(value: Json): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return value === '' ? '(empty)' : `${shorten(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    if (value.every((v) => typeof v !== 'object' || v === null))
      return shorten(value.map(valueWords).join(', '));
    return `${value.length} ${value.length === 1 ? 'entry' : 'entries'}`;
  }
  return shorten(JSON.stringify(value));
}

function daysWords(value: Json): string {
  if (typeof value !== 'number') return valueWords(value);
  const days = `${value} ${value === 1 ? 'day' : 'days'}`;
  if (value % 7 !== 0) return days;
  const weeks = value / 7;
  return `${days} (${weeks} ${weeks === 1 ? 'week' : 'weeks'})`;
}

/** Names for fields whose path alone reads badly. */
const RULE_FIELD_WORDS: Record<string, { words: string; format?: (v: Json) => string }> = {
  'when.absenceDaysAtLeast': { words: 'absence threshold', format: daysWords },
  'when.noteCountAtLeast': { words: 'fit-note count threshold' },
  'when.episodesIn12MonthsAtLeast': { words: 'episodes in 12 months threshold' },
  'when.firstNote': { words: 'first-note trigger' },
  'when.exceedsExpectedDuration': { words: 'longer-than-expected trigger' },
};

/**
 * Field-by-field changes between two JSON values, as [path, before, after]: objects are walked key by
 * key; lists of plain values and lists whose length changed are one change; lists of objects of the
 * same length are walked item by item (`expectedDurations[1].days`).
 */
function fieldChanges(before: Json, after: Json, path: string): Array<[string, Json, Json]> {
  if (sameJson(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => fieldChanges(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    before.length === after.length &&
    before.some(isObject)
  ) {
    return before.flatMap((item, i) => fieldChanges(item, after[i], `${path}[${i + 1}]`));
  }
  return [[path, before, after]];
}

function fieldLine(prefix: string, path: string, before: Json, after: Json): string {
  const named = RULE_FIELD_WORDS[path];
  const format = named?.format ?? valueWords;
  return `${prefix}${named?.words ?? path} ${format(before)} → ${format(after)}`;
}

function byId(list: Json): Map<string, JsonObject> {
  const map = new Map<string, JsonObject>();
  if (!Array.isArray(list)) return map;
  for (const item of list) {
    if (isObject(item) && typeof item.id === 'string' && !map.has(item.id)) map.set(item.id, item);
  }
  return map;
}

function idOrder(list: Map<string, JsonObject>): string[] {
  return [...list.keys()];
}

function describeList(
  before: Map<string, JsonObject>,
  after: Map<string, JsonObject>,
  noun: 'Rule' | 'Provider',
  special: (id: string, a: JsonObject, b: JsonObject) => { lines: string[]; skip: string[] },
): string[] {
  const lines: string[] = [];
  for (const [id, item] of after) {
    const old = before.get(id);
    if (!old) {
      lines.push(
        `${noun} "${id}" added${typeof item.title === 'string' ? `: ${shorten(item.title)}` : ''}${typeof item.name === 'string' ? `: ${shorten(item.name)}` : ''}`,
      );
      continue;
    }
    const { lines: extra, skip } = special(id, old, item);
    lines.push(...extra);
    const oldRest = { ...old };
    const newRest = { ...item };
    for (const key of skip) {
      delete oldRest[key];
      delete newRest[key];
    }
    for (const [path, a, b] of fieldChanges(oldRest, newRest, '')) {
      lines.push(fieldLine(`${noun} "${id}": `, path, a, b));
    }
  }
  for (const id of before.keys()) if (!after.has(id)) lines.push(`${noun} "${id}" removed`);
  const kept = idOrder(after).filter((id) => before.has(id));
  const keptBefore = idOrder(before).filter((id) => after.has(id));
  if (!sameJson(kept, keptBefore)) lines.push(`${noun}s reordered: ${kept.join(', ')}`);
  return lines;
}

function describeRules(before: JsonObject, after: JsonObject): string[] {
  const lines: string[] = [];
  const { rules: beforeRules, ...beforeRest } = before;
  const { rules: afterRules, ...afterRest } = after;
  for (const [path, a, b] of fieldChanges(beforeRest, afterRest, '')) {
    lines.push(
      path === 'episodeGapDays'
        ? `Gap that ends an episode ${daysWords(a)} → ${daysWords(b)}`
        : fieldLine('', path, a, b),
    );
  }
  lines.push(
    ...describeList(byId(beforeRules), byId(afterRules), 'Rule', (id, a, b) => {
      if (a.enabled === b.enabled || typeof b.enabled !== 'boolean') return { lines: [], skip: [] };
      return { lines: [`Rule "${id}": switched ${b.enabled ? 'on' : 'off'}`], skip: ['enabled'] };
    }),
  );
  return lines;
}

const STATUS_WORDS: Record<string, string> = { open: 'open again', paused: 'paused', closed: 'closed' };

function describeDirectory(before: JsonObject, after: JsonObject): string[] {
  const lines: string[] = [];
  const { providers: beforeProviders, ...beforeRest } = before;
  const { providers: afterProviders, ...afterRest } = after;
  for (const [path, a, b] of fieldChanges(beforeRest, afterRest, '')) lines.push(fieldLine('', path, a, b));
  lines.push(
    ...describeList(byId(beforeProviders), byId(afterProviders), 'Provider', (id, a, b) => {
      if (a.status === b.status || typeof b.status !== 'string') return { lines: [], skip: [] };
      return { lines: [`Provider "${id}": ${STATUS_WORDS[b.status] ?? b.status}`], skip: ['status'] };
    }),
  );
  return lines;
}

/**
 * What changed from one version to the next, one readable line per change; [] when nothing did or
 * there is no earlier version.
 */
export function describeChanges(before: unknown, after: unknown, kind: ConfigKind): string[] {
  if (before === undefined || before === null) return [];
  if (sameJson(before, after)) return [];
  if (!isObject(before) || !isObject(after)) return ['The whole file was replaced'];
  return kind === 'rules' ? describeRules(before, after) : describeDirectory(before, after);
}
