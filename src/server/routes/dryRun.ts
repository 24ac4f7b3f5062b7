/**
 * The IT lead's dry run (issue 5 item 3), under /admin/api (staff token with the it-lead role; the
 * practice is the token's fitnote_practice):
 *
 * - GET  /admin/api/records → `{ ehr: { available, description }, upload?: { patients, fitNotes, unreadable, loadedAt } }`
 * - POST /admin/api/records  body: an export (a Bundle, a JSON list of Bundles, or NDJSON of resources or
 *   Bundles; up to RECORDS_BODY_LIMIT) → 200 `{ patients, fitNotes, unreadable, loadedAt, problems }`,
 *   replacing the practice's uploaded records (in memory). 413 over the limit; 400 for an unreadable
 *   upload (naming the line or item), and the previous upload is kept.
 * - POST /admin/api/dry-run  body `{ rules, from, to, fullTimeGps?, source: 'ehr' | 'upload' }` →
 *   DryRunReport (src/domain/dryRun.ts): the draft next to the live rules (the practice's served
 *   configuration). 422 with one issue per problem when the draft does not validate (parseRules,
 *   checked against the live directory's providers), 400 for a bad window (at most 5 years, ending
 *   today or earlier) or body, 409 when the chosen records are not there.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { londonDateOf } from '../../domain/dates.js';
import { dryRun, windowProblem } from '../../domain/dryRun.js';
import { parseRules, type RulesFile } from '../../domain/rules.js';
import { requireItLead, staffAgent } from '../auth/staff.js';
import { HubError } from '../errors.js';
import { parseExportOffThread } from '../records/offThread.js';
import { authenticateStaff, type RouteDeps } from './deps.js';

/** The largest export the hub reads (bytes). */
export const RECORDS_BODY_LIMIT = 200 * 1024 * 1024;

const EXPORT_TYPES = [
  'application/json',
  'application/fhir+json',
  'application/x-ndjson',
  'application/ndjson',
  'application/fhir+ndjson',
  'text/plain',
];

async function itLead(deps: RouteDeps, request: FastifyRequest): Promise<string> {
  return requireItLead(await authenticateStaff(deps, request)).toUpperCase();
}

const bad = (text: string, expression?: string) =>
  new HubError(400, { code: 'invalid', text, ...(expression ? { expression } : {}) });

interface DryRunBody {
  rules: unknown;
  from: string;
  to: string;
  fullTimeGps?: number;
  source: 'ehr' | 'upload';
}

function readBody(body: unknown): DryRunBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad(
      'Send a JSON object: { "rules": the draft rules file, "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "source": "ehr" or "upload" }.',
    );
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!['rules', 'from', 'to', 'fullTimeGps', 'source'].includes(key))
      throw bad(
        `"${key}" is not something a dry run takes: send rules, from, to, source and fullTimeGps.`,
        key,
      );
  }
  if (b.rules === undefined) throw bad('"rules" is missing: send the draft rules file to try.', 'rules');
  if (typeof b.from !== 'string') throw bad('"from" is missing: give the first day as YYYY-MM-DD.', 'from');
  if (typeof b.to !== 'string') throw bad('"to" is missing: give the last day as YYYY-MM-DD.', 'to');
  if (b.source !== 'ehr' && b.source !== 'upload')
    throw bad('"source" must be "ehr" (the practice’s records) or "upload" (the uploaded export).', 'source');
  if (
    b.fullTimeGps !== undefined &&
    (typeof b.fullTimeGps !== 'number' ||
      !Number.isFinite(b.fullTimeGps) ||
      b.fullTimeGps <= 0 ||
      b.fullTimeGps > 1000)
  ) {
    throw bad(
      '"fullTimeGps" must be the number of full-time GPs (more than 0, e.g. 4.5), or left out to estimate it from the list size.',
      'fullTimeGps',
    );
  }
  return {
    rules: b.rules,
    from: b.from,
    to: b.to,
    source: b.source,
    ...(b.fullTimeGps === undefined ? {} : { fullTimeGps: b.fullTimeGps as number }),
  };
}

