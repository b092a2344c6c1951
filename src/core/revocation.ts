/**
 * Revocation (docs/lifecycle.md §2): revocation statements committed as
 * entry leaves, and the signed status file. Pure: Uint8Array and strings.
 *
 * Entry leaf for statement s (one line of UTF-8):
 *   d = SHA-256(s), salt = SHA-256("notar-entry/1 salt\n" || s)
 * A stamped document always gets a fresh random salt, so an entry cannot be
 * faked by getting the statement text stamped as a document.
 *
 *   notar-revoke/1 <leaf hash hex> <time> <reason as a JSON string>
 *
 * The leaf hash L = SHA-256(0x00 || salt || d) of the revoked stamping
 * (FORMAT.md §2): computable by whoever holds the receipt, meaningless to
 * anyone who does not hold the document (no bare digests anywhere).
 */
import { documentLeafHash } from './batch.js';
import { isValidTime } from './block.js';
import { concatBytes, equalBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import * as ed25519 from './ed25519.js';
import { NotarError } from './errors.js';
import { sha256 } from './hash.js';
import { isValidKeyName, signatureLine, type Signer, type Verifier } from './note.js';

export const REVOKE_PREFIX = 'notar-revoke/1';
export const STATUS_FORMAT = 'notar-status/1';
const ENTRY_SALT_CONTEXT = utf8('notar-entry/1 salt\n');
export const MAX_REASON_CHARS = 1000;
/** A status of a million revocations is about 150 MB; refuse more before reading it. */
export const MAX_STATUS_BYTES = 256 << 20;
const HEX64 = /^[0-9a-f]{64}$/;

/** The deterministic salt of an entry leaf. */
export function entrySalt(statement: string, c: Crypto = nobleCrypto): Uint8Array {
  return sha256(concatBytes(ENTRY_SALT_CONTEXT, utf8(statement)), c);
}

/** d and salt of an entry leaf. */
export function entryLeaf(statement: string, c: Crypto = nobleCrypto): { digest: Uint8Array; salt: Uint8Array } {
  return { digest: sha256(utf8(statement), c), salt: entrySalt(statement, c) };
}

export interface Revocation {
  /** Leaf hash of the revoked stamping, hex. */
  readonly leaf: string;
  readonly time: string;
  readonly reason: string;
}

export function checkReason(reason: string): string {
  if (reason.trim().length === 0 || reason.length > MAX_REASON_CHARS)
    throw new NotarError('USAGE', `a revocation reason must be 1 to ${MAX_REASON_CHARS} characters`);
  return reason;
}

export function formatRevokeStatement(r: Revocation): string {
  return `${REVOKE_PREFIX} ${r.leaf} ${r.time} ${JSON.stringify(r.reason)}`;
}

/** `<leaf> <time> <JSON reason>` after a prefix; throws FORMAT. */
function parseRevocationFields(rest: string, what: string): Revocation {
  const m = /^([0-9a-f]{64}) (\S+) ("(?:[^"\\\n]|\\.)*")$/.exec(rest);
  if (!m || !isValidTime(m[2])) throw new NotarError('FORMAT', `${what} is not <leaf hash> <time> <reason>`);
  let reason: unknown;
  try {
    reason = JSON.parse(m[3]);
  } catch {
    throw new NotarError('FORMAT', `${what}: the reason is not a JSON string`);
  }
  if (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)
    throw new NotarError('FORMAT', `${what}: bad reason`);
  return { leaf: m[1], time: m[2], reason };
}

export function parseRevokeStatement(s: string): Revocation {
  if (!s.startsWith(REVOKE_PREFIX + ' ')) throw new NotarError('FORMAT', 'not a notar-revoke/1 statement');
  return parseRevocationFields(s.slice(REVOKE_PREFIX.length + 1), 'revocation statement');
}

/** The leaf hash of a stamping, as revocations name it. */
export function stampingLeaf(salt: Uint8Array, digest: Uint8Array, c: Crypto = nobleCrypto): string {
  return toHex(documentLeafHash(salt, digest, c));
}

export interface Status {
  readonly origin: string;
  /** History size and root of the checkpoint it is bound to. */
  readonly size: number;
  readonly root: Uint8Array;
  /** Sealing time of the last block of that history: "not revoked as of". */
  readonly time: string;
  readonly revoked: ReadonlyMap<string, Revocation>;
}

export function formatStatusBody(s: Omit<Status, 'revoked'> & { revoked: readonly Revocation[] }): string {
  const sorted = [...s.revoked].sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0));
  const lines = [STATUS_FORMAT, s.origin, String(s.size), toBase64(s.root), s.time, String(sorted.length)];
  for (const r of sorted) lines.push(formatRevokeStatement(r).slice(REVOKE_PREFIX.length + 1));
  return lines.join('\n') + '\n';
}

