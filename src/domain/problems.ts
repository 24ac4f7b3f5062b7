/**
 * Turns zod issues into one plain-English line each, naming the item (rule id, provider id…) and the
 * field, and showing the value that was given. Used by every file an IT lead edits.
 */
import type { z } from 'zod/mini';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface ProblemContext {
  /** Names a list item for messages, e.g. `(['rules', 2]) => 'Rule "six-weeks-oh"'`. */
  describeItem(path: ReadonlyArray<PropertyKey>, input: unknown): string | undefined;
  /** The keys allowed in the object at a path, for unknown-key messages. */
  allowedKeys(path: ReadonlyArray<PropertyKey>): readonly string[] | undefined;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Dotted field path, with array indexes in brackets: `when.absenceDaysAtLeast`, `providers[1]`. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  context: ProblemContext,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = issue.path;
    // Find the deepest list item the path runs through, to name it.
    let prefix = '';
    let rest: ReadonlyArray<PropertyKey> = path;
    for (let i = path.length; i > 0; i--) {
      const name = context.describeItem(path.slice(0, i), input);
      if (name !== undefined) {
        prefix = name;
        rest = path.slice(i);
        break;
      }
    }
    const field = fieldPath(rest);
    const where = [prefix, field].filter((s) => s !== '').join(': ');
    let message: string;
    if (issue.code === 'unrecognized_keys') {
      const allowed = context.allowedKeys(path);
      message = issue.keys
        .map((key) => {
          const at = [prefix, fieldPath([...rest, key])].filter((s) => s !== '').join(': ');
          return `${at}: unknown key "${key}" — remove it or check the spelling${allowed ? ` (allowed here: ${allowed.join(', ')})` : ''}.`;
        })
        .join('\n');
      lines.push(...message.split('\n'));
      continue;
    }
    const given = valueAt(input, path);
    if (issue.code === 'invalid_type' && given === undefined) message = 'is required';
    else if (issue.code === 'custom') message = issue.message;
    else message = `${issue.message} (got ${show(given)})`;
    lines.push(where === '' ? `${message}.` : `${where}: ${message}${message.endsWith('.') ? '' : '.'}`);
  }
  return lines;
}

/**
 * Offset of the first JSON syntax error in text (a strict RFC 8259 scan), or -1 if it is valid.
 * V8's own messages do not always say where the error is, and an IT lead needs a line and column.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail();
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
    fail();
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (offset) {
    return offset as number;
  }
}

/** Parses JSON text, reporting the line and column of a syntax error. */
export function parseJsonText(text: string, what: string): ParseResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const offset = jsonErrorOffset(text);
    if (offset >= text.length)
      return {
        ok: false,
        problems: [
          `The ${what} is not valid JSON: it ends too soon (is a closing bracket or quote missing?).`,
        ],
      };
    const before = text.slice(0, Math.max(0, offset));
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const found = JSON.stringify(text[offset] ?? '');
    return {
      ok: false,
      problems: [`The ${what} is not valid JSON: unexpected ${found} at line ${line}, column ${column}.`],
    };
  }
}
