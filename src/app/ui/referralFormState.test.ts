import type { PatientContactPoint } from '../../domain/patient.js';
import { RecordIncompleteError } from '../deliver.js';
import { clientRequester, fetchRequester } from '../smart/requester.js';
import {
  explainSendFailure,
  initialFormState,
  preferredContacts,
  rankForPatient,
} from './referralFormState.js';
import { sampleContext, TODAY } from './testSupport.js';

const phone = (value: string, extra: Partial<PatientContactPoint> = {}): PatientContactPoint => ({
  system: 'phone',
  value,
  ...extra,
});
const email = (value: string, extra: Partial<PatientContactPoint> = {}): PatientContactPoint => ({
  system: 'email',
  value,
  ...extra,
});

describe('preferredContacts', () => {
  it.each<[string, PatientContactPoint[] | undefined, { phone?: string; email?: string }]>([
    ['nothing recorded', undefined, {}],
    [
      'one of each',
      [phone('0113 496 0100'), email('a@example.org')],
      { phone: '0113 496 0100', email: 'a@example.org' },
    ],
    [
      'a mobile before an earlier home number',
      [phone('0113 496 0100', { use: 'home' }), phone('07700 900001', { use: 'mobile' })],
      { phone: '07700 900001' },
    ],
    [
      'a mobile before a better-ranked landline',
      [phone('0113 496 0100', { rank: 1 }), phone('07700 900001', { use: 'mobile', rank: 2 })],
      { phone: '07700 900001' },
    ],
    [
      'by rank among the rest',
      [phone('0113 496 0100', { rank: 3 }), phone('0113 496 0101', { rank: 1 }), phone('0113 496 0102')],
      { phone: '0113 496 0101' },
    ],
    [
      'an unranked one after ranked ones, else record order',
      [email('b@example.org'), email('c@example.org', { rank: 2 }), email('d@example.org')],
      { email: 'c@example.org' },
    ],
    [
      'not an old one',
      [phone('07700 900001', { use: 'old' }), phone('0113 496 0100')],
      { phone: '0113 496 0100' },
    ],
    [
      'not a mobile that ended yesterday',
      [phone('07700 900001', { use: 'mobile', end: '2026-11-20' }), phone('0113 496 0100')],
      { phone: '0113 496 0100' },
    ],
    [
      'a mobile that ends today or later',
      [phone('0113 496 0100'), phone('07700 900001', { use: 'mobile', end: '2026-11-21T18:00:00Z' })],
      { phone: '07700 900001' },
    ],
    [
      'nothing when all have ended',
      [phone('07700 900001', { end: '2025-01-01' }), email('a@example.org', { end: '2020-01-01' })],
      {},
    ],
    ['trimmed, and not a blank value', [phone('   '), phone(' 07700 900002 ')], { phone: '07700 900002' }],
  ])('%s', (_label, telecom, expected) => {
    expect(preferredContacts(telecom, TODAY)).toEqual(expected);
  });

  it('leaves out numbers with an end date when it does not know today', () => {
    expect(
      preferredContacts([
        phone('07700 900001', { use: 'mobile', end: '2099-01-01' }),
        phone('0113 496 0100'),
      ]),
    ).toEqual({
      phone: '0113 496 0100',
    });
  });
});

describe('initialFormState: contact prefill', () => {
  const context = sampleContext('peter');
  const ranked = rankForPatient(context.record.patient, undefined, context.config.directory.providers, TODAY);

  it('fills phone and email from the record', () => {
    const patient = {
      ...context.record.patient,
      telecom: [
        phone('0113 496 0100', { use: 'home' }),
        phone('07700 900123', { use: 'mobile' }),
        email('peter@example.org'),
      ],
    };
    const state = initialFormState({ patient, ranked, today: TODAY });
    expect([state.phone, state.email, state.preferredMethod]).toEqual([
      '07700 900123',
      'peter@example.org',
      'phone',
    ]);
  });

  it('leaves them empty when the record has none', () => {
    const { telecom: _none, ...patient } = context.record.patient;
    const state = initialFormState({ patient, ranked, today: TODAY });
    expect([state.phone, state.email]).toEqual(['', '']);
  });
});

