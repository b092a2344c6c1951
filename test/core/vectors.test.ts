// Published RFC 6962 vectors (test/vectors/rfc6962, from transparency-dev/merkle).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex } from '../../src/core/bytes.js';
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

describe('reference tree heads', () => {
  const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8'));
  const leaves = (ref.leafInputs as string[]).map((h) => leafHash(fromHex(h)));
  it.each(ref.rootHashes.map((h: string, n: number) => [n, h]))('tree head of first %i leaves', (n, want) => {
    expect(toHex(treeHead(leaves.slice(0, n as number)))).toBe(want);
    expect(toHex(MerkleTree.fromLeafHashes(leaves.slice(0, n as number)).root())).toBe(want);
  });
});

describe('inclusion vectors', () => {
  const files = jsonFiles(join(DIR, 'inclusion'));
  it('has the published cases', () => expect(files.length).toBeGreaterThan(60));
  it.each(files.map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    const run = () => verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), b64list(v.proof), b64(v.root));
    if (v.wantErr) expect(run).toThrow();
    else expect(run).not.toThrow();
  });
});

describe('consistency vectors', () => {
  const files = jsonFiles(join(DIR, 'consistency'));
  it('has the published cases', () => expect(files.length).toBeGreaterThan(60));
  it.each(files.map((f) => [f.slice(DIR.length + 1), f]))('%s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    const run = () => verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), b64list(v.proof));
    if (v.wantErr) expect(run).toThrow();
    else expect(run).not.toThrow();
  });
});
