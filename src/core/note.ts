/**
 * C2SP signed-note: Ed25519 keys, key IDs, verifier/signer key strings,
 * signing a note and opening one against a list of trusted verifiers.
 */
import { concatBytes, equalBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import * as ed25519 from './ed25519.js';
import { NotarError } from './errors.js';
import { sha256 } from './hash.js';

/** C2SP signed-note signature type for Ed25519. */
const ALG_ED25519 = 0x01;
/** Notes over this size, or with more signatures, are refused (C2SP allows a cap). */
export const MAX_NOTE_BYTES = 64 * 1024;
export const MAX_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 ';

export interface Verifier {
  readonly name: string;
  /** 4-byte key ID as 8 lowercase hex digits. */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** The canonical `<name>+<id>+<base64>` string. */
  readonly text: string;
}

export interface Signer extends Verifier {
  readonly seed: Uint8Array;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: string;
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, ending in "\n". */
  readonly body: string;
  readonly signatures: NoteSignature[];
}

const keyError = (why: string) => new NotarError('KEY_FORMAT', why);

/**
 * Characters for which Go's unicode.IsSpace is true: the Latin-1 spaces
 * \t \n \v \f \r, space, U+0085, U+00A0, and the Unicode White_Space
 * characters above Latin-1. (U+180E and U+FEFF are not spaces.)
 */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** A string that is valid UTF-8 when encoded: no lone UTF-16 surrogate. */
export function isWellFormedText(text: string): boolean {
  return !/[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

/**
 * C2SP signed-note key names exactly as Go's golang.org/x/mod/sumdb/note
 * isValidName: non-empty valid UTF-8, no '+', no Unicode space. Nothing
 * else: Go accepts U+FEFF, DEL and C1 controls other than U+0085, and so do
 * we, so that every key Go accepts can be given to notar.
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' && name.length > 0 && isWellFormedText(name) && !name.includes('+') && !GO_SPACE.test(name)
  );
}

/** notar's own limit for the keys it creates: at most this many UTF-8 bytes. */
export const MAX_OWN_KEY_NAME_BYTES = 256;

/**
 * The stricter rule for names of keys notar creates (`init`): a valid name
 * that can also appear in a signed note (C2SP forbids ASCII controls in
 * notes, so such a key could never sign one) and is not absurdly long.
 */
export function isValidOwnKeyName(name: string): boolean {
  return isValidKeyName(name) && !/[\u0000-\u001f]/.test(name) && utf8(name).length <= MAX_OWN_KEY_NAME_BYTES;
}

/** key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4] (C2SP signed-note). */
export function computeKeyId(name: string, publicKey: Uint8Array): string {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, ALG_ED25519), publicKey));
  return toHex(h.subarray(0, 4));
}

function makeVerifier(name: string, publicKey: Uint8Array): Verifier {
  if (!isValidKeyName(name)) throw keyError(`key name ${JSON.stringify(name)} is not a valid signed-note name`);
  const keyId = computeKeyId(name, publicKey);
  const text = `${name}+${keyId}+${toBase64(concatBytes(Uint8Array.of(ALG_ED25519), publicKey))}`;
  return { name, keyId, publicKey, text };
}

/** Signer from a 32-byte Ed25519 seed (RFC 8032 private key). */
export function signerFromSeed(name: string, seed: Uint8Array, c: Crypto = nobleCrypto): Signer {
  if (seed.length !== 32) throw keyError('an Ed25519 seed is 32 bytes');
  return { ...makeVerifier(name, ed25519.publicKeyFromSeed(seed, c)), seed: seed.slice() };
}

export function generateSigner(name: string, randomSeed: Uint8Array, c: Crypto = nobleCrypto): Signer {
  return signerFromSeed(name, randomSeed, c);
}

/** `<name>+<key ID>+<base64(0x01 || public key)>`, strictly. */
export function parseVerifierKey(text: string): Verifier {
  if (typeof text !== 'string') throw keyError('verifier key is not a string');
  const parts = splitFields(text, 3);
  if (parts.length !== 3) throw keyError('verifier key must look like <name>+<key ID>+<base64 key>');
  const [name, id, b64] = parts;
  const key = decodeTypedKey(b64, 'verifier key');
  if (!ed25519.isAcceptablePublicKey(key)) throw keyError('verifier key is not a valid Ed25519 public key');
  return checkKeyId(makeVerifier(name, key), id);
}

/** `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`, strictly. */
export function parseSignerKey(text: string, c: Crypto = nobleCrypto): Signer {
  if (typeof text !== 'string') throw keyError('signer key is not a string');
  const parts = splitFields(text, 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw keyError('signer key must look like PRIVATE+KEY+<name>+<key ID>+<base64 key>');
  }
  const seed = decodeTypedKey(parts[4], 'signer key');
  const signer = signerFromSeed(parts[2], seed, c);
  checkKeyId(signer, parts[3]);
  return signer;
}

/**
 * Splits at the first n-1 '+' only: names never contain '+', but standard
 * base64 (the last field) may, so a plain split('+') would reject valid keys.
 */
function splitFields(text: string, n: number): string[] {
  const parts = text.split('+');
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join('+')];
}

function decodeTypedKey(b64: string, what: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64, what);
  } catch {
    throw keyError(`${what} is not standard base64`);
  }
  if (raw.length !== 33) throw keyError(`${what} must encode 33 bytes (type and 32-byte key)`);
  if (raw[0] !== ALG_ED25519) throw keyError(`${what} is not an Ed25519 key (type byte ${raw[0]})`);
  return raw.subarray(1);
}

