import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Encounter, Observation } from '@medplum/fhirtypes';
import { readRecord } from '../fhir/record.js';
import {
  absenceSummary,
  bannerName,
  CHOOSE_AT_SIGN_IN,
  ehrHandler,
  issuedInstant,
  SMART_STYLE,
  USER_COOKIE,
  userChoiceOf,
} from './ehr.js';
import { type RunningSandbox, startSandbox } from './server.js';
import { VIGNETTE_INDEX } from './vignettes.js';

const TODAY = '2026-11-21';
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: TODAY });
});
afterAll(async () => {
  await sandbox?.close();
});

function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) params.append(k, x);
  return params.toString();
}

function post(id: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sandbox.url}/ehr/patient/${id}/fit-notes`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: sandbox.url,
      ...headers,
    },
    body,
  });
}

async function searchFitNotes(patient: string): Promise<Observation[]> {
  const token = await accessToken(patient);
  const res = await fetch(`${sandbox.fhirBaseUrl}/Observation?subject=Patient/${patient}&_count=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const bundle = (await res.json()) as Bundle<Observation>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/** A real access token through the launch in the record page's iframe (the app's own flow). */
async function accessToken(patient: string): Promise<string> {
  return (await launchToken(`/ehr/patient/${patient}`)).access_token;
}

interface LaunchTokenBody {
  access_token: string;
  patient: string;
  encounter?: string;
  fhirContext?: Array<{ reference?: string }>;
  id_token?: string;
  need_patient_banner: boolean;
  smart_style_url: string;
}

/** The launch in the iframe of the record page at `page` (seen with `cookie`), authorized (no picker) and exchanged. */
async function launchToken(page: string, cookie?: string): Promise<LaunchTokenBody> {
  const authorize = await authorizeFromPage(page, cookie);
  expect(authorize.status).toBe(302);
  const code = new URL(authorize.headers.get('location') as string).searchParams.get('code') as string;
  const token = await fetch(`${sandbox.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${sandbox.url}/app/`,
      client_id: 'fitnote-prompt',
      code_verifier: VERIFIER,
    }),
  });
  expect(token.status).toBe(200);
  const body = (await token.json()) as LaunchTokenBody;
  expect(body.patient).toBe(/\/ehr\/patient\/([^/?]+)/.exec(page)?.[1]);
  expect(body.need_patient_banner).toBe(false);
  expect(body.smart_style_url).toBe(`${sandbox.url}/ehr/smart-style.json`);
  return body;
}

const VERIFIER = 'a-verifier-of-enough-length-for-pkce-s256-0123456789';

/** Opens the record page and follows its iframe's launch to /auth/authorize (as the app would). */
async function authorizeFromPage(page: string, cookie?: string): Promise<Response> {
  const html = await (await fetch(`${sandbox.url}${page}`, { headers: cookie ? { cookie } : {} })).text();
  const src = /<iframe title="Fit note prompt" src="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  const launchUrl = new URL(src as string, sandbox.url);
  const { createHash } = await import('node:crypto');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'fitnote-prompt',
    redirect_uri: `${sandbox.url}/app/`,
    scope: 'launch openid fhirUser patient/Patient.r patient/Observation.rs patient/Encounter.r',
    state: 'ehr-test',
    aud: launchUrl.searchParams.get('iss') as string,
    launch: launchUrl.searchParams.get('launch') as string,
    code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return fetch(`${sandbox.url}/auth/authorize?${params}`, { redirect: 'manual' });
}

