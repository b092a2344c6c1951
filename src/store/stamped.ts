/**
 * Which of many digests are already stamped in this store (issue 13 §3:
 * stamping a document twice says so and skips it unless --again). One pass
 * over the stored records (digest || salt, 64 bytes per stamped document):
 * each stored digest is looked up by its first 4 bytes in a set built from the
 * input, and compared in full only on a hit, so the pass costs one read of
 * the leaves' records, however many documents are being stamped. Where the
 * proof index covers the chain, the pass reads only the index buckets of the
 * input digests and the leaves files they name: stamping one document in a
 * store of 10^6 reads ~250 KiB, not 64 MiB. An index that lost records (only
 * a crash without ordered writes can do that) lets a document be stamped
 * again: a second stamping, never a wrong one.
 */
import type { ChainState } from './chainfile.js';
import { readLeafRecords } from './leaf-records.js';
import { RECORD } from './leaves.js';
import { leavesFile, type StorePaths } from './paths.js';
import { bucketOf, INDEX_RECORD, readBuckets } from './proof-index.js';

export interface Stamping {
  readonly seq: number;
  readonly index: number;
}

/** For input digest i (packed 32 bytes each): its first stamping in the store, if any. */
export function findStamped(paths: StorePaths, state: ChainState, digests: Uint8Array): Map<number, Stamping> {
  const found = new Map<number, Stamping>();
  scanStamped(paths, state, digests, (i, seq, index) => {
    if (!found.has(i)) found.set(i, { seq, index });
  });
  return found;
}

/** For input digest i: every stamping in the store, oldest first, with its salt. */
export function findAllStampings(
  paths: StorePaths,
  state: ChainState,
  digests: Uint8Array,
): Map<number, (Stamping & { salt: Uint8Array })[]> {
  const found = new Map<number, (Stamping & { salt: Uint8Array })[]>();
  scanStamped(paths, state, digests, (i, seq, index, salt) => {
    const list = found.get(i) ?? [];
    list.push({ seq, index, salt: new Uint8Array(salt) }); // a copy: Buffer#slice would be a view of the reused pool
    found.set(i, list);
  });
  return found;
}

type Hit = (input: number, seq: number, index: number, salt: Uint8Array) => void;

function scanStamped(paths: StorePaths, state: ChainState, digests: Uint8Array, hit: Hit): void {
  const count = digests.length / 32;
  if (count === 0) return;
  const byPrefix = new Map<number, number[]>();
  const dv = new DataView(digests.buffer, digests.byteOffset, digests.byteLength);
  for (let i = 0; i < count; i++) {
    const p = dv.getUint32(i * 32);
    const list = byPrefix.get(p);
    if (list) list.push(i);
    else byPrefix.set(p, [i]);
  }
  const from = scanIndexed(paths, state, digests, byPrefix, hit);
  for (const rec of state.records.slice(from)) {
    const buf = readRecords(paths, rec.seq);
    const n = buf.length / RECORD;
    for (let j = 0; j < n; j++) {
      const hits = byPrefix.get(buf.readUInt32BE(j * RECORD));
      if (hits === undefined) continue;
      for (const i of hits) {
        if (buf.compare(digests, i * 32, i * 32 + 32, j * RECORD, j * RECORD + 32) === 0)
          hit(i, rec.seq, j, buf.subarray(j * RECORD + 32, j * RECORD + 64));
      }
    }
  }
}

/**
 * The stampings in the blocks the proof index covers (proof-index.ts), from
 * the index's buckets of the input digests instead of every leaves file;
 * returns how many blocks that is (0 without a usable index). Each candidate
 * is confirmed against its leaves file (the index is not trusted), in block
 * order, so hits come oldest first as from the scan.
 */
function scanIndexed(
  paths: StorePaths,
  state: ChainState,
  digests: Uint8Array,
  byPrefix: Map<number, number[]>,
  hit: Hit,
): number {
  const wanted = new Set<number>();
  for (let off = 0; off < digests.length; off += 32) wanted.add(bucketOf(digests, off));
  const index = readBuckets(paths, state.records, wanted);
  if (!index) return 0;
  const candidates: [seq: number, index: number, input: number][] = [];
  for (const recs of index.records.values()) {
    for (let off = 0; off < recs.length; off += INDEX_RECORD) {
      const inputs = byPrefix.get(recs.readUInt32BE(off));
      if (inputs === undefined) continue;
      for (const i of inputs)
        if (recs.compare(digests, i * 32 + 4, i * 32 + 8, off + 4, off + 8) === 0)
          candidates.push([recs.readUInt32BE(off + 8), recs.readUInt32BE(off + 12), i]);
    }
  }
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let seq = -1;
  let buf: Buffer = Buffer.alloc(0);
  for (const [s, j, i] of candidates) {
    if (s >= index.blocks) continue;
    if (s !== seq) [buf, seq] = [readRecords(paths, s), s];
    const at = j * RECORD;
    if (at + RECORD <= buf.length && buf.compare(digests, i * 32, i * 32 + 32, at, at + 32) === 0)
      hit(i, s, j, buf.subarray(at + 32, at + RECORD));
  }
  return index.blocks;
}

/** The records of block `seq`'s leaves (a view of a shared buffer, valid until the next read). */
function readRecords(paths: StorePaths, seq: number): Buffer {
  // A block whose leaves are gone cannot be looked in: `chain verify` reports it.
  return readLeafRecords(leavesFile(paths, seq)) ?? Buffer.alloc(0);
}
