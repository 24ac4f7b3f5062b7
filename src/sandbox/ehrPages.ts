/**
 * The sandbox EHR's HTML: the patient list and the record view with the app in a side panel and the
 * "Issue fit note" form. Server-rendered, no script, NHS.UK frontend classes (its CSS is served at
 * /assets/nhsuk.css), WCAG 2.2 AA, usable at 400 px wide.
 */
import { ADVICE_CODES } from '../domain/codes.js';
import { parseCalendarDate } from '../domain/dates.js';
import { ADVICE_LABELS, type FitNoteFormInput, FORM_CONDITIONS, type FormError } from './ehrForm.js';
import { escapeHtml } from './smartAuthPage.js';
import { CONCEPTS, SANDBOX_PRACTICE } from './vignettes.js';

const e = escapeHtml;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `9990000018` → `999 000 0018` (NHS numbers are shown 3-3-4); anything else unchanged. */
export function formatNhsNumber(nhsNumber: string): string {
  return /^\d{10}$/.test(nhsNumber)
    ? `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`
    : nhsNumber;
}

/** `2026-11-21` → `21 Nov 2026` (the EHR's short date); anything else unchanged. */
export function formatDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m || parseCalendarDate(`${m[1]}-${m[2]}-${m[3]}`) === undefined) return date;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

const STYLE = `
  body { background: #f0f4f5; }
  .ehr-page { max-width: 90rem; margin: 0 auto; padding: 0 16px; }
  .ehr-page .nhsuk-main-wrapper { padding-top: 16px; }
  .nhsuk-header__service { flex-wrap: wrap; gap: 4px 16px; }
  .nhsuk-header__container.ehr-page { padding-top: 12px; padding-bottom: 12px; }
  .ehr-header__context { color: #fff; margin: 0; font-size: 1rem; }
  .ehr-banner { background: #fff; border-left: 6px solid #005eb8; padding: 12px 16px; margin-bottom: 24px; }
  .ehr-banner h1 { margin: 0 0 4px; font-size: 1.5rem; }
  .ehr-banner dl { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; }
  .ehr-banner dl div { display: flex; gap: 6px; }
  .ehr-banner dt { color: #4c6272; }
  .ehr-banner dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; min-width: 0; }
  .ehr-record { display: grid; grid-template-columns: minmax(0, 1fr) 400px; gap: 24px; align-items: start; }
  .ehr-record__main { min-width: 0; }
  .ehr-record__main > section { background: #fff; padding: 16px; margin-bottom: 24px; }
  .ehr-record__main h2 { margin-bottom: 12px; }
  .ehr-panel { position: sticky; top: 16px; }
  .ehr-panel h2 { font-size: 1.1875rem; margin-bottom: 8px; }
  .ehr-panel iframe { display: block; width: 100%; height: calc(100vh - 80px); min-height: 560px; border: 1px solid #aeb7bd; background: #fff; }
  .ehr-list { background: #fff; padding: 16px; }
  .ehr-list .nhsuk-table a { display: inline-block; min-height: 24px; }
  .nhsuk-table, .nhsuk-table-responsive { margin-bottom: 0; }
  .ehr-muted { color: #4c6272; }
  .ehr-account { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; background: #fff; padding: 8px 16px; border-bottom: 1px solid #d8dde0; }
  .ehr-account .nhsuk-label { margin: 0; font-weight: 600; }
  .ehr-account .nhsuk-select { min-width: 0; max-width: 100%; }
  .ehr-account .nhsuk-button { margin: 0; width: auto; }
  .ehr-consultation { margin: 0 0 16px; }
  .ehr-form .nhsuk-form-group { margin-bottom: 24px; }
  .ehr-form input[type=date] { max-width: 12em; }
  .ehr-form .nhsuk-select { max-width: 100%; }
  @media (max-width: 56em) {
    .ehr-record { grid-template-columns: minmax(0, 1fr); }
    .ehr-panel { position: static; }
    .ehr-panel iframe { height: 720px; min-height: 0; }
  }
  @media (max-width: 40em) {
    .ehr-page { padding: 0 8px; }
    .ehr-record__main > section, .ehr-list { padding: 12px; }
  }
`;

