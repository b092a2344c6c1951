// The proof index (src/store/proof-index.ts, docs/store.md): written by every
// seal, used by findDocument and prove, and never trusted: a damaged, stale or
// forged index changes only speed, never an answer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.js';
import { HASH_SIZE, MerkleTree } from '../../src/core/merkle.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { leafAt } from '../../src/store/leaves.js';
import { leavesFile } from '../../src/store/paths.js';
import {
  INDEX_RECORD,
  lookupDigest,
  subtreeFile,
  subtreeProver,
  updateProofIndex,
} from '../../src/store/proof-index.js';
import { findAllStampings, findStamped } from '../../src/store/stamped.js';
import { openStore, ReceiptBuilder, storedBatchTree, type Store } from '../../src/store/store.js';
import { digestOf, docBatch, newStore, type Fixture } from './fixtures.js';

const docs = (block: number, n: number) => Array.from({ length: n }, (_, i) => `block ${block} document ${i}`);
const indexDir = (f: Fixture) => path.join(f.dir, 'index');
const bucketOf = (f: Fixture, digest: Uint8Array) =>
  path.join(indexDir(f), 'digests', `${(digest[0] >> 2).toString(16).padStart(2, '0')}.bin`);
/** Where `digest`'s record is in its bucket (its first 8 bytes, at a record boundary). */
function recordAt(bucket: Buffer, digest: Uint8Array): number {
  for (let at = bucket.indexOf(digest.subarray(0, 8)); at >= 0; at = bucket.indexOf(digest.subarray(0, 8), at + 1))
    if (at % INDEX_RECORD === 0) return at;
  throw new Error('no record for the digest');
}

/** Three blocks (5, 300 and 3 documents), and the same document stamped in blocks 0 and 2. */
async function threeBlocks(): Promise<Fixture> {
  const f = newStore();
  await f.store.seal(docBatch([...docs(0, 4), 'twice']), f.signer);
  await f.store.seal(docBatch(docs(1, 300)), f.signer);
  await f.store.seal(docBatch([...docs(2, 2), 'twice']), f.signer);
  return f;
}

/** Every stamping of `doc` as [seq, index], checked by building and verifying its receipt. */
function proved(store: Store, doc: string): [number, number][] {
  const state = store.readChain();
  const builder = new ReceiptBuilder(state, store.verifier().text);
  return store.findDocument(digestOf(doc), state).map(({ seq, index, leaves }) => {
    const prover = store.batchProver(leaves, fromHex(state.records[seq].root, 'root', HASH_SIZE));
    const receipt = builder.forBlock(seq, prover, (i) => leafAt(leaves, i))(index);
    expect(verifyReceipt(receipt, digestOf(doc), [store.verifier()]).ok).toBe(true);
    return [seq, index];
  });
}

describe('the index written by seal', () => {
  it('names every stamping of a digest, and only blocks with more than 256 leaves get subtree roots', async () => {
    const f = await threeBlocks();
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digestOf('twice'))).toEqual({
      blocks: 3,
      hits: [
        { seq: 0, index: 4 },
        { seq: 2, index: 2 },
      ],
    });
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digestOf('block 1 document 299'))?.hits).toEqual([
      { seq: 1, index: 299 },
    ]);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digestOf('never'))).toEqual({
      blocks: 3,
      hits: [],
    });
    expect(fs.readdirSync(path.join(indexDir(f), 'subtrees'))).toEqual([path.basename(subtreeFile(f.store.paths, 1))]);
    // 300 leaves: two subtrees, [0, 256) and [256, 300), whose tree is the batch tree.
    const roots = fs.readFileSync(subtreeFile(f.store.paths, 1));
    expect(roots.length).toBe(2 * HASH_SIZE);
    expect(MerkleTree.fromLeafHashes(roots).root()).toEqual(storedBatchTree(f.store.readLeaves(1)).root());
  });

  it('is what prove reads: a leaves file of a block without the document is never opened', async () => {
    const f = await threeBlocks();
    fs.rmSync(leavesFile(f.store.paths, 1));
    expect(proved(f.store, 'twice')).toEqual([
      [0, 4],
      [2, 2],
    ]);
  });

  it('blocks after the ones it covers are scanned', async () => {
    const f = await threeBlocks();
    const covered = path.join(indexDir(f), 'covered.bin');
    const before = fs.readFileSync(covered);
    await f.store.seal(docBatch(['twice']), f.signer);
    fs.writeFileSync(covered, before); // as if the index update of block 3 was lost
    expect(proved(f.store, 'twice')).toEqual([
      [0, 4],
      [2, 2],
      [3, 0],
    ]);
  });
});

