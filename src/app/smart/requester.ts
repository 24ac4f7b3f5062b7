/**
 * FhirRequester: the one way the app's loaders talk to the EHR's FHIR server. Two implementations:
 * over fhirclient's `Client.request` (the app; fhirclient refreshes the token when it can) and over
 * plain `fetch` with a bearer token (tests, benchmarks). Both give every request a timeout (default
 * 8 s, by AbortController) and turn every failure into a FhirRequestError (`timeout`, `network` or
 * `http` with the status), which classifyFailure maps to a launch failure.
 */
import { FhirRequestError } from './failures.js';

export interface FhirRequester {
  /** `url` is absolute, or relative to fhirBaseUrl (`Patient/123`, `Observation?patient=123`). Resolves to the parsed JSON body. */
  request<T>(url: string, init?: RequestInit): Promise<T>;
  /** The FHIR base, without a trailing slash. */
  fhirBaseUrl: string;
}

export const DEFAULT_TIMEOUT_MS = 8000;

/** The absolute URL of a request made relative to a FHIR base. */
export function resolveFhirUrl(fhirBaseUrl: string, url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  return `${fhirBaseUrl.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

/**
 * Runs `run(signal)` with a timeout: a FhirRequestError('timeout') when the time is up first, the
 * caller's own abort passed through, and any other thrown TypeError (fetch's network failure) turned
 * into FhirRequestError('network').
 */
export async function withTimeout<T>(
  url: string,
  timeoutMs: number,
  callerSignal: AbortSignal | null | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await run(controller.signal);
  } catch (err) {
    if (timedOut) {
      throw new FhirRequestError('timeout', url, `No answer within ${timeoutMs} ms`, { timeoutMs });
    }
    if (callerSignal?.aborted) throw err;
    if (err instanceof FhirRequestError) throw err;
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number') {
      throw new FhirRequestError('http', url, (err as Error).message, { status });
    }
    if (err instanceof TypeError || (err as Error | null)?.name === 'AbortError') {
      throw new FhirRequestError('network', url, (err as Error).message || 'the connection failed');
    }
    throw err;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

/**
 * The text of an OperationOutcome's issues (each issue's `details.text`, meant for people, else its
 * `diagnostics`), when `body` is one; undefined for anything else or an outcome with no text.
 */
export function outcomeText(body: unknown): string | undefined {
  const outcome = body as
    | { resourceType?: unknown; issue?: Array<{ diagnostics?: unknown; details?: { text?: unknown } }> }
    | undefined;
  const type = outcome?.resourceType;
  if ((type !== undefined && type !== 'OperationOutcome') || !Array.isArray(outcome?.issue)) return undefined;
  const texts = outcome.issue
    .map((i) => (typeof i?.details?.text === 'string' ? i.details.text : i?.diagnostics))
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  return texts.length > 0 ? texts.join(' ') : undefined;
}

export interface FetchRequesterOptions {
  fhirBaseUrl: string;
  accessToken?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A requester over `fetch` with a bearer token. */
export function fetchRequester(options: FetchRequesterOptions): FhirRequester {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fhirBaseUrl = options.fhirBaseUrl.replace(/\/+$/, '');
  return {
    fhirBaseUrl,
    request<T>(url: string, init: RequestInit = {}): Promise<T> {
      const absolute = resolveFhirUrl(fhirBaseUrl, url);
      return withTimeout(absolute, timeoutMs, init.signal, async (signal) => {
        const headers = new Headers(init.headers);
        if (!headers.has('Accept')) headers.set('Accept', 'application/fhir+json');
        if (init.body !== undefined && init.body !== null && !headers.has('Content-Type')) {
          headers.set('Content-Type', 'application/fhir+json');
        }
        if (options.accessToken && !headers.has('Authorization')) {
          headers.set('Authorization', `Bearer ${options.accessToken}`);
        }
        const res = await doFetch(absolute, { ...init, headers, signal });
        const text = await res.text();
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (!res.ok) {
          const detail = outcomeText(body) ?? (text.slice(0, 200) || res.statusText);
          throw new FhirRequestError('http', absolute, `HTTP ${res.status}: ${detail}`, {
            status: res.status,
          });
        }
        if (body === undefined && text !== '') {
          throw new FhirRequestError(
            'http',
            absolute,
            'The server answered with something that is not JSON',
            {
              status: res.status,
            },
          );
        }
        return body as T;
      });
    },
  };
}

/** The part of fhirclient's Client the requester uses. */
export interface FhirClientLike {
  request<T>(requestOptions: string | (RequestInit & { url: string })): Promise<T>;
  state: { serverUrl: string };
}

/** A requester over fhirclient's Client.request (which adds the token and refreshes it when it can). */
export function clientRequester(client: FhirClientLike, timeoutMs = DEFAULT_TIMEOUT_MS): FhirRequester {
  const fhirBaseUrl = client.state.serverUrl.replace(/\/+$/, '');
  return {
    fhirBaseUrl,
    request<T>(url: string, init: RequestInit = {}): Promise<T> {
      const absolute = resolveFhirUrl(fhirBaseUrl, url);
      return withTimeout(absolute, timeoutMs, init.signal, async (signal) => {
        const headers = new Headers(init.headers);
        if (init.body !== undefined && init.body !== null && !headers.has('Content-Type')) {
          headers.set('Content-Type', 'application/fhir+json');
        }
        const plain: Record<string, string> = {};
        headers.forEach((value, key) => {
          plain[key] = value;
        });
        return client.request<T>({ ...init, url: absolute, headers: plain, signal });
      });
    },
  };
}
