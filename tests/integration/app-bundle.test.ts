/**
 * The GP app's built JavaScript (`npm run build:web`, which `npm test` runs first) must not carry
 * classic zod: its schema classes do not tree-shake and add ~45 KB gzipped to the first load.
 * Browser code uses `import * as z from 'zod/mini'`. Checked through the source maps of the scripts
 * the app page loads first.
 */
import { existsSync, readFileSync } from 'node:fs';

const page = 'dist/web/app/index.html';

(existsSync(page) ? describe : describe.skip)('the GP app bundle', () => {
  const html = existsSync(page) ? readFileSync(page, 'utf8') : '';
  const scripts = [...html.matchAll(/(?:src|href)="([^"]+\.js)"/g)].map((m) => `dist/web${m[1]}`);

  it('loads at least one script first', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  it.each(scripts)('%s has no classic zod in it', (script) => {
    const map = JSON.parse(readFileSync(`${script}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources.filter((s) => s.includes('zod/v4/classic'))).toEqual([]);
  });
});
