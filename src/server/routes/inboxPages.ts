/**
 * The built provider inbox (Vite: src/provider/index.html → dist/web/inbox/index.html; its scripts and
 * styles share the GP app's chunk directory, dist/web/app/assets, so shared code such as React is one
 * file):
 *   GET /inbox                → 308 to /inbox/
 *   GET /inbox/ and /inbox/<anything not api/…> → the inbox page (no-cache: it names the current assets)
 *   GET /app/assets/<file>    → a built chunk (hashed names: cached for a year, immutable)
 * When the inbox has not been built (`npm run build:web`), a plain page says so (503).
 * registerBuiltPage serves any such page (the IT-lead console at /admin/ uses it: adminPages.ts).
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

function notBuiltPage(title: string, heading: string, what: string): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title></head>
<body style="font-family: Arial, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<main><h1>${heading}</h1>
<p>${what}</p>
<p>Try again later. If this goes on, tell the hub's administrator: the pages are built with <code>npm run build:web</code>.</p>
</main></body></html>`;
}

export interface InboxPageOptions {
  /** Built browser code (default `<package root>/dist/web`). */
  webRoot?: string;
}

export interface BuiltPage {
  /** Where the page is served, without a trailing slash: '/inbox' → /inbox (308 to /inbox/), /inbox/, /inbox/<page>. */
  mount: string;
  /** The built HTML under the web root, e.g. 'inbox/index.html'. */
  file: string;
  /** The plain page shown (503) when the HTML has not been built: its title, heading and one sentence. */
  notBuilt: { title: string; heading: string; what: string };
}

/**
 * Serves a single-page app built by Vite: GET <mount> → 308 to <mount>/; GET <mount>/ and
 * <mount>/<anything not api/…> → the page (no-cache). <mount>/api/… is left to the hub's API routes
 * (unknown addresses and wrong methods fall to the not-found handler: 404, 405 + Allow).
 */
export function registerBuiltPage(
  app: FastifyInstance,
  spec: BuiltPage,
  options: InboxPageOptions = {},
): void {
  const webRoot = options.webRoot ?? path.join(packageRoot(), 'dist', 'web');
  const indexFile = path.join(webRoot, spec.file);
  const notBuilt = notBuiltPage(spec.notBuilt.title, spec.notBuilt.heading, spec.notBuilt.what);

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
        .send(notBuilt);
    }
    return reply
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  app.get(spec.mount, async (_request, reply) => reply.redirect(`${spec.mount}/`, 308));
  app.get(`${spec.mount}/`, page);
  app.get(`${spec.mount}/*`, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest === 'api' || rest.startsWith('api/')) return reply.callNotFound();
    return page(request, reply);
  });
}

export function registerInboxPages(app: FastifyInstance, options: InboxPageOptions = {}): void {
  const webRoot = options.webRoot ?? path.join(packageRoot(), 'dist', 'web');
  const assetsDir = path.join(webRoot, 'app', 'assets');
  registerBuiltPage(
    app,
    {
      mount: '/inbox',
      file: path.join('inbox', 'index.html'),
      notBuilt: {
        title: 'Provider inbox not available',
        heading: 'The provider inbox is not available',
        what: 'This referral hub has not been given the inbox’s pages, so it cannot show your referrals yet.',
      },
    },
    options,
  );

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
