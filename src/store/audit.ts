/**
 * The full audit behind `notar chain verify`. Walks every block in order and
 * checks everything the store holds against everything else:
 *
 *   the line is canonical (FORMAT.md §6), seq is consecutive, prev is the
 *   block hash of the previous block (§4; 64 zeros for block 0), times never
 *   decrease, the stored leaves are present and signed by the notary key
 *   (leaves.ts), hold `size` leaves, and rebuild the block's batch root
 *   (§3); the checkpoint parses, names the store's origin and history size
 *   seq+1, commits to the history root over blocks 0..seq (§5), and carries a
 *   valid signature by the trusted key (C2SP signed-note).
 *
 * It stops at the first fault (later blocks depend on it) and says which
 * block and what kind. Interrupted-stamp leftovers that are not sealed data
 * (a torn last line, leaves without a block, temp files) are notices.
 * Cost: one pass, the history tree built once, O(total leaves) hashing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockHashHex, ZERO_HASH_HEX } from '../core/block.js';
import { equalBytes, fromHex, fromUtf8, toHex } from '../core/bytes.js';
import { ChainRecord, parseChainRecord } from '../core/chain.js';
import { parseCheckpoint } from '../core/checkpoint.js';
import type { Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { HASH_SIZE, MerkleTree } from '../core/merkle.js';
import { openNote, parseNote, sameKey, type Verifier } from '../core/note.js';
import { keyHistory, type KeyRotation } from './key-history.js';
import { readEntries } from './entries.js';
import { blockHash } from '../core/block.js';
import { readRegularFile } from './capped-read.js';
import { classifyTail, readChainBytes } from './chainfile.js';
import { tempFilePid } from './durable.js';
import { decodeLeaves, type LeavesFile } from './leaves.js';
import { leavesFile } from './paths.js';
import { storedBatchTree, storeIo, type Store } from './store.js';

export type FaultKind =
  | 'malformed' // the line is not a canonical block line
  | 'seq'
  | 'prev'
  | 'time'
  | 'leaves-missing'
  | 'leaves-damaged'
  | 'leaves-mismatch' // the leaves belong to another block or hold another count
  | 'batch-root'
  | 'checkpoint-malformed'
  | 'checkpoint-origin'
  | 'checkpoint-size'
  | 'checkpoint-root'
  | 'checkpoint-signature'
  | 'checkpoint-untrusted'
  | 'entry'; // an entry's statements (entries/, docs/lifecycle.md §2) do not hold

export interface AuditFault {
  /** The block (= line number - 1) where the chain first goes wrong. */
  readonly seq: number;
  readonly kind: FaultKind;
  readonly message: string;
}

export interface AuditReport {
  readonly ok: boolean;
  /** Blocks checked and found intact (all of them when ok). */
  readonly blocks: number;
  /** Documents in those blocks. */
  readonly documents: number;
  /** The latest intact checkpoint. */
  readonly checkpoint?: { readonly size: number; readonly root: string };
  readonly firstBad?: AuditFault;
  readonly notices: string[];
  /** Key rotations in the chain (docs/lifecycle.md §3): each block checked against the key in force. */
  readonly rotations?: readonly KeyRotation[];
}

class Fault extends Error {
  constructor(
    readonly seq: number,
    readonly kind: FaultKind,
    message: string,
  ) {
    super(`block ${seq}: ${message}`);
  }
}

interface Parsed {
  readonly records: ChainRecord[];
  /** History tree leaf hashes of `records`, packed. */
  readonly hashes: Uint8Array;
  /** The first complete line that did not parse, as a fault. */
  readonly bad?: Fault;
  /** Number of complete lines. */
  readonly lines: number;
  readonly notices: string[];
}

/** Audits `store`, trusting `keys` (default: the store's own key.pub). */
export function auditStore(store: Store, keys?: readonly Verifier[]): AuditReport {
  const trusted = (keys ?? [store.verifier()]).filter((k) => k.name === store.origin);
  if (trusted.length === 0) {
    throw new NotarError('UNTRUSTED', `none of the given keys is for this store's origin ${store.origin}`, {
      hint: 'pass the verifier key the notary published for this origin',
    });
  }
  let data: Buffer;
  try {
    data = readChainBytes(store.paths.chain);
  } catch (e) {
    throw storeIo(e, `cannot read ${store.paths.chain}`);
  }
  const parsed = parseLines(data, store.crypto);
  const notices = [...parsed.notices, ...strayFiles(store, parsed.lines)];
  const history = MerkleTree.fromLeafHashes(parsed.hashes, store.crypto);
  const inForce = keysInForce(store, parsed, trusted);
  const rotations = inForce.rotations.length ? { rotations: inForce.rotations } : {};
  let documents = 0;
  let seq = 0;
  try {
    for (; seq < parsed.records.length; seq++) {
      checkBlock(store, parsed.records, seq, history, inForce.at(seq));
      documents += parsed.records[seq].size;
    }
    if (parsed.bad) throw parsed.bad;
    if (inForce.fault) throw inForce.fault;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    return {
      ok: false,
      blocks: seq,
      documents,
      checkpoint: latest(parsed.records, seq, history),
      firstBad: { seq: e.seq, kind: e.kind, message: e.message },
      notices,
      ...rotations,
    };
  }
  return { ok: true, blocks: seq, documents, checkpoint: latest(parsed.records, seq, history), notices, ...rotations };
}