describe('the patient list', () => {
  it('lists every example patient with a link, NHS number 3-3-4, age and absence', async () => {
    const res = await fetch(`${sandbox.url}/ehr/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const v of VIGNETTE_INDEX) expect(html).toContain(`href="/ehr/patient/${v.key}"`);
    expect(html).toContain('TESTBROOK, Peter');
    expect(html).toMatch(/999 \d{3} \d{4}/);
    expect(html).toContain('Off work 28 days (2 fit notes)');
    expect(html).toContain('No fit notes');
  });

  it('redirects /ehr to /ehr/', async () => {
    const res = await fetch(`${sandbox.url}/ehr`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/ehr/');
  });
});

describe("Peter's record", () => {
  it('shows his banner, notes, problems and the app launched in a side-panel iframe', async () => {
    const res = await fetch(`${sandbox.url}/ehr/patient/peter`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1 id="patient-name">TESTBROOK, Peter');
    expect(html).toMatch(/Depression/);
    expect(html).toMatch(/Anxiety/);
    expect(html.match(/Not fit for work|May be fit for work/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('id="problems-heading"');
    const src = /<iframe title="Fit note prompt" src="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(src).toMatch(/^\/launch\/\?iss=/);
    const url = new URL(src as string, sandbox.url);
    expect(url.searchParams.get('iss')).toBe(sandbox.fhirBaseUrl);
    expect(url.searchParams.get('launch')).toMatch(/^\S{16,}$/);
  });

  it('launches afresh on every view, with a launch the authorization server accepts', async () => {
    const launchOf = async () =>
      /launch=([^"&]+)/.exec(await (await fetch(`${sandbox.url}/ehr/patient/peter`)).text())?.[1];
    expect(await launchOf()).not.toBe(await launchOf());
    expect(await accessToken('peter')).toMatch(/\S+/);
  });

  it('answers 404 with a page for an unknown patient', async () => {
    const res = await fetch(`${sandbox.url}/ehr/patient/nobody`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('no patient with the id &quot;nobody&quot;');
  });
});

describe("today's consultation (Encounter)", () => {
  it('opening a record starts a GP consultation the app is launched within, reused on reopening the same day', async () => {
    const first = await launchToken('/ehr/patient/gap-seven');
    expect(first.encounter).toMatch(/\S+/);
    const encounter = await sandbox.fhir.repo.readResource<Encounter>('Encounter', first.encounter as string);
    expect(encounter).toMatchObject({
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '11429006' }], text: 'GP consultation' }],
      subject: { reference: 'Patient/gap-seven' },
      participant: [{ individual: { reference: 'Practitioner/gp-1', display: 'Dr Alex Testdoctor' } }],
      serviceProvider: { reference: 'Organization/practice', display: 'Example Street Surgery' },
    });
    // A fixed-date sandbox (2026-11-21, not today) starts it at midday on its day.
    expect(encounter.period?.start?.slice(0, 10)).toBe(TODAY);
    expect((await launchToken('/ehr/patient/gap-seven')).encounter).toBe(first.encounter);
    // Another clinician signed in: their own consultation.
    const other = await launchToken('/ehr/patient/gap-seven', `${USER_COOKIE}=gp-2`);
    expect(other.encounter).not.toBe(first.encounter);
    const theirs = await sandbox.fhir.repo.readResource<Encounter>('Encounter', other.encounter as string);
    expect(theirs.participant?.[0]?.individual?.reference).toBe('Practitioner/gp-2');
    const page = await (await fetch(`${sandbox.url}/ehr/patient/gap-seven`)).text();
    expect(page).toContain('Consultation in progress:');
    expect(page).toContain('GP consultation with Dr Alex Testdoctor');
  });
});

describe('Signed in as', () => {
  const choose = (user: string, extra: Record<string, string> = {}) =>
    fetch(`${sandbox.url}/ehr/user`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: sandbox.url, ...extra },
      body: form({ user, back: '/ehr/patient/peter' }),
    });

  it.each([
    ['', undefined],
    ['other=1', undefined],
    [`${USER_COOKIE}=gp-2`, 'gp-2'],
    [`a=b; ${USER_COOKIE}=physio-1`, 'physio-1'],
    [`${USER_COOKIE}=${CHOOSE_AT_SIGN_IN}`, CHOOSE_AT_SIGN_IN],
    [`${USER_COOKIE}=mallory`, undefined],
    [`${USER_COOKIE}=__proto__`, undefined],
  ])('userChoiceOf(%j) is %j', (cookie, expected) => {
    expect(userChoiceOf(cookie)).toBe(expected);
  });

  it('every EHR page offers the choice, gp-1 by default', async () => {
    for (const page of ['/ehr/', '/ehr/patient/peter']) {
      const html = await (await fetch(`${sandbox.url}${page}`)).text();
      expect(html).toContain('<label class="nhsuk-label" for="ehr-user">Signed in as</label>');
      expect(html).toContain(
        '<option value="gp-1" selected>Dr Alex Testdoctor (general practitioner)</option>',
      );
      expect(html).toContain(`<option value="${CHOOSE_AT_SIGN_IN}">Choose at sign-in to the app</option>`);
    }
  });

  it('POST /ehr/user sets the cookie and goes back; the launch and new fit notes are that clinician’s', async () => {
    const res = await choose('gp-2');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ehr/patient/peter');
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toBe(`${USER_COOKIE}=gp-2`);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
    const html = await (await fetch(`${sandbox.url}/ehr/patient/peter`, { headers: { cookie } })).text();
    expect(html).toContain('<option value="gp-2" selected>');
    expect(html).toContain('Example Street Surgery · Dr Sam Testgp');
    const token = await launchToken('/ehr/patient/peter', cookie);
    const claims = JSON.parse(
      Buffer.from((token.id_token ?? '').split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims.fhirUser).toBe(`${sandbox.fhirBaseUrl}/Practitioner/gp-2`);
    const issued = await post(
      'overlap',
      form({ start: TODAY, days: '7', fitness: 'not-fit', condition: 'sciatica' }),
      { cookie },
    );
    const id = new URL(issued.headers.get('location') as string, sandbox.url).searchParams.get('issued');
    const note = await sandbox.fhir.repo.readResource<Observation>('Observation', id as string);
    expect(note.performer?.[0]).toEqual({ reference: 'Practitioner/gp-2', display: 'Dr Sam Testgp' });
  });

  it('"Choose at sign-in" launches without a user, so the SMART server shows its clinician picker', async () => {
    const cookie = `${USER_COOKIE}=${CHOOSE_AT_SIGN_IN}`;
    const authorize = await authorizeFromPage('/ehr/patient/peter', cookie);
    expect(authorize.status).toBe(200);
    expect(await authorize.text()).toContain('name="clinician"');
    const html = await (await fetch(`${sandbox.url}/ehr/patient/peter`, { headers: { cookie } })).text();
    expect(html).toContain('Clinician chosen at sign-in to the app');
    expect(html).not.toContain('Consultation in progress');
  });

  it.each<[string, Record<string, string>, string, number]>([
    ['an unknown user', {}, 'mallory', 400],
    ['another site', { origin: 'http://evil.example' }, 'gp-2', 403],
    ['JSON', { 'content-type': 'application/json' }, 'gp-2', 415],
  ])('refuses %s', async (_, headers, user, status) => {
    const res = await choose(user, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('goes back only to an EHR page', async () => {
    const res = await fetch(`${sandbox.url}/ehr/user`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: sandbox.url },
      body: form({ user: 'gp-1', back: '//evil.example/ehr/' }),
    });
    expect(res.headers.get('location')).toBe('/ehr/');
    expect((await fetch(`${sandbox.url}/ehr/user`)).status).toBe(405);
  });
});

describe('the practice configuration', () => {
  it('serves the sandbox practice rules and directory that the app reads, and 404s another practice', async () => {
    const res = await fetch(`${sandbox.url}/config/A99999.json`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { rules: { rules: unknown[] }; directory: { providers: unknown[] } };
    expect(json.rules.rules.length).toBeGreaterThan(0);
    expect(json.directory.providers.length).toBeGreaterThan(0);
    expect((await fetch(`${sandbox.url}/config/B12345.json`)).status).toBe(404);
  });
});

describe('the SMART style', () => {
  it('is JSON with the SMART style properties', async () => {
    const res = await fetch(`${sandbox.url}/ehr/smart-style.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(SMART_STYLE);
    expect(SMART_STYLE).toHaveProperty('color_background');
    expect(SMART_STYLE).toHaveProperty('color_highlight');
    expect(SMART_STYLE).toHaveProperty('font_family_body');
  });
});

describe('Issue fit note', () => {
  it('adds a FitNote Observation that FHIR search returns and readRecord reads, and redirects to the record', async () => {
    const before = await searchFitNotes('cathy');
    const res = await post(
      'cathy',
      form({
        start: '2026-12-05',
        days: '14',
        fitness: 'may-be-fit',
        advice: ['amended-duties', 'altered-hours'],
        condition: 'lowBackPain',
        assessAgain: 'yes',
      }),
    );
    expect(res.status).toBe(303);
    const after = await searchFitNotes('cathy');
    expect(after.length).toBe(before.length + 1);
    const added = after.find((o) => !before.some((b) => b.id === o.id)) as Observation;
    expect(res.headers.get('location')).toBe(`/ehr/patient/cathy?issued=${added.id}`);
    expect(added.effectivePeriod).toEqual({ start: '2026-12-05', end: '2026-12-18' });
    expect(added.issued).toMatch(/^2026-11-21T\d\d:\d\d:\d\d/);
    expect(added.performer?.[0]?.reference).toBe('Practitioner/gp-1');

    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'cathy' } }, { resource: added }],
    };
    const record = readRecord(bundle);
    expect(record.unreadable).toEqual([]);
    expect(record.notes).toEqual([
      expect.objectContaining({
        ref: `Observation/${added.id}`,
        source: 'observation',
        issued: TODAY,
        start: '2026-12-05',
        end: '2026-12-18',
        fitness: 'may-be-fit',
        advice: expect.arrayContaining(['amended-duties', 'altered-hours']),
        assessAgain: true,
      }),
    ]);
    expect(record.notes[0]?.conditions[0]?.codings.map((c) => c.code)).toContain('279039007');

    const page = await (await fetch(`${sandbox.url}/ehr/patient/cathy?issued=${added.id}`)).text();
    expect(page).toContain('Fit note issued');
    expect(page).toContain('5 Dec 2026 to 18 Dec 2026');
  });

  it('relaunches the app with the new fit note as fhirContext (SMART 2.2), and only for a note of this patient', async () => {
    const res = await post(
      'sarah',
      form({ start: TODAY, days: '28', fitness: 'not-fit', condition: 'rheumatoidArthritis' }),
    );
    const location = res.headers.get('location') as string;
    const noteId = new URL(location, sandbox.url).searchParams.get('issued');
    expect(noteId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await launchToken(location)).fhirContext).toEqual([{ reference: `Observation/${noteId}` }]);
    // An ordinary view has none; nor does a note id that is not this patient's.
    expect((await launchToken('/ehr/patient/sarah')).fhirContext).toBeUndefined();
    expect((await launchToken(`/ehr/patient/john?issued=${noteId}`)).fhirContext).toBeUndefined();
    expect((await launchToken('/ehr/patient/sarah?issued=nothing-here')).fhirContext).toBeUndefined();
  });

  it.each<[string, Record<string, string | string[]>, string[]]>([
    [
      'empty form',
      { start: '', days: '' },
      ['Enter the date the fit note starts', 'Enter how many days', 'Select whether', 'Select the condition'],
    ],
    [
      'impossible date, too many days',
      { start: '2026-02-30', days: '400', fitness: 'not-fit', condition: 'depression' },
      ['must be a real date', 'from 1 to 182'],
    ],
    [
      'start too far ahead, days not a number',
      { start: '2027-03-01', days: 'ten', fitness: 'not-fit', condition: 'anxiety' },
      ['no more than 31 days from today', 'whole number'],
    ],
    [
      'advice with not fit',
      { start: TODAY, days: '7', fitness: 'not-fit', advice: 'phased-return', condition: 'anxiety' },
      ['applies only when the patient may be fit'],
    ],
    [
      'unknown condition and advice',
      { start: TODAY, days: '7', fitness: 'may-be-fit', advice: 'holiday', condition: 'gout' },
      ['Select advice from the options', 'Select the condition'],
    ],
  ])('%s: 400, the error summary, the input kept, nothing written', async (_label, fields, messages) => {
    const before = (await searchFitNotes('john')).length;
    const res = await post('john', form(fields));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('class="nhsuk-error-summary"');
    expect(html).toContain('There is a problem');
    expect(html).toContain('<title>Error: ');
    for (const m of messages) expect(html).toContain(m);
    if (typeof fields.days === 'string' && fields.days) expect(html).toContain(`value="${fields.days}"`);
    if (typeof fields.condition === 'string' && fields.condition === 'anxiety') {
      expect(html).toContain('<option value="anxiety" selected>');
    }
    expect((await searchFitNotes('john')).length).toBe(before);
  });

  it.each<[string, Record<string, string>, number]>([
    ['no Origin or Referer', { origin: '' }, 403],
    ['another site', { origin: 'http://evil.example' }, 403],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }, 403],
    ['JSON instead of a form', { 'content-type': 'application/json' }, 415],
  ])('refuses %s', async (_label, headers, status) => {
    const h: Record<string, string> = { ...headers };
    let init = h;
    if (h.origin === '') {
      const { origin: _drop, ...rest } = h;
      init = rest;
    }
    const res =
      h.origin === ''
        ? await fetch(`${sandbox.url}/ehr/patient/john/fit-notes`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...init },
            body: form({ start: TODAY, days: '7', fitness: 'not-fit', condition: 'anxiety' }),
          })
        : await post(
            'john',
            form({ start: TODAY, days: '7', fitness: 'not-fit', condition: 'anxiety' }),
            init,
          );
    expect(res.status).toBe(status);
  });

  it('accepts a same-origin Referer when there is no Origin header', async () => {
    const res = await fetch(`${sandbox.url}/ehr/patient/open-ended/fit-notes`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        referer: `${sandbox.url}/ehr/patient/open-ended`,
      },
      body: form({ start: TODAY, days: '7', fitness: 'not-fit', condition: 'kneeOsteoarthritis' }),
    });
    expect(res.status).toBe(303);
  });

  it('refuses GET on the form target and 404s an unknown patient', async () => {
    expect((await fetch(`${sandbox.url}/ehr/patient/peter/fit-notes`)).status).toBe(405);
    const res = await post(
      'nobody',
      form({ start: TODAY, days: '7', fitness: 'not-fit', condition: 'anxiety' }),
    );
    expect(res.status).toBe(404);
  });
});

