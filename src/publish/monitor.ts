/**
 * Following a published log (C2SP tlog-tiles, docs/server.md): the
 * checkpoint's signature, consistency with the last checkpoint seen (kept as
 * a compact range in the state directory: the new tree must extend it), every
 * new block line against the level-0 tiles and the previous block's hash,
 * every new batch root from its published leaf hashes, the history root from
 * the tiles alone, and each new full tile against the level above.
 * Anything wrong is a MonitorFault carrying the evidence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockLine, parseBlockLine, ZERO_HASH_HEX, type Block } from '../core/block.js';
import { equalBytes, fromHex, fromUtf8, toBase64, toHex } from '../core/bytes.js';
import { parseCheckpoint, type Checkpoint } from '../core/checkpoint.js';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectInteger, expectString, parseJson } from '../core/json.js';
import { HASH_SIZE, leafHash, MerkleTree } from '../core/merkle.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { MAX_NOTE_BYTES, openNote, type Verifier } from '../core/note.js';
import {
  CompactRange,
  decodeEntryBundle,
  entriesPath,
  newTiles,
  perfectRoot,
  rootFromTiles,
  tileFor,
  tileHashes,
  tilePath,
  TILE_WIDTH,
  type TileId,
} from '../core/tiles.js';
import { writeFileAtomic } from '../store/durable.js';
import { leavesPath } from './publish.js';
import type { LogSource } from './source.js';

export const MONITOR_FORMAT = 'notar-monitor/1';
/** A block line is about 200 bytes (FORMAT.md §4); anything much longer is not one. */
const MAX_LINE = 512;
/** Leaf hashes fetched for one block at most (512 MiB). */
const MAX_BATCH = 1 << 24;

export type FaultKind = 'rollback' | 'fork' | 'rewritten' | 'missing' | 'tiles';

export class MonitorFault extends NotarError {
  constructor(
    readonly kind: FaultKind,
    message: string,
    readonly evidence: Record<string, unknown>,
  ) {
    super('CHAIN_INVALID', message, {
      hint: 'keep the evidence: it shows the log broke its append-only promise or serves damaged data',
    });
  }
}

export interface MonitorState {
  readonly origin: string;
  readonly size: number;
  /** The last checkpoint verified, as served. */
  readonly checkpoint: string;
  /** Compact range of the history tree at `size` (hex). */
  readonly range: string[];
  /** Hash of block size-1 (hex), for the next block's `prev`. */
  readonly lastBlock: string;
}

export interface MonitorResult {
  readonly from: number;
  readonly state: MonitorState;
}

/** Reads the source's checkpoint and checks its signature by `key`. */
async function fetchCheckpoint(src: LogSource, key: Verifier, c: Crypto): Promise<{ text: string; cp: Checkpoint }> {
  const data = await src.get('checkpoint', MAX_NOTE_BYTES);
  if (!data)
    throw new MonitorFault('missing', `${src.where}/checkpoint is missing`, { url: `${src.where}/checkpoint` });
  const text = fromUtf8(data, 'checkpoint');
  const cp = parseCheckpoint(openNote(text, [key], c).body);
  if (cp.origin !== key.name)
    throw new NotarError('UNTRUSTED', `the checkpoint is of ${cp.origin}, the key is ${key.name}'s`);
  return { text, cp };
}

/** Follows the log from `prev` (or from its start) to its current checkpoint. */
export async function monitorLog(
  src: LogSource,
  key: Verifier,
  prev: MonitorState | undefined,
  onBlock: (b: Block) => void,
  c: Crypto = nobleCrypto,
): Promise<MonitorResult> {
  const { text, cp } = await fetchCheckpoint(src, key, c);
  const from = prev?.size ?? 0;
  if (prev) {
    if (prev.origin !== cp.origin)
      throw new NotarError('USAGE', `the state directory follows ${prev.origin}, not ${cp.origin}`, {
        hint: 'use one --state directory per log',
      });
    const evidence = { old: prev.checkpoint, new: text };
    if (cp.size < prev.size)
      throw new MonitorFault('rollback', `the log shrank from ${prev.size} to ${cp.size} blocks`, evidence);
    if (cp.size === prev.size) {
      if (!equalBytes(rootOf(prev), cp.root))
        throw new MonitorFault('fork', `two checkpoints of size ${cp.size} with different roots`, evidence);
      return { from, state: { ...prev, checkpoint: text } };
    }
  }
  const walk = new Walk(src, cp, prev, text, c);
  await walk.entries(onBlock);
  const root = walk.range.root();
  if (!equalBytes(root, cp.root)) {
    const kind = prev ? 'fork' : 'tiles';
    throw new MonitorFault(
      kind,
      prev
        ? `the checkpoint of size ${cp.size} does not extend the one of size ${prev.size} seen before`
        : `the published entries do not hash to the checkpoint's root`,
      {
        old: prev?.checkpoint,
        new: text,
        rootFromEntries: toBase64(root),
      },
    );
  }
  await walk.tiles(from);
  return {
    from,
    state: {
      origin: cp.origin,
      size: cp.size,
      checkpoint: text,
      range: walk.range.hashes().map(toHex),
      lastBlock: walk.lastBlock,
    },
  };
}

