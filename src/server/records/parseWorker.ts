/**
 * The thread that reads one uploaded export (offThread.ts): decodes the bytes it was handed
 * (`workerData.bytes`, transferred, not copied), reads them with parse.ts parseExport and posts the
 * ParseExportResult back, then ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseExport } from './parse.js';

const port = parentPort;
if (port === null) throw new Error('parseWorker.js runs only as a worker thread of the hub.');
const { bytes } = workerData as { bytes: Uint8Array };
port.postMessage(parseExport(new TextDecoder().decode(bytes)));
