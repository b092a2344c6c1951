/**
 * RFC 6962 / RFC 9162 §2.1 Merkle trees over SHA-256.
 *   leaf hash  = SHA-256(0x00 || input)
 *   node hash  = SHA-256(0x01 || left || right)
 * Trees are stored flat, one Uint8Array per level; building levels by pairing
 * left to right and carrying an odd last node up unchanged gives exactly the
 * RFC's "split at the largest power of two below n" tree.
 */
import { concatBytes, equalBytes, toHex } from './bytes.js';
import { NotarError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { sha256 } from './hash.js';

export const HASH_SIZE = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export function leafHash(input: Uint8Array, c: Crypto = nobleCrypto): Uint8Array {
  const buf = new Uint8Array(input.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(input, 1);
  return sha256(buf, c);
}

const nodeBuf = new Uint8Array(1 + 2 * HASH_SIZE);
export function nodeHash(left: Uint8Array, right: Uint8Array, c: Crypto = nobleCrypto): Uint8Array {
  nodeBuf[0] = NODE_PREFIX;
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 1 + HASH_SIZE);
  return sha256(nodeBuf, c);
}

/** Tree head of an empty tree (RFC 9162 §2.1.1): SHA-256 of the empty string. */
export function emptyRoot(c: Crypto = nobleCrypto): Uint8Array {
  return sha256(new Uint8Array(0), c);
}

/**
 * A complete tree kept in memory: level 0 holds the leaf hashes. It keeps the
 * Crypto it was built with for the hashes it computes later (rangeHash).
 */
export class MerkleTree {
  private readonly levels: Uint8Array[];
  /** Each level as one hex string, made on first use by inclusionProofHex. */
  private hexLevels?: string[];
  readonly size: number;
  private readonly crypto: Crypto;

  private constructor(levels: Uint8Array[], size: number, crypto: Crypto) {
    this.levels = levels;
    this.size = size;
    this.crypto = crypto;
  }

  /** Builds from leaf hashes, either as an array or packed 32 bytes each. */
  static fromLeafHashes(leaves: Uint8Array[] | Uint8Array, c: Crypto = nobleCrypto): MerkleTree {
    const packed = Array.isArray(leaves) ? concatBytes(...leaves) : leaves;
    if (packed.length % HASH_SIZE !== 0) throw new NotarError('FORMAT', 'leaf hashes must be 32 bytes each');
    const size = packed.length / HASH_SIZE;
    const levels = [packed];
    let level = packed;
    let count = size;
    // One reused node input 0x01 || left || right, hashed in place into the
    // next level: no allocation per node (a million-leaf batch has ~10^6 nodes).
    const input = new Uint8Array(1 + 2 * HASH_SIZE);
    input[0] = NODE_PREFIX;
    const sha256Into = c.sha256.sha256Into;
    while (count > 1) {
      const next = new Uint8Array(Math.ceil(count / 2) * HASH_SIZE);
      const pairs = count >> 1;
      for (let i = 0; i < pairs; i++) {
        // left || right are adjacent in the level: one native copy (faster here than a byte loop).
        input.set(level.subarray(2 * i * HASH_SIZE, (2 * i + 2) * HASH_SIZE), 1);
        sha256Into(input, next, i * HASH_SIZE);
      }
      if (count & 1) next.set(level.subarray((count - 1) * HASH_SIZE, count * HASH_SIZE), pairs * HASH_SIZE);
      levels.push(next);
      level = next;
      count = Math.ceil(count / 2);
    }
    return new MerkleTree(levels, size, c);
  }

  root(): Uint8Array {
    if (this.size === 0) return emptyRoot(this.crypto);
    return this.levels[this.levels.length - 1].slice(0, HASH_SIZE);
  }

  /**
   * Level d, packed (0: the leaf hashes): node j is the root of leaves
   * [j·2^d, (j+1)·2^d), the last one of whatever remains. A view, not a copy.
   */
  level(d: number): Uint8Array {
    if (!Number.isSafeInteger(d) || d < 0 || d >= this.levels.length)
      throw new NotarError('FORMAT', `the tree has no level ${d}`);
    return this.levels[d];
  }

  leaf(index: number): Uint8Array {
    checkIndex(index, this.size);
    return this.levels[0].slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** Inclusion proof (RFC 9162 §2.1.3.1), leaf-to-root order. */
  inclusionProof(index: number): Uint8Array[] {
    checkIndex(index, this.size);
    const proof: Uint8Array[] = [];
    let i = index;
    let count = this.size;
    for (let d = 0; count > 1; d++) {
      const sibling = i ^ 1;
      // A node without a right sibling was carried up unchanged: no proof entry.
      if (sibling < count) proof.push(this.levels[d].slice(sibling * HASH_SIZE, (sibling + 1) * HASH_SIZE));
      i >>= 1;
      count = Math.ceil(count / 2);
    }
    return proof;
  }

  /** Per level, the node inclusionProofHex cut from it last, and that text. */
  private readonly hexNode: number[] = [];
  private readonly hexText: string[] = [];

  /**
   * inclusionProof(index) in lowercase hex. Each level is encoded once (with
   * `hex`; a host may pass a native encoder) and sliced: receipts for a whole
   * batch then encode every node once, not once per receipt that cites it.
   * Proofs of consecutive leaves share their upper entries as the same
   * strings (the last node cut per level is kept): a writer comparing with
   * the previous proof finds them equal without reading them
   * (cli/output/receipt-text.ts).
   */
  inclusionProofHex(index: number, hex: (bytes: Uint8Array) => string = toHex): string[] {
    checkIndex(index, this.size);
    const levels = (this.hexLevels ??= []);
    const proof: string[] = [];
    let i = index;
    let count = this.size;
    for (let d = 0; count > 1; d++) {
      const sibling = i ^ 1;
      if (sibling < count) {
        if (this.hexNode[d] !== sibling) {
          const level = (levels[d] ??= hex(this.levels[d]));
          this.hexText[d] = level.slice(sibling * 2 * HASH_SIZE, (sibling + 1) * 2 * HASH_SIZE);
          this.hexNode[d] = sibling;
        }
        proof.push(this.hexText[d]);
      }
      i >>= 1;
      count = Math.ceil(count / 2);
    }
    return proof;
  }

  /** MTH(D[start:end]) for any range, from the stored levels where possible. */
  rangeHash(start: number, end: number): Uint8Array {
    const width = end - start;
    if (width === 1) return this.leaf(start);
    // An aligned power-of-two range is a node that the levels already hold.
    if ((width & (width - 1)) === 0 && start % width === 0) {
      const d = Math.log2(width);
      const idx = start / width;
      return this.levels[d].slice(idx * HASH_SIZE, (idx + 1) * HASH_SIZE);
    }
    const k = largestPowerOfTwoBelow(width);
    return nodeHash(this.rangeHash(start, start + k), this.rangeHash(start + k, end), this.crypto);
  }

  /** Root of the first `size` leaves (an older tree head of the same log). */
  rootAt(size: number): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new NotarError('FORMAT', `tree size ${size} is out of range 0..${this.size}`);
    }
    return size === 0 ? emptyRoot(this.crypto) : this.rangeHash(0, size);
  }

  /** Inclusion proof of `index` in the tree of the first `size` leaves. */
  inclusionProofAt(index: number, size: number): Uint8Array[] {
    if (size === this.size) return this.inclusionProof(index);
    if (!Number.isSafeInteger(size) || size < 1 || size > this.size) {
      throw new NotarError('FORMAT', `tree size ${size} is out of range 1..${this.size}`);
    }
    checkIndex(index, size);
    const proof: Uint8Array[] = [];
    this.pathInRange(index, 0, size, proof);
    return proof;
  }

  private pathInRange(index: number, start: number, end: number, out: Uint8Array[]): void {
    const width = end - start;
    if (width <= 1) return;
    const k = largestPowerOfTwoBelow(width);
    if (index < start + k) {
      this.pathInRange(index, start, start + k, out);
      out.push(this.rangeHash(start + k, end));
    } else {
      this.pathInRange(index, start + k, end, out);
      out.push(this.rangeHash(start, start + k));
    }
  }

  /** Consistency proof between sizes m <= n = this.size (RFC 9162 §2.1.4.1). */
  consistencyProof(oldSize: number, newSize: number = this.size): Uint8Array[] {
    if (
      !Number.isSafeInteger(oldSize) ||
      !Number.isSafeInteger(newSize) ||
      oldSize < 1 ||
      oldSize > newSize ||
      newSize > this.size
    ) {
      throw new NotarError('FORMAT', `cannot prove consistency from size ${oldSize} to ${newSize}`);
    }
    const out: Uint8Array[] = [];
    this.subproof(oldSize, 0, newSize, true, out);
    return out;
  }

  private subproof(m: number, start: number, end: number, complete: boolean, out: Uint8Array[]): void {
    const n = end - start;
    if (m === n) {
      if (!complete) out.push(this.rangeHash(start, end));
      return;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      this.subproof(m, start, start + k, complete, out);
      out.push(this.rangeHash(start + k, end));
    } else {
      this.subproof(m - k, start + k, end, false, out);
      out.push(this.rangeHash(start, start + k));
    }
  }
}

