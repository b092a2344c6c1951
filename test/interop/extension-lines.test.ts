// Issue #9 / FORMAT.md §11: C2SP tlog-checkpoint extension lines. Checkpoints
// with one and with three extension lines, signed with the store's own (fixed,
// test-only) key, are accepted by verify, consistency (both sides) and
// refresh, and their bytes are kept. notar itself writes none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { formatSignerKey, parseNote, signerFromSeed, signNote, type Signer } from '../../src/core/note.js';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';

let s: TestStore;
let signer: Signer;
const file = (name: string) => path.join(s.dir, name);
const read = (name: string) => fs.readFileSync(file(name), 'utf8');
const chainCheckpoint = (seq: number) =>
  JSON.parse(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').split('\n')[seq]).checkpoint as string;

const EXTENSIONS: [string, string[]][] = [
  ['one', ['note: witnessed by nobody \u2603']],
  ['three', ['first extension', 'second \u2014 with an em dash', 'third: 12345 trailing  ']],
];

/** The store's checkpoint after block `seq`, with `ext` appended to its body and re-signed by the store key. */
function withExtensions(seq: number, ext: string[]): string {
  return signNote(parseNote(chainCheckpoint(seq)).body + ext.map((l) => l + '\n').join(''), signer);
}

beforeAll(() => {
  // A fixed key (seed 0x2a...), imported into the store, so the signed bytes are reproducible.
  signer = signerFromSeed('notary.example.gov/extensions', new Uint8Array(32).fill(0x2a));
  const keyFile = path.join(tempDir(), 'fixed.key');
  fs.writeFileSync(keyFile, formatSignerKey(signer) + '\n', { mode: 0o600 });
  s = makeStore(signer.name, ['--no-passphrase', '--import', keyFile]);
  expect(s.vkey).toBe(signer.text);
  for (const name of ['a.txt', 'b.txt', 'c.txt']) {
    writeDocs(s.dir, { [name]: `document ${name}\n` });
    expect(s.run(['stamp', name]).code).toBe(0);
  }
});

it('notar writes no extension lines', () => {
  expect(parseCheckpoint(parseNote(chainCheckpoint(2)).body).extensions).toEqual([]);
});

describe.each(EXTENSIONS)('a checkpoint with %s extension line(s)', (label, ext) => {
  it('verify: a receipt carrying it verifies (CLI), with the lines kept in the receipt', () => {
    const r = JSON.parse(read('b.txt.notar.json'));
    expect(r.history.size).toBe(2);
    const cp = withExtensions(1, ext);
    fs.writeFileSync(file(`b-${label}.json`), JSON.stringify({ ...r, checkpoint: cp }, null, 2) + '\n');
    const v = s.run(['verify', 'b.txt', '--receipt', `b-${label}.json`, '--key', s.vkey]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^OK: /);
    expect(parseCheckpoint(parseNote(JSON.parse(read(`b-${label}.json`)).checkpoint).body).extensions).toEqual(ext);
  });

  it('consistency --from: accepted as the old checkpoint, copied into the statement byte for byte; --verify accepts it', () => {
    const old = withExtensions(0, ext);
    fs.writeFileSync(file(`old-${label}.txt`), old);
    const r = s.run(['consistency', '--from', `old-${label}.txt`]);
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout);
    expect(st.from).toBe(old);
    fs.writeFileSync(file(`proof-${label}.json`), r.stdout);
    const v = s.run(['consistency', '--verify', `proof-${label}.json`, '--key', s.vkey]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('consistency --verify: a statement whose later checkpoint has extension lines verifies', () => {
    const st = JSON.parse(read(`proof-${label}.json`));
    const to = withExtensions(2, ext);
    expect(to).not.toBe(st.to);
    fs.writeFileSync(file(`proof-to-${label}.json`), JSON.stringify({ ...st, to }, null, 2) + '\n');
    const v = s.run(['consistency', '--verify', `proof-to-${label}.json`, '--key', s.vkey]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('refresh: an older receipt with it moves to the latest checkpoint; a current one is kept byte for byte', () => {
    const older = read(`b-${label}.json`);
    const r = s.run(['refresh', `b-${label}.json`]);
    expect(r.code, r.stderr).toBe(0);
    const moved = JSON.parse(read(`b-${label}.json`));
    expect(moved.history.size).toBe(3);
    expect({ ...moved, history: undefined, checkpoint: undefined }).toEqual({
      ...JSON.parse(older),
      history: undefined,
      checkpoint: undefined,
    });
    // At the latest size, with extension lines: nothing to do, nothing rewritten.
    const current =
      JSON.stringify({ ...JSON.parse(read('c.txt.notar.json')), checkpoint: withExtensions(2, ext) }) + '\n';
    fs.writeFileSync(file(`c-${label}.json`), current);
    const again = s.run(['refresh', `c-${label}.json`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already at history size 3');
    expect(read(`c-${label}.json`)).toBe(current);
    expect(s.run(['verify', 'c.txt', '--receipt', `c-${label}.json`, '--key', s.vkey]).code).toBe(0);
  });

  it('an edited extension line breaks the signature (verify exit 1)', () => {
    const r = JSON.parse(read('c.txt.notar.json'));
    const cp = withExtensions(2, ext).replace(ext[0], ext[0] + 'x');
    fs.writeFileSync(file(`bad-${label}.json`), JSON.stringify({ ...r, checkpoint: cp }));
    const v = s.run(['verify', 'c.txt', '--receipt', `bad-${label}.json`, '--key', s.vkey]);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toMatch(/signature/);
  });
});

it('signature base64 keeps one spelling: a signature re-spelled in chain.jsonl (same bytes) is a fault for chain verify', () => {
  const t = makeStore('notary.example.gov/spelling');
  writeDocs(t.dir, { 'x.txt': 'x\n' });
  expect(t.run(['stamp', 'x.txt']).code).toBe(0);
  const chainFile = path.join(t.storeDir, 'chain.jsonl');
  const line = fs.readFileSync(chainFile, 'utf8');
  const rec = JSON.parse(line);
  const m = /(\S)=\n$/.exec(rec.checkpoint)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const other = alphabet[alphabet.indexOf(m[1]) ^ 1]; // flips an unused bit: same signature bytes
  const respelled = rec.checkpoint.slice(0, m.index) + other + '=\n';
  fs.writeFileSync(chainFile, line.replace(JSON.stringify(rec.checkpoint), JSON.stringify(respelled)));
  // FORMAT.md §11: signature lines have one accepted spelling, in receipts and in notar's own file.
  const r = t.run(['chain', 'verify']);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain('malformed signature line');
});
