/**
 * The built provider inbox (Vite: src/provider/index.html → dist/web/inbox/index.html; its scripts and
 * styles share the GP app's chunk directory, dist/web/app/assets, so shared code such as React is one
 * file):
 *   GET /inbox                → 308 to /inbox/
 *   GET /inbox/ and /inbox/<anything not api/…> → the inbox page (no-cache: it names the current assets)
 *   GET /app/assets/<file>    → a built chunk (hashed names: cached for a year, immutable)
 * When the inbox has not been built (`npm run build:web`), a plain page says so (503).
 * Only single, plain file names are served from the assets directory: no sub-paths, no dot files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../fhir/profiles.js';
import { HubError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

const NOT_BUILT = `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Provider inbox not available</title></head>
<body style="font-family: Arial, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<main><h1>The provider inbox is not available</h1>
<p>This referral hub has not been given the inbox's pages, so it cannot show your referrals yet.</p>
<p>Try again later. If this goes on, tell the hub's administrator: the inbox is built with <code>npm run build:web</code>.</p>
</main></body></html>`;

export interface InboxPageOptions {
  /** Built browser code (default `<package root>/dist/web`). */
  webRoot?: string;
}

export function registerInboxPages(app: FastifyInstance, options: InboxPageOptions = {}): void {
  const webRoot = options.webRoot ?? path.join(packageRoot(), 'dist', 'web');
  const indexFile = path.join(webRoot, 'inbox', 'index.html');
  const assetsDir = path.join(webRoot, 'app', 'assets');

  async function page(_request: unknown, reply: import('fastify').FastifyReply) {
    let html: Buffer;
    try {
      html = await readFile(indexFile);
    } catch {
      return reply
        .code(503)
        .header('Cache-Control', 'no-store')
        .header('Retry-After', '300')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT);
    }
    return reply
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  app.get('/inbox', async (_request, reply) => reply.redirect('/inbox/', 308));
  app.get('/inbox/', page);
  app.get('/inbox/*', async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    // The API's unknown addresses and wrong methods are the hub's not-found handler's (404, 405 + Allow).
    if (rest === 'api' || rest.startsWith('api/')) return reply.callNotFound();
    return page(request, reply);
  });

  app.get('/app/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = TYPES[path.extname(file)];
    const missing = () =>
      new HubError(404, {
        code: 'not-found',
        text: `There is no file /app/assets/${file.slice(0, 80)} at this hub. Reload the page to get the current version.`,
      });
    if (!ASSET_NAME.test(file) || type === undefined) throw missing();
    let body: Buffer;
    try {
      body = await readFile(path.join(assetsDir, file));
    } catch {
      throw missing();
    }
    return reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('X-Content-Type-Options', 'nosniff')
      .type(type)
      .send(body);
  });
}
