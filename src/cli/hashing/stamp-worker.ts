/**
 * `stamp`'s second thread (parallel-hash.ts): claims chunks of the file list
 * from a shared counter and writes each document's SHA-256 into the shared
 * digest array, with the same reading code as the main thread (hashing.ts).
 * It never reports why a file failed: it marks the index, and the main
 * thread hashes again in order to raise the one clear error it always raises.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { claimChunks, STARTED, type HashJob } from './hash-share.js';
import { digestFileInto } from './hashing.js';

/** A raw-byte path arrives as a Uint8Array (structured clone): a Buffer view of it. */
const asPath = (p: string | Uint8Array) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.length));

function hashTask(job: HashJob): void {
  // Unless the main thread already finished alone (then it cancelled us: exit at once).
  if (Atomics.compareExchange(new Int32Array(job.control), STARTED, 0, 1) === 0) {
    claimChunks(job, (i, out) => digestFileInto(asPath(job.paths[i]), out, i * 32));
  }
  parentPort?.postMessage('done');
}

hashTask(workerData as HashJob);