export function registerDryRunRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/admin/api/records', async (request) => {
    const ods = await itLead(deps, request);
    const upload = deps.records.upload(ods);
    return {
      ehr: await deps.records.ehrStatus(ods),
      ...(upload === undefined
        ? {}
        : {
            upload: {
              patients: upload.patients.length,
              fitNotes: upload.fitNotes,
              unreadable: upload.unreadable,
              loadedAt: upload.loadedAt,
            },
          }),
    };
  });

  // The upload takes its own body parsers and limit, in a context of its own.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      EXPORT_TYPES,
      { parseAs: 'buffer', bodyLimit: RECORDS_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler((error, _request, _reply) => {
      if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        throw new HubError(413, {
          code: 'too-long',
          text: `The export is larger than the hub reads (${RECORDS_BODY_LIMIT / 1024 / 1024} MB). Export a shorter period or fewer patients, or split it and try the parts.`,
        });
      }
      throw error;
    });
    scope.post('/admin/api/records', { bodyLimit: RECORDS_BODY_LIMIT }, async (request) => {
      const ods = await itLead(deps, request);
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw bad('The upload is empty: choose the export file and send it.');
      // Off the event loop: a large export takes seconds to read (records/offThread.ts).
      const parsed = await parseExportOffThread(request.body);
      if (!parsed.ok) throw bad(parsed.problem);
      const upload = deps.records.setUpload(ods, parsed.records, deps.now());
      // Patients' records came into the hub: who, when and how many (never the records themselves).
      await deps.store.appendAudit({
        action: 'records-uploaded',
        outcome: '0',
        agent: request.hubStaff ? staffAgent(request.hubStaff) : 'unknown',
        practiceOds: ods,
        at: deps.now(),
        detail: {
          text: `An export of ${upload.patients.length} patients' records with ${upload.fitNotes} fit notes was uploaded for the dry run (kept in the hub's memory only).`,
          patients: upload.patients.length,
          fitNotes: upload.fitNotes,
          unreadable: upload.unreadable,
        },
      });
      return {
        patients: upload.patients.length,
        fitNotes: upload.fitNotes,
        unreadable: upload.unreadable,
        loadedAt: upload.loadedAt,
        problems: upload.problems,
      };
    });
  });

  app.post('/admin/api/dry-run', async (request) => {
    const ods = await itLead(deps, request);
    const body = readBody(request.body);
    // The live rules and directory: the practice's published versions, else its configuration file.
    const document = await deps.configs.document(ods);
    const directory = document === undefined ? undefined : await deps.configs.directory(ods);
    const draft = parseRules(body.rules, { providerIds: (directory?.providers ?? []).map((p) => p.id) });
    if (!draft.ok) {
      throw new HubError(
        422,
        draft.problems.map((text) => ({ code: 'invalid' as const, text })),
      );
    }
    const today = londonDateOf(new Date(deps.now()));
    const windowIssue = windowProblem(body.from, body.to, today);
    if (windowIssue !== undefined) throw bad(windowIssue);
    let live: RulesFile | undefined;
    if (document !== undefined) {
      const parsed = parseRules(document.rules);
      if (parsed.ok) live = parsed.value;
    }
    const started = performance.now();
    const records = body.source === 'ehr' ? await deps.records.ehrRecords(ods) : deps.records.upload(ods);
    if (records === undefined) {
      throw new HubError(409, {
        code: 'conflict',
        text:
          body.source === 'ehr'
            ? (await deps.records.ehrStatus(ods)).description
            : 'No records have been uploaded for this practice since the hub started: upload an export first, then run the dry run again.',
      });
    }
    const report = dryRun({
      patients: records.patients,
      draft: draft.value,
      ...(live === undefined ? {} : { live }),
      ...(directory === undefined ? {} : { directory }),
      from: body.from,
      to: body.to,
      ...(body.fullTimeGps === undefined ? {} : { fullTimeGps: body.fullTimeGps }),
    });
    report.elapsedMs = Math.round(performance.now() - started);
    // The dry run reads every patient's fit notes: audited like any other read of records.
    await deps.store.appendAudit({
      action: 'dry-run',
      outcome: '0',
      agent: request.hubStaff ? staffAgent(request.hubStaff) : 'unknown',
      practiceOds: ods,
      at: deps.now(),
      detail: {
        text: `A dry run of the draft rules over ${report.patients} patients' records (${body.source === 'ehr' ? "the practice's records" : 'the uploaded export'}), ${body.from} to ${body.to}.`,
        source: body.source,
        from: body.from,
        to: body.to,
        patients: report.patients,
      },
    });
    return report;
  });
}
