// RFC 6962 / RFC 9162 §2.1 trees: merkletreejs as an independent oracle for
// tree heads, fast-check properties for proofs, and sizes beyond 2^32.
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { MerkleTree as JsTree } from 'merkletreejs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { NotarError } from '../../src/core/errors.js';
import {
  inclusionProofLength,
  MerkleTree,
  rootFromInclusionProof,
  treeHead,
  verifyConsistency,
  verifyInclusion,
} from '../../src/core/merkle.js';
import { nodeCrypto, nodeSha256 } from '../../src/node/crypto.js';

const sha = (data: Uint8Array): Buffer => crypto.createHash('sha256').update(data).digest();
/** Leaf hashes computed without our code: SHA-256(0x00 || 4-byte big-endian i). */
const leafHashes = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const input = Buffer.alloc(5);
    input.writeUInt32BE(i, 1);
    return new Uint8Array(sha(input));
  });
const LEAVES = leafHashes(3000);
const BIG = MerkleTree.fromLeafHashes(LEAVES);

/**
 * merkletreejs set up as RFC 6962: leaves are given already hashed with the
 * 0x00 prefix, the concatenator adds the 0x01 node prefix, an odd last node is
 * promoted unchanged (duplicateOdd false, no fillDefaultHash), nothing sorted.
 */
function jsTree(leaves: Uint8Array[]): JsTree {
  return new JsTree(
    leaves.map((l) => Buffer.from(l)),
    (d: Buffer) => nodeSha256(d),
    {
      hashLeaves: false,
      duplicateOdd: false,
      sort: false,
      sortLeaves: false,
      sortPairs: false,
      complete: false,
      concatenator: (inputs: Buffer[]) => Buffer.concat([Buffer.of(0x01), ...inputs]),
    },
  );
}

function rejects(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (e) {
    if (!(e instanceof NotarError) || e.code !== 'PROOF_INVALID') throw e;
    return true;
  }
}

describe('merkletreejs as an independent oracle', () => {
  it('the oracle setup gives the RFC 6962 reference head for 8 leaves', () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const leaves = inputs.map((h) => new Uint8Array(sha(Buffer.concat([Buffer.of(0), Buffer.from(h, 'hex')]))));
    expect(jsTree(leaves).getRoot().toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
  });

  it('MerkleTree root = recursive treeHead = merkletreejs root, for every n from 1 to 1000', () => {
    // About a million hashes: both sides use node:crypto's SHA-256 here, passed
    // explicitly (the tree shapes are what is compared; the vectors test the default hash).
    const big = MerkleTree.fromLeafHashes(LEAVES, nodeCrypto);
    const mismatches: number[] = [];
    for (let n = 1; n <= 1000; n++) {
      const leaves = LEAVES.slice(0, n);
      const oracle = jsTree(leaves).getRoot().toString('hex');
      const ours = toHex(MerkleTree.fromLeafHashes(leaves, nodeCrypto).root());
      if (ours !== oracle || toHex(treeHead(leaves, nodeCrypto)) !== oracle || toHex(big.rootAt(n)) !== oracle)
        mismatches.push(n);
    }
    expect(mismatches).toEqual([]);
  });

  it('inclusion proofs equal merkletreejs proofs (which carry no size, hence the weakness below)', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 100, 257]) {
      const leaves = LEAVES.slice(0, n);
      const js = jsTree(leaves);
      const ours = MerkleTree.fromLeafHashes(leaves);
      for (let i = 0; i < n; i += Math.max(1, n >> 3)) {
        expect(ours.inclusionProof(i).map(toHex)).toEqual(
          js.getProof(Buffer.from(leaves[i]), i).map((p) => p.data.toString('hex')),
        );
      }
    }
  });
});

describe('why merkletreejs is not the verifier: its verify is not bound to a position or size', () => {
  const n = 8;
  const leaves = LEAVES.slice(0, n);
  const js = jsTree(leaves);
  const root = js.getRoot();
  const inner = js.getLayers()[1][0]; // node hash over leaves 0 and 1
  const innerProof = js.getProof(Buffer.from(leaves[0]), 0).slice(1);

  it('merkletreejs accepts the root itself as a "leaf" with an empty proof', () => {
    expect(js.verify([], root, root)).toBe(true);
  });

  it('merkletreejs accepts an internal node as a "leaf" with a shortened proof', () => {
    expect(js.verify(innerProof, inner, root)).toBe(true);
  });

  it('verifyInclusion, given the size the checkpoint signs, rejects both at every index', () => {
    // In a receipt the size is authenticated (block.size is in the block line,
    // history.size is the checkpoint's), and the leaf hash is computed by the
    // verifier as SHA-256(0x00 || salt || d), never supplied by the prover.
    const rootBytes = new Uint8Array(root);
    const innerPath = innerProof.map((p) => new Uint8Array(p.data));
    for (let i = 0; i < n; i++) {
      expect(rejects(() => verifyInclusion(i, n, rootBytes, [], rootBytes))).toBe(true);
      expect(rejects(() => verifyInclusion(i, n, new Uint8Array(inner), innerPath, rootBytes))).toBe(true);
    }
  });
});

