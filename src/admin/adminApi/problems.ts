/** Turns anything a console call threw into plain-English lines for an error summary. */
import { ApiProblem, SignInNeeded } from '../api.js';

/** A problem already in plain English, raised by the console itself. */
export class PlainProblem extends Error {
  override name = 'PlainProblem';
}

export function problemsOf(error: unknown): string[] {
  if (error instanceof PlainProblem) return [error.message];
  if (error instanceof SignInNeeded)
    return [
      `Your sign-in has expired. ${error.message} Reload the page to sign in again.`.replace(/\s+/g, ' '),
    ];
  if (error instanceof ApiProblem) return error.problems;
  return ['Something went wrong in the console. Reload the page and try again; nothing has been changed.'];
}

/** 409: someone saved meanwhile. */
export const isConflict = (error: unknown) => error instanceof ApiProblem && error.status === 409;
