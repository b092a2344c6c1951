/**
 * What this process's last seal established about the chain, kept in memory
 * so that the next seal of a long-lived process (`notar serve` seals a block
 * every window) checks only what changed, not the whole chain (issue 15).
 *
 * The rule stays extend.ts's: before signing, prove that the chain is what
 * this key signed last. A `Verified` records the exact bytes a seal ended
 * with (length and SHA-256 of chain.jsonl), the parsed blocks, the compact
 * range of the history tree and the key history. The next seal by the same
 * key reuses them only if
 *
 *   - the chain file still starts with exactly those bytes (one SHA-256 pass
 *     over the file: an edit of any old line, by anyone, is a mismatch);
 *   - tip.json authenticates under the key and vouches for the whole file as
 *     it is now, with no pending line (so nothing was rolled back, torn or
 *     interrupted, and any lines after those bytes were written by a holder
 *     of the key: another local `notar stamp`);
 *   - every line after those bytes passes the full check of a new line: it
 *     parses, has the next seq, links to the block before, does not go back
 *     in time, and its checkpoint names this origin, its size and the history
 *     root, with a valid signature by the key in force.
 *
 * Anything else (no tip, another tip, a torn tail, a shorter or changed file,
 * another key) returns undefined and the seal runs extend.ts's full check,
 * which refuses or recovers exactly as before. An attacker who can write the
 * store but lacks the key can change the bytes, the tip or the in-between
 * lines, and each change lands in the full check.
 */
import * as crypto from 'node:crypto';
import { blockHash, ZERO_HASH_HEX } from '../core/block.js';
import { parseChainRecord, type ChainRecord } from '../core/chain.js';
import { toHex } from '../core/bytes.js';
import { HASH_SIZE } from '../core/merkle.js';
import type { Signer } from '../core/note.js';
import { CompactRange } from '../core/tiles.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import type { ChainState } from './chainfile.js';
import { checkCheckpoint, refuse, type ExtendCheck, type KeyAt } from './extend.js';
import type { KeyHistory } from './key-history.js';
import type { Tip } from './tip.js';

export interface Verified {
  /** The key the chain was checked for (a seal by another key checks in full). */
  readonly keyId: string;
  /** chain.jsonl's first `length` bytes, whose SHA-256 is `sha256`, are `state`'s lines. */
  readonly length: number;
  readonly sha256: string;
  readonly state: ChainState;
  /** The history tree over state's blocks (never appended to: copied first). */
  readonly history: CompactRange;
  readonly keys: KeyHistory | undefined;
}

/** A chain check, with what the seal needs next: the history range and the running SHA-256 of check.bytes. */
export interface CheckedChain {
  readonly check: ExtendCheck;
  readonly keys: KeyHistory | undefined;
  /** Over check.state's blocks; the seal appends the new block to it. */
  readonly history: CompactRange;
  /** SHA-256 over check.bytes so far; the seal updates it with the new line. */
  readonly hash: crypto.Hash;
  /** Lines parsed and checked by this check (for tests and notes). */
  readonly linesChecked: number;
}

/** The history tree's compact range over packed block hashes (once per full check). */
export function rangeOf(blockHashes: Uint8Array, c: Crypto = nobleCrypto): CompactRange {
  const range = CompactRange.empty(c);
  for (let off = 0; off < blockHashes.length; off += HASH_SIZE)
    range.append(blockHashes.subarray(off, off + HASH_SIZE));
  return range;
}

function copyRange(r: CompactRange, c: Crypto): CompactRange {
  return CompactRange.fromState(r.size, r.hashes(), c);
}

/** The check from `v`, or undefined if anything differs from what it expects (then: the full check). */
export function checkFromVerified(
  v: Verified,
  data: Buffer,
  file: string,
  origin: string,
  signer: Signer,
  tip: Tip | 'absent' | 'invalid',
  keysOf: (state: ChainState) => KeyHistory | undefined,
  c: Crypto = nobleCrypto,
): CheckedChain | undefined {
  if (v.keyId !== signer.keyId || typeof tip !== 'object' || tip.pending !== undefined) return undefined;
  if (data.length < v.length || tip.length !== data.length) return undefined;
  if (data.length > v.length && data[data.length - 1] !== 0x0a) return undefined;
  const hash = crypto.createHash('sha256').update(data.subarray(0, v.length));
  if (hash.copy().digest('hex') !== v.sha256) return undefined;
  hash.update(data.subarray(v.length));
  if (hash.copy().digest('hex') !== tip.sha256) return undefined;
  const added = parseAdded(data.subarray(v.length), v.state, file, c);
  if (tip.size !== v.state.records.length + added.records.length) return undefined;
  const state = added.records.length === 0 ? v.state : joined(v.state, added);
  const keys = added.records.length === 0 ? v.keys : keysOf(state);
  const history = copyRange(v.history, c);
  const keyAt: KeyAt = (seq) => keys?.keyAt(seq);
  for (let i = 0; i < added.records.length; i++) {
    const seq = v.state.records.length + i;
    history.append(state.blockHashes.subarray(seq * HASH_SIZE, (seq + 1) * HASH_SIZE));
    checkCheckpoint(state, seq, history.root(), keyAt(seq) ?? signer, origin, file, c);
  }
  const check: ExtendCheck = {
    state,
    bytes: data,
    tail: { kind: 'none', ours: false, offset: data.length, length: 0 },
    interrupted: false,
    notes: [],
  };
  return { check, keys, history, hash, linesChecked: added.records.length };
}

interface Added {
  readonly records: ChainRecord[];
  readonly hashes: Uint8Array;
}

/**
 * The complete lines after the verified bytes, as the full check would take
 * them: each parses, has the next seq, links to the block before it (the
 * last verified block for the first), and keeps time from going backwards.
 */
function parseAdded(bytes: Buffer, before: ChainState, file: string, c: Crypto): Added {
  const records: ChainRecord[] = [];
  const hashes: Uint8Array[] = [];
  const n = before.records.length;
  let prevHash = n === 0 ? ZERO_HASH_HEX : toHex(before.blockHashes.subarray((n - 1) * HASH_SIZE, n * HASH_SIZE));
  let prevTime = n === 0 ? '' : before.records[n - 1].time;
  for (let start = 0; start < bytes.length;) {
    const nl = bytes.indexOf(0x0a, start);
    const seq = n + records.length;
    let rec: ChainRecord;
    try {
      rec = parseChainRecord(bytes.subarray(start, nl).toString('utf8'));
    } catch (e) {
      throw refuse(`${file}: line ${seq + 1} is not a valid block (${(e as Error).message})`);
    }
    if (rec.seq !== seq) throw refuse(`${file}: line ${seq + 1} has seq ${rec.seq}`);
    if (rec.prev !== prevHash)
      throw refuse(
        `${file}: block ${seq}: ${seq === 0 ? 'prev is not 64 zeros' : `prev does not link to block ${seq - 1}`}`,
      );
    if (rec.time < prevTime) throw refuse(`${file}: block ${seq}: time ${rec.time} is before block ${seq - 1}'s`);
    const h = blockHash(rec, c);
    records.push(rec);
    hashes.push(h);
    prevHash = toHex(h);
    prevTime = rec.time;
    start = nl + 1;
  }
  const packed = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => packed.set(h, i * HASH_SIZE));
  return { records, hashes: packed };
}

function joined(state: ChainState, added: Added): ChainState {
  return { records: [...state.records, ...added.records], blockHashes: appendBytes(state.blockHashes, added.hashes) };
}

export function appendBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
