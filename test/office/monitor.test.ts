// `notar monitor` following a log published with `notar publish` and served by
// nginx, and an independent tiles reader (test/interop/tiles_reader.py, Python
// stdlib, written from the C2SP text) reading the same log. Then tampered
// copies: a fork, a rollback, a rewritten batch, a damaged entry, a missing
// tile, a wrong key: each is exit 1 with evidence.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initStore } from '../../src/store/store.js';
import { notar, baseEnv, tempDir } from '../cli/helpers.js';
import { docBatch, newStore, type Fixture } from '../store/fixtures.js';
import { startNginx, type Nginx } from './nginx.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const READER = path.resolve(__dirname, '../interop/tiles_reader.py');

async function sealBlocks(f: Fixture, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++)
    await f.store.seal(docBatch(Array.from({ length: 1 + (i % 4) }, (_, j) => `${tag} ${i} ${j}`)), f.signer);
}
const publish = (f: Fixture, out: string) => {
  const r = notar(['publish', '--store', f.dir, '--out', out], { env: baseEnv() });
  if (r.code !== 0) throw new Error(r.stderr);
};
const monitor = (src: string, key: string, state?: string, extra: string[] = []) =>
  notar(['monitor', src, '--key', key, ...(state ? ['--state', state] : []), ...extra], { env: baseEnv() });