describe('static hosting of the built app', () => {
  let web: string;
  let handler: ReturnType<typeof ehrHandler>;
  let server: import('node:http').Server;
  let base: string;

  beforeAll(async () => {
    web = mkdtempSync(path.join(tmpdir(), 'ehr-web-'));
    mkdirSync(path.join(web, 'app', 'assets'), { recursive: true });
    mkdirSync(path.join(web, 'launch'), { recursive: true });
    writeFileSync(path.join(web, 'app', 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(path.join(web, 'app', 'assets', 'main-AbCdEf12.js'), 'console.log(1)');
    writeFileSync(path.join(web, 'launch', 'index.html'), '<!doctype html><title>launch</title>');
    writeFileSync(path.join(web, 'secret.txt'), 'not for the web');
    handler = ehrHandler({ fhir: sandbox.fhir, origin: 'http://127.0.0.1:1', today: TODAY, webRoot: web });
    const { createServer } = await import('node:http');
    server = createServer((req, res) => {
      void handler(req, res, new URL(req.url ?? '/', 'http://x')).then((done) => {
        if (!done) {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['/app/', 200, 'text/html', 'app'],
    ['/app/?code=abc&state=xyz', 200, 'text/html', 'app'],
    ['/app/index.html', 200, 'text/html', 'app'],
    ['/app/assets/main-AbCdEf12.js', 200, 'text/javascript', 'console.log'],
    ['/app/some/route', 200, 'text/html', 'app'],
    ['/launch/?iss=x&launch=y', 200, 'text/html', 'launch'],
    ['/app/missing.js', 404, 'text/plain', 'no file'],
  ])('%s → %d %s', async (p, status, type, text) => {
    const res = await fetch(`${base}${p}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(type);
    expect(await res.text()).toContain(text);
  });

  it('redirects /launch to /launch/ keeping the query', async () => {
    const res = await fetch(`${base}/launch?iss=a&launch=b`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/launch/?iss=a&launch=b');
  });

  it.each([
    '/app/..%2fsecret.txt',
    '/app/%2e%2e/secret.txt',
    '/app/assets/..%2F..%2Fsecret.txt',
    '/app/..%5csecret.txt',
    '/launch/%2e%2e%2f%2e%2e%2fpackage.json',
    '/app/%00.js',
    '/assets/images/..%2f..%2fnhsuk-frontend.min.css',
  ])('refuses traversal: %s', async (p) => {
    const res = await fetch(`${base}${p}`);
    // `%2e%2e` is `..` to the URL parser, so some of these never reach the handler under /app/.
    expect([400, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('not for the web');
  });

  it('refuses writes', async () => {
    expect((await fetch(`${base}/app/`, { method: 'POST' })).status).toBe(405);
  });

  it('says "build the app first" when dist/web is missing', async () => {
    const res = await fetch(`${sandbox.url}/app/`);
    // The shared sandbox uses the real dist/web, which may or may not be built; a fresh handler
    // pointed at an empty folder must always say so.
    expect([200, 503]).toContain(res.status);
    const empty = ehrHandler({
      fhir: sandbox.fhir,
      origin: 'http://127.0.0.1:1',
      today: TODAY,
      webRoot: path.join(web, 'nowhere'),
    });
    let status = 0;
    let body = '';
    const fake = {
      writeHead: (s: number) => {
        status = s;
      },
      end: (b?: string) => {
        body = b ?? '';
      },
    };
    await empty({ method: 'GET', headers: {} } as never, fake as never, new URL('http://x/launch/?iss=a'));
    expect(status).toBe(503);
    expect(body).toContain('Build the app first: <code>npm run build:web</code>');
  });

  it('serves NHS.UK frontend CSS without web fonts from other sites, and its icons', async () => {
    const res = await fetch(`${base}/assets/nhsuk.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/css');
    const css = await res.text();
    expect(css).toContain('.nhsuk-table');
    expect(css).not.toContain('assets.nhs.uk');
    const icon = await fetch(`${base}/assets/images/nhsuk-icon-cross.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });
});

describe('helpers', () => {
  it.each([
    [
      [{ family: 'Testbrook', given: ['Peter'], prefix: ['Mr'], use: 'official' as const }],
      'TESTBROOK, Peter (Mr)',
    ],
    [[{ text: 'Just Text' }], 'Just Text'],
    [undefined, 'Name not recorded'],
  ])('bannerName(%j) = %s', (name, expected) => {
    expect(bannerName({ resourceType: 'Patient', ...(name ? { name } : {}) })).toBe(expected);
  });

  it('absenceSummary says when there are no notes or no current absence', () => {
    expect(absenceSummary([], TODAY)).toBe('No fit notes');
    expect(
      absenceSummary(
        [
          {
            ref: 'Observation/a',
            source: 'observation',
            issued: '2025-01-01',
            start: '2025-01-01',
            end: '2025-01-14',
            fitness: 'not-fit',
            conditions: [],
            advice: [],
          },
        ],
        TODAY,
      ),
    ).toMatch(/^Not off work now/);
  });

  it('issuedInstant uses now on the real day, midday on a fixed sandbox day', () => {
    const now = new Date('2026-11-21T15:04:05.000Z');
    expect(issuedInstant('2026-11-21', now)).toBe('2026-11-21T15:04:05.000Z');
    expect(issuedInstant('2026-11-20', now)).toBe('2026-11-20T12:00:00Z');
  });
});