describe('a damaged or forged index changes no answer', () => {
  it('without an index, every answer comes from scanning; the next seal rebuilds it', async () => {
    const f = await threeBlocks();
    fs.rmSync(indexDir(f), { recursive: true });
    expect(proved(f.store, 'twice')).toEqual([
      [0, 4],
      [2, 2],
    ]);
    await f.store.seal(docBatch(['new']), f.signer);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digestOf('twice'))?.hits).toHaveLength(2);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digestOf('new'))).toEqual({
      blocks: 4,
      hits: [{ seq: 3, index: 0 }],
    });
  });

  it('a record pointing at the wrong leaf is caught, and the leaves are scanned', async () => {
    const f = await threeBlocks();
    const digest = digestOf('block 1 document 7');
    const bucket = fs.readFileSync(bucketOf(f, digest));
    bucket.writeUInt32BE(8, recordAt(bucket, digest) + 12); // index 7 → 8
    fs.writeFileSync(bucketOf(f, digest), bucket);
    expect(proved(f.store, 'block 1 document 7')).toEqual([[1, 7]]);
  });

  it('a record removed from the index is still found (a miss is confirmed by a scan)', async () => {
    const f = await threeBlocks();
    const digest = digestOf('block 2 document 1');
    const bucket = fs.readFileSync(bucketOf(f, digest));
    const at = recordAt(bucket, digest);
    bucket.fill(0xee, at, at + 8); // the record now names another digest
    fs.writeFileSync(bucketOf(f, digest), bucket);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digest)?.hits).toEqual([]);
    expect(proved(f.store, 'block 2 document 1')).toEqual([[2, 1]]);
  });

  it('a bucket shorter than covered.bin says is not used, and the next seal rebuilds the index', async () => {
    const f = await threeBlocks();
    const digest = digestOf('twice');
    fs.truncateSync(bucketOf(f, digest), INDEX_RECORD);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digest)).toBeUndefined();
    expect(proved(f.store, 'twice')).toHaveLength(2);
    await f.store.seal(docBatch(['later']), f.signer);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digest)?.hits).toHaveLength(2);
  });

  it('bytes past the covered length (an interrupted update) are cut by the next seal', async () => {
    const f = await threeBlocks();
    const digest = digestOf('later');
    const junk = Buffer.concat([Buffer.from(digest.subarray(0, 8)), Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])]);
    fs.appendFileSync(bucketOf(f, digest), junk);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digest)?.hits).toEqual([]);
    await f.store.seal(docBatch(['later']), f.signer);
    expect(lookupDigest(f.store.paths, f.store.readChain().records, digest)?.hits).toEqual([{ seq: 3, index: 0 }]);
  });

  it('forged subtree roots are not used: the proof still verifies', async () => {
    const f = await threeBlocks();
    const file = subtreeFile(f.store.paths, 1);
    const roots = fs.readFileSync(file);
    roots[0] ^= 1;
    fs.writeFileSync(file, roots);
    expect(proved(openStore(f.dir), 'block 1 document 3')).toEqual([[1, 3]]);
  });
});

describe('already stamped? (stamped.ts) reads the index too', () => {
  const packed = (...texts: string[]) => {
    const out = new Uint8Array(texts.length * 32);
    texts.forEach((t, i) => out.set(digestOf(t), i * 32));
    return out;
  };

  it('opens only the leaves files the index names, and lists every stamping oldest first', async () => {
    const f = await threeBlocks();
    await f.store.seal(docBatch(['twice']), f.signer);
    fs.writeFileSync(leavesFile(f.store.paths, 1), 'not a leaves file'); // a scan would stop here
    const state = f.store.readChain();
    const all = findAllStampings(f.store.paths, state, packed('never', 'twice'));
    expect([...all.keys()]).toEqual([1]);
    expect(all.get(1)!.map(({ seq, index }) => [seq, index])).toEqual([
      [0, 4],
      [2, 2],
      [3, 0],
    ]);
    const salt = f.store.readLeaves(0).records.slice(4 * 64 + 32, 5 * 64);
    expect(Buffer.from(all.get(1)![0].salt).toString('hex')).toBe(Buffer.from(salt).toString('hex'));
    expect(findStamped(f.store.paths, state, packed('twice'))).toEqual(new Map([[0, { seq: 0, index: 4 }]]));
  });

  it('a forged record is confirmed against the leaves and dropped', async () => {
    const f = await threeBlocks();
    const digest = digestOf('block 2 document 0');
    const bucket = fs.readFileSync(bucketOf(f, digest));
    bucket.writeUInt32BE(1, recordAt(bucket, digest) + 12); // block 2 index 0 → index 1
    fs.writeFileSync(bucketOf(f, digest), bucket);
    expect(findStamped(f.store.paths, f.store.readChain(), packed('block 2 document 0')).size).toBe(0);
  });

  it('blocks the index does not cover are scanned', async () => {
    const f = await threeBlocks();
    fs.rmSync(path.join(indexDir(f), 'covered.bin'));
    fs.writeFileSync(path.join(indexDir(f), 'covered.bin'), 'junk');
    expect(findStamped(f.store.paths, f.store.readChain(), packed('block 1 document 5'))).toEqual(
      new Map([[0, { seq: 1, index: 5 }]]),
    );
  });
});

