/**
 * C2SP tlog-tiles for the history tree (FORMAT.md §4: leaves are block
 * lines): tile paths, which tiles a tree size has, tile contents, entry
 * bundles, and the tree root read back from tiles. Pure: the caller does I/O.
 *
 * tlog-tiles, "Merkle Tree": tile n at level l holds, for i in 0..255,
 *   MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l])
 * Full tiles are 256 hashes; the rightmost tile of a level may be partial,
 * width floor(s / 256^l) mod 256, served at `.p/<W>`; empty tiles do not exist.
 */
import { fromUtf8, utf8 } from './bytes.js';
import { formatError, NotarError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { HASH_SIZE, nodeHash } from './merkle.js';

export const TILE_WIDTH = 256;
/** The history tree's hashes per level; 63 levels cover any safe integer size. */
const MAX_LEVEL = 63;
/** Entries are uint16 length-prefixed (tlog-tiles, "Log entries"). */
export const MAX_ENTRY_BYTES = 0xffff;

export interface TileId {
  readonly level: number;
  readonly index: number;
  /** 1..256; 256 is a full tile. */
  readonly width: number;
}

/** tlog-tiles `<N>`: zero-padded 3-digit elements, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function tileIndexPath(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw formatError(`tile index ${index} is out of range`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    throw formatError(`tile width ${width} is out of range 1..256`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(t: TileId): string {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > MAX_LEVEL)
    throw formatError(`tile level ${t.level} is out of range 0..63`);
  return `tile/${t.level}/${tileIndexPath(t.index)}${widthSuffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entries behind level-0 tile N. */
export function entriesPath(index: number, width: number): string {
  return `tile/entries/${tileIndexPath(index)}${widthSuffix(width)}`;
}

const INDEX_RE = /^(?:x[0-9]{3}\/)*[0-9]{3}$/;

/** Parses a request path (no leading slash) into a tile or entry bundle; undefined if it is neither. */
export function parseTilePath(p: string): (TileId & { entries: boolean }) | undefined {
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/([x0-9/]+?)(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(p);
  if (!m || !INDEX_RE.test(m[2])) return undefined;
  const groups = m[2].split('/').map((g) => g.replace('x', ''));
  // Canonical only: no leading zero group (x000/001 is not 1).
  if (groups.length > 1 && groups[0] === '000') return undefined;
  if (groups.length > 6) return undefined;
  const index = groups.reduce((acc, g) => acc * 1000 + Number(g), 0);
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (m[3] !== undefined && width >= TILE_WIDTH) return undefined;
  const entries = m[1] === 'entries';
  const level = entries ? 0 : Number(m[1]);
  if (level > MAX_LEVEL) return undefined;
  return { level, index, width, entries };
}

/** 256^level, exact (safe integers only: level <= 6). */
function span(level: number): number {
  return TILE_WIDTH ** level;
}

/** Every tile (full or partial) of a tree of `size` leaves, level by level, left to right. */
export function tilesForSize(size: number): TileId[] {
  return newTiles(0, size);
}

/**
 * The tiles a tree of `newSize` has that a tree of `oldSize` did not: every
 * full tile completed since, and the rightmost partial tile of each level.
 */
export function newTiles(oldSize: number, newSize: number): TileId[] {
  checkSizes(oldSize, newSize);
  const out: TileId[] = [];
  for (let level = 0; Math.floor(newSize / span(level)) > 0; level++) {
    const fullBefore = Math.floor(oldSize / span(level + 1));
    const fullNow = Math.floor(newSize / span(level + 1));
    for (let index = fullBefore; index < fullNow; index++) out.push({ level, index, width: TILE_WIDTH });
    const width = Math.floor(newSize / span(level)) % TILE_WIDTH;
    const oldWidth = fullBefore === fullNow ? Math.floor(oldSize / span(level)) % TILE_WIDTH : 0;
    if (width > 0 && width !== oldWidth) out.push({ level, index: fullNow, width });
  }
  return out;
}

function checkSizes(oldSize: number, newSize: number): void {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || newSize < oldSize) {
    throw formatError(`tree sizes ${oldSize} → ${newSize} are out of order`);
  }
}

/** The tile that holds level-`level` hash number `position` in a tree of `size`. */
export function tileFor(level: number, position: number, size: number): TileId {
  const index = Math.floor(position / TILE_WIDTH);
  const full = Math.floor(size / span(level + 1));
  const width = index < full ? TILE_WIDTH : Math.floor(size / span(level)) % TILE_WIDTH;
  if (width === 0 || position % TILE_WIDTH >= width)
    throw formatError(`a tree of size ${size} has no level-${level} hash ${position}`);
  return { level, index, width };
}

/**
 * Tile contents: `width` hashes, 32 bytes each. `rangeHash(start, end)` is
 * MTH(D[start:end]) for aligned power-of-two ranges (MerkleTree.rangeHash).
 */
export function tileContents(t: TileId, rangeHash: (start: number, end: number) => Uint8Array): Uint8Array {
  const out = new Uint8Array(t.width * HASH_SIZE);
  const step = span(t.level);
  const first = t.index * TILE_WIDTH;
  for (let i = 0; i < t.width; i++) out.set(rangeHash((first + i) * step, (first + i + 1) * step), i * HASH_SIZE);
  return out;
}

/** An entry bundle: each entry as a big-endian uint16 length, then its bytes (tlog-tiles, "Log entries"). */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  const total = entries.reduce((n, e) => n + 2 + e.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_BYTES) throw formatError(`log entry of ${e.length} bytes does not fit a uint16 length`);
    out[off] = e.length >> 8;
    out[off + 1] = e.length & 0xff;
    out.set(e, off + 2);
    off += 2 + e.length;
  }
  return out;
}