/** Sibling sides from the leaf up, straight from the RFC 9162 §2.1.3.1 PATH recursion. */
function sides(m: number, n: number): string {
  if (n === 1) return '';
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? sides(m, k) + 'R' : sides(m - k, n - k) + 'L';
}

const flipBit = (proof: Uint8Array[], at: number, bit: number) =>
  proof.map((h, j) => {
    if (j !== at) return h;
    const c = h.slice();
    c[bit >> 3] ^= 1 << (bit & 7);
    return c;
  });

describe('inclusion proofs (fast-check)', () => {
  const sizeAndIndex = fc
    .integer({ min: 1, max: 3000 })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));

  it('verify, have exactly inclusionProofLength entries, and match proofs in older sizes', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const tree = MerkleTree.fromLeafHashes(LEAVES.slice(0, size));
        const proof = tree.inclusionProof(index);
        expect(proof.length).toBe(inclusionProofLength(index, size));
        expect(proof.length).toBe(sides(index, size).length);
        expect(toHex(rootFromInclusionProof(index, size, LEAVES[index], proof))).toBe(toHex(tree.root()));
        expect(BIG.inclusionProofAt(index, size).map(toHex)).toEqual(proof.map(toHex));
        expect(toHex(BIG.rootAt(size))).toBe(toHex(tree.root()));
      }),
      { numRuns: 150 },
    );
  });

  it('in hex equal inclusionProof, leaf after leaf and jumping about (the last node cut per level is kept)', () => {
    for (const size of [1, 2, 3, 1000, 1025]) {
      const tree = MerkleTree.fromLeafHashes(LEAVES.slice(0, size));
      for (const index of [...Array(size).keys(), size - 1, 0, size >> 1, 1, size - 2, 2])
        if (index >= 0 && index < size)
          expect(tree.inclusionProofHex(index)).toEqual(tree.inclusionProof(index).map(toHex));
    }
  });

  it('reject a flipped bit, a dropped or an added hash, and a wrong index', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(255), fc.nat(), ([size, index], pick, bit, other) => {
        const proof = BIG.inclusionProofAt(index, size);
        const root = BIG.rootAt(size);
        const leaf = LEAVES[index];
        if (proof.length > 0) {
          expect(
            rejects(() => verifyInclusion(index, size, leaf, flipBit(proof, pick % proof.length, bit), root)),
          ).toBe(true);
          expect(
            rejects(() =>
              verifyInclusion(
                index,
                size,
                leaf,
                proof.filter((_, j) => j !== pick % proof.length),
                root,
              ),
            ),
          ).toBe(true);
        }
        const added = [...proof];
        added.splice(pick % (proof.length + 1), 0, LEAVES[other % LEAVES.length]);
        expect(rejects(() => verifyInclusion(index, size, leaf, added, root))).toBe(true);
        if (size > 1) {
          const wrong = (index + 1 + (other % (size - 1))) % size;
          expect(rejects(() => verifyInclusion(wrong, size, leaf, proof, root))).toBe(true);
        }
        expect(rejects(() => verifyInclusion(index, size, LEAVES[(index + 1) % 3000], proof, root))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a wrong size is accepted only when the path has the very same shape (so sizes must be signed)', () => {
    // E.g. leaf 0 of 5 and leaf 0 of 6 have siblings on the same sides, so one
    // proof fits both sizes. notar never lets the prover choose the size:
    // block.size is hashed into the block line and history.size is signed.
    expect(sides(0, 5)).toBe(sides(0, 6));
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 1, max: 3000 }), ([size, index], claimed) => {
        if (claimed === size || index >= claimed) return;
        const accepted = !rejects(() =>
          verifyInclusion(index, claimed, LEAVES[index], BIG.inclusionProofAt(index, size), BIG.rootAt(size)),
        );
        expect(accepted).toBe(sides(index, claimed) === sides(index, size));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects indices and sizes out of range before hashing', () => {
    const leaf = LEAVES[0];
    for (const [i, n] of [
      [0, 0],
      [1, 1],
      [-1, 4],
      [4, 4],
      [0.5, 4],
      [0, 2 ** 53],
      [Number.NaN, 4],
    ]) {
      expect(rejects(() => rootFromInclusionProof(i, n, leaf, []))).toBe(true);
    }
    expect(rejects(() => rootFromInclusionProof(0, 1, leaf.subarray(0, 31), []))).toBe(true);
    expect(rejects(() => rootFromInclusionProof(0, 2, leaf, [leaf.subarray(1)]))).toBe(true);
  });
});

