/**
 * Receipt files as the read-side commands handle them: the default name,
 * reading one with a clear error naming the file, and the checkpoint facts
 * a receipt carries.
 */
import { fromHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { parseCheckpoint, type Checkpoint } from '../../core/checkpoint.js';
import { parseNote, type Verifier } from '../../core/note.js';
import { MAX_RECEIPT_BYTES, parseReceipt, type Receipt } from '../../core/receipt.js';
import { readTextInput } from '../common.js';

export const RECEIPT_HINT =
  'a receipt is the .notar.json file `notar stamp` wrote, unedited; the notary can rebuild it with `notar prove`';

export function readReceiptText(file: string | Buffer): string {
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
    return (
      parseNote(note)
        .signatures.map((sig) => `${sig.name} (key ${sig.keyId})`)
        .join(', ') || 'nobody'
    );
  } catch {
    return 'an unreadable signature';
  }
}

/**
 * Why a signed checkpoint is not trusted, in words that never vouch for the
 * origin it names: that name is only a claim (anyone can write it, FORMAT.md
 * §8 step 4). When the user trusts a key of that very name, the checkpoint
 * claims to be that office's but is not signed by its key: say it may be forged.
 */
export function untrustedReason(
  note: string,
  trusted: readonly Verifier[],
  what = 'the receipt',
  plural = false,
): string {
  const origin = originOf(note);
  const own = trusted.filter((k) => k.name === origin);
  const [claims, says, is, it] = plural ? ['claim', 'say', 'are', 'they'] : ['claims', 'says', 'is', 'it'];
  let ids: string;
  try {
    ids =
      parseNote(note)
        .signatures.map((sig) => sig.keyId)
        .join(', ') || 'none';
  } catch {
    ids = 'unreadable';
  }
  if (origin === undefined) return `not signed by a key you trust: ${what} ${is} not from a readable origin`;
  if (own.length > 0) {
    const yours = own.map((k) => k.keyId).join(', ');
    return `not signed by a key you trust: ${what} ${claims} to be from ${origin}, but ${is} not signed by the key you trust for ${origin} (key ${yours}): ${it} ${is} signed by another key (key ${ids}) and may be forged`;
  }
  return `not signed by a key you trust: ${what} ${says} ${it} ${plural ? 'are' : 'is'} from ${origin} (key ${ids}), and you trust no key of ${origin}`;
}

/** Accepts what sha256sum prints (upper case too), nothing else. */
export function parseDigestOption(hex: string): Uint8Array {
  const h = hex.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) {
    throw new NotarError('USAGE', `--sha256 ${JSON.stringify(hex.slice(0, 80))} is not a SHA-256 digest`, {
      hint: 'give the 64 hex digits that `sha256sum FILE` or `notar hash FILE` prints',
    });
  }
  return fromHex(h, '--sha256', 32);
}
