// C2SP tlog-tiles: paths and the tile set of a tree size as the spec's own
// examples state them; tile contents and roots checked against an RFC 6962
// MTH computed here with node:crypto only.
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { MerkleTree } from '../../src/core/merkle.js';
import {
  bundleLines,
  CompactRange,
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  newTiles,
  parseTilePath,
  rootFromTiles,
  tileContents,
  tileHashes,
  tileIndexPath,
  tilePath,
  tilesForSize,
  type TileId,
} from '../../src/core/tiles.js';

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const leaf = (i: number) => sha(Uint8Array.of(0), new TextEncoder().encode(`entry ${i}`));
/** RFC 6962 §2.1 MTH, recursive, independent of src/core/merkle.ts. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
const LEAVES = Array.from({ length: 70_000 }, (_, i) => leaf(i));

function tilesOf(size: number) {
  const tree = MerkleTree.fromLeafHashes(LEAVES.slice(0, size));
  const files = new Map<string, Uint8Array>();
  for (const t of tilesForSize(size))
    files.set(
      tilePath(t),
      tileContents(t, (a, b) => tree.rangeHash(a, b)),
    );
  return { tree, files };
}
const reader = (files: Map<string, Uint8Array>) => async (t: TileId) => {
  const data = files.get(tilePath(t));
  if (!data) throw new Error(`missing ${tilePath(t)}`);
  return tileHashes(data, t);
};

describe('tile paths (tlog-tiles "Merkle Tree")', () => {
  it('encodes N in x-prefixed three-digit groups', () => {
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
    expect(tileIndexPath(0)).toBe('000');
    expect(tileIndexPath(999)).toBe('999');
    expect(tileIndexPath(1000)).toBe('x001/000');
    expect(tileIndexPath(1_000_000)).toBe('x001/x000/000');
  });
  it('adds .p/<W> for partial tiles only, and names entry bundles', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(entriesPath(273, 112)).toBe('tile/entries/273.p/112');
    expect(entriesPath(3, 256)).toBe('tile/entries/003');
    expect(() => tilePath({ level: 64, index: 0, width: 1 })).toThrow(/level/);
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(/width/);
  });
  it('parses exactly the canonical paths back', () => {
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256, entries: false });
    expect(parseTilePath('tile/entries/273.p/112')).toEqual({ level: 0, index: 273, width: 112, entries: true });
    expect(parseTilePath('tile/1/000.p/1')).toEqual({ level: 1, index: 0, width: 1, entries: false });
    for (const bad of [
      'tile/0/1',
      'tile/00/000',
      'tile/0/x000/001',
      'tile/0/000.p/256',
      'tile/0/000.p/0',
      'tile/0/000.p/012',
      'tile/0/../000',
      'tile/0/001/002',
      'checkpoint',
    ]) {
      expect(parseTilePath(bad), bad).toBeUndefined();
    }
  });
});

describe('which tiles a tree size has', () => {
  const count = (ts: TileId[], level: number, full: boolean) =>
    ts.filter((t) => t.level === level && (t.width === 256) === full).length;
  it('size 70,000: 273 full + one 112-wide at level 0, 1 full + one 17-wide at level 1, one 1-wide at level 2 (the spec example)', () => {
    const ts = tilesForSize(70_000);
    expect(count(ts, 0, true)).toBe(273);
    expect(ts.find((t) => t.level === 0 && t.width !== 256)).toEqual({ level: 0, index: 273, width: 112 });
    expect(count(ts, 1, true)).toBe(1);
    expect(ts.find((t) => t.level === 1 && t.width !== 256)).toEqual({ level: 1, index: 1, width: 17 });
    expect(ts.filter((t) => t.level === 2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(ts.length).toBe(273 + 1 + 1 + 1 + 1);
  });
  it('size 256: one full level-0 tile and a level-1 tile of width 1; size 0: none', () => {
    expect(tilesForSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesForSize(0)).toEqual([]);
  });
  it('newTiles(a, b) is what size b has beyond size a, for every pair in a range', () => {
    const key = (t: TileId) => tilePath(t);
    for (const [a, b] of [
      [0, 1],
      [1, 2],
      [255, 256],
      [256, 257],
      [300, 300],
      [511, 70_000],
      [65_535, 65_536],
      [1, 513],
    ]) {
      const before = new Set(tilesForSize(a).map(key));
      const want = tilesForSize(b)
        .map(key)
        .filter((k) => !before.has(k));
      expect(newTiles(a, b).map(key), `${a}→${b}`).toEqual(want);
    }
    expect(() => newTiles(5, 4)).toThrow(/out of order/);
  });
});

describe('tile contents and the root read back from tiles', () => {
  it('level-0 tiles are the leaf hashes; a level-1 hash is the MTH of a full level-0 tile', () => {
    const { files } = tilesOf(600);
    expect(files.get('tile/0/000')).toEqual(new Uint8Array(Buffer.concat(LEAVES.slice(0, 256))));
    expect(files.get('tile/0/002.p/88')).toEqual(new Uint8Array(Buffer.concat(LEAVES.slice(512, 600))));
    const l1 = files.get('tile/1/000.p/2') as Uint8Array;
    expect(toHex(l1.subarray(0, 32))).toBe(toHex(mth(LEAVES.slice(0, 256))));
    expect(toHex(l1.subarray(32, 64))).toBe(toHex(mth(LEAVES.slice(256, 512))));
  });
  it('rootFromTiles equals the RFC 6962 root for many sizes', async () => {
    for (const size of [1, 2, 3, 255, 256, 257, 511, 512, 600, 4097, 65_535, 65_536, 65_537, 70_000]) {
      const { tree, files } = tilesOf(size);
      const root = await rootFromTiles(size, reader(files));
      expect(toHex(root), `size ${size}`).toBe(toHex(tree.root()));
      if (size <= 4097) expect(toHex(root)).toBe(toHex(mth(LEAVES.slice(0, size))));
    }
  });
  it('a changed tile hash changes the root; a missing tile is reported', async () => {
    // 1000 = 512 + 256 + 128 + 64 + 32 + 8: the 512 comes from tile/1, the rest from level 0.
    const { tree, files } = tilesOf(1000);
    const t = files.get('tile/1/000.p/3') as Uint8Array;
    t[5] ^= 1;
    expect(toHex(await rootFromTiles(1000, reader(files)))).not.toBe(toHex(tree.root()));
    files.delete('tile/0/003.p/232');
    await expect(rootFromTiles(1000, reader(files))).rejects.toThrow(/missing tile\/0\/003.p\/232/);
  });
  it('a tile of the wrong length is refused', () => {
    expect(() => tileHashes(new Uint8Array(31 * 32), { level: 0, index: 0, width: 32 })).toThrow(
      /992 bytes, expected 1024/,
    );
  });
});

describe('entry bundles (big-endian uint16 length-prefixed entries)', () => {
  it('encodes a known answer and decodes it back', () => {
    const b = encodeEntryBundle([new TextEncoder().encode('a'), new TextEncoder().encode('bc'), new Uint8Array(0)]);
    expect(toHex(b)).toBe('0001610002626300' + '00');
    expect(bundleLines(b, 3)).toEqual(['a', 'bc', '']);
  });
  it('a 300-byte entry has length prefix 0x012c', () => {
    const b = encodeEntryBundle([new Uint8Array(300).fill(7)]);
    expect(toHex(b.subarray(0, 2))).toBe('012c');
    expect(b.length).toBe(302);
  });
  it('refuses truncated, overlong, miscounted and oversized bundles', () => {
    const b = encodeEntryBundle([new Uint8Array(5), new Uint8Array(6)]);
    expect(() => decodeEntryBundle(b.subarray(0, b.length - 1), 2)).toThrow(/runs past the end/);
    expect(() => decodeEntryBundle(Uint8Array.of(...b, 0), 2)).toThrow(/truncated length prefix/);
    expect(() => decodeEntryBundle(b, 3)).toThrow(/holds 2 entries, expected 3/);
    expect(() => encodeEntryBundle([new Uint8Array(65_536)])).toThrow(/uint16/);
  });
});

describe('compact range', () => {
  it('extends leaf by leaf to the RFC 6962 root, and round-trips through its state', () => {
    let cr = CompactRange.empty();
    for (let i = 0; i < 1030; i++) {
      cr.append(LEAVES[i]);
      if ([1, 2, 3, 7, 8, 255, 256, 257, 1029, 1030].includes(i + 1))
        expect(toHex(cr.root()), `size ${i + 1}`).toBe(toHex(mth(LEAVES.slice(0, i + 1))));
      if (i === 500) cr = CompactRange.fromState(cr.size, cr.hashes());
    }
    expect(() => CompactRange.fromState(3, [LEAVES[0]])).toThrow(/needs 2 hashes/);
  });
});
