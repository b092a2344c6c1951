/**
 * `notar refresh RECEIPT...`: moves receipts to the latest checkpoint
 * (FORMAT.md §7: a receipt can be refreshed to a larger history size without
 * changing anything else). Only `history` and `checkpoint` change; every
 * other field stays byte-identical, because receipts are canonical text.
 *
 * All receipts are checked before any is rewritten, so a run that refuses
 * one (malformed, from another log, altered) leaves every file as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { equalBytes, fromHex } from '../../core/bytes.js';
import type { ChainRecord } from '../../core/chain.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { MerkleTree } from '../../core/merkle.js';
import { openNote, type Verifier } from '../../core/note.js';
import { formatReceipt, hexPath, type Receipt } from '../../core/receipt.js';
import { verifyReceipt } from '../../core/verify.js';
import { allStoreKeys } from '../../store/key-history.js';
import { removeStaleTemps, writeFileAtomic } from '../../store/durable.js';
import { osReason } from '../../store/errno.js';
import type { ChainState } from '../../store/chainfile.js';
import type { Store } from '../../store/store.js';
import { bestCheckpointFor, cosignedCheckpoint } from '../../witness/log-witnesses.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { checkpointOf, readReceiptFile, signersOf } from '../receipts/receipt-read.js';
import { refreshTargets, type RefreshTarget } from '../time/receipt-timestamps.js';

interface Plan {
  readonly file: string;
  readonly from: number;
  /** The history size it goes to (witnesses: best-cosigned; timestamps: receipt-timestamps.ts). */
  readonly to: number;
  readonly timestamps?: number;
  readonly why?: string;
  /** The refreshed text; undefined when the receipt is already current. */
  readonly text?: string;
}

const notOurs = (file: string, why: string) =>
  new NotarError('PROOF_INVALID', `${file}: ${why}`, {
    hint: 'refresh receipts only with the store that stamped them',
  });

/** Its block must be this store's block, field for field (FORMAT.md §4). */
function checkBlock(file: string, r: Receipt, records: readonly ChainRecord[]): void {
  const rec = records[r.block.seq];
  if (!rec)
    throw notOurs(
      file,
      `it is for block ${r.block.seq}, but this store has only ${records.length} block${records.length === 1 ? '' : 's'}`,
    );
  const b = r.block;
  if (rec.time !== b.time || rec.size !== b.size || rec.root !== b.root || rec.prev !== b.prev) {
    throw notOurs(
      file,
      `its block ${b.seq} is not block ${b.seq} of this store (the receipt was altered, or is from another log)`,
    );
  }
}

/** Its checkpoint must be one this log could have signed: same origin, same history at that size. */
function checkHistory(file: string, r: Receipt, store: Store, history: MerkleTree, verifiers: Verifier[]): void {
  let cp;
  try {
    cp = checkpointOf(r.checkpoint);
  } catch (e) {
    throw new NotarError('FORMAT', `${file}: its checkpoint is malformed: ${(e as Error).message}`);
  }
  if (cp.origin !== store.origin)
    throw notOurs(file, `it is a receipt of ${cp.origin}, not of this store (${store.origin})`);
  signedByStore(file, r.checkpoint, verifiers, store.crypto);
  if (cp.size > history.size) {
    throw notOurs(
      file,
      `its checkpoint is for history size ${cp.size}, but this store has only ${history.size} blocks (is the store restored from an old backup?)`,
    );
  }
  if (!equalBytes(history.rootAt(cp.size), cp.root)) {
    throw new NotarError(
      'CHAIN_INVALID',
      `${file}: its checkpoint (history size ${cp.size}) does not match this store's history: the log was rewritten, or the receipt is not from it`,
      {
        hint: 'run `notar chain verify`; keep this receipt, it is evidence',
      },
    );
  }
}

/** Only a checkpoint this store's key signed says anything about this store's history. */
function signedByStore(file: string, checkpoint: string, verifiers: Verifier[], c: Crypto): void {
  // Every key the store signed with: a receipt from before a key rotation is under the old key (docs/lifecycle.md §3).
  try {
    openNote(checkpoint, verifiers, c);
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    if (e.code === 'SIGNATURE_INVALID')
      throw new NotarError('SIGNATURE_INVALID', `${file}: its checkpoint signature is invalid`);
    if (e.code === 'UNTRUSTED')
      throw notOurs(
        file,
        `its checkpoint is not signed by this store's key ${verifiers.map((v) => v.keyId).join(' or ')} (signed by ${signersOf(checkpoint)})`,
      );
    throw new NotarError('FORMAT', `${file}: its checkpoint is malformed: ${e.message}`);
  }
}

