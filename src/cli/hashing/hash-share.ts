/**
 * How `stamp`'s two hashing threads share one file list (parallel-hash.ts,
 * hash-worker.ts). Each claims the next chunk of files from a shared
 * counter, so a worker that starts late, or runs on a busy core, simply
 * takes fewer chunks and never holds the other thread up by more than one.
 * A thread stops at its first failing file and records its index. Chunks are
 * claimed in order and finished unless their thread fails, so every file
 * before the smallest recorded index has its digest: the caller hashes on
 * from there, on one thread, and reports the first bad input in list order.
 */

export interface HashJob {
  /** Paths; a raw-byte (non-UTF-8) name arrives in the worker as a Uint8Array. */
  readonly paths: readonly (string | Uint8Array)[];
  /** count × 32 bytes: document i's digest at i * 32. */
  readonly digests: SharedArrayBuffer;
  /** Int32 slots NEXT, FAILED, DONE, WORKER_FILES, STARTED. */
  readonly control: SharedArrayBuffer;
  /** BigInt64 slot: bytes the worker hashed (the progress line's byte count). */
  readonly bytes: SharedArrayBuffer;
  readonly chunk: number;
}

/** Next chunk to claim. */
const NEXT = 0;
/** Smallest failing index (count: none). */
const FAILED = 1;
/** Files hashed by both threads (the progress line). */
const DONE = 2;
/** Files hashed by the worker. */
const WORKER_FILES = 3;
/** The worker: 0 not yet started, 1 started, -1 cancelled (the main thread did everything). */
const STARTED = 4;

export function newJob(paths: readonly (string | Uint8Array)[], chunk: number): HashJob {
  const job: HashJob = {
    paths,
    digests: new SharedArrayBuffer(paths.length * 32),
    control: new SharedArrayBuffer(5 * 4),
    bytes: new SharedArrayBuffer(8),
    chunk,
  };
  new Int32Array(job.control)[FAILED] = paths.length;
  return job;
}

/** Where a job stands: what the caller needs once both threads stopped, and for its progress line. */
export function jobState(job: HashJob): { failed: number; done: number; byWorker: number; workerBytes: number } {
  const ctl = new Int32Array(job.control);
  return {
    failed: Atomics.load(ctl, FAILED),
    done: Atomics.load(ctl, DONE),
    byWorker: Atomics.load(ctl, WORKER_FILES),
    workerBytes: Number(Atomics.load(new BigInt64Array(job.bytes), 0)),
  };
}

/** The worker's first step: false if it was cancelled before it started (then it exits at once). */
export function workerStarts(job: HashJob): boolean {
  return Atomics.compareExchange(new Int32Array(job.control), STARTED, 0, 1) === 0;
}

/** The main thread's last step: true if the worker had not started (it is cancelled: no need to wait for it). */
export function cancelUnstarted(job: HashJob): boolean {
  return Atomics.compareExchange(new Int32Array(job.control), STARTED, 0, -1) === 0;
}

function recordFailure(ctl: Int32Array, index: number): void {
  for (let seen = Atomics.load(ctl, FAILED); index < seen;) {
    const was = Atomics.compareExchange(ctl, FAILED, seen, index);
    if (was === seen) return;
    seen = was;
  }
}

/**
 * Claims and hashes one chunk; false when none is left or a file failed
 * (here or in the other thread: files after a failure are never needed).
 */
export function claimChunk(job: HashJob, hashOne: (i: number) => void, isWorker: boolean): boolean {
  const ctl = new Int32Array(job.control);
  const count = job.paths.length;
  if (Atomics.load(ctl, FAILED) < count) return false;
  const start = Atomics.add(ctl, NEXT, 1) * job.chunk;
  if (start >= count) return false;
  const end = Math.min(count, start + job.chunk);
  for (let i = start; i < end; i++) {
    try {
      hashOne(i);
    } catch {
      recordFailure(ctl, i);
      return false;
    }
    Atomics.add(ctl, DONE, 1);
    if (isWorker) Atomics.add(ctl, WORKER_FILES, 1);
  }
  return true;
}

/** The worker's byte count, for the progress line. */
export function addWorkerBytes(job: HashJob, total: number): void {
  Atomics.store(new BigInt64Array(job.bytes), 0, BigInt(total));
}
