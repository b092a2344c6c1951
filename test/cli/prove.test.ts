// `notar prove`: receipts rebuilt from the store, byte for byte what stamp wrote.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { leavesFile, storePaths } from '../../src/store/paths.js';
import { expectError, expectOk, readJson, sha256Hex } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

let s: TestStore;

beforeAll(() => {
  s = makeStore();
  writeDocs(s.dir, { 'a.txt': 'document A\n', 'b.txt': 'document B\n', 'twin.txt': 'document A\n' });
  expectOk(s.run(['stamp', 'a.txt', 'b.txt', 'twin.txt']));
});

function verifies(file: string, receipt: string): void {
  const r = s.run(['verify', file, '--receipt', receipt, '--key', s.vkey]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

describe('notar prove', () => {
  it('rebuilds exactly the receipt stamp wrote (same checkpoint)', () => {
    const r = s.run(['prove', 'b.txt']);
    expectOk(r);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(fs.readFileSync(path.join(s.dir, 'b.txt.notar.json'), 'utf8'));
  });

  it('finds a document by --sha256', () => {
    const r = s.run(['prove', '--sha256', sha256Hex('document B\n').toUpperCase()]);
    expectOk(r);
    expect(r.stdout).toBe(fs.readFileSync(path.join(s.dir, 'b.txt.notar.json'), 'utf8'));
  });

  it('two files with the same content in one batch: prints the later one, mentions the other', () => {
    const r = s.run(['prove', 'a.txt']);
    expectOk(r);
    expect(r.stdout).toBe(fs.readFileSync(path.join(s.dir, 'twin.txt.notar.json'), 'utf8'));
    expect(r.stderr).toContain('was stamped 2 times');
  });

  it('after more blocks, rebuilds against the latest checkpoint; `prove f > f.notar.json` verifies', () => {
    writeDocs(s.dir, { 'c.txt': 'document C\n', 'd.txt': 'document D\n' });
    expectOk(s.run(['stamp', 'c.txt']));
    expectOk(s.run(['stamp', 'd.txt']));
    const r = s.run(['prove', 'b.txt']);
    expectOk(r);
    const rebuilt = JSON.parse(r.stdout);
    const original = readJson(path.join(s.dir, 'b.txt.notar.json'));
    expect(rebuilt.history.size).toBe(3);
    expect(rebuilt.checkpoint).toBe(s.run(['checkpoint']).stdout);
    expect({ ...rebuilt, history: 0, checkpoint: 0 }).toEqual({ ...original, history: 0, checkpoint: 0 });
    fs.writeFileSync(path.join(s.dir, 'b-rebuilt.json'), r.stdout);
    verifies('b.txt', 'b-rebuilt.json');
  });

  it('a document stamped again later: --out writes every stamping, the latest under the plain name', () => {
    writeDocs(s.dir, { 'again/b.txt': 'document B\n' });
    expectOk(s.run(['stamp', 'again/b.txt', '--again']));
    const seq = readJson(path.join(s.dir, 'again/b.txt.notar.json')).block.seq;
    const r = s.run(['prove', 'b.txt', '--out', 'proofs']);
    expectOk(r);
    const latest = path.join('proofs', 'b.txt.notar.json');
    const older = path.join('proofs', 'b.txt.0-1.notar.json');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([older, latest].sort());
    expect(readJson(path.join(s.dir, latest)).block.seq).toBe(seq);
    expect(readJson(path.join(s.dir, older)).block.seq).toBe(0);
    verifies('b.txt', latest);
    verifies('b.txt', older);
  });

  it('--out replaces its own earlier output for the same document', () => {
    const r = s.run(['prove', 'b.txt', '--out', 'proofs']);
    expectOk(r);
  });

  it('--out refuses to overwrite a file that is not a receipt for this document', () => {
    fs.mkdirSync(path.join(s.dir, 'busy'));
    fs.writeFileSync(path.join(s.dir, 'busy', 'c.txt.notar.json'), 'my notes\n');
    expectError(s.run(['prove', 'c.txt', '--out', 'busy']), 2, 'is not a receipt for this document');
    expect(fs.readFileSync(path.join(s.dir, 'busy', 'c.txt.notar.json'), 'utf8')).toBe('my notes\n');
  });

  it('--sha256 --out names the files by digest', () => {
    const hex = sha256Hex('document C\n');
    const r = s.run(['prove', '--sha256', hex, '--out', 'by-digest']);
    expectOk(r);
    expect(r.stdout).toBe(path.join('by-digest', `${hex}.notar.json`) + '\n');
    verifies('c.txt', path.join('by-digest', `${hex}.notar.json`));
  });

  it('finds the right leaf in a large batch', () => {
    const lines = Array.from({ length: 700 }, (_, i) => `${sha256Hex(`bulk ${i}`)}  bulk-${i}.pdf`).join('\n') + '\n';
    expectOk(s.run(['stamp', '--digests', '--no-receipts'], { input: lines }));
    for (const i of [0, 345, 699]) {
      const r = s.run(['prove', '--sha256', sha256Hex(`bulk ${i}`)]);
      expectOk(r);
      const receipt = JSON.parse(r.stdout);
      expect(receipt.leaf.index).toBe(i);
      expect(receipt.document.name).toBe(`bulk-${i}.pdf`);
      fs.writeFileSync(path.join(s.dir, `bulk-${i}.json`), r.stdout);
      const v = s.run(['verify', '--sha256', sha256Hex(`bulk ${i}`), '--receipt', `bulk-${i}.json`, '--key', s.vkey]);
      expect(v.code, v.stdout).toBe(0);
    }
  });
});

describe('notar prove: not found and bad input', () => {
  it('a document never stamped: exit 1, one line', () => {
    writeDocs(s.dir, { 'never.txt': 'never stamped\n' });
    expectError(s.run(['prove', 'never.txt']), 1, 'never.txt was never stamped in this store');
  });

  it('an empty store finds nothing: exit 1', () => {
    const empty = makeStore();
    writeDocs(empty.dir, { 'x.txt': 'x' });
    expectError(empty.run(['prove', 'x.txt']), 1, 'was never stamped');
  });

  it('missing file, directory, bad digest, nothing named, both: exit 2', () => {
    expectError(s.run(['prove', 'missing.txt']), 2, 'cannot read missing.txt: no such file');
    expectError(s.run(['prove', 'again']), 2, 'again: is a directory');
    expectError(s.run(['prove', '--sha256', 'xyz']), 2, 'not a SHA-256 digest');
    expectError(s.run(['prove']), 2, 'name the stamped document');
    expectError(s.run(['prove', 'a.txt', '--sha256', sha256Hex('x')]), 2, 'not both');
  });

  it('no store: exit 2 naming it', () => {
    expectError(s.run(['prove', 'a.txt', '--store', path.join(s.dir, 'nowhere')]), 2, 'no notar store at');
  });

  it('a missing leaves file is store damage: exit 1', () => {
    const victim = makeStore();
    writeDocs(victim.dir, { 'v.txt': 'v' });
    expectOk(victim.run(['stamp', 'v.txt']));
    fs.rmSync(leavesFile(storePaths(victim.storeDir), 0));
    expectError(victim.run(['prove', 'v.txt']), 1, 'the leaves of block 0 are missing');
  });

  it('a damaged leaves file is reported, not turned into a receipt', () => {
    const victim = makeStore();
    writeDocs(victim.dir, { 'v.txt': 'v' });
    expectOk(victim.run(['stamp', 'v.txt']));
    const file = leavesFile(storePaths(victim.storeDir), 0);
    const data = fs.readFileSync(file);
    // Flip a byte of the salt (record bytes 32..63, after the 27-byte header).
    data[27 + 40] ^= 1;
    fs.writeFileSync(file, data);
    expectError(victim.run(['prove', 'v.txt']), 1, /damaged/);
  });
});
