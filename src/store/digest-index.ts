/**
 * The digest index (`index/`, docs/store.md): document digest → (block,
 * index), written after each seal, so `notar prove` reads 1/256 of it
 * instead of scanning every leaves file (64 MB at 10^6 documents).
 *
 *   index/<xx>.bin   records of 44 bytes: digest (32) || seq (u64 BE) || index (u32 BE),
 *                    for the digests whose first byte is 0x<xx>, appended in seal order
 *   index/covered    the number of blocks, from block 0, whose records are all durable
 *
 * A cache, never an authority: every hit is checked against the leaves file
 * before it is used, records of blocks at or past `covered` are ignored (a
 * seal interrupted after writing some), and blocks not yet covered are
 * scanned as before. A store without index/ (older notar) works unchanged;
 * the next seal indexes the blocks it lacks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, writeFileAtomic } from './durable.js';

const ENTRY = 44;

export function indexDir(storeDir: string): string {
  return path.join(storeDir, 'index');
}

/** How many blocks, from block 0, the index holds in full (0: none, or no index). */
export function coveredBlocks(dir: string): number {
  try {
    const n = Number(fs.readFileSync(path.join(dir, 'covered'), 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** (seq, index) candidates for `digest` in blocks below `covered`, oldest first; unchecked. */
export function lookup(dir: string, digest: Uint8Array, covered: number): { seq: number; index: number }[] {
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(dir, bucketName(digest[0])));
  } catch {
    return [];
  }
  const want = Buffer.from(digest.buffer, digest.byteOffset, 32);
  const out: { seq: number; index: number }[] = [];
  const seen = new Set<string>();
  for (let at = 0; at + ENTRY <= data.length; at += ENTRY) {
    if (data.compare(want, 0, 32, at, at + 32) !== 0) continue;
    const seq = data.readUInt32BE(at + 32) * 2 ** 32 + data.readUInt32BE(at + 36);
    const index = data.readUInt32BE(at + 40);
    const key = `${seq}/${index}`;
    if (seq < covered && !seen.has(key)) {
      seen.add(key);
      out.push({ seq, index });
    }
  }
  return out.sort((a, b) => a.seq - b.seq || a.index - b.index);
}

/**
 * Appends the records of blocks `from` … (one packed digest array each,
 * in order), makes them durable, then moves `covered` past them.
 */
export function appendBlocks(dir: string, from: number, blocks: readonly Uint8Array[]): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Two passes: count per bucket, then fill one buffer per bucket (no object per document).
  const counts = new Array<number>(256).fill(0);
  for (const digests of blocks) for (let at = 0; at < digests.length; at += 32) counts[digests[at]]++;
  const buckets = counts.map((n) => Buffer.allocUnsafe(n * ENTRY));
  const filled = new Array<number>(256).fill(0);
  blocks.forEach((digests, b) => {
    const seq = from + b;
    for (let i = 0; i * 32 < digests.length; i++) {
      const first = digests[i * 32];
      const at = filled[first]++ * ENTRY;
      const entry = buckets[first];
      entry.set(digests.subarray(i * 32, i * 32 + 32), at);
      entry.writeUInt32BE(Math.floor(seq / 2 ** 32), at + 32);
      entry.writeUInt32BE(seq % 2 ** 32, at + 36);
      entry.writeUInt32BE(i, at + 40);
    }
  });
  buckets.forEach((bytes, first) => {
    if (bytes.length > 0) appendBucket(path.join(dir, bucketName(first)), bytes);
  });
  fsyncDir(dir);
  writeFileAtomic(path.join(dir, 'covered'), `${from + blocks.length}\n`);
}

/** Appends whole records: a torn record left by a crash is cut off first, so records stay aligned. */
function appendBucket(file: string, bytes: Buffer): void {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    const size = fs.fstatSync(fd).size;
    const aligned = size - (size % ENTRY);
    if (aligned !== size) fs.ftruncateSync(fd, aligned);
    fs.writeSync(fd, bytes, 0, bytes.length, aligned);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function bucketName(first: number): string {
  return `${first.toString(16).padStart(2, '0')}.bin`;
}
