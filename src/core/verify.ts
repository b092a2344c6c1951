/**
 * Offline receipt verification (FORMAT.md §8). Returns a typed verdict that
 * names the step that failed, so a person can be told exactly what is wrong.
 */
import { blockHash } from './block.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { equalBytes, fromHex, toHex } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import { NotarError } from './errors.js';
import { bytesPath, formatReceipt, parseReceipt, Receipt } from './receipt.js';
import { documentLeafHash } from './batch.js';
import { rootFromInclusionProof } from './merkle.js';
import { Note, openNote, parseNote, Verifier } from './note.js';

/** The step of §8 that rejected the receipt ('format': it is not a valid receipt at all). */
export type VerifyStep = 'format' | 'digest' | 'batch' | 'history' | 'signature' | 'trust' | 'revoked';

export interface VerifiedReceipt {
  readonly ok: true;
  readonly receipt: Receipt;
  readonly origin: string;
  /** Sealing time of the block (when the document was stamped). */
  readonly time: string;
  readonly seq: number;
  readonly index: number;
  readonly digest: string;
  /** The trusted key that signed the checkpoint. */
  readonly signer: Verifier;
  readonly historySize: number;
}

export interface FailedReceipt {
  readonly ok: false;
  readonly step: VerifyStep;
  readonly reason: string;
  /** Present when the receipt parsed, so callers can show details anyway. */
  readonly receipt?: Receipt;
}

export type VerifyResult = VerifiedReceipt | FailedReceipt;

const fail = (step: VerifyStep, reason: string, receipt?: Receipt): FailedReceipt => ({
  ok: false,
  step,
  reason,
  receipt,
});

/**
 * Verifies `receipt` (JSON text in any spelling, or a parsed Receipt) for a document whose
 * SHA-256 is `digest`, trusting only `trusted` keys. Never throws for bad input.
 */
export function verifyReceipt(
  receipt: string | Receipt,
  digest: Uint8Array,
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): VerifyResult {
  let r: Receipt;
  try {
    // An object goes through the same parse as text, so that every
    // range and path-length check of parseReceipt applies to it too.
    r = parseReceipt(typeof receipt === 'string' ? receipt : formatReceipt(receipt));
  } catch (e) {
    return fail('format', e instanceof NotarError ? e.message : 'receipt could not be parsed');
  }
  try {
    return verifyParsed(r, digest, trusted, c);
  } catch (e) {
    if (e instanceof NotarError && e.code === 'FORMAT') return fail('format', e.message, r);
    throw e;
  }
}

function verifyParsed(r: Receipt, digest: Uint8Array, trusted: readonly Verifier[], c: Crypto): VerifyResult {
  // Structure first (docs/FORMAT.md §9 step 1): a checkpoint that is not a
  // note with a checkpoint body is a malformed receipt, whatever else holds.
  const note = parseNote(r.checkpoint);
  const cp = parseCheckpoint(note.body);
  // §8.1: the document is the one that was stamped.
  if (!equalBytes(digest, fromHex(r.document.sha256, 'document.sha256', 32))) {
    return fail(
      'digest',
      `document SHA-256 is ${toHex(digest)}, the receipt is for ${r.document.sha256}: the document was altered or is not the stamped one`,
      r,
    );
  }
  // §8.2: the leaf is in the batch whose root the block records.
  const leaf = documentLeafHash(fromHex(r.leaf.salt, 'leaf.salt', 32), digest, c);
  const batchRoot = tryRoot(r.leaf.index, r.block.size, leaf, bytesPath(r.leaf.path), c);
  if (!batchRoot || !equalBytes(batchRoot, fromHex(r.block.root, 'block.root', 32))) {
    return fail(
      'batch',
      `the batch proof does not lead to the block's root (block ${r.block.seq}, leaf ${r.leaf.index})`,
      r,
    );
  }
  // §8.3: the block is in the history tree the checkpoint commits to.
  if (cp.size !== r.history.size) {
    return fail('history', `checkpoint is for history size ${cp.size}, the receipt says ${r.history.size}`, r);
  }
  const historyRoot = tryRoot(r.block.seq, r.history.size, blockHash(r.block, c), bytesPath(r.history.path), c);
  if (!historyRoot || !equalBytes(historyRoot, cp.root)) {
    return fail('history', `the history proof for block ${r.block.seq} does not lead to the checkpoint's root`, r);
  }
  return checkTrust(r, note, cp.origin, trusted, c);
}

/**
 * §8.4: a key the verifier trusts, named as the origin, signed the checkpoint.
 * Every trusted key is given to openNote, so a failing line by any of them
 * rejects the note (C2SP signed-note). The receipt's `key` hint plays no part
 * (FORMAT.md §11): the signer reported is the trusted key that verified.
 */
function checkTrust(r: Receipt, note: Note, origin: string, trusted: readonly Verifier[], c: Crypto): VerifyResult {
  if (!trusted.some((k) => k.name === origin)) {
    return fail(
      'trust',
      `checkpoint origin ${origin} is not one of the trusted keys (${trusted.map((k) => k.name).join(', ') || 'none given'})`,
      r,
    );
  }
  let signer: Verifier | undefined;
  try {
    signer = openNote(r.checkpoint, trusted, c).verifiedBy.find((k) => k.name === origin);
  } catch (e) {
    if (!(e instanceof NotarError)) throw e;
    if (e.code === 'SIGNATURE_INVALID') return fail('signature', `checkpoint ${e.message}`, r);
    if (e.code === 'UNTRUSTED')
      return fail('trust', `checkpoint for ${origin} is not signed by a trusted key: ${e.message}`, r);
    throw e;
  }
  if (!signer) {
    const names = note.signatures.map((s) => `${s.name}+${s.keyId}`).join(', ');
    return fail(
      'trust',
      `checkpoint for ${origin} is not signed by a trusted key: no signature by a trusted key named ${origin} (signed by ${names})`,
      r,
    );
  }
  return {
    ok: true,
    receipt: r,
    origin,
    time: r.block.time,
    seq: r.block.seq,
    index: r.leaf.index,
    digest: r.document.sha256,
    signer,
    historySize: r.history.size,
  };
}

function tryRoot(index: number, size: number, leaf: Uint8Array, path: Uint8Array[], c: Crypto): Uint8Array | undefined {
  try {
    return rootFromInclusionProof(index, size, leaf, path, c);
  } catch (e) {
    if (e instanceof NotarError && e.code === 'PROOF_INVALID') return undefined;
    throw e;
  }
}
