/**
 * The sandbox's EHR-like pages and the hosting of the browser code, on the sandbox origin:
 *  - `GET /ehr/`                        the patient list;
 *  - `GET /ehr/patient/:id`             the record view, with the app in a side-panel iframe launched
 *                                       afresh (SMART EHR launch) on every view;
 *                                       Opening it starts (or resumes) today's consultation, an
 *                                       Encounter the app is launched within (consultation.ts);
 *  - `POST /ehr/patient/:id/fit-notes`  "Issue fit note": a FitNote Observation into the FHIR
 *                                       repository, then 303 back to the record, which relaunches the
 *                                       app with the new note as `fhirContext` (SMART 2.2);
 *  - `POST /ehr/user`                   "Signed in as": which synthetic clinician the EHR launches the
 *                                       app as (a cookie), or `choose` for the SMART server's picker;
 *  - `GET /ehr/smart-style.json`        the SMART style the launch points the app at;
 *  - `/assets/nhsuk.css`, `/assets/images/*`  NHS.UK frontend's CSS and icons;
 *  - `/app/*`, `/launch/*`              the built app and launch page from dist/web (`npm run build:web`);
 *  - `GET /config/A99999.json`          the sandbox practice's configuration for the app (rules and
 *                                       provider directory from examples/).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parseSearchRequest } from '@medplum/core';
import type { Bundle, Condition, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { type CalendarDate, parseCalendarDate } from '../domain/dates.js';
import { currentEpisodeOf } from '../domain/episodes.js';
import type { FitNote } from '../domain/fitnote.js';
import { ageOn } from '../domain/patient.js';
import { packageRoot } from '../fhir/profiles.js';
import { readRecord } from '../fhir/record.js';
import { todaysConsultation } from './consultation.js';
import {
  blankForm,
  checkFitNoteForm,
  type FitNoteFormInput,
  type FormError,
  fitNoteFromForm,
  formInput,
} from './ehrForm.js';
import {
  type AccountView,
  type BannerFacts,
  type FitNoteRow,
  messagePage,
  type PatientListRow,
  type ProblemRow,
  patientListPage,
  recordPage,
} from './ehrPages.js';
import {
  buildFirstPage,
  contentTypeFor,
  nhsukCss,
  plain,
  resolveStaticPath,
  serveMount,
} from './ehrStatic.js';
import type { SandboxFhirServer, SandboxHandler } from './fhirServer.js';
import { readSandboxDirectory } from './providers.js';
import { createLaunch, loopbackAliases } from './smartAuth.js';
import { SANDBOX_CLINICIANS, SANDBOX_PRACTICE } from './vignettes.js';

export interface EhrOptions {
  fhir: Pick<SandboxFhirServer, 'repo'>;
  /** The sandbox origin, e.g. `http://localhost:8080`. */
  origin: string;
  /** The referral hub the sample practice's configuration names (the sandbox's own, when it runs one). */
  hubUrl?: string;
  /** The sandbox's "today" (YYYY-MM-DD): default fit-note start, ages, absence. */
  today: CalendarDate;
  /** Built browser code (default `<package root>/dist/web`). */
  webRoot?: string;
  /** NHS.UK frontend's dist folder (default from node_modules). */
  nhsukDist?: string;
  /** The signed-in EHR user when the "Signed in as" cookie names none (default `gp-1`). */
  userId?: string;
  /** Where the practice configuration's rules.json and directory.json are (default `<package root>/examples`). */
  examplesDir?: string;
  /** The current instant, for a fit note's `issued` (tests). */
  now?: () => Date;
  /**
   * The practice's current `{ rules, directory }` from the sandbox's hub (its published versions), so
   * the GP app gets what the IT lead last published; default the examples (sandboxPracticeConfig).
   */
  practiceConfig?: (ods: string) => Promise<{ rules: unknown; directory: unknown } | undefined>;
}

/** SMART App Launch `smart_style_url` content: the EHR's look, for the app to match. */
export const SMART_STYLE = {
  color_background: '#f0f4f5',
  color_error: '#d5281b',
  color_highlight: '#005eb8',
  color_modal_backdrop: 'rgba(33, 43, 50, 0.6)',
  color_success: '#007f3b',
  color_text: '#212b32',
  dim_border_radius: '4px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: '"Frutiger W01", Arial, Helvetica, sans-serif',
  font_family_heading: '"Frutiger W01", Arial, Helvetica, sans-serif',
} as const;

