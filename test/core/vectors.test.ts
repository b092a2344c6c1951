// Published RFC 6962 vectors (test/vectors/rfc6962, from transparency-dev/merkle).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex } from '../../src/core/bytes.js';
import { NotarError } from '../../src/core/errors.js';
import { leafHash, MerkleTree, treeHead, verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';

const DIR = join(__dirname, '../vectors/rfc6962');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
  });
}

const b64 = (s: string | null | undefined) => (s ? fromBase64(s) : new Uint8Array(0));
const b64list = (l: string[] | null | undefined) => (l ?? []).map((s) => b64(s));
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** A rejection must be our typed verdict, not a crash that happens to throw. */
function expectProofInvalid(run: () => void): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NotarError);
  expect((caught as NotarError).code).toBe('PROOF_INVALID');
}

const ref = load(join(DIR, 'reference.json'));
const refLeaves = (ref.leafInputs as string[]).map((h) => leafHash(fromHex(h)));
const fullTree = MerkleTree.fromLeafHashes(refLeaves);

describe('reference tree heads', () => {
  it.each((ref.rootHashes as string[]).map((h, n): [number, string] => [n, h]))(
    'tree head of first %i leaves',
    (n, want) => {
      expect(toHex(treeHead(refLeaves.slice(0, n as number)))).toBe(want);
      expect(toHex(MerkleTree.fromLeafHashes(refLeaves.slice(0, n as number)).root())).toBe(want);
      expect(toHex(fullTree.rootAt(n as number))).toBe(want);
    },
  );
});

describe('inclusion vectors', () => {
  const files = jsonFiles(join(DIR, 'inclusion'));
  it('has the published cases', () => expect(files.length).toBeGreaterThan(60));
  it.each(files.map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = load(file);
    const run = () => verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), b64list(v.proof), b64(v.root));
    if (v.wantErr) expectProofInvalid(run);
    else expect(run).not.toThrow();
  });
});

describe('consistency vectors', () => {
  const files = jsonFiles(join(DIR, 'consistency'));
  it('has the published cases', () => expect(files.length).toBeGreaterThan(60));
  it.each(files.map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = load(file);
    const run = () => verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), b64list(v.proof));
    if (v.wantErr) expectProofInvalid(run);
    else expect(run).not.toThrow();
  });
});

// The happy-path vectors are proofs over the reference leaves: our trees must
// GENERATE exactly those proofs, not merely accept them.
describe('generated proofs equal the published ones', () => {
  const happy = (kind: string) => jsonFiles(join(DIR, kind)).filter((f) => f.endsWith('happy-path.json'));

  it.each(happy('inclusion').map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = load(file);
    expect(toHex(b64(v.leafHash))).toBe(toHex(refLeaves[v.leafIdx]));
    expect(toHex(b64(v.root))).toBe(ref.rootHashes[v.treeSize]);
    const want = b64list(v.proof).map(toHex);
    expect(MerkleTree.fromLeafHashes(refLeaves.slice(0, v.treeSize)).inclusionProof(v.leafIdx).map(toHex)).toEqual(
      want,
    );
    expect(fullTree.inclusionProofAt(v.leafIdx, v.treeSize).map(toHex)).toEqual(want);
  });

  it.each(happy('consistency').map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = load(file);
    expect(toHex(b64(v.root1))).toBe(ref.rootHashes[v.size1]);
    expect(toHex(b64(v.root2))).toBe(ref.rootHashes[v.size2]);
    const want = b64list(v.proof).map(toHex);
    expect(MerkleTree.fromLeafHashes(refLeaves.slice(0, v.size2)).consistencyProof(v.size1).map(toHex)).toEqual(want);
    expect(fullTree.consistencyProof(v.size1, v.size2).map(toHex)).toEqual(want);
  });

  it('covers every happy path', () => {
    expect(happy('inclusion').length).toBe(5);
    expect(happy('consistency').length).toBe(5);
  });
});
