/**
 * `notar publish`: the store's history tree as C2SP tlog-tiles static files,
 * written incrementally into a directory any web server can serve:
 *
 *   checkpoint                 latest signed checkpoint (written last)
 *   tile/<L>/<N>[.p/<W>]       Merkle tiles of the history tree
 *   tile/entries/<N>[.p/<W>]   entry bundles: the block lines (FORMAT.md §4)
 *   notar/leaves/<N>           block N's leaf hashes, 32 bytes each, in batch
 *                              order (never digests or salts); N as in tiles
 *
 * Only what the published checkpoint does not cover yet is written; files
 * covered by it are immutable. Every file is replaced atomically and fsynced
 * before the checkpoint that refers to it, so a crash leaves the old
 * checkpoint with everything it needs, and a rerun completes the rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockLine } from '../core/block.js';
import { equalBytes, toBase64, toHex } from '../core/bytes.js';
import { parseCheckpoint } from '../core/checkpoint.js';
import { NotarError } from '../core/errors.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { HASH_SIZE, MerkleTree } from '../core/merkle.js';
import { parseNote } from '../core/note.js';
import {
  encodeEntryBundle,
  entriesPath,
  lineEntries,
  newTiles,
  tileContents,
  tileIndexPath,
  tilePath,
  tilesForSize,
  TILE_WIDTH,
  type TileId,
} from '../core/tiles.js';
import type { ChainState } from '../store/chainfile.js';
import { fsyncDir, writeFileAtomic } from '../store/durable.js';
import { RECORD, type LeavesFile } from '../store/leaves.js';
import { storeIo, type Store } from '../store/store.js';
import { cosignedCheckpoint } from '../witness/log-witnesses.js';

/** Where block `seq`'s leaf hashes are published (relative to the log prefix). */
export function leavesPath(seq: number): string {
  return `notar/leaves/${tileIndexPath(seq)}`;
}

export interface PublishResult {
  /** History size of the checkpoint that was published before. */
  readonly from: number;
  /** History size now published. */
  readonly to: number;
  /** Files written, the checkpoint included. */
  readonly files: number;
}

export interface PublishOptions {
  /** The chain as just read or sealed (saves reading it again). */
  readonly state?: ChainState;
  /** Leaf hashes (packed) of blocks just sealed, by seq, so they need not be recomputed from their stored leaves. */
  readonly leafHashes?: ReadonlyMap<number, Uint8Array>;
  /** The checkpoint text to publish for the latest block (e.g. with cosignatures); default: the chain's. */
  readonly checkpoint?: string;
}

/** Publishes everything new in `store` into `outDir`. */
export async function publishLog(store: Store, outDir: string, opts: PublishOptions = {}): Promise<PublishResult> {
  const state = opts.state ?? store.readChain();
  const size = state.records.length;
  if (size === 0)
    throw new NotarError('NOT_FOUND', `nothing to publish: nothing has been stamped in ${store.origin}`, {
      hint: 'stamp a document first',
    });
  const tree = MerkleTree.fromLeafHashes(state.blockHashes, store.crypto);
  const from = publishedSize(store.origin, outDir, tree);
  // With the cosignatures stored beside the block (issue 12): what witnesses vouched for is public too.
  const checkpoint = opts.checkpoint ?? cosignedCheckpoint(store.paths.dir, state.records[size - 1], store.crypto);
  const writer = new Writer(outDir);
  try {
    if (from < size) writeNew(store, state, tree, from, writer, opts.leafHashes);
    await writer.sync();
    const cpFile = path.join(outDir, 'checkpoint');
    if (from < size || readOrEmpty(cpFile) !== checkpoint) {
      writeFileAtomic(cpFile, checkpoint);
      writer.count++;
    }
    if (from < size) removeOldPartials(outDir, from, size);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw storeIo(e, `cannot publish into ${outDir}`, 'choose a writable --out directory');
  }
  return { from, to: size, files: writer.count };
}

function writeNew(
  store: Store,
  state: ChainState,
  tree: MerkleTree,
  from: number,
  w: Writer,
  known?: PublishOptions['leafHashes'],
): void {
  const size = state.records.length;
  const verifier = store.verifier();
  for (let seq = from; seq < size; seq++) {
    w.write(
      leavesPath(seq),
      known?.get(seq) ?? leafHashesOf(store.readLeaves(seq, verifier), state, seq, store.crypto),
    );
  }
  for (const t of newTiles(from, size)) {
    w.write(
      tilePath(t),
      tileContents(t, (a, b) => tree.rangeHash(a, b)),
    );
    if (t.level === 0) w.write(entriesPath(t.index, t.width), bundleFor(state, t));
  }
}

