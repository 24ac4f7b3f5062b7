/**
 * Static files for the sandbox origin: the built browser code (dist/web: `/app/*`, `/launch/*`) and
 * NHS.UK frontend's compiled CSS and icons (`/assets/nhsuk.css`, `/assets/images/*`). Paths are
 * resolved segment by segment and must stay inside their root: `..`, encoded slashes, backslashes
 * and NUL are refused, whatever their encoding.
 */

import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { withoutWebFonts } from '../app/styles/withoutWebFonts.js';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Why a URL path cannot name a file under a root. */
export type StaticPathProblem = 'traversal' | 'unreadable';

/**
 * The file a URL path (below a mount, e.g. `assets/app.js` for `/app/assets/app.js`) names inside
 * `root`, or why it cannot: `traversal` for `..`, `.`, encoded separators, backslashes, NUL or a path
 * that would leave the root; `unreadable` for bad percent-encoding.
 */
export function resolveStaticPath(root: string, urlPath: string): string | StaticPathProblem {
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 'unreadable';
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || segment.includes(':')) {
      return 'traversal';
    }
    segments.push(segment);
  }
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  if (file !== base && !file.startsWith(base + path.sep)) return 'traversal';
  return file;
}

/** The content type for a file name by its extension (`application/octet-stream` when unknown). */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A plain-text answer that is never cached. */
export function plain(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(`${message}\n`);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The page shown at `/app/` and `/launch/` before the browser code has been built. */
export function buildFirstPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build the app first</title>
<style>
  body { font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #212b32; background: #fff; margin: 0; padding: 1rem; }
  h1 { font-size: 1.375rem; margin: 0 0 .5rem; }
  code { background: #f0f4f5; padding: 0 .25rem; overflow-wrap: anywhere; }
</style>
</head>
<body>
<main>
<h1>Build the app first</h1>
<p>The fit note prompt app has not been built on this computer yet.</p>
<p>Build the app first: <code>npm run build:web</code>, then reload this page.</p>
</main>
</body>
</html>
`;
}

export interface MountOptions {
  /** The URL prefix with slashes, e.g. `/app/`. */
  mount: string;
  /** The folder it serves. */
  root: string;
  /**
   * Paths without an extension that name no file get the mount's `index.html` (the SMART redirect
   * lands on `/app/?code=…`, and an app may use its own paths). Default true.
   */
  fallbackToIndex?: boolean;
  /** Shown (503) when the mount's `index.html` is missing, e.g. "build first". Default a 404. */
  missingIndexHtml?: string;
}

/**
 * Serves a GET or HEAD under `mount` from `root`. Resolves true when it answered (the path is under
 * the mount, or the mount itself without its final slash, which is redirected).
 */
export async function serveMount(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  options: MountOptions,
): Promise<boolean> {
  const bare = options.mount.slice(0, -1);
  if (url.pathname === bare) {
    res.writeHead(301, { Location: `${options.mount}${url.search}`, 'Cache-Control': 'no-store' });
    res.end();
    return true;
  }
  if (!url.pathname.startsWith(options.mount)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    plain(res, 405, `Only GET and HEAD are allowed at ${options.mount}.`, { Allow: 'GET, HEAD' });
    return true;
  }
  const rest = url.pathname.slice(options.mount.length);
  const resolved = resolveStaticPath(options.root, rest);
  if (resolved === 'traversal') {
    plain(res, 400, `The path ${url.pathname} leaves ${options.mount}: nothing is served outside it.`);
    return true;
  }
  if (resolved === 'unreadable') {
    plain(res, 400, `The path ${url.pathname} could not be read (bad percent-encoding). Check the link.`);
    return true;
  }
  const index = path.join(options.root, 'index.html');
  let file = resolved;
  if (rest === '' || rest.endsWith('/')) file = path.join(resolved, 'index.html');
  if (!(await isFile(file))) {
    const noExtension = path.extname(rest) === '';
    if ((options.fallbackToIndex ?? true) && noExtension && (await isFile(index))) {
      file = index;
    } else if (options.missingIndexHtml !== undefined && !(await isFile(index))) {
      const html = options.missingIndexHtml;
      res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return true;
    } else {
      plain(res, 404, `There is no file at ${url.pathname}. Check the link.`);
      return true;
    }
  }
  const body = await readFile(file);
  const hashedAsset =
    /[.-][A-Za-z0-9_-]{8,}\.(?:js|css|map)$/.test(file) && file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'Content-Type': contentTypeFor(file),
    'Content-Length': String(body.length),
    'Cache-Control': hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

let cachedNhsukCss: string | undefined;

/**
 * NHS.UK frontend's compiled CSS without its `@font-face` rules: they load Frutiger from the NHS
 * website, which the sandbox does not call (the fallback is Arial, as NHS.UK itself falls back).
 */
export function nhsukCss(nhsukDist: string): string {
  cachedNhsukCss ??= withoutWebFonts(readFileSync(path.join(nhsukDist, 'nhsuk-frontend.min.css'), 'utf8'));
  return cachedNhsukCss;
}
