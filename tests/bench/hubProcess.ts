/**
 * The hub as the bench runs it: its own Node process (as `npm run hub` runs it in production), started
 * from the HUB_* environment with the delivery worker off, since acceptance is what is measured.
 * Prints one JSON line `{"url": ...}` once listening; then, for each line read on stdin, one line
 * `{"cpuMs": ...}` with the CPU time this process has used (user + system); stops on SIGTERM.
 * Started by hub.ts (`node dist/tests/bench/hubProcess.js`); NODE_OPTIONS such as --cpu-prof pass through.
 */
import { hubSettings } from '../../src/server/env.js';
import { startHub } from '../../src/server/main.js';

const hub = await startHub(hubSettings(process.env), { worker: false });
process.stdout.write(`${JSON.stringify({ url: hub.url })}\n`);
process.stdin.setEncoding('utf8');
process.stdin.on('data', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMs: (user + system) / 1000 })}\n`);
});
process.on('SIGTERM', () => {
  hub.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
