/**
 * Hashing many small documents on both cores (`stamp` of 100,000 files):
 * a worker thread (stamp-worker.ts) and this thread share the list chunk by
 * chunk (hash-share.ts). Any failure, or a worker that cannot start, falls
 * back to the caller's one-thread loop, which raises the first failing
 * input's error in list order exactly as before.
 */
import type { Worker } from 'node:worker_threads';
import { claimChunks, claimedFiles, FAILED, newControl, STARTED, type HashJob } from './hash-share.js';
import { digestFileInto } from './hashing.js';
import type { Progress } from '../output/progress.js';
import { startWorker } from './worker-file.js';

/** Below this many files the worker's start-up (~20–40 ms) is not worth it. */
export const PARALLEL_MIN_FILES = 2000;

/** Resolves true once the worker said it is done, false if it died first. */
function finished(worker: Worker): Promise<boolean> {
  return new Promise((resolve) => {
    worker.once('message', () => resolve(true));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
}

/**
 * Packed digests of `paths` (document i at i * 32), or undefined when the
 * caller must hash them itself: too few files, stdin among them, no worker,
 * or a file that failed (the caller's loop then reports it).
 */
export async function digestFilesParallel(paths: readonly (string | Buffer)[], progress?: Progress): Promise<Uint8Array | undefined> {
  if (paths.length < PARALLEL_MIN_FILES || paths.includes('-')) return undefined;
  const job: HashJob = { paths, digests: new SharedArrayBuffer(paths.length * 32), control: newControl(paths.length) };
  const worker = startWorker(job);
  if (!worker) return undefined;
  const done = finished(worker);
  // Paused between chunks about ten times a second: the count moves and SIGINT/SIGTERM get in (progress.ts).
  const pause = () => progress !== undefined && progress.due();
  if (progress) progress.bytesKnown = false;
  const claim = { next: 0, end: 0 };
  while (claimChunks(job, (i, out) => digestFileInto(paths[i], out, i * 32), pause, claim)) {
    progress!.count = claimedFiles(job);
    await progress!.pulse();
  }
  const ctl = new Int32Array(job.control);
  // Did all the work alone (the worker never got going): cancel it instead of waiting for its start.
  if (Atomics.compareExchange(ctl, STARTED, 0, -1) === 0) void worker.terminate();
  else if (!(await done)) return undefined;
  if (Atomics.load(ctl, FAILED) < paths.length) return undefined;
  return new Uint8Array(job.digests).slice();
}
