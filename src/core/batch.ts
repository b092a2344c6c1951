/**
 * Batches (FORMAT.md §2–3): one salted leaf per document, in submission
 * order; the batch root is the RFC 6962 tree head of the leaf hashes.
 * Digests and salts are kept packed (32 bytes each, one buffer) so a batch of
 * a million documents costs 64 MiB, not a million small objects.
 */
import { concatBytes } from './bytes.js';
import { NotarError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { HASH_SIZE, MerkleTree, leafHash } from './merkle.js';

export const SALT_SIZE = 32;

/** L = SHA-256(0x00 || salt || d). */
export function documentLeafHash(salt: Uint8Array, digest: Uint8Array, c: Crypto = nobleCrypto): Uint8Array {
  if (salt.length !== SALT_SIZE) throw new NotarError('FORMAT', 'salt must be 32 bytes');
  if (digest.length !== HASH_SIZE) throw new NotarError('FORMAT', 'document digest must be 32 bytes');
  return leafHash(concatBytes(salt, digest), c);
}

export interface Batch {
  readonly count: number;
  /** count × 32-byte document digests, packed. */
  readonly digests: Uint8Array;
  /** count × 32-byte salts, packed. */
  readonly salts: Uint8Array;
  readonly tree: MerkleTree;
  readonly root: Uint8Array;
}

export function batchDigest(b: Batch, i: number): Uint8Array {
  return b.digests.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

export function batchSalt(b: Batch, i: number): Uint8Array {
  return b.salts.subarray(i * SALT_SIZE, (i + 1) * SALT_SIZE);
}

/** Fresh CSPRNG salts; getRandomValues takes at most 64 KiB per call. */
export function randomSalts(count: number): Uint8Array {
  const out = new Uint8Array(count * SALT_SIZE);
  for (let off = 0; off < out.length; off += 65536) globalThis.crypto.getRandomValues(out.subarray(off, off + 65536));
  return out;
}

function documentCount(digests: Uint8Array): number {
  const count = digests.length / HASH_SIZE;
  if (!Number.isInteger(count) || count < 1) throw new NotarError('USAGE', 'a batch needs at least one 32-byte digest');
  return count;
}

/** Fresh salts for a batch of packed `digests`, before the batch is built (see Store.seal). */
export function saltsFor(digests: Uint8Array): Uint8Array {
  return randomSalts(documentCount(digests));
}

/**
 * Builds a batch from packed digests. Salts are fresh unless given (tests and
 * rebuilding from the store supply them).
 */
export function buildPackedBatch(digests: Uint8Array, salts?: Uint8Array, c: Crypto = nobleCrypto): Batch {
  const count = documentCount(digests);
  const s = salts ?? randomSalts(count);
  if (s.length !== count * SALT_SIZE) throw new NotarError('USAGE', 'one 32-byte salt per document');
  // One reused leaf input 0x00 || salt || d (RFC 6962 leaf prefix, FORMAT.md
  // §2), hashed in place: no allocation per document.
  const leafInput = new Uint8Array(1 + SALT_SIZE + HASH_SIZE);
  leafInput[0] = 0x00;
  const leaves = new Uint8Array(count * HASH_SIZE);
  const sha256Into = c.sha256.sha256Into;
  for (let i = 0; i < count; i++) {
    // A byte loop: two subarray views per document cost more than the copy.
    for (let j = 0, off = i * HASH_SIZE; j < HASH_SIZE; j++) {
      leafInput[1 + j] = s[off + j];
      leafInput[1 + SALT_SIZE + j] = digests[off + j];
    }
    sha256Into(leafInput, leaves, i * HASH_SIZE);
  }
  const tree = MerkleTree.fromLeafHashes(leaves, c);
  return { count, digests, salts: s, tree, root: tree.root() };
}

/** Convenience form: one Uint8Array per digest (and per salt). */
export function buildBatch(digests: Uint8Array[], salts?: Uint8Array[], c: Crypto = nobleCrypto): Batch {
  return buildPackedBatch(
    pack(digests, HASH_SIZE, 'document digest'),
    salts ? pack(salts, SALT_SIZE, 'salt') : undefined,
    c,
  );
}

function pack(items: Uint8Array[], size: number, what: string): Uint8Array {
  const out = new Uint8Array(items.length * size);
  items.forEach((x, i) => {
    if (x.length !== size) throw new NotarError('FORMAT', `${what} must be ${size} bytes`);
    out.set(x, i * size);
  });
  return out;
}
