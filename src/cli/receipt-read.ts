/**
 * Receipt files as the read-side commands handle them: the default name,
 * reading one with a clear error naming the file, and the checkpoint facts
 * a receipt carries.
 */
import { fromHex } from '../core/bytes.js';
import { NotarError } from '../core/errors.js';
import { parseCheckpoint, type Checkpoint } from '../core/checkpoint.js';
import { parseNote } from '../core/note.js';
import { MAX_RECEIPT_BYTES, parseReceipt, type Receipt } from '../core/receipt.js';
import { readTextInput } from './common.js';

/** `<document>.notar.json` (FORMAT.md §7); same as stamp's. */
export const RECEIPT_SUFFIX = '.notar.json';

export const RECEIPT_HINT = 'a receipt is the .notar.json file `notar stamp` wrote, unedited; the notary can rebuild it with `notar prove`';

export function readReceiptText(file: string): string {
  return readTextInput(file, MAX_RECEIPT_BYTES, 'a receipt');
}

/** Reads and strictly parses a receipt; a malformed one is an input error naming the file. */
export function readReceiptFile(file: string): { text: string; receipt: Receipt } {
  const text = readReceiptText(file);
  try {
    return { text, receipt: parseReceipt(text) };
  } catch (e) {
    if (e instanceof NotarError) throw new NotarError('FORMAT', `${file}: ${e.message}`, { hint: RECEIPT_HINT });
    throw e;
  }
}

/** The checkpoint body of a signed note (syntax only: no signature is checked). */
export function checkpointOf(note: string): Checkpoint {
  return parseCheckpoint(parseNote(note).body);
}

/** The origin a signed checkpoint names, or undefined if it cannot be read. */
export function originOf(note: string): string | undefined {
  try {
    return checkpointOf(note).origin;
  } catch {
    return undefined;
  }
}

/** Who signed a note, as its signature lines say ("name (key 1a2b3c4d)"). */
export function signersOf(note: string): string {
  try {
    return parseNote(note).signatures.map((sig) => `${sig.name} (key ${sig.keyId})`).join(', ') || 'nobody';
  } catch {
    return 'an unreadable signature';
  }
}

/** Accepts what sha256sum prints (upper case too), nothing else. */
export function parseDigestOption(hex: string): Uint8Array {
  const h = hex.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) {
    throw new NotarError('USAGE', `--sha256 ${JSON.stringify(hex.slice(0, 80))} is not a SHA-256 digest`, { hint: 'give the 64 hex digits that `sha256sum FILE` or `notar hash FILE` prints' });
  }
  return fromHex(h, '--sha256', 32);
}