/** The "Signed in as" choice: the sandbox's clinicians, or the SMART server's picker at the app's sign-in. */
export interface AccountView {
  /** The current choice: a clinician key (`gp-1`) or `choose`. */
  current: string;
  choices: ReadonlyArray<{ value: string; label: string }>;
  /** The EHR page to come back to after changing (a path under /ehr/). */
  back: string;
}

/** The form that changes who the EHR says is signed in (a cookie; no password: synthetic users). */
function accountForm(account: AccountView): string {
  return `<form class="ehr-account" method="post" action="/ehr/user" aria-label="Signed-in user">
<input type="hidden" name="back" value="${e(account.back)}">
<label class="nhsuk-label" for="ehr-user">Signed in as</label>
<select class="nhsuk-select" id="ehr-user" name="user">
${account.choices.map((c) => `<option value="${e(c.value)}"${c.value === account.current ? ' selected' : ''}>${e(c.label)}</option>`).join('\n')}
</select>
<button class="nhsuk-button nhsuk-button--secondary" type="submit">Change user</button>
</form>`;
}

/** The page shell: skip link, header (service name, practice and user), main. */
export function layout(options: {
  title: string;
  user?: string;
  body: string;
  account?: AccountView;
}): string {
  const context = [SANDBOX_PRACTICE.name, options.user].filter(Boolean).join(' · ');
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(options.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/nhsuk.css">
<style>${STYLE}</style>
</head>
<body>
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<header class="nhsuk-header" role="banner">
  <div class="nhsuk-header__container ehr-page">
    <div class="nhsuk-header__service">
      <a class="nhsuk-header__service-name" href="/ehr/">Sandbox EHR</a>
      <p class="ehr-header__context">${e(context)}</p>
    </div>
  </div>
</header>
<div class="ehr-page">
${options.account ? accountForm(options.account) : ''}
<main class="nhsuk-main-wrapper" id="maincontent">
${options.body}
</main>
</div>
</body>
</html>
`;
}

/** One row of the patient list. */
export interface PatientListRow {
  id: string;
  name: string;
  nhsNumber?: string;
  age?: number;
  /** e.g. "Off work 28 days (2 fit notes): depression, anxiety". */
  absence: string;
}

function responsiveTable(caption: string, headings: string[], rows: string[][], captionClass = 'm'): string {
  const head = headings.map(
    (h) => `<th class="nhsuk-table__header" role="columnheader" scope="col">${e(h)}</th>`,
  );
  const body = rows.map(
    (cells) =>
      `<tr class="nhsuk-table__row" role="row">${cells
        .map(
          (html, i) =>
            `<td class="nhsuk-table__cell" role="cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">${e(headings[i] ?? '')} </span><span>${html}</span></td>`,
        )
        .join('')}</tr>`,
  );
  return `<table class="nhsuk-table nhsuk-table--responsive" role="table">
<caption class="${captionClass === 'hidden' ? 'nhsuk-u-visually-hidden' : `nhsuk-table__caption nhsuk-table__caption--${captionClass}`}">${e(caption)}</caption>
<thead class="nhsuk-table__head" role="rowgroup"><tr class="nhsuk-table__row" role="row">${head.join('')}</tr></thead>
<tbody class="nhsuk-table__body">
${body.join('\n')}
</tbody>
</table>`;
}

/** `/ehr/`: every patient, with NHS number, age and a summary of their absence from work. */
export function patientListPage(rows: readonly PatientListRow[], account?: AccountView): string {
  const table = responsiveTable(
    'Registered patients and their absence from work',
    ['Name', 'NHS number', 'Age', 'Absence from work'],
    rows.map((r) => [
      `<a href="/ehr/patient/${encodeURIComponent(r.id)}">${e(r.name)}</a>`,
      r.nhsNumber ? e(formatNhsNumber(r.nhsNumber)) : '<span class="ehr-muted">None recorded</span>',
      r.age === undefined ? '<span class="ehr-muted">Not known</span>' : String(r.age),
      e(r.absence),
    ]),
    's',
  );
  return layout({
    title: 'Patients – Sandbox EHR',
    ...(account ? { account } : {}),
    body: `<div class="ehr-list">
<h1>Patients</h1>
<p>Synthetic patients for trying the fit note prompt app. Nothing here is real. Open a record to see the app beside it.</p>
${table}
</div>`,
  });
}

export interface BannerFacts {
  id: string;
  /** As the banner shows it, e.g. `TESTBROOK, Peter (Mr)`. */
  name: string;
  nhsNumber?: string;
  birthDate?: string;
  age?: number;
  gender?: string;
}

export interface FitNoteRow {
  issued: string;
  start: string;
  end?: string;
  days?: number;
  fitness: 'not-fit' | 'may-be-fit';
  advice: string[];
  conditions: string[];
  /** Shown when the note was not read from a FitNote Observation, e.g. "coded entry". */
  source?: string;
}

export interface ProblemRow {
  text: string;
  onset?: string;
  status?: string;
}

export interface RecordPageView {
  patient: BannerFacts;
  work?: string;
  notes: FitNoteRow[];
  /** Entries that looked like fit notes but could not be read, and what was wrong in the record. */
  warnings: string[];
  problems: ProblemRow[];
  /** The iframe's src: `/launch/?iss=…&launch=…`. */
  launchUrl: string;
  user: string;
  form: FitNoteFormInput;
  errors: FormError[];
  /** A fit note was just issued (shown once after the redirect). */
  issued?: boolean;
  /** Who is signed in, and the choice of another user. */
  account?: AccountView;
  /** Today's consultation the app is launched within, e.g. "GP consultation with Dr Alex Testdoctor, started 10:20". */
  consultation?: string;
}

function banner(p: BannerFacts, work: string | undefined): string {
  const facts: Array<[string, string]> = [
    ['NHS number', p.nhsNumber ? formatNhsNumber(p.nhsNumber) : 'None recorded'],
    [
      'Born',
      p.birthDate
        ? `${formatDate(p.birthDate)}${p.age === undefined ? '' : ` (${p.age} years)`}`
        : 'Not known',
    ],
    ['Gender', p.gender ?? 'Not known'],
    ...(work ? [['Work', work] as [string, string]] : []),
  ];
  return `<div class="ehr-banner" aria-labelledby="patient-name">
<h1 id="patient-name">${e(p.name)}</h1>
<dl>${facts.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>
</div>`;
}

function fitNotesSection(view: RecordPageView): string {
  const rows = view.notes.map((n) => [
    e(formatDate(n.issued)),
    `${e(formatDate(n.start))} to ${n.end ? e(formatDate(n.end)) : 'open-ended'}${n.days === undefined ? '' : ` <span class="ehr-muted">(${n.days} days)</span>`}`,
    `${n.fitness === 'not-fit' ? 'Not fit for work' : 'May be fit for work'}${n.advice.length ? `: ${e(n.advice.join(', ').toLowerCase())}` : ''}`,
    `${e(n.conditions.join('; ') || 'Not stated')}${n.source ? ` <span class="ehr-muted">(${e(n.source)})</span>` : ''}`,
  ]);
  const table =
    rows.length > 0
      ? responsiveTable(
          'Fit notes, latest first',
          ['Issued', 'Covers', 'Fitness', 'Condition'],
          rows,
          'hidden',
        )
      : '<p>No fit notes in the record.</p>';
  const warnings =
    view.warnings.length > 0
      ? `<div class="nhsuk-inset-text"><span class="nhsuk-u-visually-hidden">Information: </span><p>Some entries could not be read:</p><ul>${view.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>`
      : '';
  return `<section aria-labelledby="fit-notes-heading">
<h2 class="nhsuk-heading-m" id="fit-notes-heading">Fit notes</h2>
${table}
${warnings}
</section>`;
}

function problemsSection(view: RecordPageView): string {
  const body =
    view.problems.length > 0
      ? responsiveTable(
          'Problem list',
          ['Problem', 'Since', 'Status'],
          view.problems.map((p) => [
            e(p.text),
            p.onset ? e(formatDate(p.onset)) : '<span class="ehr-muted">Not recorded</span>',
            e(p.status ?? 'Not recorded'),
          ]),
          'hidden',
        )
      : '<p>No problems recorded.</p>';
  return `<section aria-labelledby="problems-heading">
<h2 class="nhsuk-heading-m" id="problems-heading">Problems</h2>
${body}
</section>`;
}

function fieldError(errors: readonly FormError[], field: FormError['field']): FormError | undefined {
  return errors.find((x) => x.field === field);
}

function errorMessage(id: string, error: FormError | undefined): string {
  return error
    ? `<span class="nhsuk-error-message" id="${id}-error"><span class="nhsuk-u-visually-hidden">Error: </span>${e(error.message)}</span>`
    : '';
}

function describedBy(id: string, hint: boolean, error: FormError | undefined): string {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? ` aria-describedby="${ids}"` : '';
}

function group(error: FormError | undefined, inner: string): string {
  return `<div class="nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}">\n${inner}\n</div>`;
}

/** The error summary NHS.UK forms show at the top: each problem links to its field. */
export function errorSummary(errors: readonly FormError[]): string {
  if (errors.length === 0) return '';
  return `<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<div role="alert">
<h2 class="nhsuk-error-summary__heading" id="error-summary-title">There is a problem</h2>
<div class="nhsuk-error-summary__body">
<ul class="nhsuk-list nhsuk-error-summary__list">
${errors.map((x) => `<li><a href="#${x.field}">${e(x.message)}</a></li>`).join('\n')}
</ul>
</div>
</div>
</div>`;
}

function issueForm(view: RecordPageView): string {
  const { form, errors } = view;
  const err = (f: FormError['field']) => fieldError(errors, f);
  const start = group(
    err('start'),
    `<label class="nhsuk-label" for="start">Start date</label>
<div class="nhsuk-hint" id="start-hint">The first day the fit note covers</div>
${errorMessage('start', err('start'))}
<input class="nhsuk-input${err('start') ? ' nhsuk-input--error' : ''}" id="start" name="start" type="date" value="${e(form.start)}"${describedBy('start', true, err('start'))}>`,
  );
  const days = group(
    err('days'),
    `<label class="nhsuk-label" for="days">Number of days</label>
<div class="nhsuk-hint" id="days-hint">For example, 14 for two weeks</div>
${errorMessage('days', err('days'))}
<input class="nhsuk-input nhsuk-input--width-3${err('days') ? ' nhsuk-input--error' : ''}" id="days" name="days" type="text" inputmode="numeric" autocomplete="off" value="${e(form.days)}"${describedBy('days', true, err('days'))}>`,
  );
  const fitnessOptions: Array<[string, string]> = [
    ['not-fit', 'Not fit for work'],
    ['may-be-fit', 'May be fit for work, taking into account the advice below'],
  ];
  const fitness = group(
    err('fitness'),
    `<fieldset class="nhsuk-fieldset"${describedBy('fitness', false, err('fitness'))}>
<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Fitness for work</legend>
${errorMessage('fitness', err('fitness'))}
<div class="nhsuk-radios">
${fitnessOptions
  .map(
    ([value, label], i) => `<div class="nhsuk-radios__item">
<input class="nhsuk-radios__input" id="${i === 0 ? 'fitness' : `fitness-${i + 1}`}" name="fitness" type="radio" value="${value}"${form.fitness === value ? ' checked' : ''}>
<label class="nhsuk-label nhsuk-radios__label" for="${i === 0 ? 'fitness' : `fitness-${i + 1}`}">${e(label)}</label>
</div>`,
  )
  .join('\n')}
</div>
</fieldset>`,
  );
  const advice = group(
    err('advice'),
    `<fieldset class="nhsuk-fieldset"${describedBy('advice', true, err('advice'))}>
<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Advice, if the patient may be fit for work</legend>
<div class="nhsuk-hint" id="advice-hint">Select all that apply</div>
${errorMessage('advice', err('advice'))}
<div class="nhsuk-checkboxes">
${ADVICE_CODES.map(
  (code, i) => `<div class="nhsuk-checkboxes__item">
<input class="nhsuk-checkboxes__input" id="${i === 0 ? 'advice' : `advice-${i + 1}`}" name="advice" type="checkbox" value="${code}"${form.advice.includes(code) ? ' checked' : ''}>
<label class="nhsuk-label nhsuk-checkboxes__label" for="${i === 0 ? 'advice' : `advice-${i + 1}`}">${e(ADVICE_LABELS[code])}</label>
</div>`,
).join('\n')}
</div>
</fieldset>`,
  );
  const assess = `<div class="nhsuk-form-group"><div class="nhsuk-checkboxes">
<div class="nhsuk-checkboxes__item">
<input class="nhsuk-checkboxes__input" id="assessAgain" name="assessAgain" type="checkbox" value="yes"${form.assessAgain ? ' checked' : ''}>
<label class="nhsuk-label nhsuk-checkboxes__label" for="assessAgain">I will need to assess fitness for work again at the end of this period</label>
</div>
</div></div>`;
  const condition = group(
    err('condition'),
    `<label class="nhsuk-label" for="condition">Condition</label>
${errorMessage('condition', err('condition'))}
<select class="nhsuk-select${err('condition') ? ' nhsuk-select--error' : ''}" id="condition" name="condition"${describedBy('condition', false, err('condition'))}>
<option value=""${form.condition === '' ? ' selected' : ''}>Choose a condition</option>
${FORM_CONDITIONS.map((key) => `<option value="${key}"${form.condition === key ? ' selected' : ''}>${e(CONCEPTS[key].text)}</option>`).join('\n')}
</select>`,
  );
  return `<section aria-labelledby="issue-heading" class="ehr-form">
<h2 class="nhsuk-heading-m" id="issue-heading">Issue a fit note</h2>
${errorSummary(errors)}
<form method="post" action="/ehr/patient/${encodeURIComponent(view.patient.id)}/fit-notes" novalidate>
${start}
${days}
${fitness}
${advice}
${assess}
${condition}
<button class="nhsuk-button" type="submit">Issue fit note</button>
</form>
</section>`;
}

/** `/ehr/patient/:id`: banner, fit notes, problems, the form, and the app in its side panel. */
export function recordPage(view: RecordPageView): string {
  const issued = view.issued
    ? `<div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="status" aria-labelledby="issued-title">
<div class="nhsuk-notification-banner__header"><h2 class="nhsuk-notification-banner__title" id="issued-title">Success</h2></div>
<div class="nhsuk-notification-banner__content"><p class="nhsuk-notification-banner__heading">Fit note issued. The app beside the record has been launched again.</p></div>
</div>`
    : '';
  const consultation = view.consultation
    ? `<p class="ehr-consultation"><strong>Consultation in progress:</strong> ${e(view.consultation)}</p>`
    : '';
  const body = `<a class="nhsuk-back-link" href="/ehr/">Back to patients</a>
${banner(view.patient, view.work)}
${consultation}
<div class="ehr-record">
<div class="ehr-record__main">
${issued}
${fitNotesSection(view)}
${problemsSection(view)}
${issueForm(view)}
</div>
<aside class="ehr-panel" aria-labelledby="panel-heading">
<h2 id="panel-heading">Fit note prompt</h2>
<iframe title="Fit note prompt" src="${e(view.launchUrl)}"></iframe>
</aside>
</div>`;
  const title = `${view.patient.name} – Sandbox EHR`;
  return layout({
    title: view.errors.length > 0 ? `Error: ${title}` : title,
    user: view.user,
    body,
    ...(view.account ? { account: view.account } : {}),
  });
}

/** A page for a patient id the sandbox does not hold, or another problem (plain English). */
export function messagePage(title: string, message: string): string {
  return layout({
    title: `${title} – Sandbox EHR`,
    body: `<div class="ehr-list"><h1>${e(title)}</h1><p>${e(message)}</p><p><a href="/ehr/">Back to patients</a></p></div>`,
  });
}
