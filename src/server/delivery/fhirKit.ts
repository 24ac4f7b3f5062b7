/**
 * The hub's ProviderFhirClient on fhir-kit-client (the project's server-side FHIR client). Its
 * errors carry `response.status`, `response.data` and `config.headers`; they become
 * ProviderHttpError here, so modes.ts sees one error shape whichever client runs.
 *
 * fhir-kit-client is ESM-only: this module is loaded by the hub under Node, never by jest (see
 * client.ts). worker.ts imports it lazily for the same reason.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { parseRetryAfter } from './backoff.js';
import { bodySnippet, type ProviderFhirClient, ProviderHttpError } from './client.js';

interface FhirKitError {
  response?: { status?: number; data?: unknown };
  config?: { headers?: { get?(name: string): string | null } };
}

function translated(err: unknown): unknown {
  const e = err as FhirKitError | undefined;
  const status = e?.response?.status;
  if (typeof status !== 'number') return err;
  const retryAfter = e?.config?.headers?.get?.('retry-after');
  return new ProviderHttpError(
    status,
    bodySnippet(e?.response?.data),
    parseRetryAfter(retryAfter, Date.now()),
    e?.response?.data,
  );
}

async function run<T>(work: () => Promise<unknown>): Promise<T> {
  try {
    const result = await work();
    // fhir-kit-client answers an empty body with {}.
    return (
      result && typeof result === 'object' && Object.keys(result).length === 0 ? undefined : result
    ) as T;
  } catch (err) {
    throw translated(err);
  }
}

export function fhirKitProviderClient(baseUrl: string): ProviderFhirClient {
  const client = new Client({ baseUrl: baseUrl.replace(/\/+$/, '') });
  return {
    transaction: (bundle, signal) =>
      run<Bundle>(() => client.transaction({ body: bundle as never, options: { signal } })),
    search: (resourceType, query, signal) =>
      run<Bundle>(() =>
        client.search({ resourceType: resourceType as never, searchParams: query, options: { signal } }),
      ),
    update: <T extends Resource>(resource: T & { id: string }, signal: AbortSignal, ifMatch?: string) =>
      run<T>(() =>
        client.update({
          resourceType: resource.resourceType as never,
          id: resource.id,
          body: resource as never,
          options: { signal, ...(ifMatch ? { headers: { 'If-Match': `W/"${ifMatch}"` } } : {}) },
        }),
      ),
    processMessage: (bundle, signal) =>
      run<Resource | undefined>(() =>
        client.operation({ name: '$process-message', input: bundle as never, options: { signal } }),
      ),
  };
}
