import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { readRecord } from '../fhir/record.js';
import { absenceSummary, bannerName, ehrHandler, issuedInstant, SMART_STYLE } from './ehr.js';
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
  const page = await (await fetch(`${sandbox.url}/ehr/patient/${patient}`)).text();
  const src = /<iframe title="Fit note prompt" src="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  const launchUrl = new URL(src as string, sandbox.url);
  const { createHash, randomBytes } = await import('node:crypto');
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'fitnote-prompt',
    redirect_uri: `${sandbox.url}/app/`,
    scope: 'launch openid fhirUser patient/Patient.r patient/Observation.rs',
    state: 'ehr-test',
    aud: launchUrl.searchParams.get('iss') as string,
    launch: launchUrl.searchParams.get('launch') as string,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorize = await fetch(`${sandbox.url}/auth/authorize?${params}`, { redirect: 'manual' });
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
      code_verifier: verifier,
    }),
  });
  expect(token.status).toBe(200);
  const body = (await token.json()) as {
    access_token: string;
    patient: string;
    need_patient_banner: boolean;
    smart_style_url: string;
  };
  expect(body.patient).toBe(patient);
  expect(body.need_patient_banner).toBe(false);
  expect(body.smart_style_url).toBe(`${sandbox.url}/ehr/smart-style.json`);
  return body.access_token;
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
    expect(res.headers.get('location')).toBe('/ehr/patient/cathy?issued=1');
    const after = await searchFitNotes('cathy');
    expect(after.length).toBe(before.length + 1);
    const added = after.find((o) => !before.some((b) => b.id === o.id)) as Observation;
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

    const page = await (await fetch(`${sandbox.url}/ehr/patient/cathy?issued=1`)).text();
    expect(page).toContain('Fit note issued');
    expect(page).toContain('5 Dec 2026 to 18 Dec 2026');
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
