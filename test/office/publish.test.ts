// `notar publish`: the log as C2SP tlog-tiles static files, incrementally,
// served by a real nginx on loopback. Blocks are sealed in-process (fast),
// publishing runs the real binary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockLine } from '../../src/core/block.js';
import { toHex } from '../../src/core/bytes.js';
import { HASH_SIZE, MerkleTree } from '../../src/core/merkle.js';
import { bundleLines, rootFromTiles, tileHashes, tilePath, type TileId } from '../../src/core/tiles.js';
import { leavesPath } from '../../src/publish/publish.js';
import { notar, baseEnv, tempDir } from '../cli/helpers.js';
import { docBatch, newStore, type Fixture } from '../store/fixtures.js';
import { startNginx, type Nginx } from './nginx.js';

async function sealBlocks(f: Fixture, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++)
    await f.store.seal(docBatch(Array.from({ length: 1 + (i % 3) }, (_, j) => `${tag} ${i} ${j}`)), f.signer);
}
const publish = (f: Fixture, out: string, extra: string[] = []) =>
  notar(['publish', '--store', f.dir, '--out', out, ...extra], { env: baseEnv() });
const read = (out: string, rel: string) => new Uint8Array(fs.readFileSync(path.join(out, rel)));
const files = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

describe('notar publish', () => {
  let f: Fixture;
  let out: string;
  let nginx: Nginx;
  beforeAll(async () => {
    f = newStore();
    out = path.join(tempDir(), 'log');
    await sealBlocks(f, 300, 'a');
    nginx = await startNginx(out);
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it('writes checkpoint, tiles, entry bundles and leaf hashes for 300 blocks', async () => {
    const r = publish(f, out, ['--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ origin: f.store.origin, from: 0, to: 300, files: 300 + 2 + 2 + 1 + 1 });
    const state = f.store.readChain();
    expect(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8')).toBe(state.records[299].checkpoint);
    // 300 = one full level-0 tile + a 44-wide one; level 1 holds one hash.
    expect(files(out).filter((p) => p.startsWith('tile/'))).toEqual([
      'tile/0/000',
      'tile/0/001.p/44',
      'tile/1/000.p/1',
      'tile/entries/000',
      'tile/entries/001.p/44',
    ]);
    expect(toHex(read(out, 'tile/0/000'))).toBe(toHex(state.blockHashes.subarray(0, 256 * 32)));
    expect(bundleLines(read(out, 'tile/entries/001.p/44'), 44)).toEqual(state.records.slice(256).map(blockLine));
    // Leaf hashes of block 7, never digests or salts: they rebuild its batch root.
    const leaves = read(out, leavesPath(7));
    expect(leavesPath(7)).toBe('notar/leaves/007');
    expect(leaves.length).toBe(state.records[7].size * HASH_SIZE);
    expect(toHex(MerkleTree.fromLeafHashes(leaves).root())).toBe(state.records[7].root);
    const stored = f.store.readLeaves(7);
    expect(Buffer.from(leaves).includes(Buffer.from(stored.records.subarray(0, 32)))).toBe(false);
    const readTile = async (t: TileId) => tileHashes(read(out, tilePath(t)), t);
    expect(toHex(await rootFromTiles(300, readTile))).toBe(toHex(MerkleTree.fromLeafHashes(state.blockHashes).root()));
  });

  it('nginx serves the files with the checkpoint uncached and tiles immutable', async () => {
    const cp = await fetch(`${nginx.url}/checkpoint`);
    expect(cp.status).toBe(200);
    expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    expect(await cp.text()).toBe(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8'));
    for (const rel of ['tile/0/000', 'tile/1/000.p/1', 'tile/entries/001.p/44', 'notar/leaves/299']) {
      const res = await fetch(`${nginx.url}/${rel}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status, rel).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(read(out, rel));
    }
    expect((await fetch(`${nginx.url}/tile/0/002`)).status).toBe(404);
  });

  it('publishes only what is new; full tiles replace partial ones; the previous partial stays one round', async () => {
    const before = fs.statSync(path.join(out, 'tile/0/000')).mtimeMs;
    await sealBlocks(f, 1, 'b');
    let r = publish(f, out);
    expect(r.stdout).toBe(`published blocks 300..300 (4 files) of ${f.store.origin} to ${out}\n`);
    expect(fs.statSync(path.join(out, 'tile/0/000')).mtimeMs).toBe(before);
    expect(fs.existsSync(path.join(out, 'tile/0/001.p/44'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'tile/0/001.p/45'))).toBe(true);
    await sealBlocks(f, 211, 'c');
    r = publish(f, out);
    expect(r.code).toBe(0);
    const tiles = files(out).filter((p) => p.startsWith('tile/'));
    expect(tiles).toEqual([
      'tile/0/000',
      'tile/0/001',
      'tile/0/001.p/45',
      'tile/1/000.p/1',
      'tile/1/000.p/2',
      'tile/entries/000',
      'tile/entries/001',
      'tile/entries/001.p/45',
    ]);
    r = publish(f, out);
    expect(r.stdout).toBe(`published nothing new (checkpoint of 512 blocks) of ${f.store.origin} to ${out}\n`);
    const cp = await (await fetch(`${nginx.url}/checkpoint`)).text();
    expect(cp.split('\n')[1]).toBe('512');
  });

  it('refuses a directory that publishes another log, or a history the store does not have', async () => {
    const other = newStore('notary.example.gov/other');
    await sealBlocks(other, 2, 'x');
    let r = publish(other, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds the log of notary\.example\.gov\/store-test, not notary\.example\.gov\/other/);
    // Same origin, different history: a fork.
    const forked = newStore();
    await sealBlocks(forked, 513, 'y');
    const snapshot = files(out).map((p) => [p, toHex(read(out, p))]);
    r = publish(forked, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/publishes a history of 512 blocks with root .* which this store's chain does not have/);
    expect(files(out).map((p) => [p, toHex(read(out, p))])).toEqual(snapshot);
    // A store behind the published log.
    const behind = newStore();
    await sealBlocks(behind, 3, 'z');
    r = publish(behind, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already publishes 512 blocks but the store has only 3/);
  });
});