const MAX_FORM_BYTES = 16 * 1024;

/** The cookie holding the "Signed in as" choice: a SANDBOX_CLINICIANS key, or CHOOSE_AT_SIGN_IN. */
export const USER_COOKIE = 'sandbox_ehr_user';
/** "Choose at sign-in": launch without a user, so the SMART server's clinician picker shows. */
export const CHOOSE_AT_SIGN_IN = 'choose';

/** The "Signed in as" value from the request's cookie, when it is one the sandbox knows. */
export function userChoiceOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== USER_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (value === CHOOSE_AT_SIGN_IN || Object.hasOwn(SANDBOX_CLINICIANS, value)) return value;
  }
  return undefined;
}

/** `Dr Alex Testdoctor`, or `Practitioner/<id>` for a user the sandbox does not know. */
function clinicianDisplay(id: string): string {
  const clinician = SANDBOX_CLINICIANS[id];
  return clinician ? [clinician.prefix, ...clinician.name].filter(Boolean).join(' ') : `Practitioner/${id}`;
}

/** The "Signed in as" choices: each synthetic clinician, then the SMART server's picker. */
function accountChoices(): AccountView['choices'] {
  return [
    ...Object.entries(SANDBOX_CLINICIANS).map(([value, c]) => ({
      value,
      label: `${clinicianDisplay(value)} (${c.role.charAt(0).toLowerCase()}${c.role.slice(1)})`,
    })),
    { value: CHOOSE_AT_SIGN_IN, label: 'Choose at sign-in to the app' },
  ];
}

/** A path under /ehr/ to return to after changing user (anything else: the patient list). */
function safeBack(back: string | null): string {
  return back !== null && /^\/ehr\/[A-Za-z0-9\-./?=&]*$/.test(back) && !back.includes('//') ? back : '/ehr/';
}
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

const PATIENT_TYPES: ReadonlyArray<[Resource['resourceType'], string]> = [
  ['Observation', 'subject'],
  ['Condition', 'subject'],
  ['DocumentReference', 'subject'],
  ['QuestionnaireResponse', 'subject'],
  ['Procedure', 'subject'],
  ['ServiceRequest', 'subject'],
  ['Task', 'patient'],
  ['Consent', 'patient'],
];