function plan(
  file: string,
  store: Store,
  state: ChainState,
  history: MerkleTree,
  verifier: Verifier,
  verifiers: Verifier[],
  target: (r: Receipt, preferred: number) => RefreshTarget,
): Plan {
  const { receipt: old } = readReceiptFile(file);
  // Tokens date a checkpoint: the old checkpoint's go, the target's come (receipt-timestamps.ts, docs/timestamps.md).
  const { timestamps: oldTimestamps, ...r } = old;
  checkHistory(file, r, store, history, verifiers);
  checkBlock(file, r, state.records);
  // Issue 12: the latest checkpoint with the most witness cosignatures (just the latest without witnesses);
  // issue 14: with that checkpoint's timestamps, unless that would drop the receipt's own (receipt-timestamps.ts).
  const best = bestCheckpointFor(store.paths.dir, state.records, r.block.seq, store.crypto);
  const { seq, timestamps: tokens, why } = target(old, best.record.seq);
  const record = state.records[seq];
  const checkpoint =
    seq === best.record.seq ? best.checkpoint : cosignedCheckpoint(store.paths.dir, record, store.crypto);
  const n = seq + 1;
  const refreshed: Receipt = {
    ...r,
    history: { size: n, path: hexPath(history.inclusionProofAt(r.block.seq, n)) },
    checkpoint,
    ...(tokens ? { timestamps: tokens } : {}),
  };
  // The leaf part is kept as it is: it must still verify, or refreshing would only hide damage.
  const check = verifyReceipt(refreshed, fromHex(r.document.sha256, 'document.sha256', 32), [verifier], store.crypto);
  if (!check.ok)
    throw notOurs(
      file,
      `the receipt does not verify against this store (${check.step}: ${check.reason}); it was not rewritten`,
    );
  // Already at that size: its checkpoint was checked above (our key, our root), so it is kept
  // as it is, byte for byte, even if it differs from ours (extension lines, FORMAT.md §11),
  // unless this store holds witness cosignatures or timestamps it lacks (issues 12, 14).
  const noNewCosignatures = checkpoint === record.checkpoint || r.checkpoint === checkpoint;
  const sameTokens = String(oldTimestamps) === String(tokens);
  return {
    file,
    from: r.history.size,
    to: n,
    timestamps: tokens?.length,
    why,
    text: r.history.size === n && noNewCosignatures && sameTokens ? undefined : formatReceipt(refreshed),
  };
}

export async function run(args: string[], opts: Opts): Promise<number> {
  const files = [...new Set(args)];
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  if (state.records.length === 0)
    throw new NotarError(
      'NOT_FOUND',
      `this store (${store.origin}) has no blocks yet, so it has no receipts to refresh`,
    );
  const history = MerkleTree.fromLeafHashes(state.blockHashes, store.crypto);
  const verifier = store.verifier();
  const verifiers = allStoreKeys(store, state);
  const target = refreshTargets(store, state.records.length);
  const plans = files.map((f) => plan(f, store, state, history, verifier, verifiers, target));
  for (const p of plans) {
    if (p.why) notice(`${p.file}: history size ${p.to}: ${p.why}`);
    if (p.text === undefined) {
      process.stdout.write(`${p.file}: already at history size ${p.to}\n`);
      continue;
    }
    rewrite(p.file, p.text);
    const ts = p.timestamps ? `, ${p.timestamps} timestamp${p.timestamps === 1 ? '' : 's'}` : '';
    process.stdout.write(`refreshed ${p.file}: history size ${p.from} -> ${p.to}${ts}\n`);
  }
  cleanTemps(files);
  return 0;
}

/** A refresh killed mid-write leaves its temp file beside the receipt; the next one removes it (issue 10, item 15). */
function cleanTemps(files: string[]): void {
  let removed = 0;
  for (const dir of new Set(files.map((f) => path.dirname(f)))) removed += removeStaleTemps(dir, { userDir: true });
  if (removed)
    notice(
      `recovered: removed ${removed} temporary file${removed === 1 ? '' : 's'} left by interrupted receipt writes`,
    );
}

/** Atomic replace, keeping the file's permissions. */
function rewrite(file: string, text: string): void {
  try {
    const mode = fs.statSync(file).mode & 0o7777;
    writeFileAtomic(file, text, { mode, durable: false });
  } catch (e) {
    throw new NotarError('IO', `cannot rewrite ${file}: ${osReason(e)}`, {
      hint: 'the receipt is unchanged; check the directory is writable',
    });
  }
}