function rootOf(s: MonitorState): Uint8Array {
  return parseCheckpoint(s.checkpoint.slice(0, s.checkpoint.indexOf('\n\n') + 1)).root;
}

class Walk {
  readonly range: CompactRange;
  lastBlock: string;
  private readonly cache = new Map<string, Uint8Array[]>();
  private readonly from: number;

  constructor(
    private readonly src: LogSource,
    private readonly cp: Checkpoint,
    private readonly prev: MonitorState | undefined,
    private readonly text: string,
    private readonly crypto: Crypto,
  ) {
    this.from = prev?.size ?? 0;
    this.range = prev
      ? CompactRange.fromState(
          prev.size,
          prev.range.map((h) => fromHex(h, 'state range', 32)),
          crypto,
        )
      : CompactRange.empty(crypto);
    this.lastBlock = prev?.lastBlock ?? ZERO_HASH_HEX;
  }

  async fetch(rel: string, max: number): Promise<Uint8Array> {
    const data = await this.src.get(rel, max);
    if (!data)
      throw new MonitorFault(
        'missing',
        `${this.src.where}/${rel} is missing, though the checkpoint of size ${this.cp.size} needs it`,
        { url: `${this.src.where}/${rel}`, size: this.cp.size },
      );
    return data;
  }

  async tile(t: TileId): Promise<Uint8Array[]> {
    const rel = tilePath(t);
    let hashes = this.cache.get(rel);
    if (!hashes) {
      const data = await this.fetch(rel, t.width * HASH_SIZE);
      try {
        hashes = tileHashes(data, t, `${this.src.where}/${rel}`);
      } catch (e) {
        throw new MonitorFault('tiles', (e as Error).message, { url: `${this.src.where}/${rel}` });
      }
      this.cache.set(rel, hashes);
    }
    return hashes;
  }

  /** Every entry bundle from the one holding block `from` to the end. */
  async entries(onBlock: (b: Block) => void): Promise<void> {
    for (let b = Math.floor(this.from / TILE_WIDTH); b * TILE_WIDTH < this.cp.size; b++) {
      const t = tileFor(0, b * TILE_WIDTH, this.cp.size);
      const rel = entriesPath(t.index, t.width);
      let entries: Uint8Array[];
      try {
        entries = decodeEntryBundle(
          await this.fetch(rel, t.width * (2 + MAX_LINE)),
          t.width,
          `${this.src.where}/${rel}`,
        );
      } catch (e) {
        if (e instanceof MonitorFault) throw e;
        throw new MonitorFault('tiles', (e as Error).message, { url: `${this.src.where}/${rel}` });
      }
      const hashes = await this.tile(t);
      const blocks = this.checkBundle(t, entries, hashes);
      await this.checkBatches(blocks);
      blocks.forEach(onBlock);
    }
  }

  private checkBundle(t: TileId, entries: Uint8Array[], hashes: Uint8Array[]): Block[] {
    const blocks: Block[] = [];
    for (let i = 0; i < t.width; i++) {
      const seq = t.index * TILE_WIDTH + i;
      const h = leafHash(entries[i], this.crypto);
      if (!equalBytes(h, hashes[i])) {
        throw new MonitorFault('tiles', `entry ${seq} does not hash to its level-0 tile hash`, {
          entry: fromUtf8(entries[i], 'entry'),
          tile: tilePath(t),
          hash: toHex(hashes[i]),
        });
      }
      if (seq < this.from) continue;
      const block = this.checkLine(seq, entries[i]);
      this.range.append(h);
      this.lastBlock = toHex(h);
      blocks.push(block);
    }
    return blocks;
  }

  private checkLine(seq: number, entry: Uint8Array): Block {
    let block: Block;
    const text = new TextDecoder().decode(entry);
    try {
      block = parseBlockLine(fromUtf8(entry, 'block line'));
    } catch (e) {
      throw new MonitorFault('rewritten', `entry ${seq} is not a block line: ${(e as Error).message}`, { entry: text });
    }
    if (block.seq !== seq)
      throw new MonitorFault('rewritten', `entry ${seq} holds block ${block.seq}`, { entry: text });
    if (block.prev !== this.lastBlock && this.prev && seq === this.from) {
      // The first new block does not follow the last one verified: another history.
      throw new MonitorFault(
        'fork',
        `block ${seq} does not link to block ${seq - 1} seen before: the checkpoint of size ${this.cp.size} does not extend the one of size ${this.prev.size}`,
        { old: this.prev.checkpoint, new: this.text, entry: text, expectedPrev: this.lastBlock },
      );
    }
    if (block.prev !== this.lastBlock) {
      throw new MonitorFault(
        'rewritten',
        `block ${seq} does not link to block ${seq - 1} (prev ${block.prev.slice(0, 16)}…, block ${seq - 1} hashes to ${this.lastBlock.slice(0, 16)}…)`,
        { entry: text, expectedPrev: this.lastBlock },
      );
    }
    return block;
  }

