/**
 * Reading an uploaded export in its own thread (src/server/records/offThread.ts) with the compiled
 * worker (dist/src/server/records/parseWorker.js, built by `npm run build`; built here when missing):
 * the answer must be exactly what the main thread's parseExport gives, for a good export and a broken
 * one, whether the bytes own their buffer (transferred) or sit in Node's shared pool (copied first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseExportOffThread } from '../../src/server/records/offThread.js';
import { parseExport } from '../../src/server/records/parse.js';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'src', 'server', 'records', 'parseWorker.js');
const script = pathToFileURL(WORKER);

beforeAll(() => {
  if (!existsSync(WORKER)) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (!existsSync(WORKER)) throw new Error(`The build failed:\n${build.stdout}\n${build.stderr}`);
  }
});

describe('reading an export in a worker thread', () => {
  it('gives what the main thread gives for the example population (500 patients, NDJSON)', async () => {
    const text = readFileSync(join(ROOT, 'examples', 'population.ndjson'), 'utf8');
    const inline = parseExport(text);
    expect(inline.ok).toBe(true);
    if (inline.ok) expect(inline.records.patients.length).toBe(500);
    const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
    const offThread = await parseExportOffThread(bytes, script);
    expect(offThread).toEqual(inline);
    // The bytes were handed over, not copied: the caller's buffer is detached.
    expect(bytes.byteLength).toBe(0);
  });

  it.each([
    ['a broken NDJSON line', '{"resourceType":"Patient","id":"a"}\n{not json\n'],
    ['no FHIR at all', 'name,nhs number\nsomeone,9990000018\n'],
    ['a Bundle of one patient', JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] })],
  ])('gives the same answer for %s, from a small pooled Buffer (copied first)', async (_label, text) => {
    const pooled = Buffer.from(text, 'utf8');
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    const offThread = await parseExportOffThread(pooled, script);
    expect(offThread).toEqual(parseExport(text));
    // The pool the small Buffer shares is untouched.
    expect(pooled.toString('utf8')).toBe(text);
  });

  it('reads on the calling thread when the compiled worker is not there (jest runs the sources)', async () => {
    const text = '{"resourceType":"Patient","id":"a"}\n';
    const missing = pathToFileURL(join(ROOT, 'dist', 'no-such-worker.js'));
    expect(await parseExportOffThread(Buffer.from(text), missing)).toEqual(parseExport(text));
  });
});
