/**
 * GET /audit: the practice IT lead's view of the hub's append-only audit trail (issue 4 item 7).
 *
 * - Who: staff signed in with OpenID Connect whose role is it-lead (staff.ts); they see their own
 *   practice's records only (fitnote_practice), never another practice's.
 * - What: a FHIR searchset Bundle of AuditEvent resources, newest first — type and subtype code the
 *   action, `recorded`, `outcome` (0/4/8/12), the agent who did it, the referral as an entity by its
 *   business identifier, and the plain-English text in `outcomeDesc`.
 * - Filters: `action` (one of AUDIT_ACTIONS), `referral` (its id), `provider` (directory id),
 *   `since` / `until` (a date, YYYY-MM-DD, meaning that whole day in UK time — `until` includes it — or
 *   a date-time with a time zone, e.g. 2026-11-21T09:00:00Z; `until` is then exclusive), `_count`
 *   (1–1000, default 100). Bad values, repeated or unknown parameters: 400 OperationOutcome.
 * - `format=csv` (or `Accept: text/csv` without `format`) gives the same records as CSV for
 *   spreadsheets (UTF-8 with a byte-order mark; cells that a spreadsheet would take for a formula are
 *   prefixed with an apostrophe).
 * - Each query is itself audited (`audit-read`), after the records are read.
 * - No paging links: when a Bundle holds `_count` records there may be older ones; ask again with a
 *   larger `_count` or an earlier `until`.
 */
import type { AuditEvent, Bundle, BundleEntry, Coding } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CANONICAL_BASE, ID_SYSTEM } from '../../domain/codes.js';
import { requireItLead, staffAgent } from '../auth/staff.js';
import { HubError } from '../errors.js';
import type { AuditFilter, AuditRecord } from '../store/types.js';
import { authenticateStaff, type RouteDeps } from './deps.js';

/** The code system of the hub's audit actions (AuditEvent.subtype). */
export const AUDIT_ACTION_SYSTEM = `${CANONICAL_BASE}/CodeSystem/hub-audit-action`;

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST = 'http://terminology.hl7.org/CodeSystem/audit-event-type';

/** The actions the hub records: their words, the AuditEvent type and action (C R U D E). */
export const AUDIT_ACTIONS = {
  'referral-accepted': { display: 'Referral accepted from the GP', type: 'rest', action: 'C' },
  'delivery-attempt': { display: 'Delivery attempt to the provider', type: 'export', action: 'E' },
  'delivery-succeeded': { display: 'Delivered to the provider', type: 'export', action: 'E' },
  'delivery-failed': { display: 'Delivery given up', type: 'export', action: 'E' },
  'status-changed': { display: 'Status changed', type: 'rest', action: 'U' },
  'cancellation-requested': { display: 'Cancellation requested by the GP', type: 'rest', action: 'U' },
  'inbox-view': { display: 'Referral viewed in the provider inbox', type: 'record', action: 'R' },
  'config-read': { display: 'Practice settings read', type: 'rest', action: 'R' },
  'access-refused': { display: 'Access refused', type: 'security', action: 'E' },
  'audit-read': { display: 'Audit trail read', type: 'query', action: 'R' },
  'config-saved': { display: 'Practice settings version saved', type: 'rest', action: 'C' },
  'config-published': { display: 'Practice settings version published', type: 'rest', action: 'U' },
  'provider-connection-test': {
    display: "Connection to a provider's system tested",
    type: 'other',
    action: 'E',
  },
  'prompt-feedback': { display: 'GP answers to prompts recorded', type: 'rest', action: 'C' },
  'records-uploaded': { display: "Patients' records uploaded for a dry run", type: 'record', action: 'C' },
  'dry-run': { display: "Dry run over patients' records", type: 'query', action: 'E' },
} as const satisfies Record<string, { display: string; type: string; action: AuditEvent['action'] }>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

const EVENT_TYPES: Record<string, Coding> = {
  rest: { system: REST, code: 'rest', display: 'RESTful Operation' },
  export: { system: DCM, code: '110106', display: 'Export' },
  record: { system: DCM, code: '110110', display: 'Patient Record' },
  security: { system: DCM, code: '110113', display: 'Security Alert' },
  query: { system: DCM, code: '110112', display: 'Query' },
  other: { system: DCM, code: '110100', display: 'Application Activity' },
};

const OUTCOME_WORDS: Record<AuditRecord['outcome'], string> = {
  '0': 'success',
  '4': 'minor failure',
  '8': 'serious failure',
  '12': 'major failure',
};

const PARAMETERS = ['action', 'referral', 'provider', 'since', 'until', '_count', 'format'] as const;
const REFERRAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PROVIDER_ID = /^[A-Za-z0-9\-._]{1,64}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function bad(text: string, expression?: string): HubError {
  return new HubError(400, { code: 'invalid', text, ...(expression ? { expression } : {}) });
}

