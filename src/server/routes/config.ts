/**
 * GET /config/<ODS>.json: the practice's `{ rules, directory }` (the document the GP app reads), for
 * any GP with an active token from a trusted EHR. Strong ETag from the content's SHA-256,
 * If-None-Match → 304, Cache-Control: no-cache (the app revalidates every time, cheaply). Every read
 * is audited (config-read). A broken practice file is a 503 naming the file (see app.ts).
 */
import type { FastifyInstance } from 'fastify';
import { normaliseOds } from '../config/source.js';
import { HubError } from '../errors.js';
import { agentOf, authenticate, type RouteDeps } from './deps.js';

/** Whether an If-None-Match header matches the ETag (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

export function registerConfigRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/config/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const match = /^(.+)\.json$/.exec(file);
    const ods = match === null ? undefined : normaliseOds(match[1] as string);
    if (ods === undefined) {
      throw new HubError(404, {
        code: 'not-found',
        text: `There is nothing at /config/${file}. A practice's settings are at /config/<ODS code>.json, e.g. /config/A99999.json.`,
      });
    }
    const token = await authenticate(deps, request);
    const served = await deps.configs.served(ods);
    if (served === undefined) {
      throw new HubError(404, {
        code: 'not-found',
        text: `The hub has no settings for the practice ${ods}. Ask the practice IT lead to set the practice up at the hub.`,
      });
    }
    const notModified = etagMatches(request.headers['if-none-match'], served.etag);
    await deps.store.appendAudit({
      action: 'config-read',
      outcome: '0',
      agent: agentOf(token),
      practiceOds: ods,
      at: deps.now(),
      detail: {
        text: `The practice's settings were read${notModified ? ' (unchanged since the last read)' : ''}.`,
        ehrBaseUrl: token.ehrBaseUrl,
        notModified,
      },
    });
    reply.header('ETag', served.etag).header('Cache-Control', 'no-cache');
    if (notModified) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(served.body);
  });
}
