/**
 * Stored leaves of one batch (`leaves/<seq>.bin`), so proofs can be made
 * later. Binary, fixed-size records for speed at a million documents:
 *
 *   "notar-leaves/1\n"  seq (u32 BE hi, u32 BE lo)  count (u32 BE)
 *   count × (digest 32 || salt 32)
 *   count × (name length u16 BE || UTF-8 name)       (length 0: no name)
 *   Ed25519 signature (64) over "notar-leaves/1 sig\n" || SHA-256(all above)
 *
 * Digests and salts are bound by the batch root in the signed chain; the
 * trailing signature also binds the names (which FORMAT.md leaves
 * unauthenticated), so any change to any byte is detected by `chain verify`.
 */
import { concatBytes, utf8 } from '../core/bytes.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import * as ed25519 from '../core/ed25519.js';
import { NotarError } from '../core/errors.js';
import { createSha256, sha256 } from '../core/hash.js';
import type { Signer, Verifier } from '../core/note.js';
import { type Batch } from '../core/batch.js';

const MAGIC = utf8('notar-leaves/1\n');
const SIG_CONTEXT = utf8('notar-leaves/1 sig\n');
const HEADER = MAGIC.length + 12;
export const RECORD = 64;
const MAX_NAME = 4096;

export interface LeafEntry {
  readonly digest: Uint8Array;
  readonly salt: Uint8Array;
  readonly name?: string;
}

export interface LeavesFile {
  readonly seq: number;
  readonly count: number;
  /** count × (digest || salt), packed. */
  readonly records: Uint8Array;
  readonly names: (string | undefined)[];
}

/**
 * Cuts at a character boundary: a name cut inside a multi-byte character
 * would not decode, and the whole leaves file would then read as damaged.
 */
export function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** Encodes a sealed batch's leaves; `names[i]` may be undefined. */
export function encodeLeaves(
  seq: number,
  batch: Pick<Batch, 'count' | 'digests' | 'salts'>,
  names: readonly (string | undefined)[],
  signer: Signer,
  c: Crypto = nobleCrypto,
): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const piece of leavesPieces(seq, batch, names, signer, c)) pieces.push(piece.slice());
  return concatBytes(...pieces);
}

const PIECE_RECORDS = 16384;

/**
 * encodeLeaves in pieces of about 1 MiB (the same bytes, in order), hashed as
 * they go: a million-leaf file (66 MB) can be written without ever being in
 * memory whole (Store.seal's peak memory). A piece is valid only until the
 * next is asked for: the buffer is reused (1 MiB pieces left to the garbage
 * collector pile up: it does not run for them alone).
 */
export function* leavesPieces(
  seq: number,
  batch: Pick<Batch, 'count' | 'digests' | 'salts'>,
  names: readonly (string | undefined)[],
  signer: Signer,
  c: Crypto = nobleCrypto,
): Generator<Uint8Array> {
  const hasher = createSha256(c);
  const header = new Uint8Array(HEADER);
  const view = new DataView(header.buffer);
  header.set(MAGIC, 0);
  view.setUint32(MAGIC.length, Math.floor(seq / 2 ** 32));
  view.setUint32(MAGIC.length + 4, seq % 2 ** 32);
  view.setUint32(MAGIC.length + 8, batch.count);
  hasher.update(header);
  yield header;
  const buffer = new Uint8Array(PIECE_RECORDS * RECORD);
  for (let first = 0; first < batch.count; first += PIECE_RECORDS) {
    const piece = recordsPiece(batch, first, Math.min(PIECE_RECORDS, batch.count - first), buffer);
    hasher.update(piece);
    yield piece;
  }
  for (const piece of namesPieces(batch.count, names, buffer)) {
    hasher.update(piece);
    yield piece;
  }
  yield ed25519.sign(signer.seed, concatBytes(SIG_CONTEXT, hasher.digest()), c);
}

/** Records first .. first + n: digest || salt each. */
function recordsPiece(
  batch: Pick<Batch, 'digests' | 'salts'>,
  first: number,
  n: number,
  buffer: Uint8Array,
): Uint8Array {
  const piece = buffer.subarray(0, n * RECORD);
  const { digests, salts } = batch;
  for (let i = 0, off = 0; i < n; i++, off += RECORD) {
    // A byte loop: two subarray views per leaf cost more than the copy.
    for (let j = 0, at = (first + i) * 32; j < 32; j++) {
      piece[off + j] = digests[at + j];
      piece[off + 32 + j] = salts[at + j];
    }
  }
  return piece;
}

/** The names section (u16 length || UTF-8 each) in pieces of up to buffer.length (1 MiB). */
function* namesPieces(count: number, names: readonly (string | undefined)[], piece: Uint8Array): Generator<Uint8Array> {
  let off = 0;
  for (let i = 0; i < count; i++) {
    const name = names[i];
    // Room for the longest name (a name is cut to MAX_NAME bytes, and a char is at most 3 UTF-8 bytes per unit).
    if (off + 2 + Math.min(MAX_NAME, 3 * (name?.length ?? 0)) > piece.length) {
      yield piece.subarray(0, off);
      off = 0;
    }
    const n = name === undefined ? 0 : putName(name, piece, off + 2);
    piece[off] = n >> 8;
    piece[off + 1] = n & 0xff;
    off += 2 + n;
  }
  if (off > 0) yield piece.subarray(0, off);
}