/** Minutes UK time is ahead of UTC at the instant (0 or 60). */
function londonOffsetMinutes(at: number): number {
  const name =
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' })
      .formatToParts(new Date(at))
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{1,2})(?::(\d{2}))?/.exec(name);
  if (m === null) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** The instant a UK calendar day starts (ms). */
function londonDayStart(year: number, month: number, day: number): number {
  const utcMidnight = Date.UTC(year, month - 1, day);
  return utcMidnight - londonOffsetMinutes(utcMidnight) * 60_000;
}

function validDay(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** A `since`/`until` value as ms: a date is that UK day (its start, or for `until` the next day's start). */
export function parseAuditTime(name: 'since' | 'until', value: string): number {
  const example =
    name === 'since' ? '2026-11-01 or 2026-11-01T09:00:00Z' : '2026-11-30 or 2026-11-30T17:00:00Z';
  const date = DATE.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDay(y, m, d))
      throw bad(`${name} "${value}" is not a real date. Give a date such as ${example}.`, name);
    const start = londonDayStart(y, m, d);
    if (name === 'since') return start;
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    return londonDayStart(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [y, m, d, h, min, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(dateTime[i] ?? 0)) as number[];
    const at = Date.parse(value);
    if (
      validDay(y as number, m as number, d as number) &&
      (h as number) < 24 &&
      (min as number) < 60 &&
      (s as number) < 60 &&
      Number.isFinite(at)
    ) {
      return at;
    }
    throw bad(`${name} "${value}" is not a real date and time. Give one such as ${example}.`, name);
  }
  throw bad(
    `${name} "${value}" is not a date. Give a date (YYYY-MM-DD, a whole UK day) or a date-time with its time zone, such as ${example}.`,
    name,
  );
}

export interface AuditQuery {
  filter: AuditFilter;
  csv: boolean;
}

/** Reads the query string (400 for anything the IT lead should correct). */
export function parseAuditQuery(
  query: Record<string, unknown>,
  accept: string | undefined,
  practiceOds: string,
): AuditQuery {
  const unknown = Object.keys(query).filter((k) => !(PARAMETERS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw bad(
      `The audit trail cannot be searched by ${unknown.map((k) => `"${k}"`).join(', ')}. Use ${PARAMETERS.join(', ')}.`,
    );
  }
  const one = (name: (typeof PARAMETERS)[number]): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw bad(`Give ${name} once.`, name);
    if (value.trim() === '') throw bad(`${name} is empty: give a value or leave it out.`, name);
    return value.trim();
  };
  const filter: AuditFilter = { practiceOds, limit: 100 };
  const action = one('action');
  if (action !== undefined) {
    if (!Object.hasOwn(AUDIT_ACTIONS, action)) {
      throw bad(
        `action "${action.slice(0, 60)}" is not one the hub records. Use one of: ${Object.keys(AUDIT_ACTIONS).join(', ')}.`,
        'action',
      );
    }
    filter.action = action;
  }
  const referral = one('referral');
  if (referral !== undefined) {
    if (!REFERRAL_ID.test(referral)) {
      throw bad(
        'referral is not a referral id: give the id as the hub shows it (letters, digits, "-" and ".", at most 64).',
        'referral',
      );
    }
    filter.referralId = referral;
  }
  const provider = one('provider');
  if (provider !== undefined) {
    if (!PROVIDER_ID.test(provider)) {
      throw bad(
        'provider is not a provider id: give the id from the practice directory, e.g. local-oh-service.',
        'provider',
      );
    }
    filter.providerId = provider;
  }
  const since = one('since');
  if (since !== undefined) filter.since = parseAuditTime('since', since);
  const until = one('until');
  if (until !== undefined) filter.until = parseAuditTime('until', until);
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw bad(`since (${since}) is not before until (${until}): swap them or widen the range.`, 'since');
  }
  const count = one('_count');
  if (count !== undefined) {
    if (!/^\d{1,7}$/.test(count) || Number(count) < 1 || Number(count) > 1000) {
      throw bad(`_count "${count.slice(0, 20)}" is not a number from 1 to 1000.`, '_count');
    }
    filter.limit = Number(count);
  }
  const format = one('format');
  if (format !== undefined && format !== 'csv' && format !== 'json') {
    throw bad(`format "${format.slice(0, 20)}" is not one the hub gives: use csv or json.`, 'format');
  }
  const csv = format === 'csv' || (format === undefined && /(^|,)\s*text\/csv\b/i.test(accept ?? ''));
  return { filter, csv };
}

