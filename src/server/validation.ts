/**
 * Profile validation of accepted referrals off the hub's event loop.
 *
 * Checking a referral's ServiceRequest, Task and Consent against the profiles (src/fhir/validate.ts
 * validateAgainstProfileFast) costs about 2 ms of CPU for a conforming referral (about 5 ms with
 * Medplum's validator alone, which still checks every referral with a problem): on the event loop
 * it would hold up every other request, token check and commit for that long. The pool runs the same check (routes/referralBundle.ts profileProblems) in
 * worker threads (validationWorker.ts), so the main thread only parses, stores and answers, and a
 * machine's cores validate side by side. The answer is the same either way: a referral the profiles
 * reject still gets its 422 OperationOutcome before anything is stored.
 *
 * - Size: HUB_VALIDATION_THREADS, default os.availableParallelism(); 0 validates on the main thread.
 * - A request goes to the thread with the fewest requests in flight.
 * - A thread that dies (a crash, or terminated) is replaced; what it was checking is checked again
 *   by another thread once, then refused with a 503 the GP can retry.
 * - close() stops the threads; checks still waiting are refused.
 * - Running from TypeScript sources (jest), where there is no validationWorker.js, it validates on
 *   the main thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HubError, type Problem } from './errors.js';
import { type ProfileParts, profileProblems } from './routes/referralBundle.js';
import type { ValidationReply } from './validationWorker.js';

export interface ProfileValidator {
  /** How the referral's resources break their profiles (empty: they conform). */
  problems(parts: ProfileParts): Promise<Problem[]>;
  /** Threads validating (0: on the main thread). */
  readonly threads: number;
  /** Stops the threads; checks not yet answered are refused. */
  close(): Promise<void>;
}

/** Validation on the calling thread (HUB_VALIDATION_THREADS=0, and under jest). */
export function inlineValidator(): ProfileValidator {
  return { threads: 0, problems: async (parts) => profileProblems(parts), close: async () => {} };
}

export interface ValidationPoolOptions {
  /** Threads (at least 1). */
  size: number;
  /** The worker script (default: validationWorker.js beside this module). */
  script?: URL;
  /** Told when a thread dies unexpectedly (it is replaced). */
  onThreadExit?: (error: Error) => void;
}

export interface ValidationPool extends ProfileValidator {
  /** The live threads (diagnosis and tests). */
  workers(): readonly Worker[];
}

const DEFAULT_SCRIPT = new URL('./validationWorker.js', import.meta.url);
/**
 * Medplum's validator allocates many short-lived objects; with a worker's default young generation
 * the threads spent about 2 ms more CPU per referral than the main thread (measured, tests/bench/hub.ts).
 */
const YOUNG_GENERATION_MB = 64;

interface Job {
  id: number;
  parts: ProfileParts;
  tries: number;
  resolve: (problems: Problem[]) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

function unavailable(): HubError {
  return new HubError(503, {
    code: 'transient',
    text: 'The hub could not check this referral just now, so it has not stored it. Send it again in a minute.',
  });
}

export function startValidationPool(options: ValidationPoolOptions): ValidationPool {
  const script = options.script ?? DEFAULT_SCRIPT;
  const size = Math.max(1, Math.floor(options.size));
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function dispatch(job: Job): void {
    if (closed) {
      job.reject(unavailable());
      return;
    }
    let slot = slots[0] as Slot;
    for (const s of slots) if (s.jobs.size < slot.jobs.size) slot = s;
    job.tries++;
    slot.jobs.set(job.id, job);
    slot.worker.postMessage({ id: job.id, parts: job.parts });
  }

  function spawn(): Slot {
    const worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.unref(); // an idle pool never keeps the process alive
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (reply: ValidationReply) => {
      const job = slot.jobs.get(reply.id);
      if (!job) return;
      slot.jobs.delete(reply.id);
      if ('error' in reply) job.reject(new Error(`Profile validation failed: ${reply.error}`));
      else job.resolve(reply.problems);
    });
    let reported = false;
    const died = (error: Error) => {
      if (reported) return;
      reported = true;
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      if (closed) {
        for (const job of slot.jobs.values()) job.reject(unavailable());
        return;
      }
      options.onThreadExit?.(error);
      slots.push(spawn());
      for (const job of slot.jobs.values()) {
        if (job.tries < 2) dispatch(job);
        else job.reject(unavailable());
      }
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`A profile-validation thread stopped (exit code ${code}).`)));
    return slot;
  }

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    threads: size,
    workers: () => slots.map((s) => s.worker),
    problems: (parts) =>
      new Promise<Problem[]>((resolve, reject) =>
        dispatch({ id: nextId++, parts, tries: 0, resolve, reject }),
      ),
    close: async () => {
      if (closed) return;
      closed = true;
      const stopping = slots.splice(0);
      await Promise.all(stopping.map((s) => s.worker.terminate()));
      for (const s of stopping) for (const job of s.jobs.values()) job.reject(unavailable());
    },
  };
}

/**
 * The hub's validator: none when profile validation is off; otherwise a pool of `threads` threads
 * (default os.availableParallelism()), or the main thread when `threads` is 0 or there is no
 * compiled worker script (running from TypeScript sources).
 */
export function profileValidator(settings: {
  validateProfiles: boolean;
  validationThreads?: number;
}): ProfileValidator | undefined {
  if (!settings.validateProfiles) return undefined;
  const size = settings.validationThreads ?? availableParallelism();
  if (size === 0 || !existsSync(fileURLToPath(DEFAULT_SCRIPT))) return inlineValidator();
  return startValidationPool({
    size,
    onThreadExit: (error) => console.error(`Referral hub: ${error.message} It has been replaced.`),
  });
}
