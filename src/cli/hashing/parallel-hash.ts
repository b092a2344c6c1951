/**
 * Hashing many documents on two cores (`stamp` of 100,000 files): a worker
 * thread (hash-worker.ts) and this thread share the list chunk by chunk
 * (hash-share.ts). Used only where it pays (hashThreads); a worker that
 * cannot start, or dies, leaves the work to this thread, and a file that
 * fails is hashed again here, so the error is the one-thread loop's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { cancelUnstarted, claimChunk, jobState, newJob, type HashJob } from './hash-share.js';
import { digestFileInto, digestFileIntoSync } from './hashing.js';

/** Below this many files the worker's start-up (~10 ms here, ~40 ms until it hashes) does not pay. */
export const PARALLEL_MIN_FILES = 2000;
/** Files per claim: ~2 ms of 1 KiB files, so neither thread waits long for the other's last chunk. */
const CHUNK_FILES = 256;

/** 2 where a second thread is worth it: enough files, a second core, and no stdin among them. */
export function hashThreads(paths: readonly (string | Buffer)[], cores = os.availableParallelism()): 1 | 2 {
  return paths.length >= PARALLEL_MIN_FILES && cores >= 2 && !paths.includes('-') ? 2 : 1;
}

/** The worker script beside the CLI bundle (dist/hash-worker.cjs); not there (a test run from src/): none. */
function defaultWorkerFile(): URL | undefined {
  const url = new URL('./hash-worker.cjs', import.meta.url);
  return url.protocol === 'file:' && fs.existsSync(url) ? url : undefined;
}

function startWorker(file: string | URL | undefined, job: HashJob): Worker | undefined {
  if (file === undefined) return undefined;
  try {
    return new Worker(file, { workerData: job, stdout: false, stderr: false });
  } catch {
    return undefined;
  }
}

/** True once the worker said it is done; false if it died first. */
function finished(worker: Worker): Promise<boolean> {
  return new Promise((resolve) => {
    worker.once('message', () => resolve(true));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
}

export interface HashRun {
  /** Packed digests: document i at i * 32. */
  readonly digests: Uint8Array;
  /** How many the second thread hashed (0: one thread did all). */
  readonly byWorker: number;
}

export interface HashOptions {
  readonly threads: 1 | 2;
  /** The worker script (tests); default: beside the bundle. */
  readonly workerFile?: string;
}

/** Called now and then with the files hashed so far (and may wait: the progress line). */
export type HashProgress = (done: number, workerBytes: number) => Promise<void> | void;

/** What to do with a file that cannot be read: report it and go on (`notar hash`), or undefined: throw. */
export type HashError = (index: number, error: unknown) => void;

/**
 * Hashing under way: the worker, if any, starts at once (it needs ~40 ms to
 * get going, which `stamp` spends settling receipt paths); finish() joins in
 * on this thread, cancel() stops it (the paths turned out wrong).
 */
export interface Hashing {
  finish(progress?: HashProgress, onError?: HashError): Promise<HashRun>;
  cancel(): void;
}

export function startHashing(paths: readonly (string | Buffer)[], o: HashOptions): Hashing {
  const job = newJob(paths, CHUNK_FILES);
  const worker = o.threads === 2 ? startWorker(o.workerFile ?? defaultWorkerFile(), job) : undefined;
  const done = worker ? finished(worker) : undefined;
  return {
    finish: (progress, onError) =>
      finishHashing(job, paths, worker && done ? { worker, done } : undefined, progress, onError),
    cancel: () => void worker?.terminate(),
  };
}

/** Packed digests of `paths`, on one thread or two; the first file that cannot be read throws, in list order. */
export function hashFiles(
  paths: readonly (string | Buffer)[],
  o: HashOptions & { progress?: HashProgress; onError?: HashError },
): Promise<HashRun> {
  return startHashing(paths, o).finish(o.progress, o.onError);
}

async function finishHashing(
  job: HashJob,
  paths: readonly (string | Buffer)[],
  worker: { worker: Worker; done: Promise<boolean> } | undefined,
  progress: HashProgress | undefined,
  onError: HashError | undefined,
): Promise<HashRun> {
  const digests = new Uint8Array(job.digests);
  const from = worker ? await shareWith(worker.worker, worker.done, job, paths, digests, progress) : 0;
  const { byWorker, workerBytes } = jobState(job);
  // One thread: every file, in order (read-ahead for large ones); after two: from the first failure on.
  for (let i = from; i < paths.length; i++) {
    try {
      await digestFileInto(paths[i], digests, i * 32);
    } catch (e) {
      if (!onError) throw e;
      onError(i, e);
    }
    await progress?.(i + 1, workerBytes);
  }
  return { digests: digests.slice(), byWorker };
}

/** Hashes chunks beside the worker until none is left; returns where this thread must go on alone. */
async function shareWith(
  worker: Worker,
  done: Promise<boolean>,
  job: HashJob,
  paths: readonly (string | Buffer)[],
  digests: Uint8Array,
  progress: HashProgress | undefined,
): Promise<number> {
  const hashOne = (i: number) => digestFileIntoSync(paths[i], digests, i * 32);
  while (claimChunk(job, hashOne, false)) {
    const s = jobState(job);
    await progress?.(s.done, s.workerBytes);
  }
  // Did all the work alone (the worker never got going): cancel it instead of waiting for its start.
  const cancelled = cancelUnstarted(job);
  if (cancelled) void worker.terminate();
  // A worker that died may have left a claimed chunk unhashed: then everything again, here.
  return cancelled || (await done) ? jobState(job).failed : 0;
}