function reader(prefix: string, ...args: string[]) {
  const r = spawnSync('python3', [READER, prefix, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) throw new Error(`python3 could not be run: ${r.error.message}`);
  return { code: r.status, out: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}
const copyLog = (from: string) => {
  const to = path.join(tempDir(), 'copy');
  fs.cpSync(from, to, { recursive: true });
  return to;
};

describe('notar monitor and an independent tiles reader', () => {
  let f: Fixture;
  let vkey: string;
  let out: string;
  let nginx: Nginx;
  let state: string;
  let size260: string;
  beforeAll(async () => {
    f = newStore();
    vkey = f.signer.text;
    out = path.join(tempDir(), 'log');
    state = path.join(tempDir(), 'state');
    await sealBlocks(f, 260, 'a');
    publish(f, out);
    size260 = copyLog(out);
    nginx = await startNginx(out);
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it('catches up from the start over HTTP, reporting every block, and remembers where it is', () => {
    const r = monitor(nginx.url, vkey, state);
    expect(r.stderr).toBe(
      `notar: ${f.store.origin}: 260 new blocks; checkpoint of 260 blocks verified (signature, consistency, tiles, entries, batch roots)\n`,
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(260);
    expect(lines[259]).toMatch(/^block 259 {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}4 documents {2}root [0-9a-f]{16}…$/);
    const again = monitor(nginx.url, vkey, state);
    expect([again.code, again.stdout]).toEqual([0, '']);
    expect(again.stderr).toMatch(/no new blocks; checkpoint of 260 blocks verified/);
  });

  it('follows growth incrementally (JSON), from a URL or a directory', async () => {
    await sealBlocks(f, 5, 'b');
    publish(f, out);
    const r = monitor(nginx.url, vkey, state, ['--json']);
    expect(r.code).toBe(0);
    const blocks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(blocks.map((b) => b.seq)).toEqual([260, 261, 262, 263, 264]);
    expect(blocks[0]).toEqual({ ...f.store.readChain().records[260], checkpoint: undefined });
    const fromDir = monitor(out, vkey);
    expect(fromDir.code).toBe(0);
    expect(fromDir.stdout.trim().split('\n').length).toBe(265);
  });

  it('the independent reader reads the same log over HTTP and from the directory', () => {
    for (const prefix of [nginx.url, out]) {
      const r = reader(prefix, '--key', vkey, '--leaves');
      expect(r.out, r.stderr).toEqual({ ok: true, origin: f.store.origin, size: 265, tiles: 3, signed: true });
      expect(r.code).toBe(0);
    }
  });

  it('a fork: a different history under the same key is exit 1 with both checkpoints as evidence', async () => {
    const forked: Fixture = { dir: path.join(tempDir(), 'store'), signer: f.signer, store: undefined as never };
    forked.store = initStore(forked.dir, f.signer, null, nodeCrypto);
    await sealBlocks(forked, 266, 'fork');
    const forkOut = path.join(tempDir(), 'fork');
    publish(forked, forkOut);
    const st = path.join(tempDir(), 'st');
    fs.cpSync(state, st, { recursive: true });
    const r = monitor(forkOut, vkey, st);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /notar: error: block 265 does not link to block 264 seen before: the checkpoint of size 266 does not extend the one of size 265/,
    );
    const ev = JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n')));
    expect(ev.kind).toBe('fork');
    expect(ev.old).toBe(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8'));
    expect(ev.new).toBe(fs.readFileSync(path.join(forkOut, 'checkpoint'), 'utf8'));
    expect(fs.readdirSync(st).filter((n) => n.startsWith('evidence-'))).toHaveLength(1);
    // The state still holds the last good checkpoint.
    expect(JSON.parse(fs.readFileSync(path.join(st, 'state.json'), 'utf8')).size).toBe(265);
  });

  it('a split view: another tree of the same size under the same key is exit 1', async () => {
    const a = newStore('notary.example.gov/split');
    const bDir = path.join(tempDir(), 'store');
    const b: Fixture = { dir: bDir, signer: a.signer, store: initStore(bDir, a.signer, null, nodeCrypto) };
    await sealBlocks(a, 3, 'left');
    await sealBlocks(b, 3, 'right');
    const outA = path.join(tempDir(), 'a');
    const outB = path.join(tempDir(), 'b');
    publish(a, outA);
    publish(b, outB);
    const st = path.join(tempDir(), 'st');
    expect(monitor(outA, a.signer.text, st).code).toBe(0);
    const r = monitor(outB, a.signer.text, st);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/two checkpoints of size 3 with different roots/);
    const ev = JSON.parse(r.stdout);
    expect([ev.kind, ev.old, ev.new]).toEqual([
      'fork',
      fs.readFileSync(path.join(outA, 'checkpoint'), 'utf8'),
      fs.readFileSync(path.join(outB, 'checkpoint'), 'utf8'),
    ]);
  });

  it('a rollback to an older checkpoint is exit 1', () => {
    const r = monitor(size260, vkey, copyState(state));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the log shrank from 265 to 260 blocks/);
  });

  it('a rewritten batch (leaf hashes changed) is exit 1; the reader refuses it too', () => {
    const log = copyLog(out);
    const leaves = path.join(log, 'notar/leaves/262');
    const data = fs.readFileSync(leaves);
    data[3] ^= 1;
    fs.writeFileSync(leaves, data);
    const r = monitor(log, vkey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the leaf hashes of block 262 give root/);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))).kind).toBe('rewritten');
    expect(reader(log, '--leaves').out).toEqual({ ok: false, error: 'block 262: leaf hashes do not give its root' });
  });

  it('a damaged entry bundle, a damaged tile and a missing tile are exit 1', () => {
    let log = copyLog(out);
    const bundle = path.join(log, 'tile/entries/001.p/9');
    const text = fs.readFileSync(bundle, 'latin1').replace(' 3 ', ' 9 ');
    fs.writeFileSync(bundle, Buffer.from(text, 'latin1'));
    let r = monitor(log, vkey);
    expect([r.code, JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))).kind]).toEqual([1, 'tiles']);
    expect(r.stderr).toMatch(/does not hash to its level-0 tile hash/);
    expect(reader(log).code).toBe(1);

    log = copyLog(out);
    const tile = path.join(log, 'tile/1/000.p/1');
    fs.writeFileSync(tile, Buffer.alloc(32, 7));
    r = monitor(log, vkey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the tiles give root|does not hash to its entry in tile\/1\/000.p\/1/);
    expect(reader(log).out).toEqual({ ok: false, error: 'tile/1/000.p/1: does not hold the expected hashes' });

    log = copyLog(out);
    fs.rmSync(path.join(log, 'tile/0/001.p/9'));
    r = monitor(log, vkey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tile\/0\/001.p\/9 is missing, though the checkpoint of size 265 needs it/);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))).kind).toBe('missing');
    expect(reader(log).out).toEqual({ ok: false, error: 'missing: tile/0/001.p/9' });
  });

  it('a checkpoint not signed by the given key is exit 1; no key is a usage error', () => {
    const other = newStore('notary.example.gov/store-test').signer.text;
    let r = monitor(out, other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no signature by a trusted key/);
    expect(reader(out, '--key', other).code).toBe(1);
    r = notar(['monitor', out], { env: baseEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no trusted key given/);
  });
});

function copyState(from: string): string {
  const to = path.join(tempDir(), 'st');
  fs.cpSync(from, to, { recursive: true });
  return to;
}