function bundleFor(state: ChainState, t: TileId): Uint8Array {
  const first = t.index * TILE_WIDTH;
  return encodeEntryBundle(lineEntries(state.records.slice(first, first + t.width).map(blockLine)));
}

/**
 * Leaf hashes SHA-256(0x00 || salt || d) of a stored batch (FORMAT.md §2),
 * checked against the block's root before anything is published.
 */
export function leafHashesOf(leaves: LeavesFile, state: ChainState, seq: number, c: Crypto = nobleCrypto): Uint8Array {
  const out = new Uint8Array(leaves.count * HASH_SIZE);
  const input = new Uint8Array(65);
  const sha256Into = c.sha256.sha256Into;
  for (let i = 0; i < leaves.count; i++) {
    const rec = leaves.records.subarray(i * RECORD, (i + 1) * RECORD);
    input.set(rec.subarray(32, 64), 1);
    input.set(rec.subarray(0, 32), 33);
    sha256Into(input, out, i * HASH_SIZE);
  }
  const root = toHex(MerkleTree.fromLeafHashes(out, c).root());
  if (root !== state.records[seq].root) {
    throw new NotarError('CHAIN_INVALID', `the stored leaves of block ${seq} do not hash to its root`, {
      hint: 'run `notar chain verify`; nothing newer was published',
    });
  }
  return out;
}

/**
 * The size the directory's checkpoint covers (0 if none). It must be this
 * log's, and the store must still hold that tree: a store behind or beside
 * what was published is refused, never overwritten.
 */
function publishedSize(origin: string, outDir: string, tree: MerkleTree): number {
  const text = readOrEmpty(path.join(outDir, 'checkpoint'));
  if (text === '') return 0;
  let cp;
  try {
    cp = parseCheckpoint(parseNote(text).body);
  } catch (e) {
    throw new NotarError('FORMAT', `${path.join(outDir, 'checkpoint')} is not a checkpoint: ${(e as Error).message}`, {
      hint: 'publish into an empty directory, or restore the published log',
    });
  }
  if (cp.origin !== origin)
    throw new NotarError('EXISTS', `${outDir} holds the log of ${cp.origin}, not ${origin}`, {
      hint: 'publish each log into its own directory',
    });
  if (cp.size > tree.size) {
    throw new NotarError(
      'CHAIN_INVALID',
      `${outDir} already publishes ${cp.size} blocks but the store has only ${tree.size}`,
      { hint: 'the store lost blocks: restore it from a backup; nothing was published' },
    );
  }
  if (!equalBytes(tree.rootAt(cp.size), cp.root)) {
    throw new NotarError(
      'CHAIN_INVALID',
      `${outDir} publishes a history of ${cp.size} blocks with root ${toBase64(cp.root)}, which this store's chain does not have`,
      { hint: 'the store and the published log have forked: nothing was published' },
    );
  }
  return cp.size;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/**
 * Atomic writes (temp file, rename), made durable together by sync(): the
 * fsyncs run concurrently (libuv's threads; the filesystem commits them in
 * groups), so publishing 10,000 blocks is not 10,000 journal commits in a row.
 */
class Writer {
  count = 0;
  private readonly files: string[] = [];
  private readonly dirs = new Set<string>();
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  write(rel: string, data: Uint8Array): void {
    const file = path.join(this.root, rel);
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    writeFileAtomic(file, data, { durable: false });
    this.files.push(file);
    this.count++;
  }

  async sync(): Promise<void> {
    for (let i = 0; i < this.files.length; i += 64) await Promise.all(this.files.slice(i, i + 64).map(fsyncFile));
    // Each directory written into, and its parents up to the root (a new directory is an entry in its parent).
    const all = new Set<string>();
    for (let d of this.dirs) {
      for (; d.startsWith(this.root) && !all.has(d); d = path.dirname(d)) all.add(d);
    }
    for (const d of all) fsyncDir(d);
  }
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Partial tiles may go once a wider one exists (tlog-tiles, "Partial
 * Tiles"). Those of the previous checkpoint stay, for clients that read it
 * a moment ago; older ones in the same directories are removed.
 */
function removeOldPartials(outDir: string, from: number, to: number): void {
  const keep = new Set<string>();
  const dirs = new Set<string>();
  for (const size of [from, to]) {
    for (const t of tilesForSize(size)) {
      if (t.width === TILE_WIDTH) continue;
      for (const rel of t.level === 0 ? [tilePath(t), entriesPath(t.index, t.width)] : [tilePath(t)]) {
        keep.add(rel);
        dirs.add(path.dirname(rel));
      }
    }
  }
  for (const rel of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(outDir, rel));
    } catch {
      continue;
    }
    for (const n of names)
      if (/^[0-9]+$/.test(n) && !keep.has(`${rel}/${n}`)) fs.rmSync(path.join(outDir, rel, n), { force: true });
  }
}
