/**
 * Receipts (FORMAT.md §7): everything needed to check one document offline.
 * A receipt is a JSON value, not a byte string (FORMAT.md §11): any RFC 8259
 * spelling parses (whitespace, member order, escapes, CRLF), while its
 * meaning is checked strictly: exactly the known members, each of its type,
 * range and length, no duplicate names. Edits that change a value are caught
 * by the proofs and the signature, not by the spelling.
 */
import { Block, checkBlock } from './block.js';
import { fromBase64, fromHex, toHex } from './bytes.js';
import { formatError } from './errors.js';
import { checkKeys, expectInteger, expectString, isPlainObject, parseJson } from './json.js';
import { inclusionProofLength } from './merkle.js';
import { MAX_NOTE_BYTES, parseVerifierKey } from './note.js';

export const RECEIPT_FORMAT = 'notar-receipt/1';
/** A receipt's file name: the document's name plus this (FORMAT.md §7). */
export const RECEIPT_SUFFIX = '.notar.json';
/** No canonical receipt comes near this; larger input is junk. */
export const MAX_RECEIPT_BYTES = 256 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  readonly document: { readonly sha256: string; readonly name?: string };
  readonly leaf: { readonly salt: string; readonly index: number; readonly path: string[] };
  readonly block: Block;
  readonly history: { readonly size: number; readonly path: string[] };
  readonly checkpoint: string;
  readonly key?: string;
  /** v1.1 optional: RFC 3161 tokens (base64 DER) over the checkpoint body (timestamps.ts). */
  readonly timestamps?: string[];
}

