import { classifyFailure, FhirRequestError } from './failures.js';
import { clientRequester, fetchRequester, resolveFhirUrl } from './requester.js';

const base = 'http://ehr.test/fhir';

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/fhir+json' } });
}

/** A fetch that never answers until aborted (as a stuck server). */
const stuckFetch: typeof fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });

async function errorOf(promise: Promise<unknown>): Promise<FhirRequestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FhirRequestError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('resolveFhirUrl', () => {
  it.each([
    ['Patient/1', `${base}/Patient/1`],
    ['/Observation?patient=1', `${base}/Observation?patient=1`],
    ['http://other.test/fhir/Patient/1', 'http://other.test/fhir/Patient/1'],
    ['', `${base}/`],
  ])('%s', (url, expected) => {
    expect(resolveFhirUrl(`${base}/`, url)).toBe(expected);
  });
});

describe('fetchRequester', () => {
  it('sends the bearer token and FHIR JSON headers, and parses the answer', async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const requester = fetchRequester({
      fhirBaseUrl: base,
      accessToken: 'tok',
      fetch: async (url, init) => {
        calls.push([String(url), init]);
        return json({ resourceType: 'Patient', id: '1' });
      },
    });
    expect(await requester.request('Patient/1')).toEqual({ resourceType: 'Patient', id: '1' });
    await requester.request('', { method: 'POST', body: '{}' });
    const headers = new Headers(calls[0]?.[1]?.headers);
    expect(calls[0]?.[0]).toBe(`${base}/Patient/1`);
    expect(headers.get('authorization')).toBe('Bearer tok');
    expect(headers.get('accept')).toBe('application/fhir+json');
    expect(new Headers(calls[1]?.[1]?.headers).get('content-type')).toBe('application/fhir+json');
  });

  it('a 401 is an http error with the OperationOutcome’s words, classified token-expired', async () => {
    const requester = fetchRequester({
      fhirBaseUrl: base,
      fetch: async () =>
        json(
          { resourceType: 'OperationOutcome', issue: [{ severity: 'error', diagnostics: 'Token expired' }] },
          401,
        ),
    });
    const err = await errorOf(requester.request('Patient/1'));
    expect(err.reason).toBe('http');
    expect(err.status).toBe(401);
    expect(err.message).toContain('Token expired');
    expect(classifyFailure(err).kind).toBe('token-expired');
  });

  it('no connection is a network error, classified fhir-unreachable', async () => {
    const requester = fetchRequester({
      fhirBaseUrl: base,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const err = await errorOf(requester.request('Patient/1'));
    expect(err.reason).toBe('network');
    expect(classifyFailure(err).kind).toBe('fhir-unreachable');
  });

  it('a request over the timeout is aborted and classified fhir-slow', async () => {
    const requester = fetchRequester({ fhirBaseUrl: base, fetch: stuckFetch, timeoutMs: 30 });
    const started = Date.now();
    const err = await errorOf(requester.request('Observation?patient=1'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.reason).toBe('timeout');
    expect(err.timeoutMs).toBe(30);
    expect(classifyFailure(err).kind).toBe('fhir-slow');
  });

  it('the caller’s own abort is passed through, not called a timeout', async () => {
    const requester = fetchRequester({ fhirBaseUrl: base, fetch: stuckFetch, timeoutMs: 5000 });
    const controller = new AbortController();
    const pending = requester.request('Patient/1', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an answer that is not JSON is an http error', async () => {
    const requester = fetchRequester({
      fhirBaseUrl: base,
      fetch: async () => new Response('<html>', { status: 200 }),
    });
    expect((await errorOf(requester.request('Patient/1'))).reason).toBe('http');
  });
});

describe('clientRequester (over fhirclient’s Client.request)', () => {
  it('passes absolute URLs, headers and an abort signal to the client', async () => {
    const seen: unknown[] = [];
    const requester = clientRequester({
      state: { serverUrl: `${base}/` },
      request: async <T>(options: unknown) => {
        seen.push(options);
        return { resourceType: 'Bundle' } as T;
      },
    });
    expect(requester.fhirBaseUrl).toBe(base);
    await requester.request('', { method: 'POST', body: '{}' });
    expect(seen[0]).toMatchObject({
      url: `${base}/`,
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect((seen[0] as { signal: unknown }).signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    [
      'fhirclient’s HttpError',
      Object.assign(new Error('403 Forbidden'), { status: 403 }),
      'http',
      'scopes-not-granted',
    ],
    ['a network failure', new TypeError('Failed to fetch'), 'network', 'fhir-unreachable'],
  ])('%s becomes a FhirRequestError', async (_label, thrown, reason, kind) => {
    const requester = clientRequester({
      state: { serverUrl: base },
      request: async () => {
        throw thrown;
      },
    });
    const err = await errorOf(requester.request('Patient/1'));
    expect(err.reason).toBe(reason);
    expect(classifyFailure(err).kind).toBe(kind);
  });

  it('times out a client request that never answers', async () => {
    const requester = clientRequester(
      {
        state: { serverUrl: base },
        request: (options) =>
          new Promise((_resolve, reject) => {
            (options as { signal: AbortSignal }).signal.addEventListener('abort', () =>
              reject(new DOMException('aborted', 'AbortError')),
            );
          }),
      },
      20,
    );
    expect((await errorOf(requester.request('Patient/1'))).reason).toBe('timeout');
  });
});
