/**
 * What the page says about a verification result (FORMAT.md §8), in plain
 * words, one message per failed step. Pure: the DOM side is render.ts.
 */
import { toHex } from '../core/bytes.js';
import { parseCheckpoint } from '../core/checkpoint.js';
import { parseNote, type Verifier } from '../core/note.js';
import type { Receipt } from '../core/receipt.js';
import type { VerifyResult, VerifyStep } from '../core/verify.js';

export type VerdictKind = 'authentic' | 'failed' | 'needs-key';

export interface Verdict {
  readonly kind: VerdictKind;
  /** "Authentic" / "Not verified": the words carry the verdict, not only colour. */
  readonly title: string;
  readonly message: string;
  /** Shown on demand (label, value). */
  readonly details: ReadonlyArray<readonly [string, string]>;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `2026-01-31T09:15:00Z` -> `31 January 2026 at 09:15:00 UTC` (no locale guessing). */
export function humanTime(rfc3339: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]} at ${m[4]} UTC`;
}

/** Who signed the receipt's checkpoint, as the receipt claims it (not verified). */
export function claimedSigners(checkpoint: string): string {
  try {
    const sigs = parseNote(checkpoint).signatures;
    return sigs.map((s) => `${s.name}, key ID ${s.keyId}`).join('; ') || 'nobody';
  } catch {
    return 'an unreadable signature';
  }
}

/** C2SP tlog-checkpoint extension lines, shown as they are (FORMAT.md §11); none if unreadable. */
export function checkpointExtensions(checkpoint: string): readonly string[] {
  try {
    return parseCheckpoint(parseNote(checkpoint).body).extensions ?? [];
  } catch {
    return [];
  }
}

const STEP_MESSAGES: Record<Exclude<VerifyStep, 'trust'>, string> = {
  digest: 'This document was altered, or it is not the stamped document.',
  batch: 'The receipt is damaged or was edited.',
  history: 'The receipt is damaged or was edited.',
  format: 'The receipt is damaged or was edited.',
  signature: "The notary's signature is invalid.",
  revoked: 'The notary has revoked this stamping.',
};

function receiptDetails(r: Receipt | undefined, digest: Uint8Array): Array<[string, string]> {
  const rows: Array<[string, string]> = [['Document SHA-256 (computed here)', toHex(digest)]];
  if (!r) return rows;
  if (r.document.sha256 !== toHex(digest)) rows.push(['SHA-256 the receipt is for', r.document.sha256]);
  if (r.document.name !== undefined) rows.push(['Name written in the receipt (not verified)', r.document.name]);
  rows.push(
    ['Block', `${r.block.seq}, sealed ${humanTime(r.block.time)}`],
    ['Leaf index', `${r.leaf.index} of ${r.block.size} in the block`],
    ['Checkpoint size', `${r.history.size} block${r.history.size === 1 ? '' : 's'}`],
  );
  const ext = checkpointExtensions(r.checkpoint);
  if (ext.length > 0) rows.push(['Checkpoint extension lines (signed, not interpreted)', ext.join('\n')]);
  return rows;
}

/** The checkpoint's origin and its signatures' key IDs, as the receipt claims them (not verified). */
function claimedOrigin(checkpoint: string): { origin?: string; keyIds: string } {
  try {
    const note = parseNote(checkpoint);
    const keyIds = note.signatures.map((s) => s.keyId).join(', ') || 'none';
    return { origin: parseCheckpoint(note.body).origin, keyIds };
  } catch {
    return { keyIds: 'unreadable' };
  }
}

/**
 * A receipt signed by no trusted key. Its origin is only a claim: when the
 * page trusts a key of that very name, the receipt poses as that office
 * without its signature, so say plainly that it may be forged, and never
 * call the other key by the office's name.
 */
function untrusted(r: Receipt | undefined, trusted: readonly Verifier[]): { title: string; message: string } {
  const { origin, keyIds } = r ? claimedOrigin(r.checkpoint) : { keyIds: 'unknown' };
  const own = trusted.filter((k) => k.name === origin);
  // A trusted key's signature that verified and still failed at `trust`: a rotation, retirement or
  // policy range (#notar-key-until) bounds that key below this checkpoint (docs/lifecycle.md §3).
  const bounded = own.find((k) => keyIds.split(', ').includes(k.keyId));
  if (bounded) {
    const message = `This receipt is signed with the office's key ${bounded.keyId}, but this page trusts that key only for earlier receipts: the office handed it over to a new key or retired it as compromised. A receipt from later under that key may be forged. Ask the office for a refreshed receipt.`;
    return { title: 'Not verified: key no longer valid', message };
  }
  if (origin !== undefined && own.length > 0) {
    const ids = own.map((k) => k.keyId).join(', ');
    const message = `This receipt claims to be from ${origin}, but it is not signed by that office's key (key ID ${ids}). It is signed by a different key (key ID ${keyIds}), so it may be forged. Do not rely on it — unless the office has changed its key: then add its key rotation proof here (a file the office publishes), or use the office's current page.`;
    return { title: 'Not verified: may be forged', message };
  }
  const from =
    origin === undefined
      ? 'It names no readable office.'
      : `The receipt says it comes from ${origin} (key ID ${keyIds}), and this page trusts no key of that name.`;
  return { title: 'Not verified', message: `Not signed by a key this page trusts. ${from}` };
}

/** Turns a verifyReceipt result into what the visitor reads; `trusted`: the keys the page trusts. */
export function describe(result: VerifyResult, digest: Uint8Array, trusted: readonly Verifier[]): Verdict {
  const details = receiptDetails(result.receipt, digest);
  if (result.ok) {
    details.push(['Signed with key', `${result.signer.name}, key ID ${result.signer.keyId}`]);
    const message = `Stamped by ${result.origin} on ${humanTime(result.time)}. This is exactly the document that was stamped.`;
    return { kind: 'authentic', title: 'Authentic', message, details };
  }
  details.push(['Technical reason', `${result.step}: ${result.reason}`]);
  if (result.step === 'revoked')
    return { kind: 'failed', title: 'Revoked', message: `${STEP_MESSAGES.revoked} ${result.reason}`, details };
  if (result.step !== 'trust')
    return { kind: 'failed', title: 'Not verified', message: STEP_MESSAGES[result.step], details };
  const signer = result.receipt ? claimedSigners(result.receipt.checkpoint) : 'an unknown key';
  details.push(['Signature, as the receipt claims it (not verified)', signer]);
  if (trusted.length === 0) {
    // Steps 1-3 passed; only the key is missing, so do not call it a failure.
    const message = `The document matches its receipt, but this page has no trusted key, so it cannot say the document is authentic. Add the notary's verifier key above. (The receipt says it was signed by ${signer}.)`;
    return { kind: 'needs-key', title: 'Not verified: no trusted key', message, details };
  }
  return { kind: 'failed', ...untrusted(result.receipt, trusted), details };
}