/**
 * Writes a name's UTF-8, cut to MAX_NAME bytes at a character boundary, at
 * piece[at]; returns its length. An ASCII name (nearly every file name) is
 * copied a char per byte: an encoder call and an array per name cost ~0.4 µs
 * each, 40 ms of a 100,000-document seal.
 */
function putName(name: string, piece: Uint8Array, at: number): number {
  if (name.length <= MAX_NAME) {
    let i = 0;
    for (let c = 0; i < name.length && (c = name.charCodeAt(i)) < 0x80; i++) piece[at + i] = c;
    if (i === name.length) return i;
  }
  const bytes = truncateUtf8(utf8(name), MAX_NAME);
  piece.set(bytes, at);
  return bytes.length;
}

const corrupt = (file: string, why: string) =>
  new NotarError('CHAIN_INVALID', `${file}: stored leaves are damaged (${why})`, {
    hint: 'restore the store from a backup; run `notar chain verify` for a full report',
  });

/** Parses a leaves file; with `verifier`, also checks its signature. */
export function decodeLeaves(data: Uint8Array, file: string, verifier?: Verifier, c: Crypto = nobleCrypto): LeavesFile {
  if (data.length < HEADER + 64) throw corrupt(file, 'too short');
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) throw corrupt(file, 'bad header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const seq = view.getUint32(MAGIC.length) * 2 ** 32 + view.getUint32(MAGIC.length + 4);
  const count = view.getUint32(MAGIC.length + 8);
  const body = data.subarray(0, data.length - 64);
  if (verifier) {
    const ok = ed25519.verify(
      data.subarray(data.length - 64),
      concatBytes(SIG_CONTEXT, sha256(body, c)),
      verifier.publicKey,
      c,
    );
    if (!ok) throw corrupt(file, 'signature does not match the contents');
  }
  const recordsEnd = HEADER + count * RECORD;
  if (count < 1 || recordsEnd > body.length) throw corrupt(file, 'record count out of range');
  const names: (string | undefined)[] = new Array(count);
  if (noNames(body.subarray(recordsEnd), count))
    return { seq, count, records: body.subarray(HEADER, recordsEnd), names };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let off = recordsEnd;
  for (let i = 0; i < count; i++) {
    if (off + 2 > body.length) throw corrupt(file, 'names truncated');
    const len = view.getUint16(off);
    if (off + 2 + len > body.length) throw corrupt(file, 'names truncated');
    try {
      names[i] = len === 0 ? undefined : decoder.decode(body.subarray(off + 2, off + 2 + len));
    } catch {
      throw corrupt(file, 'a name is not UTF-8');
    }
    off += 2 + len;
  }
  if (off !== body.length) throw corrupt(file, 'trailing bytes');
  return { seq, count, records: body.subarray(HEADER, recordsEnd), names };
}

/**
 * True if the names section is `count` zero lengths (a batch of digests): one
 * native comparison instead of a walk (`prove` decodes a 10^4-leaf file cold).
 */
function noNames(section: Uint8Array, count: number): boolean {
  if (section.length !== 2 * count) return false;
  const zeros = new Uint8Array(section.length);
  return Buffer.compare(section, zeros) === 0;
}

/** Leaf i's digest and salt. */
export function leafAt(leaves: LeavesFile, i: number): LeafEntry {
  const r = leaves.records.subarray(i * RECORD, (i + 1) * RECORD);
  return { digest: r.slice(0, 32), salt: r.slice(32, 64), name: leaves.names[i] };
}

/** Bytes before the records: what `recordsExtent` needs to see. */
export const LEAVES_HEADER_SIZE = HEADER;

/**
 * Where the records of a leaves file are, from its header and size alone, so
 * `prove` can read just the records of every batch (not the names).
 */
export function recordsExtent(header: Uint8Array, fileSize: number, file: string): { offset: number; count: number } {
  if (header.length < HEADER || fileSize < HEADER + 64) throw corrupt(file, 'too short');
  for (let i = 0; i < MAGIC.length; i++) if (header[i] !== MAGIC[i]) throw corrupt(file, 'bad header');
  const count = new DataView(header.buffer, header.byteOffset, HEADER).getUint32(MAGIC.length + 8);
  if (count < 1 || HEADER + count * RECORD > fileSize - 64) throw corrupt(file, 'record count out of range');
  return { offset: HEADER, count };
}

/**
 * Indices of the records (digest || salt, packed from offset 0) whose digest
 * is `digest`, without decoding anything: Buffer.indexOf is a native search,
 * several times faster than comparing record by record in JS.
 */
export function scanRecords(records: Buffer, digest: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  for (;;) {
    const at = records.indexOf(digest, pos);
    if (at < 0) return out;
    // Only a match at the start of a record is a digest (not a salt, not spanning two records).
    if (at % RECORD === 0) {
      out.push(at / RECORD);
      pos = at + RECORD;
    } else pos = at + 1;
  }
}

/** Indices of the leaves whose document digest is `digest`. */
export function findDigest(leaves: LeavesFile, digest: Uint8Array): number[] {
  const out: number[] = [];
  const recs = leaves.records;
  outer: for (let i = 0; i < leaves.count; i++) {
    const off = i * RECORD;
    for (let j = 0; j < 32; j++) if (recs[off + j] !== digest[j]) continue outer;
    out.push(i);
  }
  return out;
}