/** The FHIR AuditEvent for one record. */
export function auditEventOf(record: AuditRecord, hubUrl: string): AuditEvent {
  const known = Object.hasOwn(AUDIT_ACTIONS, record.action)
    ? AUDIT_ACTIONS[record.action as AuditAction]
    : undefined;
  const detail = record.detail ?? {};
  const text = typeof detail.text === 'string' ? detail.text : undefined;
  const name = typeof detail.name === 'string' ? detail.name : undefined;
  const structured = Object.entries(detail).filter(
    ([k, v]) => k !== 'text' && k !== 'name' && v !== undefined,
  );
  const entities: NonNullable<AuditEvent['entity']> = [];
  if (record.referralId !== undefined) {
    entities.push({
      what: {
        type: 'ServiceRequest',
        identifier: { system: ID_SYSTEM.referral, value: record.referralId },
      },
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
        code: '2',
        display: 'System Object',
      },
      ...(structured.length > 0
        ? {
            detail: structured.map(([k, v]) => ({
              type: k,
              valueString: typeof v === 'string' ? v : JSON.stringify(v),
            })),
          }
        : {}),
    });
  }
  if (record.providerId !== undefined) {
    entities.push({
      what: { type: 'Organization', identifier: { system: ID_SYSTEM.provider, value: record.providerId } },
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
        code: '3',
        display: 'Organization',
      },
    });
  }
  if (record.referralId === undefined && structured.length > 0) {
    entities.push({
      what: { display: 'Request details' },
      detail: structured.map(([k, v]) => ({
        type: k,
        valueString: typeof v === 'string' ? v : JSON.stringify(v),
      })),
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: String(record.id),
    type: EVENT_TYPES[known?.type ?? 'other'] as Coding,
    subtype: [
      { system: AUDIT_ACTION_SYSTEM, code: record.action, ...(known ? { display: known.display } : {}) },
    ],
    action: known?.action ?? 'E',
    recorded: new Date(record.at).toISOString(),
    outcome: record.outcome,
    ...(text !== undefined ? { outcomeDesc: text } : {}),
    agent: [
      {
        who: {
          identifier: { system: 'urn:fitnote-prompt:hub-agent', value: record.agent },
          display: name ?? record.agent,
        },
        ...(name !== undefined ? { name } : {}),
        requestor: record.agent !== 'hub',
      },
    ],
    source: {
      site: hubUrl,
      observer: { display: 'fitnote-prompt referral hub' },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    ...(entities.length > 0 ? { entity: entities } : {}),
  };
}

/** A CSV cell: quoted when needed; a leading = + - @ (a formula to a spreadsheet) defused with '. */
function cell(value: string | undefined): string {
  let v = value ?? '';
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export const CSV_COLUMNS = [
  'id',
  'recorded',
  'action',
  'what',
  'outcome',
  'agent',
  'referral',
  'provider',
  'text',
];

/** The records as CSV (header row first; CRLF line ends, as RFC 4180). */
export function auditCsv(records: readonly AuditRecord[]): string {
  const rows = records.map((r) => {
    const known = Object.hasOwn(AUDIT_ACTIONS, r.action) ? AUDIT_ACTIONS[r.action as AuditAction] : undefined;
    const detail = r.detail ?? {};
    return [
      String(r.id),
      new Date(r.at).toISOString(),
      r.action,
      known?.display ?? '',
      `${r.outcome} ${OUTCOME_WORDS[r.outcome] ?? ''}`.trim(),
      typeof detail.name === 'string' ? `${detail.name} (${r.agent})` : r.agent,
      r.referralId ?? '',
      r.providerId ?? '',
      typeof detail.text === 'string' ? detail.text : '',
    ]
      .map(cell)
      .join(',');
  });
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

function selfLink(request: FastifyRequest, hubUrl: string): string {
  return `${hubUrl}${request.url}`;
}

export function registerAuditRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/audit', async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const practiceOds = requireItLead(staff);
    const accept = typeof request.headers.accept === 'string' ? request.headers.accept : undefined;
    const { filter, csv } = parseAuditQuery(request.query as Record<string, unknown>, accept, practiceOds);
    const records = await deps.store.listAudit(filter);
    const { practiceOds: _ods, limit: _limit, ...asked } = filter;
    await deps.store.appendAudit({
      action: 'audit-read',
      outcome: '0',
      agent: staffAgent(staff),
      practiceOds,
      at: deps.now(),
      detail: {
        name: staff.name,
        text: `${staff.name} read the audit trail (${records.length} record${records.length === 1 ? '' : 's'}${csv ? ', as CSV' : ''}).`,
        ...(Object.keys(asked).length > 0 ? { filter: asked } : {}),
        count: records.length,
      },
    });
    reply.header('Cache-Control', 'no-store');
    if (csv) {
      const day = new Date(deps.now()).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="audit-${practiceOds}-${day}.csv"`)
        .send(auditCsv(records));
    }
    const hubUrl = deps.publicUrl();
    const bundle: Bundle<AuditEvent> = {
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: new Date(deps.now()).toISOString(),
      link: [{ relation: 'self', url: selfLink(request, hubUrl) }],
      entry: records.map(
        (r): BundleEntry<AuditEvent> => ({
          fullUrl: `urn:fitnote-prompt:hub-audit:${r.id}`,
          resource: auditEventOf(r, hubUrl),
          search: { mode: 'match' },
        }),
      ),
    };
    return reply.type('application/fhir+json; charset=utf-8').send(bundle);
  });
}
