/**
 * The proof index (docs/store.md "index/"): derived data that lets `prove` and
 * `find` answer in a store of millions of documents without reading every
 * leaves file or rebuilding a whole batch tree. It is never evidence:
 *
 *   index/covered.bin        "notar-index/1\n", blocks (u64 BE), the root of block blocks-1
 *                            (32 bytes; zeros if none), 64 × bucket length (u64 BE)
 *   index/digests/<xx>.bin   16-byte records: the digest's first 8 bytes || seq (u32 BE) ||
 *                            index (u32 BE); bucket <xx> = the digest's first byte >> 2
 *                            (8 bytes find the leaf; the leaves file confirms the digest)
 *   index/subtrees/<seq>.bin the roots of the batch's aligned 256-leaf subtrees
 *                            (RFC 9162 §2.1.1: every split point of a larger tree is a
 *                            multiple of 256, so the batch root is the tree over them)
 *
 * Written after a seal, under the store lock, without fsync (losing it costs
 * only speed). covered.bin is replaced last and says how many blocks, and how
 * many bytes of each bucket, are complete; bytes past that are leftovers of an
 * interrupted update and are cut by the next one. An index whose last block's
 * root is not the chain's (a store restored from a backup, say) is not used
 * and is rebuilt by the next seal. Readers trust nothing here:
 * every hit is checked against the leaves file, a miss is confirmed by a full
 * scan, and a subtree file is used only if it rebuilds the signed block root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { equalBytes } from '../core/bytes.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { HASH_SIZE, MerkleTree } from '../core/merkle.js';
import { writeFileAtomic } from './durable.js';
import type { StorePaths } from './paths.js';

const MAGIC = Buffer.from('notar-index/1\n');
const BUCKETS = 64;
const PREFIX = 8;
const COVERED_SIZE = MAGIC.length + 8 + 32 + BUCKETS * 8;
const LENGTHS_AT = MAGIC.length + 8 + 32;
export const INDEX_RECORD = PREFIX + 8;
/** Leaves per stored subtree; batches up to this size are rebuilt whole (≤ 511 hashes). */
export const SUBTREE_LEAVES = 256;
const SUBTREE_LEVEL = 8;
/** At most this many old leaves indexed per seal, so the first stamp after an upgrade stays short. */
const CATCH_UP_BUDGET = 1 << 22;

interface Covered {
  readonly blocks: number;
  /** The batch root of block blocks-1, hex ('' when blocks is 0). */
  readonly lastRoot: string;
  readonly lengths: number[];
}

/** The chain as the index needs it: each block's batch root, in order. */
export type ChainRoots = readonly { readonly root: string }[];

function indexDir(paths: StorePaths): string {
  return path.join(paths.dir, 'index');
}

function bucketFile(paths: StorePaths, b: number): string {
  return path.join(indexDir(paths), 'digests', `${b.toString(16).padStart(2, '0')}.bin`);
}

export function subtreeFile(paths: StorePaths, seq: number): string {
  return path.join(indexDir(paths), 'subtrees', `${String(seq).padStart(10, '0')}.bin`);
}

/**
 * covered.bin, if it has exactly the expected shape and describes a prefix
 * of `chain` (its last block's root is the chain's); else undefined.
 */
function readCovered(paths: StorePaths, chain: ChainRoots): Covered | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(indexDir(paths), 'covered.bin'));
  } catch {
    return undefined;
  }
  if (data.length !== COVERED_SIZE || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const u64 = (off: number) => Number(data.readBigUInt64BE(off));
  const blocks = u64(MAGIC.length);
  const lastRoot = blocks === 0 ? '' : data.toString('hex', MAGIC.length + 8, LENGTHS_AT);
  if (blocks > chain.length || (blocks > 0 && chain[blocks - 1].root !== lastRoot)) return undefined;
  const lengths = Array.from({ length: BUCKETS }, (_, b) => u64(LENGTHS_AT + b * 8));
  if (lengths.some((n) => n % INDEX_RECORD !== 0 || !Number.isSafeInteger(n))) return undefined;
  return { blocks, lastRoot, lengths };
}

