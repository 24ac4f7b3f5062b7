import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { registerAdminPages } from './adminPages.js';

/** GETs `url` from a Fastify app serving the console from `webRoot` (127.0.0.1, a free port). */
async function get(webRoot: string, url: string): Promise<Response> {
  const app = Fastify();
  registerAdminPages(app, { webRoot });
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ notFound: true }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const res = await fetch(`${base}${url}`, { redirect: 'manual' });
    // Read the body before the server closes; hand back a Response that still has it.
    const body = await res.arrayBuffer();
    return new Response(res.status === 308 ? null : body, { status: res.status, headers: res.headers });
  } finally {
    await app.close();
  }
}

describe('the console pages', () => {
  const built = mkdtempSync(path.join(tmpdir(), 'admin-pages-'));
  mkdirSync(path.join(built, 'admin'));
  writeFileSync(path.join(built, 'admin', 'index.html'), '<!doctype html><title>console</title>');
  const unbuilt = mkdtempSync(path.join(tmpdir(), 'admin-pages-none-'));

  it.each(['/admin/', '/admin/rules', '/admin/rules/six-weeks-oh', '/admin/versions', '/admin/dry-run'])(
    '%s is the console page, not cached',
    async (url) => {
      const res = await get(built, url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>console</title>');
    },
  );

  it('/admin redirects to /admin/', async () => {
    const res = await get(built, '/admin');
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/admin/');
  });

  it.each(['/admin/api', '/admin/api/nothing'])('%s is left to the API (not found here)', async (url) => {
    const res = await get(built, url);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ notFound: true });
  });

  it('says in plain words when the console has not been built', async () => {
    const res = await get(unbuilt, '/admin/rules');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('300');
    const text = await res.text();
    expect(text).toContain('The practice console is not available');
    expect(text).toContain('npm run build:web');
  });
});
