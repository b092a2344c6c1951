// Issue 10, items 1, 4 and 6, reproduced as the issue gives them, through the real binary.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockHash, nextBlock } from '../../src/core/block.js';
import { toHex } from '../../src/core/bytes.js';
import { formatChainRecord, parseChainRecord } from '../../src/core/chain.js';
import { leafHash } from '../../src/core/merkle.js';
import { expectOneError } from '../reliability/helpers.js';
import { makeStore, writeDocs } from './helpers.js';

const sha256 = (data: string | Uint8Array) => new Uint8Array(crypto.createHash('sha256').update(data).digest());
const chainOf = (storeDir: string) => path.join(storeDir, 'chain.jsonl');

describe('item 1: an invented block line appended to chain.jsonl', () => {
  it('the next ordinary stamp refuses (exit 1, one error, a hint), seals nothing and writes no receipt', () => {
    const s = makeStore('registry.example.gov/civil');
    writeDocs(s.dir, { 'd1.txt': 'one\n', 'd2.txt': 'two\n', 'forged.txt': 'forged\n' });
    expect(s.run(['stamp', 'd1.txt']).code).toBe(0);
    const chain = fs.readFileSync(chainOf(s.storeDir), 'utf8');
    const last = parseChainRecord(chain.trimEnd().split('\n').pop()!);
    // root = leaf hash of salt || sha256(forged.txt), backdated to 2019, linked to the last block.
    const salt = new Uint8Array(32).fill(1);
    const root = leafHash(new Uint8Array([...salt, ...sha256('forged\n')]));
    const block = nextBlock(last, 1, root, '2019-01-01T00:00:00Z');
    expect(toHex(blockHash(last))).toBe(block.prev);
    const forged = chain + formatChainRecord({ ...block, checkpoint: last.checkpoint }) + '\n';
    fs.writeFileSync(chainOf(s.storeDir), forged);
    const r = s.run(['stamp', 'd2.txt']);
    expectOneError(r, 1, /^notar: error: refusing to sign: .*chain\.jsonl: block 1: /);
    expect(r.stderr).toMatch(/\nnotar: hint: nothing was stamped or changed; run `notar chain verify`/);
    expect(fs.existsSync(path.join(s.dir, 'd2.txt.notar.json'))).toBe(false);
    expect(fs.readFileSync(chainOf(s.storeDir), 'utf8')).toBe(forged);
  });
});

describe('item 4: a key.json that is not the published key', () => {
  it('another key of the same name in key.json: stamp refuses and names both key IDs', () => {
    const s = makeStore('registry.example.gov/civil');
    const other = makeStore('registry.example.gov/civil');
    writeDocs(s.dir, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    expect(s.run(['stamp', 'a.txt']).code).toBe(0);
    fs.copyFileSync(path.join(other.storeDir, 'key.json'), path.join(s.storeDir, 'key.json'));
    const id = (vkey: string) => vkey.split('+')[1];
    const r = s.run(['stamp', 'b.txt']);
    expectOneError(
      r,
      1,
      `refusing to sign: key.json holds key ${id(other.vkey)}, but key.pub (the published verifier key) is key ${id(s.vkey)}: they are not the same key`,
    );
    expect(r.stderr).toMatch(/notar: hint: restore key\.json and key\.pub from your backup/);
    expect(fs.existsSync(path.join(s.dir, 'b.txt.notar.json'))).toBe(false);
  });

  it('both key files of another key (a wrong backup): stamp refuses, the chain was signed by another key', () => {
    const s = makeStore('registry.example.gov/civil');
    const other = makeStore('registry.example.gov/civil');
    writeDocs(s.dir, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    expect(s.run(['stamp', 'a.txt']).code).toBe(0);
    for (const f of ['key.json', 'key.pub']) fs.copyFileSync(path.join(other.storeDir, f), path.join(s.storeDir, f));
    expectOneError(
      s.run(['stamp', 'b.txt']),
      1,
      /refusing to sign: the signing key in key\.json \(key ID [0-9a-f]{8}\) is not the key that signed this chain/,
    );
  });
});

describe('item 6: the newest block line deleted', () => {
  it('stamp refuses (a fork); the signed leaves stay; after the operator moves tip.json away they go to quarantine/, loudly', () => {
    const s = makeStore('registry.example.gov/civil');
    writeDocs(s.dir, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    expect(s.run(['stamp', 'a.txt']).code).toBe(0);
    expect(s.run(['stamp', 'b.txt']).code).toBe(0);
    const chainFile = chainOf(s.storeDir);
    const leaves = path.join(s.storeDir, 'leaves', '0000000001.bin');
    const signed = fs.readFileSync(leaves);
    fs.writeFileSync(chainFile, fs.readFileSync(chainFile, 'utf8').split('\n')[0] + '\n');
    const refused = s.run(['stamp', 'c.txt']);
    expectOneError(refused, 1, 'has 1 block, but this key already signed 2: the newest block lines were removed');
    expect(refused.stderr).toMatch(/notar: hint: put the missing lines back/);
    expect(fs.readFileSync(leaves).equals(signed)).toBe(true);

    fs.renameSync(path.join(s.storeDir, 'tip.json'), path.join(s.dir, 'tip.json.aside'));
    const r = s.run(['stamp', 'c.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^notar: recovered: WARNING: leaves\/0000000001\.bin holds leaves this key signed for block 1, but chain\.jsonl has no block 1 .*moved it to quarantine\/\S+ instead of overwriting it/m,
    );
    const [moved] = fs.readdirSync(path.join(s.storeDir, 'quarantine'));
    expect(fs.readFileSync(path.join(s.storeDir, 'quarantine', moved)).equals(signed)).toBe(true);
    const audit = s.run(['chain', 'verify']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stderr).toMatch(/quarantine\/ holds 1 file/);
  });

  it('a complete last line damaged in the middle (and its newline gone) is not removed as torn: stamp refuses', () => {
    const s = makeStore('registry.example.gov/civil');
    writeDocs(s.dir, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    expect(s.run(['stamp', 'a.txt']).code).toBe(0);
    expect(s.run(['stamp', 'b.txt']).code).toBe(0);
    const chainFile = chainOf(s.storeDir);
    const bytes = fs.readFileSync(chainFile).subarray(0, -1);
    const lastStart = bytes.lastIndexOf(0x0a) + 1;
    bytes[bytes.indexOf('"root":"', lastStart) + 5] ^= 0x01; // the quote that closes "root"
    fs.writeFileSync(chainFile, bytes);
    expectOneError(s.run(['stamp', 'c.txt']), 1, /refusing to sign: /);
    expect(fs.readFileSync(chainFile).equals(bytes)).toBe(true);
  });
});
