/**
 * `stamp`'s second hashing thread (parallel-hash.ts): claims chunks of the
 * file list (hash-share.ts) and writes each digest into the shared array,
 * with the main thread's reading code (hashing.ts). It never reports why a
 * file failed: it records the index, and the main thread hashes that file
 * again to raise the one clear error it always raises.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addWorkerBytes, claimChunk, workerStarts, type HashJob } from './hash-share.js';
import { digestFileIntoSync, hashedBytes } from './hashing.js';

const job = workerData as HashJob;
const out = new Uint8Array(job.digests);
/** A raw-byte name arrives as a Uint8Array (structured clone): a Buffer view of it, as fs expects. */
const pathOf = (p: string | Uint8Array) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.length));

const hashOne = (i: number) => {
  digestFileIntoSync(pathOf(job.paths[i]), out, i * 32);
  addWorkerBytes(job, hashedBytes.total);
};
if (workerStarts(job)) while (claimChunk(job, hashOne, true));
parentPort?.postMessage('done');