  /** Each batch root rebuilt from its published leaf hashes, 16 fetches at a time. */
  private async checkBatches(blocks: Block[]): Promise<void> {
    for (let i = 0; i < blocks.length; i += 16) {
      await Promise.all(blocks.slice(i, i + 16).map((b) => this.checkBatch(b)));
    }
  }

  private async checkBatch(b: Block): Promise<void> {
    const rel = leavesPath(b.seq);
    if (b.size > MAX_BATCH)
      throw new MonitorFault('rewritten', `block ${b.seq} claims ${b.size} documents, more than a monitor fetches`, {
        entry: blockLine(b),
      });
    const data = await this.fetch(rel, b.size * HASH_SIZE);
    if (data.length !== b.size * HASH_SIZE)
      throw new MonitorFault(
        'rewritten',
        `${rel} holds ${data.length} bytes; block ${b.seq} has ${b.size} documents (${b.size * HASH_SIZE} bytes)`,
        { url: `${this.src.where}/${rel}`, entry: blockLine(b) },
      );
    const root = toHex(MerkleTree.fromLeafHashes(data, this.crypto).root());
    if (root !== b.root)
      throw new MonitorFault(
        'rewritten',
        `the leaf hashes of block ${b.seq} give root ${root.slice(0, 16)}…, the block says ${b.root.slice(0, 16)}…`,
        { url: `${this.src.where}/${rel}`, entry: blockLine(b), rootFromLeaves: root },
      );
  }

  /** The root from tiles alone, and each new full tile against its hash one level up. */
  async tiles(from: number): Promise<void> {
    const root = await rootFromTiles(this.cp.size, (t) => this.tile(t), this.crypto);
    if (!equalBytes(root, this.cp.root))
      throw new MonitorFault(
        'tiles',
        `the tiles give root ${toBase64(root)}, the checkpoint says ${toBase64(this.cp.root)}`,
        { size: this.cp.size },
      );
    for (const t of newTiles(from, this.cp.size)) {
      if (t.width !== TILE_WIDTH) continue;
      const parent = tileFor(t.level + 1, t.index, this.cp.size);
      const want = (await this.tile(parent))[t.index % TILE_WIDTH];
      if (!equalBytes(perfectRoot(await this.tile(t), this.crypto), want))
        throw new MonitorFault('tiles', `${tilePath(t)} does not hash to its entry in ${tilePath(parent)}`, {
          tile: tilePath(t),
          parent: tilePath(parent),
        });
    }
  }
}

const STATE_FILE = 'state.json';

export function loadState(dir: string): MonitorState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NotarError('IO', `cannot read ${path.join(dir, STATE_FILE)}: ${(e as Error).message}`);
  }
  try {
    const o = checkKeys(parseJson(text, 'monitor state', 1 << 20), 'monitor state', [
      'format',
      'origin',
      'size',
      'checkpoint',
      'range',
      'lastBlock',
    ]);
    if (o.format !== MONITOR_FORMAT) throw new Error(`unknown format (expected ${MONITOR_FORMAT})`);
    if (!Array.isArray(o.range) || o.range.length > 64) throw new Error('range must be a list of at most 64 hashes');
    const s: MonitorState = {
      origin: expectString(o.origin, 'origin', 256),
      size: expectInteger(o.size, 'size', 1),
      checkpoint: expectString(o.checkpoint, 'checkpoint', MAX_NOTE_BYTES),
      range: o.range.map((h, i) => expectString(h, `range[${i}]`, 64)),
      lastBlock: expectString(o.lastBlock, 'lastBlock', 64),
    };
    CompactRange.fromState(
      s.size,
      s.range.map((h) => fromHex(h, 'range hash', 32)),
    );
    fromHex(s.lastBlock, 'lastBlock', 32);
    rootOf(s);
    return s;
  } catch (e) {
    throw new NotarError('FORMAT', `${path.join(dir, STATE_FILE)} is damaged: ${(e as Error).message}`, {
      hint: 'move it away to start over from the beginning of the log',
    });
  }
}

export function saveState(dir: string, s: MonitorState): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify({ format: MONITOR_FORMAT, ...s }, null, 2) + '\n');
}