/** What notar writes: 2-space JSON in field order, one trailing newline. */
export function formatReceipt(r: Receipt): string {
  const document =
    r.document.name === undefined
      ? { sha256: r.document.sha256 }
      : { sha256: r.document.sha256, name: r.document.name };
  const ordered = {
    format: r.format,
    document,
    leaf: { salt: r.leaf.salt, index: r.leaf.index, path: r.leaf.path },
    block: { seq: r.block.seq, time: r.block.time, size: r.block.size, root: r.block.root, prev: r.block.prev },
    history: { size: r.history.size, path: r.history.path },
    checkpoint: r.checkpoint,
    ...(r.key === undefined ? {} : { key: r.key }),
    ...(r.timestamps === undefined ? {} : { timestamps: r.timestamps }),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

function hex64(v: unknown, what: string): string {
  if (typeof v !== 'string' || !HEX64.test(v)) throw formatError(`${what} must be 64 lowercase hex digits`);
  return v;
}

function hashPath(v: unknown, what: string, index: number, size: number): string[] {
  if (!Array.isArray(v)) throw formatError(`${what} must be an array`);
  const want = inclusionProofLength(index, size);
  if (v.length !== want)
    throw formatError(`${what} has ${v.length} hashes; a tree of ${size} needs ${want} for index ${index}`);
  return v.map((h, i) => hex64(h, `${what}[${i}]`));
}

function parseLeafAndBlock(obj: Record<string, unknown>): Pick<Receipt, 'leaf' | 'block'> {
  const b = checkKeys(obj.block, 'receipt block', ['seq', 'time', 'size', 'root', 'prev']);
  const block = checkBlock({
    seq: expectInteger(b.seq, 'block.seq', 0),
    time: expectString(b.time, 'block.time', 32),
    size: expectInteger(b.size, 'block.size', 1),
    root: hex64(b.root, 'block.root'),
    prev: hex64(b.prev, 'block.prev'),
  });
  const l = checkKeys(obj.leaf, 'receipt leaf', ['salt', 'index', 'path']);
  const index = expectInteger(l.index, 'leaf.index', 0);
  if (index >= block.size) throw formatError(`leaf.index ${index} is not below block.size ${block.size}`);
  const leaf = { salt: hex64(l.salt, 'leaf.salt'), index, path: hashPath(l.path, 'leaf.path', index, block.size) };
  return { leaf, block };
}

/** Parses and range-checks a receipt (any JSON spelling); throws FORMAT on anything malformed. */
export function parseReceipt(text: string): Receipt {
  const obj = checkKeys(
    parseJson(text, 'receipt', MAX_RECEIPT_BYTES),
    'receipt',
    ['format', 'document', 'leaf', 'block', 'history', 'checkpoint'],
    ['key', 'timestamps'],
  );
  if (obj.format !== RECEIPT_FORMAT)
    throw formatError(
      `unknown receipt format ${JSON.stringify(String(obj.format)).slice(0, 40)} (expected ${RECEIPT_FORMAT})`,
    );
  const d = checkKeys(obj.document, 'receipt document', ['sha256'], ['name']);
  const document = {
    sha256: hex64(d.sha256, 'document.sha256'),
    ...(d.name === undefined ? {} : { name: expectString(d.name, 'document.name', 4096) }),
  };
  const { leaf, block } = parseLeafAndBlock(obj);
  const h = checkKeys(obj.history, 'receipt history', ['size', 'path']);
  const hsize = expectInteger(h.size, 'history.size', 1);
  if (hsize <= block.seq) throw formatError(`history.size ${hsize} must be greater than block.seq ${block.seq}`);
  const history = { size: hsize, path: hashPath(h.path, 'history.path', block.seq, hsize) };
  const checkpoint = expectString(obj.checkpoint, 'checkpoint', MAX_NOTE_BYTES);
  const key = obj.key === undefined ? undefined : keyHint(obj.key);
  const timestamps = obj.timestamps === undefined ? undefined : timestampTokens(obj.timestamps);
  return {
    format: RECEIPT_FORMAT,
    document,
    leaf,
    block,
    history,
    checkpoint,
    ...(key === undefined ? {} : { key }),
    ...(timestamps === undefined ? {} : { timestamps }),
  };
}

/**
 * The key hint is never trusted and never changes the verdict (FORMAT.md
 * §11); it must only be a well-formed verifier key string, so that what a
 * reader may copy from it is at least a key.
 */
function keyHint(v: unknown): string {
  const text = expectString(v, 'key', 1024);
  try {
    parseVerifierKey(text);
  } catch {
    throw formatError('receipt key hint is not a valid verifier key string');
  }
  return text;
}

/** At most this many tokens, each at most this long (base64 of a DER token). */
export const MAX_TIMESTAMPS = 8;
export const MAX_TIMESTAMP_CHARS = 43_692; // base64 of 32 KiB

/** v1.1 `timestamps`: a non-empty array of base64 RFC 3161 tokens; what they say is checked by verify. */
function timestampTokens(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_TIMESTAMPS)
    throw formatError(`timestamps must be an array of 1 to ${MAX_TIMESTAMPS} base64 tokens`);
  return v.map((t, i) => {
    const text = expectString(t, `timestamps[${i}]`, MAX_TIMESTAMP_CHARS);
    fromBase64(text, `timestamps[${i}]`);
    return text;
  });
}

export function isReceiptLike(v: unknown): boolean {
  return isPlainObject(v) && v.format === RECEIPT_FORMAT;
}

export function hexPath(path: Uint8Array[]): string[] {
  return path.map(toHex);
}

export function bytesPath(path: string[]): Uint8Array[] {
  return path.map((h) => fromHex(h, 'path hash', 32));
}

export interface ReceiptParts {
  readonly digest: Uint8Array;
  readonly salt: Uint8Array;
  readonly index: number;
  /** Inclusion proof of the leaf in its batch tree. */
  readonly leafPath: Uint8Array[];
  readonly block: Block;
  readonly historySize: number;
  /** Inclusion proof of the block in the history tree of `historySize`. */
  readonly historyPath: Uint8Array[];
  readonly checkpoint: string;
  readonly name?: string;
  readonly key?: string;
}

export function buildReceipt(p: ReceiptParts): Receipt {
  return {
    format: RECEIPT_FORMAT,
    document: { sha256: toHex(p.digest), ...(p.name === undefined ? {} : { name: p.name }) },
    leaf: { salt: toHex(p.salt), index: p.index, path: hexPath(p.leafPath) },
    block: p.block,
    history: { size: p.historySize, path: hexPath(p.historyPath) },
    checkpoint: p.checkpoint,
    ...(p.key === undefined ? {} : { key: p.key }),
  };
}
