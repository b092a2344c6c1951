// `notar stamp` and its receipt files (issue 10): every receipt path is settled before sealing,
// an existing receipt counts only if it holds in this store, one unwritable receipt does not
// cost the others, abandoned temp files are cleaned, and the status line has one rule.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk, readJson } from './expect-cli.js';
import { BIN, makeStore, notar, type TestStore, writeDocs } from './helpers.js';

const blocks = (s: TestStore) => s.run(['log', '--json']).stdout.split('\n').filter(Boolean).length;

function verifies(s: TestStore, doc: string, receipt?: string): boolean {
  const r = s.run(['verify', doc, ...(receipt ? ['--receipt', receipt] : []), '--key', s.vkey]);
  return r.code === 0;
}

/** A pid that is not running: a child that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

describe('receipt paths that meet are refused before sealing (item 2)', () => {
  it('`stamp ../a.txt a.txt --out r`: exit 2 naming both, nothing sealed (was: "stamped 1 document")', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'w/a.txt': 'upper\n', 'w/sub/a.txt': 'lower\n' });
    const r = s.run(['stamp', '../a.txt', 'a.txt', '--out', 'r'], { cwd: path.join(s.dir, 'w/sub') });
    expectError(
      r,
      2,
      `../a.txt and a.txt would both get the receipt ${path.join('r', 'a.txt.notar.json')}; nothing was stamped`,
    );
    expect(r.stderr).toMatch(/^notar: hint: .*separate runs/m);
    expect(blocks(s)).toBe(0);
    expect(fs.existsSync(path.join(s.dir, 'w/sub/r'))).toBe(false);
  });

  it('`stamp - stdin --out r`: the file named stdin is not lost', () => {
    const s = makeStore();
    writeDocs(s.dir, { stdin: 'a file named stdin\n' });
    const r = s.run(['stamp', '-', 'stdin', '--out', 'r'], { input: 'x\n' });
    expectError(r, 2, 'standard input (-) and stdin would both get the receipt');
    expect(blocks(s)).toBe(0);
  });

  it('a receipt that would be a directory another receipt needs: exit 2 before sealing', () => {
    const s = makeStore();
    writeDocs(s.dir, { x: 'x\n', 'x.notar.json/a.txt': 'a\n' });
    expectError(
      s.run(['stamp', 'x', 'x.notar.json/a.txt', '--out', 'r']),
      2,
      'a directory the receipt of x.notar.json/a.txt needs',
    );
    expectError(
      s.run(['stamp', 'x.notar.json/a.txt', 'x', '--out', 'r']),
      2,
      'a directory the receipt of x.notar.json/a.txt needs',
    );
    expect(blocks(s)).toBe(0);
  });

  it('the same file named twice is one document, stamped once (beside it and under --out)', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    const r = s.run(['stamp', 'a.txt', './a.txt', path.join(s.dir, 'a.txt'), 'b.txt']);
    expectOk(r);
    expect(r.stdout).toMatch(/^stamped 2 documents in block 0 /);
    expect(verifies(s, 'a.txt')).toBe(true);
    // --again: a.txt is already stamped in this store (issue 13: skipped without it).
    const out = s.run(['stamp', 'a.txt', 'x/../a.txt', '--out', 'r', '--again']);
    expectOk(out);
    expect(out.stdout).toMatch(/^stamped 1 document in block 1 /);
    expect(verifies(s, 'a.txt', 'r/a.txt.notar.json')).toBe(true);
  });
});

describe('an existing receipt counts only if it holds in this store (item 3)', () => {
  it('a receipt of store A beside c.txt: store B refuses (exit 2) and keeps it; --force stamps in B', () => {
    const a = makeStore('notary.example.gov/a');
    writeDocs(a.dir, { 'c.txt': 'C\n' });
    expectOk(a.run(['stamp', 'c.txt']));
    const receiptA = fs.readFileSync(path.join(a.dir, 'c.txt.notar.json'), 'utf8');
    const b = makeStore('notary.example.gov/b');
    const r = b.run(['stamp', 'c.txt'], { cwd: a.dir });
    expectError(
      r,
      2,
      'c.txt.notar.json is a receipt for c.txt that does not hold in this store: it is a receipt of notary.example.gov/a, not of this store (notary.example.gov/b); nothing was stamped',
    );
    expect(r.stderr).toContain('notar: hint: ');
    expect(fs.readFileSync(path.join(a.dir, 'c.txt.notar.json'), 'utf8')).toBe(receiptA);
    expect(blocks(b)).toBe(0);
    expectOk(b.run(['stamp', 'c.txt', '--force'], { cwd: a.dir }));
    expectOk(b.run(['prove', 'c.txt'], { cwd: a.dir }));
  });

  it('a receipt whose proof is broken is not kept: exit 2, nothing sealed, the file untouched', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n' });
    expectOk(s.run(['stamp', 'a.txt', 'b.txt', 'c.txt']));
    // b's batch proof edited: the receipt after a good one with the same checkpoint (the cached path).
    const file = path.join(s.dir, 'b.txt.notar.json');
    const text = fs.readFileSync(file, 'utf8');
    const step = readJson(file).leaf.path[0] as string;
    const broken = text.replace(step, (step[0] === '0' ? '1' : '0') + step.slice(1));
    fs.writeFileSync(file, broken);
    const r = s.run(['stamp', 'a.txt', 'b.txt']);
    expectError(
      r,
      2,
      'b.txt.notar.json is a receipt for b.txt that does not hold in this store: its batch proof does not lead to the root of block 0',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(broken);
    expect(blocks(s)).toBe(1);
    // The first receipt met with a checkpoint is checked in full, signature included.
    const c = path.join(s.dir, 'c.txt.notar.json');
    const cText = fs.readFileSync(c, 'utf8');
    const sig = / ([A-Za-z0-9+/]{20})/.exec(readJson(c).checkpoint)![1];
    fs.writeFileSync(c, cText.replace(sig, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')));
    expectError(
      s.run(['stamp', 'c.txt']),
      2,
      "c.txt.notar.json is a receipt for c.txt that does not hold in this store: it does not verify against this store's key (signature:",
    );
    // A good receipt from an earlier checkpoint still counts.
    const kept = s.run(['stamp', 'a.txt']);
    expectOk(kept);
    expect(kept.stdout).toBe('nothing new to stamp: kept 1 existing receipt (use --force to stamp again)\n');
  });
});

describe('long names and unwritable receipts (item 5)', () => {
  it('a name of 230 bytes: its receipt is written, and so are the others (was: ENAMETOOLONG after sealing)', () => {
    const s = makeStore();
    const long = 'n'.repeat(230);
    writeDocs(s.dir, { [long]: 'long\n', 'z.txt': 'z\n' });
    const r = s.run(['stamp', long, 'z.txt']);
    expectOk(r);
    expect(verifies(s, long)).toBe(true);
    expect(verifies(s, 'z.txt')).toBe(true);
    expect(fs.readdirSync(s.dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a receipt name over 255 bytes: exit 2 before sealing, no errno text', () => {
    const s = makeStore();
    const long = 'n'.repeat(250);
    writeDocs(s.dir, { [long]: 'long\n', 'z.txt': 'z\n' });
    const r = s.run(['stamp', 'z.txt', long]);
    expectError(
      r,
      2,
      `cannot write the receipt of ${long}: its name would be 261 bytes, over the file system's limit of 255; nothing was stamped`,
    );
    expect(r.stderr).not.toMatch(/E[A-Z]{4,}/);
    expect(blocks(s)).toBe(0);
    expect(fs.existsSync(path.join(s.dir, 'z.txt.notar.json'))).toBe(false);
  });

  it('a receipt that fails to write does not stop the later ones; each failure is an error line, exit 2', () => {
    const s = makeStore();
    const long = 'l'.repeat(200);
    writeDocs(s.dir, { 'a.txt': 'a\n', [long]: 'b\n', 'c.txt': 'c\n' });
    // A file size limit (RLIMIT_FSIZE) of 1100 bytes: the store's files (~500 bytes) and the short
    // receipts (~1,000) fit; the long name's receipt (~1,230) fails with EFBIG, after sealing.
    const limit =
      'import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (1100, 1100)); os.execv(sys.argv[1], sys.argv[1:])';
    const r = spawnSync('python3', ['-c', limit, process.execPath, BIN, 'stamp', 'a.txt', long, 'c.txt'], {
      cwd: s.dir,
      env: s.env,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^stamped 3 documents in block 0 /);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'));
    expect(errors).toEqual([
      `notar: error: ${long} is stamped (block 0, leaf 1), but its receipt ${long}.notar.json was not written: file too large (a file size limit was reached)`,
    ]);
    expect(r.stderr).toContain(
      'notar: hint: the documents are in the store: once the problem is fixed, rebuild a missing receipt with `notar prove DOCUMENT > RECEIPT`',
    );
    expect(verifies(s, 'a.txt')).toBe(true);
    expect(verifies(s, 'c.txt')).toBe(true);
    expect(fs.existsSync(path.join(s.dir, `${long}.notar.json`))).toBe(false);
    expect(fs.readdirSync(s.dir).filter((n) => n.startsWith('.'))).toEqual([]);
    // The hint works: prove rebuilds it.
    const proved = s.run(['prove', long]);
    expectOk(proved);
    fs.writeFileSync(path.join(s.dir, 'rebuilt.json'), proved.stdout);
    expect(verifies(s, long, 'rebuilt.json')).toBe(true);
  });
});

describe('abandoned temp files in receipt directories are cleaned (item 15)', () => {
  it('the next stamp removes those of dead notar processes, and only those', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'docs/a.txt': 'A\n' });
    const dead = deadPid();
    const docs = path.join(s.dir, 'docs');
    const leftovers = [`.notar-${dead}-1700000000000-0.tmp`, `.a.txt.notar.json.tmp-${dead}-1700000000000-1`];
    const keep = [`.notes.tmp-${dead}-1700000000000-2`, `.notar-1-1700000000000-3.tmp`]; // not a receipt temp; pid 1 is alive
    const old = new Date(Date.now() - 3600_000);
    for (const n of [...leftovers, ...keep]) {
      fs.writeFileSync(path.join(docs, n), 'partial');
      fs.utimesSync(path.join(docs, n), old, old);
    }
    const r = s.run(['stamp', 'docs/a.txt']);
    expectOk(r);
    expect(r.stderr).toContain('notar: recovered: removed 2 temporary files left by interrupted receipt writes');
    expect(fs.readdirSync(docs).sort()).toEqual([...keep, 'a.txt', 'a.txt.notar.json'].sort());
  });
});

describe('the status line: stdout, unless stdout carries data (item 13)', () => {
  it('receipts to files: stdout, for "stamped" and for "nothing new"; with data on stdout: stderr', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    const first = s.run(['stamp', 'a.txt']);
    expect(first.stdout).toMatch(/^stamped 1 document in block 0 /);
    expect(first.stderr).toBe('');
    const again = s.run(['stamp', 'a.txt']);
    expect(again.stdout).toBe('nothing new to stamp: kept 1 existing receipt (use --force to stamp again)\n');
    expect(again.stderr).toBe('');
    const json = s.run(['stamp', 'a.txt', '--json', '--again']);
    expect(json.stdout).toMatch(/^\{"document":"a.txt"/);
    expect(json.stderr).toMatch(/^notar: stamped 1 document in block 1 /);
    const keptJson = s.run(['stamp', 'b.txt', 'a.txt', '--json', '--out', 'r']);
    expectOk(keptJson);
    const none = s.run(['stamp', 'b.txt', '--json', '--out', 'r']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('notar: nothing new to stamp: kept 1 existing receipt (use --force to stamp again)\n');
    const piped = notar(['stamp', '-'], { cwd: s.dir, env: s.env, input: 'piped\n' });
    expect(piped.stdout).toMatch(/^\{\n {2}"format"/);
    expect(piped.stderr).toMatch(/^notar: stamped 1 document /);
    const sealOnly = notar(['stamp', '-', '--no-receipts'], { cwd: s.dir, env: s.env, input: 'sealed only\n' });
    expect(sealOnly.stdout).toMatch(/^stamped 1 document /);
    expect(sealOnly.stderr).toBe('');
  });
});
