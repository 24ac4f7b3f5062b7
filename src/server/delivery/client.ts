/**
 * What delivery needs of a provider's FHIR server, as an interface with two implementations:
 * - `fhirKitProviderClient` (fhirKit.ts): the hub's, on fhir-kit-client;
 * - `fetchProviderClient` (here): the same four calls on a `fetch` function, for tests that inject
 *   fetch or run under jest (fhir-kit-client is an ESM-only package, which jest's CommonJS
 *   transform cannot load).
 * Both report a non-2xx answer as ProviderHttpError (status, the provider's own words, Retry-After)
 * and let network failures and timeouts through as they are (modes.ts classifies them).
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { parseRetryAfter } from './backoff.js';

export interface ProviderFhirClient {
  /** POST [base] with a transaction Bundle; resolves to the transaction-response. */
  transaction(bundle: Bundle, signal: AbortSignal): Promise<Bundle>;
  /** GET [base]/[type]?query; resolves to the searchset. */
  search(resourceType: string, query: Record<string, string>, signal: AbortSignal): Promise<Bundle>;
  /** PUT [base]/[type]/[id], with If-Match when `ifMatch` (a version id) is given. */
  update<T extends Resource>(resource: T & { id: string }, signal: AbortSignal, ifMatch?: string): Promise<T>;
  /** POST [base]/$process-message with a message Bundle; resolves to the response (a message Bundle, or nothing). */
  processMessage(bundle: Bundle, signal: AbortSignal): Promise<Resource | undefined>;
}

/** Makes the client for one provider base URL. */
export type ProviderClientFactory = (baseUrl: string) => ProviderFhirClient;

/** The provider answered with an HTTP error status. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    /** The provider's own words (OperationOutcome text), when it gave any. */
    readonly said: string | undefined,
    /** The provider's Retry-After, in ms from when the answer arrived. */
    readonly retryAfterMs?: number,
    /** The body as parsed (an OperationOutcome, usually), for issue codes. */
    readonly body?: unknown,
  ) {
    super(`HTTP ${status}${said ? `: ${said}` : ''}`);
    this.name = 'ProviderHttpError';
  }
}

/** The plain-English text of an OperationOutcome (details.text, else diagnostics), if the body is one. */
export function outcomeText(body: unknown): string | undefined {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome' || !Array.isArray(outcome.issue)) return undefined;
  const texts = outcome.issue
    .map((i) => i.details?.text ?? i.diagnostics)
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  return texts.length > 0 ? texts.join(' ').slice(0, 500) : undefined;
}

/** Some text from a non-FHIR error body (first line, trimmed), so the GP and IT lead see what the provider said. */
export function bodySnippet(body: unknown): string | undefined {
  if (typeof body !== 'string') return outcomeText(body);
  const line = body.trim().split('\n')[0]?.trim();
  return line ? line.slice(0, 200) : undefined;
}

/** A ProviderFhirClient on a fetch function (see the file comment). */
export function fetchProviderClient(
  baseUrl: string,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
): ProviderFhirClient {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (
    method: string,
    path: string,
    signal: AbortSignal,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> => {
    const response = await fetchFn(`${base}${path}`, {
      method,
      headers: {
        Accept: 'application/fhir+json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    if (!response.ok) {
      throw new ProviderHttpError(
        response.status,
        bodySnippet(parsed),
        parseRetryAfter(response.headers.get('retry-after'), Date.now()),
        parsed,
      );
    }
    return parsed;
  };
  return {
    transaction: async (bundle, signal) => (await call('POST', '', signal, bundle)) as Bundle,
    search: async (resourceType, query, signal) =>
      (await call('GET', `/${resourceType}?${new URLSearchParams(query).toString()}`, signal)) as Bundle,
    update: async (resource, signal, ifMatch) =>
      (await call(
        'PUT',
        `/${resource.resourceType}/${encodeURIComponent(resource.id)}`,
        signal,
        resource,
        ifMatch ? { 'If-Match': `W/"${ifMatch}"` } : {},
      )) as typeof resource,
    processMessage: async (bundle, signal) =>
      (await call('POST', '/$process-message', signal, bundle)) as Resource | undefined,
  };
}
