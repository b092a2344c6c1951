/**
 * Before a seal signs anything: is the chain it is about to extend exactly
 * what this key signed last? (issue 10, item 1; docs/store.md "What someone
 * who can write the store directory can and cannot do").
 *
 * A new checkpoint commits to the history root over every block line
 * (FORMAT.md §5), so signing it endorses every line. Checked every time, all
 * cheap hashing: the lines parse and are consecutive, each `prev` links to
 * the previous block (§4), times never decrease, and the last line's
 * checkpoint names this origin, the history size and the history root
 * recomputed from the lines, with a valid signature by the key about to sign
 * (one Ed25519 verification). The other checkpoints are verified only for
 * lines that the authenticated tip (tip.ts) does not vouch for byte for byte
 * (SHA-256 of the chain prefix): after every seal that is none, so a
 * 10,000-block store does not pay 10,000 signature checks per stamp; a store
 * without a valid tip (older notar, deleted or forged tip, another key) pays
 * them once.
 *
 * Leaves files are not checked here: the new signature does not cover them
 * (the batch roots in the lines do, and those are checked); reading every
 * batch would cost O(all documents) per stamp. `notar chain verify` checks them.
 */
import { ZERO_HASH_HEX } from '../core/block.js';
import { equalBytes } from '../core/bytes.js';
import { parseCheckpoint } from '../core/checkpoint.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { MerkleTree } from '../core/merkle.js';
import { openNote, parseNote, type Signer, type Verifier } from '../core/note.js';
import { classifyTail, countLines, parseChain, type ChainState } from './chainfile.js';
import { sha256Hex, type Tip } from './tip.js';

export interface TailPlan {
  /** 'complete': a whole next block lacking its newline; 'torn': bytes of an interrupted append. */
  readonly kind: 'none' | 'complete' | 'torn';
  /** The torn bytes are a prefix of the line this key was appending (tip.pending). */
  readonly ours: boolean;
  readonly offset: number;
  readonly length: number;
}

export interface ExtendCheck {
  /** The chain as it is once the tail plan is applied. */
  readonly state: ChainState;
  /** The chain file's bytes once the tail plan is applied (what the new line extends). */
  readonly bytes: Buffer;
  readonly tail: TailPlan;
  /** The tip's pending line (block state.records.length) was never appended: an interrupted seal. */
  readonly interrupted: boolean;
  /** For the user: what was checked beyond the usual. */
  readonly notes: string[];
}

const HINT =
  'nothing was stamped or changed; run `notar chain verify` for a full report, and restore the store from a backup';

const ROLLBACK_HINT =
  'put the missing lines back (from a backup, or rebuilt from a receipt of each lost block: its block fields and checkpoint); only if they are lost for good, move tip.json out of the store to accept the shorter chain (see docs/store.md)';

export const KEY_HINT =
  'restore key.json and key.pub from your backup: key.json must hold the key whose verifier key you published';

export function refuse(why: string, hint = HINT): NotarError {
  return new NotarError('CHAIN_INVALID', `refusing to sign: ${why}`, { hint });
}

/** Everything is checked before anything is written; throws CHAIN_INVALID with one clear reason. */
/** The key whose signature checkpoint `seq` must carry (key rotation); undefined: the signer's. */
export type KeyAt = (seq: number) => Verifier | undefined;

export function checkExtends(
  data: Buffer,
  file: string,
  origin: string,
  signer: Signer,
  tip: Tip | 'absent' | 'invalid',
  keysOf: (state: ChainState) => KeyAt = () => () => undefined,
  c: Crypto = nobleCrypto,
): ExtendCheck {
  const valid = typeof tip === 'object' ? tip : undefined;
  const end = data.lastIndexOf(0x0a) + 1;
  const tail = planTail(data, end, file, valid);
  const effective = tail.kind === 'complete' ? Buffer.concat([data, Buffer.from('\n')]) : data.subarray(0, end);
  let state: ChainState;
  try {
    state = parseChain(effective, file, c);
  } catch (e) {
    throw e instanceof NotarError ? refuse(e.message) : e;
  }
  const n = state.records.length;
  const keyAt = keysOf(state);
  if (valid && n < valid.size) {
    throw refuse(
      `${file} has ${n} block${n === 1 ? '' : 's'}, but this key already signed ${valid.size}: the newest block lines were removed (or the chain was restored from an older copy); signing now would fork the log`,
      ROLLBACK_HINT,
    );
  }
  const notes: string[] = [];
  let trusted = 0;
  let interrupted = false;
  if (valid) {
    if (effective.length < valid.length || sha256Hex(effective.subarray(0, valid.length)) !== valid.sha256) {
      checkLines(state, 0, signer, origin, file, keyAt, c);
      throw refuse(
        `${file} is not the chain this key last extended (its first ${valid.size} blocks changed, though each still verifies)`,
      );
    }
    trusted = valid.size;
    if (valid.pending !== undefined) {
      if (
        effective
          .subarray(valid.length)
          .toString('utf8')
          .startsWith(valid.pending + '\n')
      )
        trusted++;
      else interrupted = n === valid.size;
    }
  } else if (n > 0) {
    notes.push(
      `checked the checkpoints of all ${n} block${n === 1 ? '' : 's'}: ${tip === 'absent' ? 'there was no record (tip.json) of what this key signed last' : 'tip.json was not written with this key (or was damaged)'}`,
    );
  }
  checkLines(state, trusted, signer, origin, file, keyAt, c);
  return { state, bytes: effective, tail, interrupted, notes };
}