describe('catching up', () => {
  it('an index behind the chain is filled in, within a budget of leaves per seal', async () => {
    const f = await threeBlocks();
    fs.rmSync(indexDir(f), { recursive: true });
    const read = (seq: number) => f.store.readLeaves(seq).records;
    const leaves = f.store.readLeaves(2);
    const sealed = { seq: 3, digests: new Uint8Array(32), stride: 32 as const };
    const chain = [...f.store.readChain().records, { root: 'ab'.repeat(32) }];
    // A budget of 10 leaves: block 0 (5 leaves) and block 1 (300) this time; block 3 must wait.
    updateProofIndex(f.store.paths, chain, sealed, read, 10);
    expect(lookupDigest(f.store.paths, chain, digestOf('block 1 document 299'))?.blocks).toBe(2);
    updateProofIndex(f.store.paths, chain, sealed, read, 10);
    expect(lookupDigest(f.store.paths, chain, leaves.records.slice(0, 32))).toEqual({
      blocks: 4,
      hits: [{ seq: 2, index: 0 }],
    });
  });

  it('an index of another chain (a store restored from a backup) is not used, and is rebuilt', async () => {
    const f = await threeBlocks();
    const old = f.store.readChain().records;
    const backup = fs.readFileSync(f.store.paths.chain);
    await f.store.seal(docBatch(['lost']), f.signer); // the index now covers 4 blocks
    // The chain goes back to 3 blocks, and a different block 3 is sealed: the index's block 3 is not it.
    fs.writeFileSync(f.store.paths.chain, backup);
    fs.rmSync(f.store.paths.tip);
    fs.rmSync(leavesFile(f.store.paths, 3));
    const chain = [...old, { root: 'cd'.repeat(32) }];
    expect(lookupDigest(f.store.paths, chain, digestOf('lost'))).toBeUndefined();
    await f.store.seal(docBatch(['kept']), f.signer);
    const now = f.store.readChain().records;
    expect(lookupDigest(f.store.paths, now, digestOf('lost'))).toEqual({ blocks: 4, hits: [] });
    expect(lookupDigest(f.store.paths, now, digestOf('kept'))?.hits).toEqual([{ seq: 3, index: 0 }]);
  });
});

describe('subtree proofs', () => {
  it('equal the whole tree’s inclusion proofs for every leaf, at sizes around subtree boundaries', () => {
    for (const size of [257, 300, 511, 512, 513, 1025]) {
      const leaves = new Uint8Array(size * HASH_SIZE);
      for (let i = 0; i < leaves.length; i++) leaves[i] = (i * 31 + size) & 0xff;
      const whole = MerkleTree.fromLeafHashes(leaves);
      const roots = whole.level(8);
      expect(roots.length).toBe(Math.ceil(size / 256) * HASH_SIZE);
      const fast = subtreeProver(
        roots,
        whole.root(),
        (a, b) => leaves.slice(a * 32, b * 32),
        size,
        () => whole,
      );
      expect(fast).toBeDefined();
      for (let i = 0; i < size; i++)
        expect(fast!.inclusionProof(i), `size ${size} leaf ${i}`).toEqual(whole.inclusionProof(i));
    }
  });

  it('are refused when the subtree roots do not rebuild the signed root', () => {
    const leaves = new Uint8Array(300 * HASH_SIZE).fill(7);
    const whole = MerkleTree.fromLeafHashes(leaves);
    const roots = whole.level(8).slice();
    roots[5] ^= 1;
    expect(
      subtreeProver(
        roots,
        whole.root(),
        () => leaves,
        300,
        () => whole,
      ),
    ).toBeUndefined();
  });
});