/** Splits a bundle; it must hold exactly `count` entries and nothing after them. */
export function decodeEntryBundle(data: Uint8Array, count: number, what = 'entry bundle'): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    if (off + 2 > data.length) throw formatError(`${what}: truncated length prefix at byte ${off}`);
    const len = (data[off] << 8) | data[off + 1];
    if (off + 2 + len > data.length) throw formatError(`${what}: entry ${entries.length} runs past the end`);
    entries.push(data.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  if (entries.length !== count) throw formatError(`${what}: holds ${entries.length} entries, expected ${count}`);
  return entries;
}

/** The block lines of a bundle, as text (FORMAT.md §4 lines are ASCII). */
export function bundleLines(data: Uint8Array, count: number, what?: string): string[] {
  return decodeEntryBundle(data, count, what).map((e) => fromUtf8(e, 'block line'));
}

export function lineEntries(lines: readonly string[]): Uint8Array[] {
  return lines.map((l) => utf8(l));
}

/** Splits a tile's bytes into hashes, checking its length. */
export function tileHashes(data: Uint8Array, t: TileId, what = tilePath(t)): Uint8Array[] {
  if (data.length !== t.width * HASH_SIZE)
    throw formatError(`${what}: ${data.length} bytes, expected ${t.width * HASH_SIZE}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < t.width; i++) out.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

/** Root of a perfect tree over 2^k hashes (RFC 6962 MTH of a power-of-two range). */
export function perfectRoot(hashes: readonly Uint8Array[], c: Crypto = nobleCrypto): Uint8Array {
  let level = hashes.slice();
  if (level.length === 0 || (level.length & (level.length - 1)) !== 0)
    throw formatError('perfectRoot needs 2^k hashes');
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1], c));
    level = next;
  }
  return level[0];
}

/**
 * The full subtrees a tree of `size` splits into (RFC 6962 MTH recursion:
 * largest power of two first): [start, 2^k) pairs, left to right.
 */
export function subtreeRanges(size: number): { start: number; width: number }[] {
  const out: { start: number; width: number }[] = [];
  let start = 0;
  for (let w = 2 ** Math.floor(Math.log2(Math.max(size, 1))); w >= 1; w /= 2) {
    if (size - start >= w) {
      out.push({ start, width: w });
      start += w;
    }
  }
  return out;
}

/** MTH from the roots of subtreeRanges(size), folded right to left. */
export function foldSubtrees(roots: readonly Uint8Array[], c: Crypto = nobleCrypto): Uint8Array {
  let r = roots[roots.length - 1];
  for (let i = roots.length - 2; i >= 0; i--) r = nodeHash(roots[i], r, c);
  return r;
}

/**
 * The root of a tree of `size` (>= 1) read back from its tiles only.
 * `readTile` returns a tile's hashes (the caller fetched and length-checked
 * them). Each full subtree of the size's binary split lies inside one tile
 * at level floor(k/8), where its 2^(k mod 8) hashes are hashed up.
 */
export async function rootFromTiles(
  size: number,
  readTile: (t: TileId) => Promise<Uint8Array[]>,
  c: Crypto = nobleCrypto,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(size) || size < 1) throw formatError(`tree size ${size} has no root from tiles`);
  const cache = new Map<string, Uint8Array[]>();
  const roots: Uint8Array[] = [];
  for (const { start, width } of subtreeRanges(size)) {
    const k = Math.round(Math.log2(width));
    const level = Math.floor(k / 8);
    const count = 2 ** (k - 8 * level);
    const first = start / span(level);
    const t = tileFor(level, first, size);
    const key = tilePath(t);
    let hashes = cache.get(key);
    if (!hashes) cache.set(key, (hashes = await readTile(t)));
    const offset = first % TILE_WIDTH;
    roots.push(perfectRoot(hashes.slice(offset, offset + count), c));
  }
  return foldSubtrees(roots, c);
}

/**
 * A compact range: the roots of the full subtrees of a tree of `size`
 * (subtreeRanges), enough to extend the tree leaf by leaf and to compute its
 * root. A monitor keeps one instead of every leaf hash. It hashes with the
 * Crypto it was made with.
 */
export class CompactRange {
  private constructor(
    private sizeNow: number,
    private readonly roots: Uint8Array[],
    private readonly crypto: Crypto,
  ) {}

  static empty(c: Crypto = nobleCrypto): CompactRange {
    return new CompactRange(0, [], c);
  }

  static fromState(size: number, roots: readonly Uint8Array[], c: Crypto = nobleCrypto): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0) throw formatError('compact range size out of range');
    if (subtreeRanges(size).length !== roots.length && size > 0)
      throw formatError(`compact range of size ${size} needs ${subtreeRanges(size).length} hashes`);
    if (roots.some((r) => r.length !== HASH_SIZE)) throw formatError('compact range hashes must be 32 bytes');
    return new CompactRange(size, size === 0 ? [] : roots.slice(), c);
  }

  get size(): number {
    return this.sizeNow;
  }

  hashes(): Uint8Array[] {
    return this.roots.slice();
  }

  /** Appends one leaf hash: merges equal-width subtrees, as binary addition carries. */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw formatError('leaf hash must be 32 bytes');
    let h = leaf;
    let n = this.sizeNow;
    while (n % 2 === 1) {
      h = nodeHash(this.roots.pop() as Uint8Array, h, this.crypto);
      n = Math.floor(n / 2);
    }
    this.roots.push(h);
    this.sizeNow++;
  }

  root(): Uint8Array {
    if (this.sizeNow === 0) throw new NotarError('FORMAT', 'an empty tree has no compact root');
    return foldSubtrees(this.roots, this.crypto);
  }
}
