/**
 * The IT-lead console's calls to the hub (same origin: the hub serves the console at /admin/).
 *   apiFetch<T>(path, init?)  JSON in (`json`) and out, with this tab's staff token; a 401 → SignInNeeded
 *                             (sign in again); any other failure → ApiProblem(status, problems[]) in
 *                             plain English, the hub's own words when it gave an OperationOutcome.
 *   apiDownload(path, name)   the same, but saves the answer as a file (export, CSV).
 * The sign-in itself is src/provider/auth.ts's hand-written OIDC PKCE flow, redirected to /admin/.
 */
import { ApiProblem, problemOf, SignInNeeded } from '../provider/api.js';
import { type SignInConfig, staffSignIn } from '../provider/auth.js';
import type { VersionView } from '../server/config/versions.js';

export type { SignInConfig };
export { ApiProblem, SignInNeeded };

const ADMINISTRATOR = 'whoever runs your practice’s referral hub';

/** The console's sign-in: redirect `/admin/`, this tab's `fitnote-admin.*` sessionStorage keys. */
export const consoleSignIn = staffSignIn({
  redirectPath: '/admin/',
  storagePrefix: 'fitnote-admin',
  cancelledMessage: 'You cancelled signing in. Sign in to change your practice’s prompts.',
  administrator: ADMINISTRATOR,
});

/** Dispatched on window when the hub answers 401: the shell asks the person to sign in again. */
export const SIGN_IN_NEEDED_EVENT = 'fitnote-admin:sign-in-needed';

/** Header names in lower case, from whatever shape RequestInit allows. */
function headersOf(given: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (given === undefined) return out;
  const pairs: Iterable<[string, string]> =
    Array.isArray(given) || (typeof Headers !== 'undefined' && given instanceof Headers)
      ? (given as Iterable<[string, string]>)
      : Object.entries(given as Record<string, string>);
  for (const [k, v] of pairs) out[k.toLowerCase()] = v;
  return out;
}

async function send(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, headers: given, ...rest } = init;
  const headers = headersOf(given);
  headers.accept ??= 'application/json';
  const token = consoleSignIn.currentSession()?.accessToken;
  if (token !== undefined) headers.authorization ??= `Bearer ${token}`;
  let body = rest.body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  }
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers, ...(body !== undefined ? { body } : {}) });
  } catch {
    throw new ApiProblem(0, [
      'The referral hub cannot be reached. Check your connection and try again; nothing has been changed.',
    ]);
  }
  if (res.status === 401) {
    const problem = await problemOf(res, ADMINISTRATOR);
    consoleSignIn.forgetSession();
    // The console's shell listens for this and shows the sign-in screen (coming back to this page).
    if (typeof window !== 'undefined') window.dispatchEvent(new CustomEvent(SIGN_IN_NEEDED_EVENT));
    throw new SignInNeeded(problem.problems.join(' '));
  }
  if (!res.ok) throw await problemOf(res, ADMINISTRATOR);
  return res;
}

export async function apiFetch<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const res = await send(path, init);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** Fetches with the token and saves the answer as `filename` (the browser's download). */
export async function apiDownload(path: string, filename: string): Promise<void> {
  const res = await send(path, { headers: { accept: '*/*' } });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One saved version of the rules or directory, as the console API shows it (the hub's own type). */
export type { VersionView } from '../server/config/versions.js';

export interface ProviderChoice {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'closed';
}

/** GET /admin/api/rules */
export interface RulesResponse {
  live: VersionView;
  latest: VersionView;
  national: unknown;
  providers: ProviderChoice[];
}