function writeCovered(paths: StorePaths, c: Covered): void {
  const data = Buffer.alloc(COVERED_SIZE);
  MAGIC.copy(data);
  data.writeBigUInt64BE(BigInt(c.blocks), MAGIC.length);
  if (c.lastRoot) data.write(c.lastRoot, MAGIC.length + 8, 'hex');
  c.lengths.forEach((n, b) => data.writeBigUInt64BE(BigInt(n), LENGTHS_AT + b * 8));
  writeFileAtomic(path.join(indexDir(paths), 'covered.bin'), data, { durable: false });
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The index state to extend: covered.bin with every bucket cut back to its
 * covered length; from scratch (empty buckets) if covered.bin is missing, is
 * not of this chain, or a bucket is shorter than it says (damaged, not just behind).
 */
function startUpdate(paths: StorePaths, chain: ChainRoots): Covered {
  fs.mkdirSync(path.join(indexDir(paths), 'digests'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(indexDir(paths), 'subtrees'), { recursive: true, mode: 0o700 });
  const covered = readCovered(paths, chain);
  const sizes = Array.from({ length: BUCKETS }, (_, b) => fileSize(bucketFile(paths, b)));
  const usable = covered && sizes.every((s, b) => s >= covered.lengths[b]);
  const start = usable ? covered : { blocks: 0, lastRoot: '', lengths: new Array<number>(BUCKETS).fill(0) };
  sizes.forEach((s, b) => {
    if (s > start.lengths[b]) fs.truncateSync(bucketFile(paths, b), start.lengths[b]);
  });
  return start;
}

/** One block's document digests for the index, each at the start of a `stride`-byte record. */
export interface IndexedBlock {
  readonly seq: number;
  /** Packed digests (stride 32), or a leaves file's records, digest || salt (stride 64). */
  readonly digests: Uint8Array;
  readonly stride: 32 | 64;
  /** The batch tree, when the seal has it in memory: its subtree roots are stored. */
  readonly tree?: MerkleTree;
}

/**
 * Brings the index up to the block just sealed (`sealed`, of `chain`): the
 * blocks it has not seen (read with `oldRecords`, within CATCH_UP_BUDGET
 * leaves per call), then `sealed`. Called under the store lock.
 */
export function updateProofIndex(
  paths: StorePaths,
  chain: ChainRoots,
  sealed: IndexedBlock,
  oldRecords: (seq: number) => Uint8Array,
  budget = CATCH_UP_BUDGET,
): void {
  const start = startUpdate(paths, chain);
  const blocks: IndexedBlock[] = [];
  for (let seq = start.blocks; seq < sealed.seq && budget > 0; seq++) {
    const records = oldRecords(seq);
    budget -= records.length / 64;
    blocks.push({ seq, digests: records, stride: 64 });
  }
  // The sealed block only extends a gap-free index; otherwise it waits for the catch-up.
  const before = blocks.length ? blocks[blocks.length - 1].seq : start.blocks - 1;
  if (before === sealed.seq - 1) blocks.push(sealed);
  if (blocks.length === 0) return;
  const lengths = appendToBuckets(paths, blocks, start.lengths);
  if (sealed.tree && blocks[blocks.length - 1] === sealed) writeSubtrees(paths, sealed.seq, sealed.tree);
  const last = blocks[blocks.length - 1].seq;
  writeCovered(paths, { blocks: last + 1, lastRoot: chain[last].root, lengths });
}

/** Appends every block's records to their buckets; returns the new bucket lengths. */
function appendToBuckets(paths: StorePaths, blocks: IndexedBlock[], lengths: number[]): number[] {
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const { digests, stride } of blocks)
    for (let off = 0; off < digests.length; off += stride) counts[bucketOf(digests, off)]++;
  const out = counts.map((n) => new Uint8Array(n * INDEX_RECORD));
  const fill = new Array<number>(BUCKETS).fill(0);
  for (const { seq, digests, stride } of blocks) {
    for (let off = 0, i = 0; off < digests.length; off += stride, i++) {
      const b = bucketOf(digests, off);
      const bucket = out[b];
      const at = fill[b];
      // A byte loop: a subarray per record would allocate 10^6 objects per million-leaf seal.
      for (let j = 0; j < PREFIX; j++) bucket[at + j] = digests[off + j];
      putU32(bucket, at + PREFIX, seq);
      putU32(bucket, at + PREFIX + 4, i);
      fill[b] = at + INDEX_RECORD;
    }
  }
  out.forEach((bytes, b) => {
    if (bytes.length > 0) fs.appendFileSync(bucketFile(paths, b), bytes, { mode: 0o600 });
  });
  return lengths.map((n, b) => n + out[b].length);
}

function putU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

function writeSubtrees(paths: StorePaths, seq: number, tree: MerkleTree): void {
  if (tree.size <= SUBTREE_LEAVES) return;
  writeFileAtomic(subtreeFile(paths, seq), tree.level(SUBTREE_LEVEL), { durable: false });
}

/** What the index says about a digest: its stampings in the first `blocks` blocks. */
export interface IndexLookup {
  readonly blocks: number;
  readonly hits: { seq: number; index: number }[];
}

/**
 * The digest's stampings in `chain` according to the index (those whose first
 * 8 bytes match: the caller confirms each against the leaves); undefined if
 * there is no usable index.
 */
export function lookupDigest(paths: StorePaths, chain: ChainRoots, digest: Uint8Array): IndexLookup | undefined {
  const buckets = readBuckets(paths, chain, [bucketOf(digest)]);
  if (!buckets) return undefined;
  const records = buckets.records.get(bucketOf(digest)) ?? Buffer.alloc(0);
  const hits: { seq: number; index: number }[] = [];
  const prefix = digest.subarray(0, PREFIX);
  for (let pos = 0; ;) {
    const at = records.indexOf(prefix, pos);
    if (at < 0) break;
    // Only at the start of a record (not spanning two records' fields).
    if (at % INDEX_RECORD === 0) {
      hits.push({ seq: records.readUInt32BE(at + PREFIX), index: records.readUInt32BE(at + PREFIX + 4) });
      pos = at + INDEX_RECORD;
    } else pos = at + 1;
  }
  return { blocks: buckets.blocks, hits };
}

/** Buckets as covered.bin describes them: the blocks covered, and each bucket's complete records. */
export interface IndexBuckets {
  readonly blocks: number;
  readonly records: Map<number, Buffer>;
}

/** The bucket of a digest (packed digests: the one at byte `at`). */
export const bucketOf = (digests: Uint8Array, at = 0): number => digests[at] >> 2;

/** The covered records of the `wanted` buckets; undefined if the index is missing, stale or damaged. */
export function readBuckets(paths: StorePaths, chain: ChainRoots, wanted: Iterable<number>): IndexBuckets | undefined {
  const covered = readCovered(paths, chain);
  if (!covered) return undefined;
  const records = new Map<number, Buffer>();
  for (const b of wanted) {
    const want = covered.lengths[b];
    if (want === 0 || records.has(b)) continue;
    let bucket: Buffer;
    try {
      bucket = fs.readFileSync(bucketFile(paths, b));
    } catch {
      return undefined;
    }
    if (bucket.length < want) return undefined;
    records.set(b, bucket.subarray(0, want));
  }
  return { blocks: covered.blocks, records };
}

/** The stored subtree roots of block `seq` if present and of the right size for `count` leaves. */
export function readSubtrees(paths: StorePaths, seq: number, count: number): Uint8Array | undefined {
  if (count <= SUBTREE_LEAVES) return undefined;
  try {
    const data = fs.readFileSync(subtreeFile(paths, seq));
    return data.length === Math.ceil(count / SUBTREE_LEAVES) * HASH_SIZE ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Anything that gives inclusion proofs for a batch (a whole MerkleTree, or a SubtreeProver). */
export interface InclusionProver {
  inclusionProof(index: number): Uint8Array[];
}

/**
 * Inclusion proofs from the stored subtree roots: only the leaf's own subtree
 * is hashed (≤ 511 hashes instead of ~2n), then the path above it is taken
 * from the tree over the subtree roots. Undefined unless that tree's root is
 * `root` (the signed block root); each subtree is checked against its stored
 * root before use, and `fallback` (the whole tree) answers if one differs.
 */
export function subtreeProver(
  roots: Uint8Array,
  root: Uint8Array,
  leafHashes: (start: number, end: number) => Uint8Array,
  size: number,
  fallback: () => InclusionProver,
  c: Crypto = nobleCrypto,
): InclusionProver | undefined {
  const upper = MerkleTree.fromLeafHashes(roots, c);
  if (!equalBytes(upper.root(), root)) return undefined;
  return {
    inclusionProof(index) {
      const t = Math.floor(index / SUBTREE_LEAVES);
      const start = t * SUBTREE_LEAVES;
      const sub = MerkleTree.fromLeafHashes(leafHashes(start, Math.min(size, start + SUBTREE_LEAVES)), c);
      if (!equalBytes(sub.root(), roots.subarray(t * HASH_SIZE, (t + 1) * HASH_SIZE)))
        return fallback().inclusionProof(index);
      return [...sub.inclusionProof(index - start), ...upper.inclusionProof(t)];
    },
  };
}
