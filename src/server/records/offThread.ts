/**
 * Reading an uploaded export off the hub's event loop. An export of a large practice is a few hundred
 * megabytes and takes seconds to read (the bench's 145 MB: about 15 s on one core); on the main thread
 * that would stall every GP's referral and every token check for as long. Each upload gets a thread of
 * its own (parseWorker.ts; uploads are rare), handed the bytes without a copy, and the answer is the
 * same ParseExportResult the main thread would give (tests/integration/records-worker.test.ts).
 *
 * Running from TypeScript sources (jest), where there is no parseWorker.js, it reads on the calling
 * thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HubError } from '../errors.js';
import { type ParseExportResult, parseExport } from './parse.js';

const DEFAULT_SCRIPT = new URL('./parseWorker.js', import.meta.url);

/** Reads the export in a worker thread (or inline without the compiled worker). */
export async function parseExportOffThread(
  bytes: Uint8Array,
  script: URL = DEFAULT_SCRIPT,
): Promise<ParseExportResult> {
  if (!existsSync(fileURLToPath(script))) return parseExport(new TextDecoder().decode(bytes));
  // Transfer needs a buffer of its own: a small Buffer can be a slice of Node's shared pool.
  const own =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  return new Promise<ParseExportResult>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(script, {
      workerData: { bytes: own },
      transferList: [own.buffer as ArrayBuffer],
    });
    worker.once('message', (result: ParseExportResult) => {
      settled = true;
      resolve(result);
      void worker.terminate();
    });
    const failed = (why: string) => {
      if (settled) return;
      settled = true;
      reject(
        new HubError(503, {
          code: 'transient',
          text: `The hub could not read the export just now (${why}), so the previous upload is kept. Try again in a minute; if it happens again, try a smaller export.`,
        }),
      );
    };
    worker.once('error', (error) => failed(error.message));
    worker.once('exit', (code) => failed(`its reader stopped with code ${code}`));
  });
}
