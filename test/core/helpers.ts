// Builds a small notary history with the core API only (no store): batches,
// blocks, the history tree, signed checkpoints and receipts for any leaf.
import * as crypto from 'node:crypto';
import { buildBatch, type Batch } from '../../src/core/batch.js';
import { blockHash, formatTime, nextBlock, type Block } from '../../src/core/block.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { nobleCrypto, type Crypto } from '../../src/core/crypto.js';
import { MerkleTree } from '../../src/core/merkle.js';
import { signerFromSeed, signNote, type Signer } from '../../src/core/note.js';
import { buildReceipt, type Receipt } from '../../src/core/receipt.js';

export const ORIGIN = 'notary.example.gov/test';

export const sha256 = (data: Uint8Array | string): Uint8Array =>
  new Uint8Array(crypto.createHash('sha256').update(data).digest());

export function notary(seedByte = 0x01, origin = ORIGIN): Signer {
  return signerFromSeed(origin, new Uint8Array(32).fill(seedByte));
}

/** The bytes of document i of block seq (deterministic, distinct). */
export const documentBytes = (seq: number, i: number): Uint8Array =>
  new TextEncoder().encode(`document ${i} of block ${seq}\n`);

export interface History {
  readonly signer: Signer;
  readonly batches: Batch[];
  readonly blocks: Block[];
  /** checkpoints[s] is the signed checkpoint after block s (history size s + 1). */
  readonly checkpoints: string[];
  readonly tree: MerkleTree;
}

/** Calls of each primitive of a Crypto made with countingCrypto. */
export interface CryptoCalls {
  sha256: number;
  sha256Into: number;
  createSha256: number;
  sign: number;
  verify: number;
  publicKey: number;
}

/** `c` with every primitive counted: a test can show the Crypto it passed was the one used. */
export function countingCrypto(c: Crypto): { crypto: Crypto; calls: CryptoCalls } {
  const calls: CryptoCalls = { sha256: 0, sha256Into: 0, createSha256: 0, sign: 0, verify: 0, publicKey: 0 };
  const crypto: Crypto = {
    sha256: {
      sha256: (d) => (calls.sha256++, c.sha256.sha256(d)),
      sha256Into: (d, out, at) => (calls.sha256Into++, c.sha256.sha256Into(d, out, at)),
      createSha256: () => (calls.createSha256++, c.sha256.createSha256()),
    },
    ed25519: {
      sign: (seed, m) => (calls.sign++, c.ed25519.sign(seed, m)),
      verify: (s, m, k) => (calls.verify++, c.ed25519.verify(s, m, k)),
      publicKey: (seed) => (calls.publicKey++, c.ed25519.publicKey(seed)),
    },
  };
  return { crypto, calls };
}

/** One block per batch size, sealed a minute apart, each followed by a signed checkpoint (computed with `c`). */
export function buildHistory(batchSizes: number[], signer: Signer = notary(), c: Crypto = nobleCrypto): History {
  const batches: Batch[] = [];
  const blocks: Block[] = [];
  const checkpoints: string[] = [];
  const hashes: Uint8Array[] = [];
  batchSizes.forEach((n, seq) => {
    const digests = Array.from({ length: n }, (_, i) => sha256(documentBytes(seq, i)));
    const salts = Array.from({ length: n }, (_, i) => sha256(`salt ${seq} ${i}`));
    const batch = buildBatch(digests, salts, c);
    const time = formatTime(new Date(Date.UTC(2026, 1, 28, 23, 58 + seq, 7)));
    const block = nextBlock(blocks[seq - 1], n, batch.root, time, c);
    batches.push(batch);
    blocks.push(block);
    hashes.push(blockHash(block, c));
    const root = MerkleTree.fromLeafHashes(hashes, c).root();
    checkpoints.push(signNote(formatCheckpoint({ origin: signer.name, size: seq + 1, root }), signer, c));
  });
  return { signer, batches, blocks, checkpoints, tree: MerkleTree.fromLeafHashes(hashes, c) };
}

/** The receipt for leaf `index` of block `seq`, against the checkpoint of `historySize`. */
export function receiptFor(
  h: History,
  seq: number,
  index: number,
  opts: { historySize?: number; name?: string; key?: string } = {},
): Receipt {
  const size = opts.historySize ?? h.blocks.length;
  const batch = h.batches[seq];
  return buildReceipt({
    digest: batch.digests.subarray(index * 32, index * 32 + 32),
    salt: batch.salts.subarray(index * 32, index * 32 + 32),
    index,
    leafPath: batch.tree.inclusionProof(index),
    block: h.blocks[seq],
    historySize: size,
    historyPath: h.tree.inclusionProofAt(seq, size),
    checkpoint: h.checkpoints[size - 1],
    name: opts.name,
    key: opts.key,
  });
}