function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new NotarError('FORMAT', `leaf index ${index} is out of range for a tree of ${size}`);
  }
}

/** Largest power of two strictly below n (n >= 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Independent recursive MTH (RFC 9162 §2.1.1), used as a cross-check. */
export function treeHead(leafHashes: Uint8Array[], c: Crypto = nobleCrypto): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot(c);
  if (leafHashes.length === 1) return leafHashes[0];
  const k = largestPowerOfTwoBelow(leafHashes.length);
  return nodeHash(treeHead(leafHashes.slice(0, k), c), treeHead(leafHashes.slice(k), c), c);
}

function bitLength(x: number): number {
  let n = 0;
  while (x > 0) {
    n++;
    x = Math.floor(x / 2);
  }
  return n;
}

function popCount(x: number): number {
  let n = 0;
  while (x > 0) {
    n += x % 2;
    x = Math.floor(x / 2);
  }
  return n;
}

/** Exact proof length an inclusion proof of `index` in a tree of `size` has. */
export function inclusionProofLength(index: number, size: number): number {
  const inner = bitLength(xor(index, size - 1));
  const border = popCount(Math.floor(index / 2 ** inner));
  return inner + border;
}

/** XOR of safe integers beyond 32 bits (JS `^` truncates to 32 bits). */
function xor(a: number, b: number): number {
  const hi = (Math.floor(a / 2 ** 32) ^ Math.floor(b / 2 ** 32)) >>> 0;
  const lo = ((a % 2 ** 32) ^ (b % 2 ** 32)) >>> 0;
  return hi * 2 ** 32 + lo;
}

