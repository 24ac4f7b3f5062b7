/**
 * The built IT-lead console (Vite: src/admin/index.html → dist/web/admin/index.html; its chunks are in
 * dist/web/app/assets with the GP app's and the inbox's, served by inboxPages.ts):
 *   GET /admin                → 308 to /admin/
 *   GET /admin/ and /admin/<page> (rules, rules/<id>, versions, dry-run, providers, figures, audit …)
 *                             → the console page (no-cache); /admin/api/… is the console's API.
 * When the console has not been built (`npm run build:web`), a plain page says so (503).
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type InboxPageOptions, registerBuiltPage } from './inboxPages.js';

export function registerAdminPages(app: FastifyInstance, options: InboxPageOptions = {}): void {
  registerBuiltPage(
    app,
    {
      mount: '/admin',
      file: path.join('admin', 'index.html'),
      notBuilt: {
        title: 'Practice console not available',
        heading: 'The practice console is not available',
        what: 'This referral hub has not been given the console’s pages, so you cannot change your practice’s prompts here yet.',
      },
    },
    options,
  );
}
