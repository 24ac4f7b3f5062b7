/**
 * One thread of the hub's profile-validation pool (validation.ts): answers each message
 * `{ id, parts }` with `{ id, problems }` (routes/referralBundle.ts profileProblems, the same check
 * the hub makes on its main thread when the pool is off), or `{ id, error }` if the check itself throws.
 */
import { parentPort } from 'node:worker_threads';
import type { Consent, ServiceRequest, Task } from '@medplum/fhirtypes';
import { type ProfileParts, profileProblems } from './routes/referralBundle.js';

export interface ValidationRequest {
  id: number;
  parts: ProfileParts;
}

export type ValidationReply =
  | { id: number; problems: ReturnType<typeof profileProblems> }
  | { id: number; error: string };

const port = parentPort;
if (port === null) throw new Error('validationWorker.js runs only as a worker thread of the hub.');
// Warm up before the first referral: loading the definitions and each profile's precomputation
// take a few hundred ms, once per thread. (An empty resource of each type: its problems are ignored.)
profileProblems({
  serviceRequest: { resource: { resourceType: 'ServiceRequest' } as ServiceRequest, index: 0 },
  task: { resource: { resourceType: 'Task' } as Task, index: 1 },
  consent: { resource: { resourceType: 'Consent' } as Consent, index: 2 },
});
port.on('message', ({ id, parts }: ValidationRequest) => {
  let reply: ValidationReply;
  try {
    reply = { id, problems: profileProblems(parts) };
  } catch (error) {
    reply = { id, error: (error as Error)?.message ?? String(error) };
  }
  port.postMessage(reply);
});