/**
 * The keys each block's checkpoint (and leaves) must be signed by. With key
 * rotations, the key in force at the block — provided one of the store's
 * keys is trusted (trust in any of them extends along the handovers, each
 * signed by both keys, and the latest checkpoint covers every statement).
 * Without a trusted key in the history, the given keys, as before.
 */
function keysInForce(
  store: Store,
  parsed: Parsed,
  trusted: readonly Verifier[],
): { rotations: KeyRotation[]; at: (seq: number) => readonly Verifier[]; fault?: Fault } {
  let h;
  try {
    const state = { records: parsed.records, blockHashes: parsed.hashes };
    h = keyHistory(store, state);
    readEntries(store, state); // every entry's statements against its leaves
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    // Damaged entries (or a broken handover): reported after the blocks, which are checked with the given keys.
    const seq = Number(/block (\d+)/.exec(e.message)?.[1] ?? Math.max(parsed.records.length - 1, 0));
    return {
      rotations: [],
      at: () => trusted,
      fault: new Fault(seq, 'entry', `entries: ${e.message.replace(/^block \d+: /, '')}`),
    };
  }
  const all = h.rotations.length ? [h.rotations[0].old, ...h.rotations.map((r) => r.next)] : [];
  const anchored = all.some((k) => trusted.some((t) => sameKey(k, t)));
  if (!anchored) return { rotations: h.rotations, at: () => trusted };
  return { rotations: h.rotations, at: (seq) => [h.keyAt(seq) ?? all[all.length - 1]] };
}

function latest(records: ChainRecord[], count: number, history: MerkleTree): AuditReport['checkpoint'] {
  return count === 0 ? undefined : { size: count, root: toHex(history.rootAt(count)) };
}

/** Splits the chain into lines and parses each; stops at the first that does not parse. */
function parseLines(data: Buffer, c: Crypto): Parsed {
  const end = data.lastIndexOf(0x0a) + 1;
  const records: ChainRecord[] = [];
  const hashes: Uint8Array[] = [];
  const notices: string[] = [];
  let lines = 0;
  let bad: Fault | undefined;
  for (let start = 0; start < end; lines++) {
    const nl = data.indexOf(0x0a, start);
    if (!bad) {
      try {
        const rec = parseChainRecord(fromUtf8(data.subarray(start, nl), 'chain line'));
        records.push(rec);
        hashes.push(blockHash(rec, c));
      } catch (e) {
        bad = new Fault(lines, 'malformed', `line ${lines + 1} is not a valid block line (${(e as Error).message})`);
      }
    }
    start = nl + 1;
  }
  if (end < data.length) {
    const kind = classifyTail(data.subarray(end), lines);
    if (kind === 'damaged')
      bad ??= new Fault(
        lines,
        'malformed',
        `line ${lines + 1} holds a complete block line but does not end in a newline (damaged after it was written)`,
      );
    else if (kind === 'complete')
      notices.push(
        `the last line (block ${lines}) lacks its final newline (an interrupted stamp): not counted here; the next stamp completes it`,
      );
    else
      notices.push(
        `chain.jsonl ends with ${data.length - end} bytes of an incomplete line (an interrupted stamp): not read as a block; the next stamp removes it`,
      );
  }
  const packed = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => packed.set(h, i * HASH_SIZE));
  return { records, hashes: packed, bad, lines, notices };
}

function checkBlock(
  store: Store,
  records: ChainRecord[],
  seq: number,
  history: MerkleTree,
  trusted: readonly Verifier[],
): void {
  const rec = records[seq];
  if (rec.seq !== seq) throw new Fault(seq, 'seq', `line ${seq + 1} has seq ${rec.seq}, expected ${seq}`);
  const prev = seq === 0 ? ZERO_HASH_HEX : blockHashHex(records[seq - 1], store.crypto);
  if (rec.prev !== prev)
    throw new Fault(seq, 'prev', seq === 0 ? 'prev is not 64 zeros' : `prev does not link to block ${seq - 1}`);
  if (seq > 0 && rec.time < records[seq - 1].time)
    throw new Fault(seq, 'time', `time ${rec.time} is before block ${seq - 1}'s ${records[seq - 1].time}`);
  try {
    checkLeaves(store, rec, trusted);
  } catch (e) {
    // Leaves and checkpoint both failing their signatures means the wrong key, not damaged leaves: say that.
    if (e instanceof Fault && e.kind === 'leaves-damaged') checkCheckpoint(store, rec, history, trusted);
    throw e;
  }
  checkCheckpoint(store, rec, history, trusted);
}

