/**
 * How `stamp`'s two hashing threads share a file list (parallel-hash.ts,
 * hash-worker.ts): each claims the next chunk of 256 files from a shared
 * counter, so a late-starting worker simply takes fewer. A thread stops at
 * its first failing file and records its index; since chunks are claimed in
 * order and finished unless their thread fails, the smallest recorded index
 * is the first failing input in list order.
 */
export interface HashJob {
  readonly paths: readonly (string | Uint8Array)[];
  /** count × 32 bytes: document i's digest at i * 32. */
  readonly digests: SharedArrayBuffer;
  /** Int32 slots: see NEXT, FAILED, STARTED. */
  readonly control: SharedArrayBuffer;
}

export const CHUNK_FILES = 256;
/** Next chunk to claim. */
const NEXT = 0;
/** Smallest failing index (count: none). */
export const FAILED = 1;
/** Worker state: 0 not yet started, 1 started, -1 cancelled (the main thread did everything). */
export const STARTED = 2;

export function newControl(count: number): SharedArrayBuffer {
  const control = new SharedArrayBuffer(3 * 4);
  new Int32Array(control)[FAILED] = count;
  return control;
}

function recordFailure(ctl: Int32Array, index: number): void {
  for (let seen = Atomics.load(ctl, FAILED); index < seen; ) {
    const was = Atomics.compareExchange(ctl, FAILED, seen, index);
    if (was === seen) return;
    seen = was;
  }
}

/** How many files have been claimed so far (by both threads): a progress count. */
export function claimedFiles(job: HashJob): number {
  return Math.min(job.paths.length, Atomics.load(new Int32Array(job.control), NEXT) * CHUNK_FILES);
}

/** The files of its current chunk a thread has still to hash: [next, end). */
export interface Claim {
  next: number;
  end: number;
}

/**
 * Hashes chunks until none are left or one of this thread's files fails;
 * returns true if it stopped early because `pause()` said so (checked per
 * file, so a chunk of large files does not hold the thread for seconds):
 * the main thread yields to the event loop, then calls again with the same
 * `claim` to finish the chunk it holds.
 */
export function claimChunks(job: HashJob, hashOne: (i: number, out: Uint8Array) => void, pause?: () => boolean, claim: Claim = { next: 0, end: 0 }): boolean {
  const ctl = new Int32Array(job.control);
  const out = new Uint8Array(job.digests);
  const count = job.paths.length;
  for (;;) {
    // A failure anywhere ends the claiming: files after it are never needed.
    if (Atomics.load(ctl, FAILED) < count) return false;
    if (claim.next >= claim.end) {
      const start = Atomics.add(ctl, NEXT, 1) * CHUNK_FILES;
      if (start >= count) return false;
      claim.next = start;
      claim.end = Math.min(count, start + CHUNK_FILES);
    }
    while (claim.next < claim.end) {
      if (pause?.()) return true;
      const i = claim.next++;
      try {
        hashOne(i, out);
      } catch {
        recordFailure(ctl, i);
        return false;
      }
    }
  }
}
