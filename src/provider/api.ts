/**
 * The inbox's calls to the hub (same origin: the hub serves the inbox at /inbox/): the sign-in
 * settings, the referral list, one referral, and an action. A 401 means the sign-in has expired
 * (SignInNeeded); every other failure becomes plain English (ApiProblem), with the hub's own words
 * when it gave an OperationOutcome.
 */
import type { ProviderAction } from '../domain/outcome.js';
import type { InboxDetail, InboxFilter, InboxList } from '../server/routes/inbox.js';
import type { SignInConfig } from './auth.js';

export type { InboxDetail, InboxFilter, InboxList };

/** The hub refused the token: sign in again. */
export class SignInNeeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInNeeded';
  }
}

/** Anything else that went wrong, in plain English (one line per problem). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problems: string[],
    /** The OperationOutcome issues' expressions, in the same order as problems (for inline messages). */
    readonly expressions: Array<string | undefined> = [],
  ) {
    super(problems.join(' '));
    this.name = 'ApiProblem';
  }
}

interface Outcome {
  issue?: Array<{ diagnostics?: string; details?: { text?: string }; expression?: string[] }>;
}

/**
 * A failed answer from the hub as an ApiProblem: the OperationOutcome's words when it has them, else
 * general words naming who to tell (`administrator`). Shared by the inbox and the IT-lead console.
 */
export async function problemOf(res: Response, administrator: string): Promise<ApiProblem> {
  try {
    const body = (await res.json()) as Outcome;
    const issues = (body.issue ?? []).filter((i) => (i.details?.text ?? i.diagnostics ?? '') !== '');
    if (issues.length > 0)
      return new ApiProblem(
        res.status,
        issues.map((i) => i.details?.text ?? i.diagnostics ?? ''),
        issues.map((i) => i.expression?.[0]),
      );
  } catch {
    // Not an OperationOutcome: fall through to the general words.
  }
  return new ApiProblem(res.status, [
    `The referral hub answered ${res.status}. Try again in a minute; if it goes on, tell ${administrator}.`,
  ]);
}

const ADMINISTRATOR = 'your service’s administrator';

export interface InboxApi {
  signInConfig(): Promise<SignInConfig>;
  list(filter: InboxFilter): Promise<InboxList>;
  detail(id: string): Promise<InboxDetail>;
  act(id: string, action: ProviderAction): Promise<InboxDetail>;
}

export function inboxApi(token: () => string | undefined, base = ''): InboxApi {
  async function call<T>(path: string, init: RequestInit = {}, needsToken = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const t = token();
    if (needsToken && t !== undefined) headers.authorization = `Bearer ${t}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers });
    } catch {
      throw new ApiProblem(0, [
        'The referral hub cannot be reached. Check your connection and try again; nothing has been changed.',
      ]);
    }
    if (res.status === 401) throw new SignInNeeded((await problemOf(res, ADMINISTRATOR)).message);
    if (!res.ok) throw await problemOf(res, ADMINISTRATOR);
    return (await res.json()) as T;
  }
  return {
    signInConfig: () => call<SignInConfig>('/inbox/api/sign-in', {}, false),
    list: (filter) => call<InboxList>(`/inbox/api/referrals?status=${encodeURIComponent(filter)}`),
    detail: (id) => call<InboxDetail>(`/inbox/api/referrals/${encodeURIComponent(id)}`),
    act: (id, action) =>
      call<InboxDetail>(`/inbox/api/referrals/${encodeURIComponent(id)}/actions`, {
        method: 'POST',
        body: JSON.stringify(action),
      }),
  };
}