function checkLeaves(store: Store, rec: ChainRecord, trusted: readonly Verifier[]): void {
  const file = leavesFile(store.paths, rec.seq);
  const rel = path.relative(store.paths.dir, file);
  let data: Buffer;
  try {
    data = readRegularFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Fault(rec.seq, 'leaves-missing', `${rel} is missing`);
    throw storeIo(e, `cannot read ${file}`);
  }
  const leaves = decodeSigned(data, file, rel, rec.seq, trusted, store.crypto);
  if (leaves.seq !== rec.seq)
    throw new Fault(rec.seq, 'leaves-mismatch', `${rel} holds the leaves of block ${leaves.seq}`);
  if (leaves.count !== rec.size)
    throw new Fault(rec.seq, 'leaves-mismatch', `${rel} holds ${leaves.count} leaves, the block says ${rec.size}`);
  if (!equalBytes(storedBatchTree(leaves, store.crypto).root(), fromHex(rec.root, 'block root', HASH_SIZE))) {
    throw new Fault(rec.seq, 'batch-root', 'batch root does not match the stored leaves');
  }
}

/** Decodes a leaves file whose trailer is signed by one of the trusted keys. */
function decodeSigned(
  data: Buffer,
  file: string,
  rel: string,
  seq: number,
  trusted: readonly Verifier[],
  c: Crypto,
): LeavesFile {
  let err: unknown;
  for (const key of trusted) {
    try {
      return decodeLeaves(data, file, key, c);
    } catch (e) {
      err = e;
    }
  }
  const why = /\(([^()]*)\)$/.exec((err as Error).message)?.[1] ?? (err as Error).message;
  throw new Fault(seq, 'leaves-damaged', `${rel} is damaged (${why})`);
}

function checkCheckpoint(store: Store, rec: ChainRecord, history: MerkleTree, trusted: readonly Verifier[]): void {
  let cp;
  try {
    cp = parseCheckpoint(parseNote(rec.checkpoint).body);
  } catch (e) {
    throw new Fault(rec.seq, 'checkpoint-malformed', `checkpoint is malformed (${(e as Error).message})`);
  }
  if (cp.origin !== store.origin)
    throw new Fault(rec.seq, 'checkpoint-origin', `checkpoint origin is ${cp.origin}, not ${store.origin}`);
  if (cp.size !== rec.seq + 1)
    throw new Fault(rec.seq, 'checkpoint-size', `checkpoint is for history size ${cp.size}, expected ${rec.seq + 1}`);
  if (!equalBytes(cp.root, history.rootAt(rec.seq + 1)))
    throw new Fault(rec.seq, 'checkpoint-root', 'checkpoint root is not the history root over blocks 0..' + rec.seq);
  try {
    openNote(rec.checkpoint, trusted, store.crypto);
  } catch (e) {
    const code = (e as NotarError).code;
    if (code === 'SIGNATURE_INVALID') throw new Fault(rec.seq, 'checkpoint-signature', 'checkpoint signature invalid');
    if (code === 'UNTRUSTED')
      throw new Fault(
        rec.seq,
        'checkpoint-untrusted',
        `checkpoint is not signed by the trusted key (${trusted.map((k) => k.text).join(', ')})`,
      );
    throw new Fault(rec.seq, 'checkpoint-malformed', `checkpoint is malformed (${(e as Error).message})`);
  }
}

const LEAVES_NAME = /^([0-9]{10})\.bin$/;

/** Leaves files without a block and temp files: harmless leftovers of interrupted stamps. */
function strayFiles(store: Store, lines: number): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(store.paths.leaves);
  } catch {
    return [];
  }
  const notices: string[] = [];
  let temps = 0;
  for (const name of names.sort()) {
    const m = LEAVES_NAME.exec(name);
    if (m && Number(m[1]) >= lines)
      notices.push(
        `leaves/${name} has no block (written before an interrupted stamp, or its block line was removed): ignored; the next stamp replaces it if its own interrupted write left it, else moves it to quarantine/`,
      );
    else if (tempFilePid(name) !== undefined) temps++;
  }
  try {
    temps += fs.readdirSync(store.paths.dir).filter((n) => tempFilePid(n) !== undefined).length;
  } catch {
    /* counted what we could */
  }
  try {
    const aside = fs.readdirSync(store.paths.quarantine).length;
    if (aside)
      notices.push(
        `quarantine/ holds ${aside} file${aside === 1 ? '' : 's'} that stamps moved aside instead of overwriting or dropping them (see docs/store.md): look at them before deleting anything`,
      );
  } catch {
    /* no quarantine: nothing was ever moved aside */
  }
  if (temps)
    notices.push(
      `${temps} temporary file${temps === 1 ? '' : 's'} left by interrupted writes (harmless; a later stamp removes them)`,
    );
  return notices;
}
