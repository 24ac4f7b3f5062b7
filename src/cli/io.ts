/**
 * The CLI's file adapter: reads files and turns every failure into a plain-English message that
 * names the file. The domain never sees a path.
 */

import { readFile } from 'node:fs/promises';
import { londonDateOf } from '../domain/dates.js';
import { parseJsonText } from '../domain/problems.js';

/** An error whose message is for the person at the terminal: printed as is, never with a stack. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`Cannot find the ${what} "${path}": check the path.`, 1);
    if (code === 'EISDIR') throw new UsageError(`The ${what} "${path}" is a folder; give a file.`, 1);
    if (code === 'EACCES')
      throw new UsageError(`Not allowed to read the ${what} "${path}": check its permissions.`, 1);
    throw new UsageError(`Cannot read the ${what} "${path}": ${(error as Error).message}`, 1);
  }
}

export async function readJson(path: string, what: string): Promise<unknown> {
  const parsed = parseJsonText(await readText(path, what), `${what} "${path}"`);
  if (!parsed.ok) throw new UsageError(parsed.problems.join('\n'), 1);
  return parsed.value;
}

/** Today's calendar date in Europe/London (the CLI may read the clock; the domain never does). */
export function londonToday(now = new Date()): string {
  return londonDateOf(now);
}