/** One patient's resources from the repository as a `collection` Bundle, or undefined when unknown. */
export async function patientBundle(
  repo: SandboxFhirServer['repo'],
  id: string,
): Promise<Bundle | undefined> {
  let patient: Patient;
  try {
    patient = await repo.readResource<Patient>('Patient', id);
  } catch {
    return undefined;
  }
  const resources: Resource[] = [patient];
  for (const [type, param] of PATIENT_TYPES) {
    const request = parseSearchRequest(type, { [param]: `Patient/${id}`, _count: '1000' });
    resources.push(...(await repo.searchResources(request)));
  }
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

/** `TESTBROOK, Peter (Mr)`: the EHR banner's form of the patient's official (or first) name. */
export function bannerName(patient: Patient): string {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  if (!name) return 'Name not recorded';
  const family = (name.family ?? '').toUpperCase();
  const given = (name.given ?? []).join(' ');
  const prefix = name.prefix?.[0];
  const text = [family, given].filter(Boolean).join(', ') || name.text || 'Name not recorded';
  return prefix ? `${text} (${prefix})` : text;
}

const GENDER: Record<string, string> = {
  male: 'Male',
  female: 'Female',
  other: 'Other',
  unknown: 'Not known',
};

function days(note: FitNote): number | undefined {
  const start = parseCalendarDate(note.start);
  const end = note.end === undefined ? undefined : parseCalendarDate(note.end);
  return start === undefined || end === undefined ? undefined : end - start + 1;
}

function conditionText(c: FitNote['conditions'][number]): string {
  return c.text ?? c.codings[0]?.display ?? c.codings[0]?.code ?? 'Not stated';
}

/** "Off work 28 days (2 fit notes): Depression, Anxiety", or why not. */
export function absenceSummary(notes: readonly FitNote[], today: CalendarDate): string {
  if (notes.length === 0) return 'No fit notes';
  const episode = currentEpisodeOf(notes, { today });
  if (!episode) return 'Not off work now (earlier fit notes in the record)';
  const conditions = episode.conditions.map(conditionText);
  const count = `${episode.noteCount} fit note${episode.noteCount === 1 ? '' : 's'}`;
  return `Off work ${episode.absenceDays} days (${count})${conditions.length ? `: ${conditions.join(', ')}` : ''}`;
}

const SOURCE_LABEL: Record<FitNote['source'], string | undefined> = {
  observation: undefined,
  'coded-entry': 'coded entry',
  'questionnaire-response': 'questionnaire',
  'document-reference': 'scanned document',
};

const ADVICE_TEXT: Record<string, string> = {
  'phased-return': 'Phased return',
  'altered-hours': 'Altered hours',
  'amended-duties': 'Amended duties',
  'workplace-adaptations': 'Workplace adaptations',
};

function problemRows(bundle: Bundle): ProblemRow[] {
  return (bundle.entry ?? [])
    .flatMap((entry) => (entry.resource?.resourceType === 'Condition' ? [entry.resource as Condition] : []))
    .map((c) => ({
      text: c.code?.text ?? c.code?.coding?.[0]?.display ?? 'Unnamed problem',
      ...(c.onsetDateTime ? { onset: c.onsetDateTime.slice(0, 10) } : {}),
      ...(c.clinicalStatus?.coding?.[0]?.code ? { status: capitalise(c.clinicalStatus.coding[0].code) } : {}),
    }));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function workText(facts: ReturnType<typeof readRecord>['patient']): string | undefined {
  if (facts.employmentStatus === 'unknown' && !facts.occupation) return undefined;
  const status =
    facts.employmentStatus === 'unknown' ? '' : capitalise(facts.employmentStatus.replace(/-/g, ' '));
  return [status, facts.occupation, facts.employerName ? `at ${facts.employerName}` : '']
    .filter(Boolean)
    .join(', ')
    .replace(', at ', ' at ');
}

function sendPage(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(req.method === 'HEAD' ? undefined : html);
}

/**
 * The sample practice's configuration as the GP app reads it: the example rules, the example
 * directory with sandbox-hosted provider endpoints pointed at the origin the sandbox runs on, and
 * the referral hub that delivers its referrals (when the sandbox runs one). Undefined for any other
 * practice. The sandbox's hub reads the same document.
 */
export async function sandboxPracticeConfig(
  ods: string,
  options: { origin: string; hubUrl?: string | undefined; examplesDir?: string | undefined },
): Promise<{ rules: unknown; directory: unknown; hub?: { url: string } } | undefined> {
  if (ods !== SANDBOX_PRACTICE.odsCode) return undefined;
  const examples = options.examplesDir ?? path.join(packageRoot(), 'examples');
  const [rules, directory] = await Promise.all([
    readFile(path.join(examples, 'rules.json'), 'utf8'),
    readSandboxDirectory(path.join(examples, 'directory.json'), options.origin),
  ]);
  return {
    rules: JSON.parse(rules),
    directory,
    ...(options.hubUrl ? { hub: { url: options.hubUrl } } : {}),
  };
}

/** The EHR's handler for the sandbox server's chain (answers the paths listed above, passes on others). */
export function ehrHandler(options: EhrOptions): SandboxHandler {
  const root = options.webRoot ?? path.join(packageRoot(), 'dist', 'web');
  const nhsukDist =
    options.nhsukDist ?? path.join(packageRoot(), 'node_modules', 'nhsuk-frontend', 'dist', 'nhsuk');
  const origins = new Set(loopbackAliases(options.origin));
  const defaultUser = options.userId ?? 'gp-1';
  /**
   * Who the EHR acts as for this request: the "Signed in as" choice, else the default. With "Choose at
   * sign-in" the EHR's own entries (fit notes) stay with the default user, and the app's sign-in asks.
   */
  const userOf = (req: IncomingMessage): { choice: string; userId: string; userName: string } => {
    const choice = userChoiceOf(req.headers.cookie) ?? defaultUser;
    const userId = choice === CHOOSE_AT_SIGN_IN ? defaultUser : choice;
    return { choice, userId, userName: clinicianDisplay(userId) };
  };
  const accountView = (req: IncomingMessage, back: string): AccountView => ({
    current: userOf(req).choice,
    choices: accountChoices(),
    back,
  });
  const now = options.now ?? (() => new Date());
  const repo = options.fhir.repo;
  const examples = options.examplesDir ?? path.join(packageRoot(), 'examples');

  /** The practice's rules and directory (`/config/{ods}.json`, the app's default config URL). */
  const practiceConfig = async (ods: string): Promise<string | undefined> => {
    if (options.practiceConfig) {
      const current = await options.practiceConfig(ods.toUpperCase());
      if (current === undefined) return undefined;
      return JSON.stringify({
        rules: current.rules,
        directory: current.directory,
        ...(options.hubUrl ? { hub: { url: options.hubUrl } } : {}),
      });
    }
    const config = await sandboxPracticeConfig(ods, { ...options, examplesDir: examples });
    return config === undefined ? undefined : JSON.stringify(config);
  };

  /** The origin the browser used, when it is one of the sandbox's loopback aliases. */
  const requestOrigin = (req: IncomingMessage): string => {
    const candidate = `http://${req.headers.host ?? ''}`;
    return origins.has(candidate) ? candidate : options.origin;
  };

  /** A POST must come from a page of this origin (CSRF): Origin, else Referer, must be one of ours. */
  const sameOrigin = (req: IncomingMessage): boolean => {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = req.headers.origin;
    if (origin !== undefined) return origin === requestOrigin(req) && origins.has(origin);
    const referer = req.headers.referer;
    if (referer === undefined) return false;
    try {
      return new URL(referer).origin === requestOrigin(req);
    } catch {
      return false;
    }
  };

  const patientRows = async (): Promise<PatientListRow[]> => {
    const patients = await repo.searchResources<Patient>(
      parseSearchRequest<Patient>('Patient', { _count: '1000' }),
    );
    const rows: PatientListRow[] = [];
    for (const patient of patients) {
      const bundle = await patientBundle(repo, patient.id);
      const record = bundle ? readRecord(bundle) : undefined;
      const age = ageOn(patient.birthDate, options.today);
      rows.push({
        id: patient.id,
        name: bannerName(patient),
        ...(record?.patient.nhsNumber ? { nhsNumber: record.patient.nhsNumber } : {}),
        ...(age === undefined ? {} : { age }),
        absence: record ? absenceSummary(record.notes, options.today) : 'Record could not be read',
      });
    }
    return rows;
  };

  const renderRecord = async (
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    form: { input: FitNoteFormInput; errors: FormError[]; issued?: string },
    status: number,
  ): Promise<void> => {
    const bundle = await patientBundle(repo, id);
    if (!bundle) {
      sendPage(
        req,
        res,
        404,
        messagePage(
          'Patient not found',
          `The sandbox holds no patient with the id "${id}". Check the address, or choose the patient from the list.`,
        ),
      );
      return;
    }
    const patient = bundle.entry?.[0]?.resource as Patient;
    const record = readRecord(bundle);
    const origin = requestOrigin(req);
    const user = userOf(req);
    const choose = user.choice === CHOOSE_AT_SIGN_IN;
    // Today's consultation with the signed-in clinician (none when the app's sign-in will ask who).
    const encounter = choose
      ? undefined
      : await todaysConsultation(repo, {
          patientId: id,
          patientName: bannerName(patient),
          practitionerId: user.userId,
          practitionerName: user.userName,
          today: options.today,
          start: issuedInstant(options.today, now()),
        });
    // After "Issue fit note", the new note is the launch's fhirContext (SMART App Launch 2.2).
    const issuedNote = form.issued ? await issuedObservation(id, form.issued) : undefined;
    const launch = createLaunch({
      patient: id,
      ...(encounter?.id ? { encounter: encounter.id } : {}),
      fhirUser: `Practitioner/${user.userId}`,
      needPatientBanner: false,
      smartStyleUrl: `${origin}/ehr/smart-style.json`,
      ...(issuedNote ? { fhirContext: [{ reference: `Observation/${issuedNote}` }] } : {}),
      skipLogin: !choose,
    });
    const banner: BannerFacts = {
      id,
      name: bannerName(patient),
      ...(record.patient.nhsNumber ? { nhsNumber: record.patient.nhsNumber } : {}),
      ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
      ...(ageOn(patient.birthDate, options.today) === undefined
        ? {}
        : { age: ageOn(patient.birthDate, options.today) as number }),
      ...(patient.gender ? { gender: GENDER[patient.gender] ?? patient.gender } : {}),
    };
    const notes: FitNoteRow[] = [...record.notes]
      .sort((a, b) => b.start.localeCompare(a.start) || b.issued.localeCompare(a.issued))
      .map((n) => {
        const d = days(n);
        const source = SOURCE_LABEL[n.source];
        return {
          issued: n.issued,
          start: n.start,
          ...(n.end === undefined ? {} : { end: n.end }),
          ...(d === undefined ? {} : { days: d }),
          fitness: n.fitness,
          advice: n.advice.map((a) => ADVICE_TEXT[a] ?? a),
          conditions: n.conditions.map(conditionText),
          ...(source ? { source } : {}),
        };
      });
    const work = workText(record.patient);
    const html = recordPage({
      patient: banner,
      ...(work ? { work } : {}),
      notes,
      warnings: [...record.unreadable.map((u) => `${u.ref}: ${u.reason}`), ...record.problems],
      problems: problemRows(bundle),
      launchUrl: `/launch/?${new URLSearchParams({ iss: `${origin}/fhir`, launch })}`,
      user: choose ? 'Clinician chosen at sign-in to the app' : user.userName,
      form: form.input,
      errors: form.errors,
      ...(form.issued ? { issued: true } : {}),
      account: accountView(req, `/ehr/patient/${id}`),
      ...(encounter?.period?.start
        ? {
            consultation: `GP consultation with ${user.userName}, started ${londonTime(encounter.period.start)}`,
          }
        : {}),
    });
    sendPage(req, res, status, html);
  };

  /** The id of the fit note `?issued=` names, when it is an Observation of this patient. */
  const issuedObservation = async (patientId: string, noteId: string): Promise<string | undefined> => {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(noteId)) return undefined;
    try {
      const note = await repo.readResource<Observation>('Observation', noteId);
      return note.subject?.reference === `Patient/${patientId}` ? note.id : undefined;
    } catch {
      return undefined;
    }
  };

  /** `POST /ehr/user`: the "Signed in as" form; sets the cookie and goes back to the page. */
  const changeUser = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!sameOrigin(req)) {
      plain(res, 403, 'Change the signed-in user from the sandbox EHR page itself.');
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      plain(res, 415, 'Send the form as application/x-www-form-urlencoded (as the page does).');
      return;
    }
    let body = '';
    for await (const chunk of req) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length > MAX_FORM_BYTES) {
        plain(res, 413, 'The form is larger than the sandbox accepts (16 KB). Send it as the page does.');
        return;
      }
    }
    const params = new URLSearchParams(body);
    const user = params.get('user') ?? '';
    if (userChoiceOf(`${USER_COOKIE}=${user}`) === undefined) {
      plain(
        res,
        400,
        `"${user}" is not one of the sandbox's users. Choose ${Object.keys(SANDBOX_CLINICIANS).join(', ')} or ${CHOOSE_AT_SIGN_IN}.`,
      );
      return;
    }
    res.writeHead(303, {
      'Set-Cookie': `${USER_COOKIE}=${user}; Path=/; HttpOnly; SameSite=Lax`,
      Location: safeBack(params.get('back')),
      'Cache-Control': 'no-store',
    });
    res.end();
  };

  const issueFitNote = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    if (!sameOrigin(req)) {
      plain(
        res,
        403,
        'This form can only be sent from the sandbox EHR page itself. Open the patient record and issue the fit note there.',
      );
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      plain(res, 415, 'Send the fit note form as application/x-www-form-urlencoded (as the page does).');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) {
        plain(
          res,
          413,
          'The form is larger than the sandbox accepts (16 KB). Send the fit note form as the page does.',
        );
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const input = formInput(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const result = checkFitNoteForm(input, options.today);
    if (!result.ok) {
      await renderRecord(req, res, id, { input: result.input, errors: result.errors }, 400);
      return;
    }
    try {
      await repo.readResource('Patient', id);
    } catch {
      sendPage(
        req,
        res,
        404,
        messagePage(
          'Patient not found',
          `The sandbox holds no patient with the id "${id}". Check the address, or choose the patient from the list.`,
        ),
      );
      return;
    }
    const user = userOf(req);
    const observation = fitNoteFromForm(result.value, {
      id: randomUUID(),
      patientId: id,
      issued: issuedInstant(options.today, now()),
      performer: { reference: `Practitioner/${user.userId}`, display: user.userName },
    });
    const created = await repo.createResource(observation);
    res.writeHead(303, {
      Location: `/ehr/patient/${encodeURIComponent(id)}?${new URLSearchParams({ issued: created.id ?? observation.id ?? '' })}`,
      'Cache-Control': 'no-store',
    });
    res.end();
  };

  return async (req, res, url) => {
    const p = url.pathname;
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (p === '/ehr') {
      res.writeHead(301, { Location: '/ehr/' });
      res.end();
      return true;
    }
    if (p === '/ehr/') {
      if (!get) return methodNotAllowed(res, 'GET, HEAD');
      sendPage(req, res, 200, patientListPage(await patientRows(), accountView(req, '/ehr/')));
      return true;
    }
    if (p === '/ehr/smart-style.json') {
      if (!get) return methodNotAllowed(res, 'GET, HEAD');
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(SMART_STYLE, null, 2));
      return true;
    }
    const record = /^\/ehr\/patient\/([A-Za-z0-9\-.]{1,64})(\/fit-notes)?\/?$/.exec(p);
    if (record) {
      const id = record[1] as string;
      if (record[2]) {
        if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
        await issueFitNote(req, res, id);
        return true;
      }
      if (!get) return methodNotAllowed(res, 'GET, HEAD');
      await renderRecord(
        req,
        res,
        id,
        {
          input: blankForm(options.today),
          errors: [],
          ...(url.searchParams.get('issued') ? { issued: url.searchParams.get('issued') as string } : {}),
        },
        200,
      );
      return true;
    }
    if (p === '/ehr/user') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      await changeUser(req, res);
      return true;
    }
    if (p.startsWith('/ehr/')) {
      sendPage(
        req,
        res,
        404,
        messagePage('Page not found', 'The sandbox EHR has a patient list and a page for each patient.'),
      );
      return true;
    }
    if (p === '/assets/nhsuk.css') {
      if (!get) return methodNotAllowed(res, 'GET, HEAD');
      res.writeHead(200, {
        'Content-Type': 'text/css; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : nhsukCss(nhsukDist));
      return true;
    }
    if (p.startsWith('/assets/images/')) {
      return serveMount(req, res, url, {
        mount: '/assets/images/',
        root: path.join(nhsukDist, 'assets', 'images'),
        fallbackToIndex: false,
      });
    }
    const config = /^\/config\/([A-Za-z0-9]{1,10})\.json$/.exec(p);
    if (config) {
      if (!get) return methodNotAllowed(res, 'GET, HEAD');
      const json = await practiceConfig(config[1] as string);
      if (json === undefined) {
        plain(res, 404, `There is no configuration for the practice ${config[1]} in the sandbox.`);
        return true;
      }
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : json);
      return true;
    }
    for (const mount of ['/app/', '/launch/']) {
      if (p === mount.slice(0, -1) || p.startsWith(mount)) {
        return serveMount(req, res, url, {
          mount,
          root: path.join(root, mount.slice(1, -1)),
          missingIndexHtml: buildFirstPage(),
        });
      }
    }
    return false;
  };
}

/** `10:20`: an instant's time of day in London. */
function londonTime(instant: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(instant));
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  plain(res, 405, `This page accepts ${allow.replace(', ', ' and ')} requests only.`, { Allow: allow });
  return true;
}

/**
 * The `issued` instant of a fit note issued now: now itself when the sandbox's "today" is today,
 * otherwise midday UTC on the sandbox's today (a fixed-date sandbox tells a consistent story).
 */
export function issuedInstant(today: CalendarDate, now: Date): string {
  const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now);
  return londonDate === today ? now.toISOString() : `${today}T12:00:00Z`;
}

export { contentTypeFor, resolveStaticPath };