describe('consistency proofs (fast-check)', () => {
  const sizes = fc
    .integer({ min: 1, max: 3000 })
    .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

  it('verify for every m <= n, and equal the proofs of a tree of exactly n leaves', () => {
    fc.assert(
      fc.property(sizes, ([m, n]) => {
        const proof = BIG.consistencyProof(m, n);
        verifyConsistency(m, n, BIG.rootAt(m), BIG.rootAt(n), proof);
        if (n <= 600)
          expect(MerkleTree.fromLeafHashes(LEAVES.slice(0, n)).consistencyProof(m).map(toHex)).toEqual(
            proof.map(toHex),
          );
        expect(proof.length === 0).toBe(m === n);
      }),
      { numRuns: 150 },
    );
  });

  it('reject a flipped bit, a dropped or an added hash, swapped or wrong roots', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(255), ([m, n], pick, bit) => {
        const proof = BIG.consistencyProof(m, n);
        const r1 = BIG.rootAt(m);
        const r2 = BIG.rootAt(n);
        const bad = (p: Uint8Array[], a = r1, b = r2, s1 = m, s2 = n) =>
          rejects(() => verifyConsistency(s1, s2, a, b, p));
        if (proof.length > 0) {
          expect(bad(flipBit(proof, pick % proof.length, bit))).toBe(true);
          expect(bad(proof.filter((_, j) => j !== pick % proof.length))).toBe(true);
        }
        const added = [...proof];
        added.splice(pick % (proof.length + 1), 0, r1);
        expect(bad(added)).toBe(true);
        if (m < n) {
          expect(bad(proof, r2, r1)).toBe(true);
          expect(bad(proof, flipBit([r1], 0, bit)[0], r2)).toBe(true);
          expect(bad(proof, r1, flipBit([r2], 0, bit)[0])).toBe(true);
          expect(bad(proof, r1, r2, n, m)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a proof presented for other sizes is accepted only if it IS the proof for those sizes', () => {
    fc.assert(
      fc.property(sizes, sizes, ([m, n], [m2, n2]) => {
        const proof = BIG.consistencyProof(m, n);
        const accepted = !rejects(() => verifyConsistency(m2, n2, BIG.rootAt(m2), BIG.rootAt(n2), proof));
        expect(accepted).toBe(BIG.consistencyProof(m2, n2).map(toHex).join() === proof.map(toHex).join());
      }),
      { numRuns: 200 },
    );
  });

  it('a proof from the empty tree is refused (RFC 9162 §2.1.4 needs 0 < size1)', () => {
    const empty = new Uint8Array(sha(new Uint8Array(0)));
    expect(rejects(() => verifyConsistency(0, 1, empty, LEAVES[0], []))).toBe(true);
    expect(rejects(() => verifyConsistency(0, 0, empty, empty, []))).toBe(true);
  });
});

/**
 * A virtual tree whose leaves all hash to X: any subtree hash depends only on
 * its width, so proofs for sizes near 2^53 can be built (RFC 9162 PATH and
 * SUBPROOF, written out here independently) and checked against our verifier.
 */
describe('sizes beyond 32 bits', () => {
  const X = new Uint8Array(sha(Buffer.from('leaf')));
  const node = (a: Uint8Array, b: Uint8Array) => new Uint8Array(sha(Buffer.concat([Buffer.of(1), a, b])));
  const memo = new Map<number, Uint8Array>();
  const split = (n: number) => {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  };
  const mth = (w: number): Uint8Array => {
    if (w === 1) return X;
    let h = memo.get(w);
    if (!h) {
      const k = split(w);
      h = node(mth(k), mth(w - k));
      memo.set(w, h);
    }
    return h;
  };
  const path = (m: number, n: number): Uint8Array[] => {
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...path(m, k), mth(n - k)] : [...path(m - k, n - k), mth(k)];
  };
  const subproof = (m: number, n: number, complete: boolean): Uint8Array[] => {
    if (m === n) return complete ? [] : [mth(n)];
    const k = split(n);
    return m <= k ? [...subproof(m, k, complete), mth(n - k)] : [...subproof(m - k, n - k, false), mth(k)];
  };
  const MAX = Number.MAX_SAFE_INTEGER;

  it.each([
    [2 ** 32 + 1, 2 ** 32],
    [2 ** 52 + 1, 2 ** 52],
    [MAX, 2 ** 52 + 12345],
    [MAX, MAX - 1],
  ])('inclusion in a tree of %i leaves (index %i)', (n, i) => {
    const p = path(i, n);
    expect(p.length).toBe(inclusionProofLength(i, n));
    expect(toHex(rootFromInclusionProof(i, n, X, p))).toBe(toHex(mth(n)));
    expect(rejects(() => verifyInclusion(i, n, X, p.slice(1), mth(n)))).toBe(true);
  });

  it.each([
    [2 ** 32, 2 ** 32 + 5],
    [2 ** 52 + 1, 2 ** 52 + 2],
    [2 ** 52 + 1, MAX],
    [2 ** 52, MAX],
    [3, MAX],
  ])('consistency from %i to %i', (m, n) => {
    const p = subproof(m, n, true);
    expect(() => verifyConsistency(m, n, mth(m), mth(n), p)).not.toThrow();
    expect(rejects(() => verifyConsistency(m, n, mth(m), mth(n), p.slice(1)))).toBe(true);
  });
});
