#!/usr/bin/env node
// Entry point of the `fitnote-prompt` command (package.json "bin" → dist/src/cli/bin.js). `npm install`
// and `npm ci` compile it through the "prepare" script.
import { run } from './main.js';

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
