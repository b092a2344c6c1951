/**
 * `notar consistency`: append-only evidence (FORMAT.md §9).
 *
 *   --from OLD   (notary side) checks that OLD, a signed checkpoint printed
 *                by `notar checkpoint` earlier, is one of this log's, then
 *                prints a notar-consistency/1 statement: OLD, the latest
 *                checkpoint, and the RFC 9162 §2.1.4 consistency proof
 *                between their history trees.
 *   --verify F   (anyone) checks such a statement offline with trusted keys.
 */
import { equalBytes } from '../../core/bytes.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import {
  buildConsistency,
  formatConsistency,
  parseConsistency,
  verifyConsistencyStatement,
  type ConsistencyStatement,
} from '../../core/consistency.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { MerkleTree } from '../../core/merkle.js';
import { MAX_NOTE_BYTES, openNote, type Verifier } from '../../core/note.js';
import type { Store } from '../../store/store.js';
import { cryptoOf, openStoreFromOpts, readTextInput, requireTrustedKeys, type Opts } from '../common.js';
import { colors } from '../output/io.js';
import { checkpointOf, signersOf, untrustedReason } from '../receipts/receipt-read.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const from = opts.from as string | undefined;
  const verify = opts.verify as string | undefined;
  if ((from === undefined) === (verify === undefined)) {
    throw new NotarError(
      'USAGE',
      'give either --from OLD_CHECKPOINT (to make a proof) or --verify PROOF (to check one)',
      { hint: 'see `notar consistency --help`' },
    );
  }
  return from !== undefined ? prove(from, opts) : check(verify as string, opts);
}

/** The old checkpoint, parsed (a malformed file is an input error naming it). */
function readOld(file: string): { text: string; cp: Checkpoint } {
  const text = readTextInput(file, MAX_NOTE_BYTES, 'a signed checkpoint');
  try {
    return { text, cp: checkpointOf(text) };
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    throw new NotarError('FORMAT', `${file}: not a signed checkpoint: ${e.message}`, {
      hint: 'give the exact text `notar checkpoint` printed (body, blank line, signature lines)',
    });
  }
}

/** OLD must be this log's: origin, the store key's signature, and our history root at its size. */
function checkOld(file: string, text: string, cp: Checkpoint, store: Store, history: MerkleTree): void {
  if (cp.origin !== store.origin)
    throw new NotarError('UNTRUSTED', `${file}: it is a checkpoint of ${cp.origin}, not of this log (${store.origin})`);
  const key = store.verifier();
  try {
    openNote(text, [key], store.crypto);
  } catch (e) {
    if (!(e instanceof NotarError) || e.code === 'FORMAT') throw e;
    const why =
      e.code === 'SIGNATURE_INVALID'
        ? "its signature by this store's key is invalid"
        : `it is not signed by this store's key ${key.keyId} (signed by ${signersOf(text)})`;
    throw new NotarError(e.code === 'SIGNATURE_INVALID' ? 'SIGNATURE_INVALID' : 'UNTRUSTED', `${file}: ${why}`);
  }
  const rewritten = 'the log was rewritten, or the checkpoint is not ours';
  if (cp.size < 1 || cp.size > history.size) {
    throw new NotarError(
      'CHAIN_INVALID',
      `${file}: it is for history size ${cp.size}, but this log has ${history.size} block${history.size === 1 ? '' : 's'}: ${rewritten}`,
      { hint: 'keep that checkpoint: it is evidence; run `notar chain verify`' },
    );
  }
  if (!equalBytes(history.rootAt(cp.size), cp.root)) {
    throw new NotarError(
      'CHAIN_INVALID',
      `${file}: its root is not this log's history root at size ${cp.size}: ${rewritten}`,
      { hint: 'keep that checkpoint: it is evidence; run `notar chain verify`' },
    );
  }
}

async function prove(file: string, opts: Opts): Promise<number> {
  const { text, cp } = readOld(file);
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  if (state.records.length === 0)
    throw new NotarError('NOT_FOUND', `no checkpoint yet: nothing has been stamped in ${store.origin}`);
  const history = MerkleTree.fromLeafHashes(state.blockHashes, store.crypto);
  checkOld(file, text, cp, store, history);
  const latest = state.records[state.records.length - 1].checkpoint;
  const statement = buildConsistency(text, latest, cp.size === history.size ? [] : history.consistencyProof(cp.size));
  // Self-check before handing it out: it must verify exactly as a third party would.
  verifyConsistencyStatement(statement, [store.verifier()], store.crypto);
  process.stdout.write(formatConsistency(statement));
  return 0;
}

function readStatement(file: string): ConsistencyStatement {
  const text = readTextInput(file, 4 * MAX_NOTE_BYTES + 65536, 'a consistency proof');
  try {
    return parseConsistency(text);
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    throw new NotarError('FORMAT', `${file}: ${e.message}`, {
      hint: 'a consistency proof is the JSON `notar consistency --from` printed, unedited',
    });
  }
}

async function check(file: string, opts: Opts): Promise<number> {
  const trusted = requireTrustedKeys(opts, 'a consistency proof can only be checked');
  const statement = readStatement(file);
  const c = await colors(process.stdout);
  const crypto = cryptoOf(opts);
  try {
    const r = verifyConsistencyStatement(statement, trusted, crypto);
    // Equal sizes: the proof showed the two roots are equal (RFC 9162 §2.1.4.2), so nothing was added.
    const how =
      r.from.size === r.to.size
        ? `is unchanged: both checkpoints are at size ${r.to.size}, with the same root`
        : `grew from size ${r.from.size} to ${r.to.size}`;
    process.stdout.write(`${c.green('consistent')}: ${r.origin} ${how}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    if (e.code === 'FORMAT') throw new NotarError('FORMAT', `${file}: ${e.message}`);
    if (e.code === 'KEY_FORMAT' || e.code === 'USAGE') throw e;
    process.stdout.write(`${c.red('FAILED')}: ${plain(e, statement, trusted, crypto)}\n`);
    return 1;
  }
}

function plain(e: NotarError, s: ConsistencyStatement, trusted: readonly Verifier[], crypto: Crypto): string {
  if (e.code === 'UNTRUSTED') return untrustedPlain(s, trusted, crypto);
  if (e.code === 'SIGNATURE_INVALID') return `a checkpoint signature is invalid (${e.message})`;
  return `the later checkpoint does not extend the earlier one (${e.message})`;
}

/** Which of the two checkpoints no trusted key signed, and what each claims. */
function untrustedPlain(s: ConsistencyStatement, trusted: readonly Verifier[], crypto: Crypto): string {
  const signed = (note: string) => {
    try {
      openNote(note, trusted, crypto);
      return true;
    } catch {
      return false;
    }
  };
  const [oldOk, newOk] = [signed(s.from), signed(s.to)];
  if (!oldOk && !newOk && signersOf(s.from) === signersOf(s.to))
    return untrustedReason(s.to, trusted, 'both checkpoints', true);
  const reasons = [
    ...(oldOk ? [] : [untrustedReason(s.from, trusted, 'the old checkpoint')]),
    ...(newOk ? [] : [untrustedReason(s.to, trusted, 'the new checkpoint')]),
  ];
  return reasons.join('; ') || 'not signed by a key you trust';
}
