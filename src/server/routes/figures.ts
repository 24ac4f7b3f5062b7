/**
 * GET /admin/api/figures?from=YYYY-MM&to=YYYY-MM[&format=csv]: the practice's alert-fatigue figures
 * for the IT-lead console (issue 5 item 5), from the recorded prompt events and the hub's referrals.
 *
 * - Who: staff signed in with the it-lead role; the practice is their token's fitnote_practice.
 * - Window: Europe/London months, `from` to `to` inclusive, at most 5 years, `to` not after this month.
 *   Default: the last 6 months including this one (either end alone moves the other with it).
 * - JSON: the FiguresReport of src/domain/figures.ts, with rule titles from the practice's live rules
 *   and provider names from its live directory.
 * - `format=csv` (or `Accept: text/csv` without `format`): the same as CSV, an attachment named
 *   `figures-<ODS>-<from>-<to>.csv`.
 * - Bad or unknown parameters: 400 OperationOutcome naming the parameter.
 */
import type { FastifyInstance } from 'fastify';
import { londonDateOf } from '../../domain/dates.js';
import {
  addMonths,
  buildFiguresReport,
  checkFiguresWindow,
  figuresCsv,
  windowBounds,
} from '../../domain/figures.js';
import { requireItLead } from '../auth/staff.js';
import { ConfigBrokenError, type PracticeConfigDocument } from '../config/source.js';
import { HubError } from '../errors.js';
import { authenticateStaff, type RouteDeps } from './deps.js';

export const FIGURES_PATH = '/admin/api/figures';
const PARAMETERS = ['from', 'to', 'format'];

function bad(text: string, expression?: string): HubError {
  return new HubError(400, { code: 'invalid', text, ...(expression ? { expression } : {}) });
}

/** `[{id, <label>}]` from a list of objects, leniently (a stored body is already validated). */
function named(list: unknown, label: 'title' | 'name'): Array<{ id: string; title?: string; name?: string }> {
  if (!Array.isArray(list)) return [];
  const out: Array<{ id: string; title?: string; name?: string }> = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { id } = item as { id?: unknown };
    const text = (item as Record<string, unknown>)[label];
    if (typeof id !== 'string') continue;
    out.push({ id, ...(typeof text === 'string' ? { [label]: text } : {}) });
  }
  return out;
}

/** The practice's live rules and directory: the published versions, else its configuration file. */
async function liveConfig(deps: RouteDeps, ods: string): Promise<{ rules: unknown; directory: unknown }> {
  const [rules, directory] = await Promise.all([
    deps.store.publishedConfigVersion(ods, 'rules'),
    deps.store.publishedConfigVersion(ods, 'directory'),
  ]);
  let file: PracticeConfigDocument | undefined;
  if (rules === undefined || directory === undefined) {
    try {
      file = await deps.configs.source.get(ods);
    } catch (error) {
      // A broken file leaves the figures without names, not without numbers.
      if (!(error instanceof ConfigBrokenError)) throw error;
    }
  }
  return { rules: rules?.body ?? file?.rules, directory: directory?.body ?? file?.directory };
}

export function registerFiguresRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get(FIGURES_PATH, async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const practiceOds = requireItLead(staff);
    const query = request.query as Record<string, unknown>;
    const unknown = Object.keys(query).filter((k) => !PARAMETERS.includes(k));
    if (unknown.length > 0) {
      throw bad(
        `The figures cannot be asked for by ${unknown.map((k) => `"${k.slice(0, 30)}"`).join(', ')}. Use from, to (months, YYYY-MM) and format.`,
      );
    }
    const one = (name: string): string | undefined => {
      const v = query[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw bad(`Give ${name} once.`, name);
      if (v.trim() === '') throw bad(`${name} is empty: give a month (YYYY-MM) or leave it out.`, name);
      return v.trim();
    };
    const thisMonth = londonDateOf(new Date(deps.now())).slice(0, 7);
    const fromText = one('from');
    const toText = one('to');
    const to = toText ?? (fromText !== undefined && fromText > thisMonth ? fromText : thisMonth);
    const from = fromText ?? (/^\d{4}-\d{2}$/.test(to) ? addMonths(to, -5) : to);
    const checked = checkFiguresWindow(from, to, thisMonth);
    if (!checked.ok) throw bad(checked.problem, checked.field);
    const format = one('format');
    if (format !== undefined && format !== 'csv' && format !== 'json')
      throw bad(`format "${format.slice(0, 20)}" is not one the hub gives: use csv or json.`, 'format');
    const accept = typeof request.headers.accept === 'string' ? request.headers.accept : '';
    const csv = format === 'csv' || (format === undefined && /(^|,)\s*text\/csv\b/i.test(accept));

    const window = checked.window;
    const bounds = windowBounds(window);
    const filter = { practiceOds, ...bounds };
    const [events, referrals, live] = await Promise.all([
      deps.store.listPromptEvents(filter),
      deps.store.referralFigureRows(filter),
      liveConfig(deps, practiceOds),
    ]);
    const rulesList = (live.rules as { rules?: unknown } | undefined)?.rules;
    const providersList = (live.directory as { providers?: unknown } | undefined)?.providers;
    const report = buildFiguresReport({
      events,
      referrals,
      window,
      rules: named(rulesList, 'title'),
      providers: named(providersList, 'name'),
    });
    reply.header('Cache-Control', 'no-store');
    if (csv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'Content-Disposition',
          `attachment; filename="figures-${practiceOds}-${window.from}-${window.to}.csv"`,
        )
        .send(figuresCsv(report));
    }
    return reply.type('application/json; charset=utf-8').send(report);
  });
}
