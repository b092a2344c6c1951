// `notar refresh`: receipts moved to the latest checkpoint, nothing else changed (FORMAT.md §7).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, readJson } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

let s: TestStore;
const read = (f: string) => fs.readFileSync(path.join(s.dir, f), 'utf8');

/** The receipt text without the two parts refresh may change. */
function fixedPart(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('  "history": {'));
  const end = lines.findIndex((l) => l.startsWith('  "checkpoint": '));
  return [...lines.slice(0, start), ...lines.slice(end + 1)].join('\n');
}

beforeAll(() => {
  s = makeStore();
  writeDocs(s.dir, { 'a.txt': 'document A\n', 'b.txt': 'document B\n', 'c.txt': 'document C\n' });
  expectOk(s.run(['stamp', 'a.txt', 'b.txt']));
  expectOk(s.run(['stamp', 'c.txt']));
  writeDocs(s.dir, { 'd.txt': 'document D\n' });
  expectOk(s.run(['stamp', 'd.txt']));
});

describe('notar refresh', () => {
  it('moves a receipt to the latest checkpoint; only history and checkpoint change', () => {
    const before = read('a.txt.notar.json');
    expect(readJson(path.join(s.dir, 'a.txt.notar.json')).history.size).toBe(1);
    fs.chmodSync(path.join(s.dir, 'a.txt.notar.json'), 0o600);
    const r = s.run(['refresh', 'a.txt.notar.json', 'c.txt.notar.json']);
    expectOk(r);
    expect(r.stdout).toBe(
      'refreshed a.txt.notar.json: history size 1 -> 3\nrefreshed c.txt.notar.json: history size 2 -> 3\n',
    );
    const after = read('a.txt.notar.json');
    expect(fixedPart(after)).toBe(fixedPart(before));
    const receipt = JSON.parse(after);
    expect(receipt.history.size).toBe(3);
    expect(receipt.history.path).toHaveLength(2);
    expect(receipt.checkpoint).toBe(s.run(['checkpoint']).stdout);
    expect(fs.statSync(path.join(s.dir, 'a.txt.notar.json')).mode & 0o777).toBe(0o600);
    for (const f of ['a.txt', 'c.txt']) expect(s.run(['verify', f, '--key', s.vkey]).code).toBe(0);
  });

  it('a refreshed receipt equals the one prove builds', () => {
    expect(read('a.txt.notar.json')).toBe(s.run(['prove', 'a.txt']).stdout);
  });

  it('a current receipt is left as it is', () => {
    const before = fs.statSync(path.join(s.dir, 'd.txt.notar.json'));
    const r = s.run(['refresh', 'd.txt.notar.json']);
    expectOk(r);
    expect(r.stdout).toBe('d.txt.notar.json: already at history size 3\n');
    expect(fs.statSync(path.join(s.dir, 'd.txt.notar.json')).mtimeMs).toBe(before.mtimeMs);
  });

  it('a receipt of another log: exit 1, and no receipt of the run is rewritten', () => {
    const other = makeStore('notary.example.org/elsewhere');
    writeDocs(other.dir, { 'x.txt': 'x' });
    expectOk(other.run(['stamp', 'x.txt']));
    const b = read('b.txt.notar.json');
    const r = s.run(['refresh', 'b.txt.notar.json', path.join(other.dir, 'x.txt.notar.json')]);
    expectError(r, 1, 'it is a receipt of notary.example.org/elsewhere, not of this store');
    expect(read('b.txt.notar.json')).toBe(b);
  });

  it('a receipt of another log with the same name: exit 1', () => {
    const twin = makeStore();
    writeDocs(twin.dir, { 'x.txt': 'x' });
    expectOk(twin.run(['stamp', 'x.txt']));
    expectError(
      s.run(['refresh', path.join(twin.dir, 'x.txt.notar.json')]),
      1,
      "its checkpoint is not signed by this store's key",
    );
  });

  it('a receipt whose checkpoint our key signed over another history: the log was rewritten (exit 1)', () => {
    // Simulate a rewritten log: a second store with our key but a different first block.
    const fork = makeStore();
    const secret = readJson(path.join(s.storeDir, 'key.json')).key;
    fs.writeFileSync(path.join(fork.dir, 'secret.key'), secret + '\n');
    expectOk(fork.run(['key', 'import', 'secret.key', '--force', '--no-passphrase']));
    writeDocs(fork.dir, { 'y.txt': 'y' });
    expectOk(fork.run(['stamp', 'y.txt']));
    expectError(
      s.run(['refresh', path.join(fork.dir, 'y.txt.notar.json')]),
      1,
      "does not match this store's history: the log was rewritten",
    );
  });

  it('an edited leaf: exit 1, not rewritten', () => {
    const text = read('b.txt.notar.json');
    const salt = JSON.parse(text).leaf.salt;
    const edited = text.replace(salt, (salt[0] === 'a' ? 'b' : 'a') + salt.slice(1));
    fs.writeFileSync(path.join(s.dir, 'edited.json'), edited);
    expectError(s.run(['refresh', 'edited.json']), 1, 'the receipt does not verify against this store');
    expect(read('edited.json')).toBe(edited);
  });

  it('an edited block: exit 1', () => {
    const text = read('b.txt.notar.json');
    const time = JSON.parse(text).block.time;
    const other = time.slice(0, -3) + (time.slice(-3, -1) === '00' ? '01' : '00') + 'Z';
    fs.writeFileSync(path.join(s.dir, 'edited-block.json'), text.replace(time, other));
    expectError(s.run(['refresh', 'edited-block.json']), 1, 'its block 0 is not block 0 of this store');
  });

  it('a malformed receipt: exit 2 naming it; the others are untouched', () => {
    fs.writeFileSync(path.join(s.dir, 'junk.json'), '{"format": "notar-receipt/1"}\n');
    const b = read('b.txt.notar.json');
    expectError(s.run(['refresh', 'b.txt.notar.json', 'junk.json']), 2, 'junk.json: ');
    expect(read('b.txt.notar.json')).toBe(b);
  });

  it('a missing receipt or a directory: exit 2', () => {
    expectError(s.run(['refresh', 'nope.notar.json']), 2, 'cannot read nope.notar.json: no such file');
    fs.mkdirSync(path.join(s.dir, 'adir'), { recursive: true });
    expectError(s.run(['refresh', 'adir']), 2, 'adir: is a directory');
  });

  it('removes temp files a killed refresh left beside the receipts (only old ones of dead processes)', () => {
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
    );
    const dir = path.join(s.dir, 'killed');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(s.dir, 'd.txt.notar.json'), path.join(dir, 'd.txt.notar.json'));
    const left = [`.d.txt.notar.json.tmp-${dead}-1700000000000-0`, `.notar-${dead}-1700000000000-1.tmp`];
    const recent = `.notar-${dead}-1700000000000-2.tmp`; // too new: its writer may be in another PID namespace
    const old = new Date(Date.now() - 3600_000);
    for (const n of [...left, recent]) fs.writeFileSync(path.join(dir, n), '{"format": "notar-rece');
    for (const n of left) fs.utimesSync(path.join(dir, n), old, old);
    const r = s.run(['refresh', 'killed/d.txt.notar.json']);
    expectOk(r);
    expect(r.stderr).toBe('notar: recovered: removed 2 temporary files left by interrupted receipt writes\n');
    expect(fs.readdirSync(dir).sort()).toEqual([recent, 'd.txt.notar.json'].sort());
  });

  it('a store without blocks: exit 1', () => {
    const empty = makeStore();
    expectError(empty.run(['refresh', path.join(s.dir, 'b.txt.notar.json')]), 1, 'has no blocks yet');
  });
});
