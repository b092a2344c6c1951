/**
 * Key rotation (docs/lifecycle.md §3). A rotation is an entry block (see
 * revocation.ts: statement leaf with the deterministic entry salt) whose
 * statement names the old and the new verifier key:
 *
 *   notar-rotate/1 <old verifier key> <new verifier key> <time>
 *
 * and whose checkpoint (the handover checkpoint) is signed by both keys.
 * Blocks before it are signed by the old key, blocks after it by the new.
 *
 * A rotation proof lets a verifier that trusts only the old key accept the
 * new one: the statement and its receipt under the handover checkpoint.
 *
 *   {"format":"notar-rotation/1","statement":"notar-rotate/1 …","receipt":{…}}
 */
import { utf8 } from './bytes.js';
import { NotarError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { sha256 } from './hash.js';
import { checkKeys, parseJson } from './json.js';
import { openNote, parseVerifierKey, sameKey, type Verifier } from './note.js';
import { formatReceipt, parseReceipt, type Receipt } from './receipt.js';
import { entrySalt } from './revocation.js';
import { toHex } from './bytes.js';
import { verifyReceipt } from './verify.js';
import { isValidTime } from './block.js';

export const ROTATE_PREFIX = 'notar-rotate/1';
export const RETIRE_PREFIX = 'notar-retire/1';
/** Entry proofs (rotation and retirement): the statement and its receipt. */
export const ROTATION_PROOF_FORMAT = 'notar-entry-proof/1';
const MAX_PROOF_BYTES = 1 << 20;

export interface Rotation {
  readonly old: Verifier;
  readonly next: Verifier;
  readonly time: string;
}

export function formatRotateStatement(r: Rotation): string {
  return `${ROTATE_PREFIX} ${r.old.text} ${r.next.text} ${r.time}`;
}

export function isRotateStatement(s: string): boolean {
  return s.startsWith(ROTATE_PREFIX + ' ');
}

export function parseRotateStatement(s: string): Rotation {
  const parts = s.split(' ');
  if (parts.length !== 4 || parts[0] !== ROTATE_PREFIX || !isValidTime(parts[3]))
    throw new NotarError('FORMAT', 'not a notar-rotate/1 statement');
  const old = parseVerifierKey(parts[1]);
  const next = parseVerifierKey(parts[2]);
  if (old.name !== next.name)
    throw new NotarError('FORMAT', 'a rotation keeps the origin: both keys must have the same name');
  if (sameKey(old, next)) throw new NotarError('FORMAT', 'a rotation must name a different key');
  return { old, next, time: parts[3] };
}

export function formatRotationProof(statement: string, receipt: Receipt): string {
  return (
    JSON.stringify({ format: ROTATION_PROOF_FORMAT, statement, receipt: JSON.parse(formatReceipt(receipt)) }, null, 2) +
    '\n'
  );
}

/** A successor key and where it was announced, proven to a verifier that trusts the old key. */
export interface ProvenSuccessor {
  readonly old: Verifier;
  readonly next: Verifier;
  /** The rotation block; the successor signs checkpoints of history size > seq. */
  readonly seq: number;
}

/**
 * Checks a rotation proof against `trusted`: the statement's leaf (with the
 * entry salt: not a stamped document) is in a checkpoint signed by a trusted
 * key that is the statement's old key, and that checkpoint is also signed by
 * the new key (the handover).
 */
function parseProof(text: string): { statement: string; receipt: Receipt } {
  let statement: string;
  let receipt: Receipt;
  try {
    const j = checkKeys(parseJson(text, 'rotation proof', MAX_PROOF_BYTES), 'rotation proof', [
      'format',
      'statement',
      'receipt',
    ]);
    if (j.format !== ROTATION_PROOF_FORMAT || typeof j.statement !== 'string')
      throw new Error(`not a ${ROTATION_PROOF_FORMAT} proof`);
    statement = j.statement;
    receipt = parseReceipt(JSON.stringify(j.receipt));
  } catch (e) {
    throw new NotarError('FORMAT', `not a valid rotation proof: ${(e as Error).message}`);
  }
  // The entry salt: the receipt is for this statement as an entry, not for a stamped document.
  if (receipt.leaf.salt !== toHex(entrySalt(statement)))
    throw new NotarError(
      'UNTRUSTED',
      'the rotation proof is not valid: its receipt is not for its statement as a rotation entry (a changed statement, or a stamped document)',
    );
  return { statement, receipt };
}

export function isRetirementProof(text: string): boolean {
  try {
    return parseProof(text).statement.startsWith(RETIRE_PREFIX + ' ');
  } catch {
    return false;
  }
}

export function checkRotationProof(
  text: string,
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): ProvenSuccessor {
  const { statement, receipt } = parseProof(text);
  const rot = parseRotateStatement(statement);
  if (!trusted.some((k) => sameKey(k, rot.old)))
    throw new NotarError(
      'UNTRUSTED',
      `the rotation proof hands over from key ${rot.old.keyId}, which is not a key you trust`,
    );
  const v = verifyReceipt(receipt, sha256(utf8(statement), c), [rot.old], c);
  if (!v.ok)
    throw new NotarError('UNTRUSTED', `the rotation proof does not verify with key ${rot.old.keyId}: ${v.reason}`);
  try {
    openNote(receipt.checkpoint, [rot.next], c);
  } catch {
    throw new NotarError('UNTRUSTED', `the handover checkpoint is not signed by the new key ${rot.next.keyId}`);
  }
  return { old: rot.old, next: rot.next, seq: receipt.block.seq };
}

/** A key retired as compromised: its signatures count only on checkpoints of history size <= after. */
export interface Retirement {
  readonly key: Verifier;
  readonly after: number;
  readonly time: string;
}

export function formatRetireStatement(r: Retirement): string {
  return `${RETIRE_PREFIX} ${r.key.text} ${r.after} ${r.time} compromised`;
}

export function parseRetireStatement(s: string): Retirement {
  const parts = s.split(' ');
  if (
    parts.length !== 5 ||
    parts[0] !== RETIRE_PREFIX ||
    !/^(0|[1-9][0-9]{0,15})$/.test(parts[2]) ||
    !isValidTime(parts[3]) ||
    parts[4] !== 'compromised'
  ) {
    throw new NotarError('FORMAT', 'not a notar-retire/1 statement');
  }
  return { key: parseVerifierKey(parts[1]), after: Number(parts[2]), time: parts[3] };
}

/** A retirement proof, signed (its checkpoint) by a trusted key other than the retired one. */
export function checkRetirementProof(
  text: string,
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): Retirement & { seq: number } {
  const { statement, receipt } = parseProof(text);
  const r = parseRetireStatement(statement);
  const others = trusted.filter((k) => !sameKey(k, r.key));
  const v = verifyReceipt(receipt, sha256(utf8(statement), c), others, c);
  if (!v.ok)
    throw new NotarError(
      'UNTRUSTED',
      `the retirement proof is not signed by a key you trust other than the retired one: ${v.reason}`,
    );
  return { ...r, seq: receipt.block.seq };
}