/** What to do with bytes after the last newline; throws if they are a sealed line damaged after the fact. */
function planTail(data: Buffer, end: number, file: string, tip: Tip | undefined): TailPlan {
  const none: TailPlan = { kind: 'none', ours: false, offset: end, length: 0 };
  if (end === data.length) return none;
  const tail = data.subarray(end);
  const at = { offset: end, length: tail.length };
  // The line this key was appending when it was interrupted: a prefix of it is an interrupted write, anything else is not.
  if (tip?.pending !== undefined && tip.length === end && sha256Hex(data.subarray(0, end)) === tip.sha256) {
    const pending = Buffer.from(tip.pending, 'utf8');
    if (tail.equals(pending)) return { kind: 'complete', ours: true, ...at };
    if (tail.length < pending.length && pending.subarray(0, tail.length).equals(tail))
      return { kind: 'torn', ours: true, ...at };
    throw refuse(
      `${file}: the last line (${tail.length} bytes, no newline) is not the block line this key was writing: it was changed after it was written`,
    );
  }
  const kind = classifyTail(tail, countLines(data, end));
  if (kind === 'damaged') {
    // A whole block line is there: it may have receipts, so it is never thrown away.
    throw refuse(`${file}: the last line holds a complete block but is damaged (it does not end in a newline)`);
  }
  return { kind, ours: false, ...at };
}

/**
 * prev links and times for every line (cheap), checkpoints for lines from
 * `from` on and always the last one: origin, size, the history root
 * recomputed from the lines, and a signature by `signer`.
 */
function checkLines(
  state: ChainState,
  from: number,
  signer: Signer,
  origin: string,
  file: string,
  keyAt: KeyAt,
  c: Crypto,
): void {
  const { records } = state;
  // The block hashes parseChain computed, in hex at once (one native call, not one per block).
  const hashes = Buffer.from(
    state.blockHashes.buffer,
    state.blockHashes.byteOffset,
    state.blockHashes.byteLength,
  ).toString('hex');
  for (let seq = 0; seq < records.length; seq++) {
    const rec = records[seq];
    if (rec.prev !== (seq === 0 ? ZERO_HASH_HEX : hashes.slice((seq - 1) * 64, seq * 64))) {
      throw refuse(
        `${file}: block ${seq}: ${seq === 0 ? 'prev is not 64 zeros' : `prev does not link to block ${seq - 1}`}`,
      );
    }
    if (seq > 0 && rec.time < records[seq - 1].time)
      throw refuse(`${file}: block ${seq}: time ${rec.time} is before block ${seq - 1}'s`);
  }
  if (records.length === 0) return;
  const history = MerkleTree.fromLeafHashes(state.blockHashes, c);
  // The last line first: a wrong key is then named as such, not as damage to an old block.
  checkCheckpoint(state, records.length - 1, history.root(), signer, origin, file, c);
  // Before a key rotation, the key then in force (key-history.ts).
  for (let seq = from; seq < records.length - 1; seq++)
    checkCheckpoint(state, seq, history.rootAt(seq + 1), keyAt(seq) ?? signer, origin, file, c);
}

/** Block `seq`'s checkpoint: this origin, size seq + 1, the history root `root` over blocks 0..seq, signed by `signer`. */
export function checkCheckpoint(
  state: ChainState,
  seq: number,
  root: Uint8Array,
  signer: Verifier,
  origin: string,
  file: string,
  c: Crypto,
): void {
  const text = state.records[seq].checkpoint;
  const bad = (why: string) => refuse(`${file}: block ${seq}: ${why}`);
  let cp;
  let signers: string[];
  try {
    const note = parseNote(text);
    cp = parseCheckpoint(note.body);
    signers = note.signatures.filter((s) => s.name === origin).map((s) => s.keyId);
  } catch (e) {
    throw bad(`checkpoint is malformed (${(e as Error).message})`);
  }
  if (cp.origin !== origin) throw bad(`checkpoint origin is ${cp.origin}, not ${origin}`);
  if (cp.size !== seq + 1) throw bad(`checkpoint is for history size ${cp.size}, expected ${seq + 1}`);
  if (!signers.includes(signer.keyId)) {
    const by = `key ID ${signers.join(', ') || '(none of this origin)'}`;
    // Other blocks signed by this key: the key is right and this checkpoint was replaced; none: key.json holds another key.
    if (state.records.some((r, i) => i !== seq && signedBy(r.checkpoint, origin, signer.keyId)))
      throw bad(`checkpoint is signed by ${by}, not by this store's key ${signer.keyId} (replaced or damaged)`);
    throw refuse(
      `the signing key in key.json (key ID ${signer.keyId}) is not the key that signed this chain: block ${seq}'s checkpoint is signed by ${by}`,
      KEY_HINT,
    );
  }
  if (!equalBytes(cp.root, root))
    throw bad(
      `checkpoint root is not the history root over blocks 0..${seq} (a block line was changed, added or removed)`,
    );
  try {
    openNote(text, [signer], c);
  } catch (e) {
    throw bad(`checkpoint signature is not valid (${(e as Error).message})`);
  }
}

function signedBy(text: string, origin: string, keyId: string): boolean {
  try {
    return parseNote(text).signatures.some((s) => s.name === origin && s.keyId === keyId);
  } catch {
    return false;
  }
}