/** A signed status: the body, a blank line, the store key's signature line (C2SP signed note). */
export function signStatus(
  s: Omit<Status, 'revoked'> & { revoked: readonly Revocation[] },
  signer: Signer,
  c: Crypto = nobleCrypto,
): string {
  const body = formatStatusBody(s);
  return body + '\n' + signatureLine(signer, body, c);
}

/** Parses and checks a status file: a signature by a trusted key named as its origin is required. */
export function openStatus(
  text: string,
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): Status & { signer: Verifier } {
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n'))
    throw new NotarError('FORMAT', 'a status file is a signed note: body, blank line, signature lines');
  const body = text.slice(0, split + 1);
  const status = parseStatusBody(body);
  const signer = statusSigner(body, text.slice(split + 2, -1).split('\n'), status.origin, trusted, c);
  return { ...status, signer };
}

function statusSigner(
  body: string,
  sigLines: string[],
  origin: string,
  trusted: readonly Verifier[],
  c: Crypto,
): Verifier {
  const message = utf8(body);
  let signer: Verifier | undefined;
  for (const line of sigLines.slice(0, 100)) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new NotarError('FORMAT', 'status file: malformed signature line');
    // One spelling of the signature base64, as FORMAT.md §11 holds for notes.
    let sig: Uint8Array;
    try {
      sig = fromBase64(m[2], 'status signature');
    } catch {
      throw new NotarError('FORMAT', 'status file: malformed signature line');
    }
    if (sig.length !== 68) continue;
    const key = trusted.find(
      (k) => k.name === m[1] && k.name === origin && equalBytes(fromHex(k.keyId), sig.subarray(0, 4)),
    );
    if (!key) continue;
    if (!ed25519.verify(sig.subarray(4), message, key.publicKey, c))
      throw new NotarError(
        'SIGNATURE_INVALID',
        `the status file's signature by ${key.name} (key ${key.keyId}) is not valid: it was changed after signing`,
      );
    signer = key;
  }
  if (!signer) throw new NotarError('UNTRUSTED', `the status file for ${origin} is not signed by a key you trust`);
  return signer;
}

function parseStatusBody(body: string): Status {
  const lines = body.split('\n');
  lines.pop();
  const bad = (why: string) => new NotarError('FORMAT', `not a valid status file: ${why}`);
  if (lines.length < 6 || lines[0] !== STATUS_FORMAT) throw bad(`it does not start with ${STATUS_FORMAT}`);
  const [, origin, sizeText, rootText, time, countText] = lines;
  if (!isValidKeyName(origin)) throw bad('bad origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !/^(0|[1-9][0-9]{0,9})$/.test(countText))
    throw bad('bad size or count');
  if (!isValidTime(time)) throw bad('bad time');
  const root = fromBase64(rootText, 'status root', 32);
  const count = Number(countText);
  if (lines.length !== 6 + count) throw bad(`it says ${count} revocations but lists ${lines.length - 6}`);
  const revoked = new Map<string, Revocation>();
  let prev = '';
  for (let i = 6; i < lines.length; i++) {
    const r = parseRevocationFields(lines[i], `status line ${i + 1}`);
    if (r.leaf <= prev) throw bad(`line ${i + 1}: revocations must be sorted by leaf hash, without repeats`);
    prev = r.leaf;
    revoked.set(r.leaf, r);
  }
  return { origin, size: Number(sizeText), root, time, revoked };
}

/** What a status says about one receipt's stamping. */
export type StatusVerdict =
  | { kind: 'revoked'; revocation: Revocation }
  | { kind: 'not-revoked'; size: number; time: string }
  | { kind: 'stale'; statusSize: number; receiptSize: number }
  | { kind: 'fork'; size: number };

/**
 * `receiptSize`/`receiptRoot`: the receipt's checkpoint. A status bound to a
 * smaller history cannot speak for a stamping it may predate: stale. At the
 * same size the roots must agree (else two different histories).
 */
export function statusVerdict(
  status: Status,
  origin: string,
  leafHex: string,
  receiptSize: number,
  receiptRoot: Uint8Array,
): StatusVerdict {
  if (status.origin !== origin)
    throw new NotarError('UNTRUSTED', `the status file is for ${status.origin}, the receipt for ${origin}`);
  if (status.size < receiptSize) return { kind: 'stale', statusSize: status.size, receiptSize };
  if (status.size === receiptSize && !equalBytes(status.root, receiptRoot)) return { kind: 'fork', size: status.size };
  if (!HEX64.test(leafHex)) throw new NotarError('FORMAT', 'bad leaf hash');
  const r = status.revoked.get(leafHex);
  return r ? { kind: 'revoked', revocation: r } : { kind: 'not-revoked', size: status.size, time: status.time };
}
