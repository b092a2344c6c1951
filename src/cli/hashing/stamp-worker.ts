/**
 * `stamp`'s second thread (parallel-hash.ts): claims
 * chunks of the file list from a shared counter and writes each document's
 * SHA-256 into the shared digest array. Self-contained (node:fs and
 * node:crypto only) so it starts fast. It never reports why a file failed:
 * it marks the index, and the main thread hashes again in order to raise
 * the one clear error it always raises.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { claimChunks, STARTED, type HashJob } from './hash-share.js';

const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);

/** SHA-256 of a regular file into out[at..at+32); throws on anything else. */
function hashInto(file: string | Uint8Array, out: Uint8Array, at: number): void {
  const fd = fs.openSync(typeof file === 'string' ? file : Buffer.from(file), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    let n = fs.readSync(fd, buffer, 0, CHUNK, null);
    // A small file read whole (its size, as fstat said): one hash call, no second read.
    if (n === st.size && n < CHUNK) return void out.set(crypto.createHash('sha256').update(buffer.subarray(0, n)).digest(), at);
    const h = crypto.createHash('sha256');
    for (; n > 0; n = fs.readSync(fd, buffer, 0, CHUNK, null)) h.update(buffer.subarray(0, n));
    out.set(h.digest(), at);
  } finally {
    fs.closeSync(fd);
  }
}

function hashTask(job: HashJob): void {
  // Unless the main thread already finished alone (then it cancelled us: exit at once).
  if (Atomics.compareExchange(new Int32Array(job.control), STARTED, 0, 1) === 0) {
    claimChunks(job, (i, out) => hashInto(job.paths[i], out, i * 32));
  }
  parentPort?.postMessage('done');
}

hashTask(workerData as HashJob);