describe('explainSendFailure: a failed save in plain English, through the real requesters', () => {
  const provider = { name: 'Pennine Work and Wellbeing', contact: { phone: '0113 496 0005' } };
  const outcome = (text: string) => ({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics: text }],
  });
  /** The error the app's fetch requester throws when the EHR answers `status` with `body`. */
  async function fetchError(status: number, body?: unknown, timeoutMs = 8000): Promise<unknown> {
    const requester = fetchRequester({
      fhirBaseUrl: 'https://ehr.test/fhir',
      timeoutMs,
      fetch: async (_url, init) => {
        if (status === 0) throw new TypeError('Failed to fetch');
        if (status === -1)
          return new Promise<Response>((_r, reject) =>
            init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
          );
        return new Response(body === undefined ? '' : JSON.stringify(body), { status });
      },
    });
    return requester.request('', { method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
  }
  /** The error the app's fhirclient requester throws (fhirclient's HttpError, its body after the status). */
  async function clientError(status: number, statusText: string, body: unknown): Promise<unknown> {
    const requester = clientRequester({
      state: { serverUrl: 'https://ehr.test/fhir' },
      request: async () => {
        throw Object.assign(
          new Error(
            `${status} ${statusText}\nURL: https://ehr.test/fhir\n\n${JSON.stringify(body, null, 4)}`,
          ),
          { status, statusCode: status },
        );
      },
    });
    return requester.request('', { method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  it.each<[string, () => Promise<unknown>, RegExp, boolean]>([
    [
      '401 (token expired)',
      () => fetchError(401, outcome('Access token expired')),
      /^Your session with the clinical system has ended, so the referral was not saved in the record\. Nothing was sent to Pennine Work and Wellbeing\. Close the app and open it again from the patient’s record, then refer again\.$/,
      false,
    ],
    [
      'fhirclient’s own expiry',
      async () => new Error('Session expired! Please re-launch the app'),
      /^Your session with the clinical system has ended/,
      false,
    ],
    [
      '403',
      () => fetchError(403),
      /does not allow this app to save referrals in this patient’s record.*IT lead.*phone Pennine Work and Wellbeing on 0113 496 0005\.$/,
      false,
    ],
    [
      '409 through fhirclient, with the server’s words',
      () => clientError(409, 'Conflict', outcome('A Task with this identifier exists twice.')),
      /clashes with what the record already holds\. It said: “A Task with this identifier exists twice”\. Nothing was sent to Pennine/,
      true,
    ],
    [
      '412',
      () => fetchError(412, outcome('Multiple matches for the conditional create.')),
      /clashes with what the record already holds\. It said: “Multiple matches for the conditional create”\./,
      true,
    ],
    [
      '422',
      () => fetchError(422, outcome('ServiceRequest.subject is required.')),
      /did not accept the referral’s details\. It said: “ServiceRequest\.subject is required”\. Nothing was sent.*Check the details below, then press Send referral again/,
      true,
    ],
    [
      '503',
      () => fetchError(503),
      /had a problem and did not save the referral \(error 503\)\. Nothing was sent.*in a minute/,
      true,
    ],
    [
      'a timeout',
      () => fetchError(-1, undefined, 2000),
      /did not answer within 2 seconds, so the app cannot tell whether it saved the referral\. Nothing was sent.*not saved twice\.$/,
      true,
    ],
    [
      'no connection',
      () => fetchError(0),
      /could not reach the clinical system to save the referral: the connection failed\. Nothing was sent.*network connection/,
      true,
    ],
  ])('%s', async (_label, makeError, expected, canRetry) => {
    const error = await makeError();
    const failure = explainSendFailure(error, provider);
    expect(failure.problems).toHaveLength(1);
    expect(failure.problems[0]).toMatch(expected);
    expect(failure.problems[0]).not.toMatch(/HTTP \d|No answer within|ms\b|URL:|\{/);
    expect(failure.canRetry).toBe(canRetry);
  });

  it('says the record may not have every part when its answer did not confirm them all', () => {
    const failure = explainSendFailure(new RecordIncompleteError('not every part'), provider);
    expect(failure.problems[0]).toMatch(
      /so the record may not have every part\. Nothing was sent to Pennine Work and Wellbeing\. Press Send referral again/,
    );
    expect(failure.canRetry).toBe(true);
  });

  it('passes the app’s own plain-English failures through', () => {
    expect(explainSendFailure(new Error('The record may not have every part.'), provider)).toEqual({
      problems: ['The record may not have every part.'],
      canRetry: true,
    });
  });
});