function checkHashes(proof: Uint8Array[], what: string): void {
  for (const h of proof) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new NotarError('PROOF_INVALID', `${what} holds a hash that is not 32 bytes`);
    }
  }
}

/**
 * Root implied by an inclusion proof (RFC 9162 §2.1.3.2). Rejects, instead of
 * repairing, any index, size or proof length the tree shape does not allow.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  c: Crypto = nobleCrypto,
): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 1) throw new NotarError('PROOF_INVALID', `tree size ${size} is invalid`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new NotarError('PROOF_INVALID', `leaf index ${index} is beyond tree size ${size}`);
  }
  if (leaf.length !== HASH_SIZE) throw new NotarError('PROOF_INVALID', 'leaf hash is not 32 bytes');
  checkHashes(proof, 'inclusion proof');
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) {
    throw new NotarError('PROOF_INVALID', `inclusion proof has ${proof.length} hashes, the tree shape needs ${want}`);
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new NotarError('PROOF_INVALID', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r, c);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new NotarError('PROOF_INVALID', 'inclusion proof is too short');
  return r;
}

export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
  c: Crypto = nobleCrypto,
): void {
  const got = rootFromInclusionProof(index, size, leaf, proof, c);
  if (!equalBytes(got, root))
    throw new NotarError('PROOF_INVALID', 'inclusion proof does not lead to the expected root');
}

/** Consistency proof verification (RFC 9162 §2.1.4.2). Throws PROOF_INVALID on any fault. */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: Uint8Array[],
  c: Crypto = nobleCrypto,
): void {
  const bad = (why: string) => new NotarError('PROOF_INVALID', `consistency proof rejected: ${why}`);
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    throw bad('sizes out of order');
  // RFC 9162 §2.1.4 defines proofs for 0 < size1 only; the transparency-dev
  // vectors (test/vectors/rfc6962) reject size1 = 0 even when size2 = 0.
  if (size1 === 0) throw bad('a proof from an empty tree proves nothing');
  if (size1 === size2) {
    // Nothing to hash: the claim is only that the two heads are the same.
    if (proof.length !== 0) throw bad('proof must be empty for equal sizes');
    if (!equalBytes(root1, root2)) throw bad('roots differ for equal sizes');
    return;
  }
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) throw bad('root is not 32 bytes');
  checkHashes(proof, 'consistency proof');
  if (proof.length === 0) throw bad('proof is empty');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const h of path.slice(1)) {
    if (sn === 0) throw bad('proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(h, fr, c);
      sr = nodeHash(h, sr, c);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, h, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw bad('proof is too short');
  if (!equalBytes(fr, root1)) throw bad('old root does not match');
  if (!equalBytes(sr, root2)) throw bad('new root does not match');
}

function isPowerOfTwo(n: number): boolean {
  // Not Math.log2: it rounds to an integer for sizes like 2^52 + 1. Halving is
  // exact for every safe integer (and `&` would truncate to 32 bits).
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
