#!/usr/bin/env node
// `npm run sandbox`: the sandbox EHR's FHIR server and SMART authorization server on one local origin.
import { main } from './server.js';

try {
  const sandbox = await main();
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE')
    process.stderr.write('That port is in use: set another with PORT=8081 npm run sandbox.\n');
  else process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
