/**
 * handOverToHub: the GP app's hand-over to the referral hub, against a hub mocked at the network
 * layer (msw). The real hub is exercised end to end in tests/e2e/gp-journey.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { type Provider, parseDirectory } from '../domain/directory.js';
import { handOverToHub } from './deliver.js';

const HUB = 'http://hub.test';
const EHR = 'http://ehr.test/fhir';
const parsed = parseDirectory(JSON.parse(readFileSync('examples/directory.json', 'utf8')));
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const provider = parsed.directory.providers[0] as Provider;
const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };

const received: { authorization: string | null; ehr: string | null; body: unknown }[] = [];
let answer: () => Response = () => HttpResponse.json({ deliveryState: 'pending' }, { status: 201 });

const server = setupServer(
  http.post(`${HUB}/referrals`, async ({ request }) => {
    received.push({
      authorization: request.headers.get('authorization'),
      ehr: request.headers.get('x-ehr-fhir-base'),
      body: await request.json(),
    });
    return answer();
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  received.length = 0;
  answer = () => HttpResponse.json({ deliveryState: 'pending' }, { status: 201 });
});
afterAll(() => server.close());

const handOver = handOverToHub({ hubUrl: `${HUB}/`, accessToken: 'tok', ehrFhirBase: EHR, timeoutMs: 500 });
const outcome = (text: string, status: number) =>
  HttpResponse.json(
    { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: text }] },
    { status },
  );

describe('handOverToHub', () => {
  it('posts the Bundle with the launch’s token and the EHR’s FHIR base', async () => {
    expect(await handOver(provider, bundle)).toEqual({ state: 'queued' });
    expect(received).toEqual([{ authorization: 'Bearer tok', ehr: EHR, body: bundle }]);
  });

  it.each<[string, () => Response, object]>([
    [
      'accepted, delivery pending',
      () => HttpResponse.json({ deliveryState: 'pending' }, { status: 201 }),
      { state: 'queued' },
    ],
    [
      'already accepted and delivered',
      () => HttpResponse.json({ deliveryState: 'delivered' }),
      { state: 'delivered' },
    ],
    [
      'already accepted, delivery given up',
      () => HttpResponse.json({ deliveryState: 'failed', lastDeliveryError: 'The provider refused it.' }),
      { state: 'failed', reason: 'The provider refused it.' },
    ],
    [
      'refused with a reason',
      () => outcome('This token is for another patient.', 403),
      {
        state: 'failed',
        reason:
          'The referral hub did not accept the referral (HTTP 403: This token is for another patient.).',
      },
    ],
    [
      'a hub error without a body',
      () => new HttpResponse(null, { status: 502 }),
      { state: 'failed', reason: 'The referral hub did not accept the referral (HTTP 502).' },
    ],
    [
      'no connection',
      () => HttpResponse.error(),
      { state: 'failed', reason: expect.stringContaining('could not reach the referral hub') },
    ],
  ])('%s', async (_label, response, expected) => {
    answer = response;
    expect(await handOver(provider, bundle)).toEqual(expected);
  });

  it('a hub that does not answer in time: failed, saying it may not have the referral', async () => {
    answer = () => new Promise<Response>(() => {}) as unknown as Response;
    const result = await handOver(provider, bundle);
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringMatching(/did not answer within 1 seconds?/),
    });
  });
});