function checkKeyId<T extends Verifier>(key: T, id: string): T {
  if (!/^[0-9a-f]{8}$/.test(id))
    throw keyError(`key ID ${JSON.stringify(id.slice(0, 16))} is not 8 lowercase hex digits`);
  if (id !== key.keyId) throw keyError(`key ID ${id} does not match the key (expected ${key.keyId})`);
  return key;
}

export function formatSignerKey(signer: Signer): string {
  return `PRIVATE+KEY+${signer.name}+${signer.keyId}+${toBase64(concatBytes(Uint8Array.of(ALG_ED25519), signer.seed))}`;
}

function checkNoteText(text: string, what: string): void {
  // C2SP: notes are UTF-8 with no ASCII control characters other than newline.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new NotarError('FORMAT', `${what} contains a control character`);
  if (!isWellFormedText(text)) throw new NotarError('FORMAT', `${what} is not valid UTF-8`);
}

/** C2SP signed-note: the text ends in a newline; it MAY contain empty lines. */
function checkBody(body: string): void {
  checkNoteText(body, 'note text');
  if (body.length === 0 || !body.endsWith('\n')) throw new NotarError('FORMAT', 'note text must end with a newline');
}

export function signatureLine(signer: Signer, body: string, c: Crypto = nobleCrypto): string {
  const sig = ed25519.sign(signer.seed, utf8(body), c);
  return `${SIG_PREFIX}${signer.name} ${toBase64(concatBytes(fromHex(signer.keyId), sig))}\n`;
}

/** body + blank line + one signature line per signer. */
export function signNote(body: string, signers: Signer | readonly Signer[], c: Crypto = nobleCrypto): string {
  checkBody(body);
  const all = Array.isArray(signers) ? (signers as readonly Signer[]) : [signers as Signer];
  if (all.length === 0) throw new NotarError('USAGE', 'a note needs at least one signer');
  return body + '\n' + all.map((s) => signatureLine(s, body, c)).join('');
}

function parseSignatureLine(line: string): NoteSignature {
  const bad = () => new NotarError('FORMAT', 'note has a malformed signature line');
  if (!line.startsWith(SIG_PREFIX)) throw bad();
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw bad();
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw bad();
  let raw: Uint8Array;
  try {
    // One spelling (FORMAT.md §11): canonical padded standard base64.
    raw = fromBase64(rest.slice(space + 1));
  } catch {
    throw bad();
  }
  if (raw.length < 5) throw bad();
  return { name, keyId: toHex(raw.subarray(0, 4)), signature: raw.slice(4) };
}

/** Splits a signed note into body and signature lines (syntax only, no trust). */
export function parseNote(text: string): Note {
  if (typeof text !== 'string') throw new NotarError('FORMAT', 'note is not text');
  if (utf8(text).length > MAX_NOTE_BYTES) throw new NotarError('FORMAT', 'note is too large');
  checkNoteText(text, 'note');
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) throw new NotarError('FORMAT', 'note has no signature block');
  const body = text.slice(0, split + 1);
  checkBody(body);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NotarError('FORMAT', 'note has too many signatures');
  return { body, signatures: lines.map(parseSignatureLine) };
}

export interface OpenedNote extends Note {
  /** The trusted verifiers whose signatures checked out. */
  readonly verifiedBy: Verifier[];
}

/**
 * Opens a note with the verifiers the caller trusts (C2SP signed-note, as
 * Go's note.Open): lines by unknown keys are ignored; every line whose name
 * and key ID match a trusted key is verified, and one that fails rejects the
 * whole note wherever it stands. Unlike Go, a repeated line by a key that
 * already verified is checked too (C2SP: "MUST verify"), so a bad line never
 * hides behind a good one. No trusted signature at all is UNTRUSTED.
 */
export function openNote(text: string, trusted: readonly Verifier[], c: Crypto = nobleCrypto): OpenedNote {
  const note = parseNote(text);
  const message = utf8(note.body);
  const verifiedBy: Verifier[] = [];
  const good = new Set<string>();
  for (const sig of note.signatures) {
    const key = trustedKeyFor(sig, trusted);
    if (!key) continue;
    const id = `${sig.name}+${sig.keyId}+${toBase64(sig.signature)}`;
    if (good.has(id)) continue; // the very same signature bytes already verified
    if (sig.signature.length !== 64 || !ed25519.verify(sig.signature, message, key.publicKey, c)) {
      throw new NotarError('SIGNATURE_INVALID', `signature by ${key.name} (key ${key.keyId}) is not valid`);
    }
    good.add(id);
    if (!verifiedBy.includes(key)) verifiedBy.push(key);
  }
  if (verifiedBy.length === 0) {
    const names = note.signatures.map((s) => `${s.name}+${s.keyId}`).join(', ');
    throw new NotarError('UNTRUSTED', `no signature by a trusted key (signed by ${names})`);
  }
  return { ...note, verifiedBy };
}

/** The one trusted key with this name and key ID; two different ones are ambiguous (as in Go). */
function trustedKeyFor(sig: NoteSignature, trusted: readonly Verifier[]): Verifier | undefined {
  const keys = trusted.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
  if (keys.some((k) => !equalBytes(k.publicKey, keys[0].publicKey))) {
    throw new NotarError(
      'UNTRUSTED',
      `two different trusted keys have the name ${sig.name} and key ID ${sig.keyId}; remove the wrong one`,
    );
  }
  return keys[0];
}

export function sameKey(a: Verifier, b: Verifier): boolean {
  return a.name === b.name && a.keyId === b.keyId && equalBytes(a.publicKey, b.publicKey);
}
