/**
 * Consistency statements (FORMAT.md §9): two signed checkpoints of one origin
 * and the RFC 6962 proof that the later history extends the earlier one.
 */
import { fromHex } from './bytes.js';
import { Checkpoint, parseCheckpoint } from './checkpoint.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { formatError, NotarError } from './errors.js';
import { checkKeys, expectString, parseCanonicalJson } from './json.js';
import { verifyConsistency } from './merkle.js';
import { MAX_NOTE_BYTES, openNote, Verifier } from './note.js';
import { hexPath } from './receipt.js';

export const CONSISTENCY_FORMAT = 'notar-consistency/1';

export interface ConsistencyStatement {
  readonly format: typeof CONSISTENCY_FORMAT;
  /** Signed checkpoint the holder already had. */
  readonly from: string;
  /** Signed checkpoint it grew into. */
  readonly to: string;
  readonly path: string[];
}

export function buildConsistency(from: string, to: string, path: Uint8Array[]): ConsistencyStatement {
  return { format: CONSISTENCY_FORMAT, from, to, path: hexPath(path) };
}

export function formatConsistency(s: ConsistencyStatement): string {
  return JSON.stringify({ format: s.format, from: s.from, to: s.to, path: s.path }, null, 2) + '\n';
}

export function parseConsistency(text: string): ConsistencyStatement {
  const o = checkKeys(parseCanonicalJson(text, 'consistency proof', 4 * MAX_NOTE_BYTES), 'consistency proof', [
    'format',
    'from',
    'to',
    'path',
  ]);
  if (o.format !== CONSISTENCY_FORMAT)
    throw formatError(`unknown consistency proof format (expected ${CONSISTENCY_FORMAT})`);
  if (!Array.isArray(o.path) || o.path.length > 128)
    throw formatError('consistency path must be an array of at most 128 hashes');
  const s: ConsistencyStatement = {
    format: CONSISTENCY_FORMAT,
    from: expectString(o.from, 'from', MAX_NOTE_BYTES),
    to: expectString(o.to, 'to', MAX_NOTE_BYTES),
    path: o.path.map((h, i) => {
      fromHex(expectString(h, `path[${i}]`, 64), `path[${i}]`, 32);
      return h as string;
    }),
  };
  if (formatConsistency(s) !== text) throw formatError('consistency proof is not in canonical form');
  return s;
}

export interface ConsistencyResult {
  readonly origin: string;
  readonly from: Checkpoint;
  readonly to: Checkpoint;
}

/**
 * Checks both checkpoints are signed by a trusted key named as their (same)
 * origin and that the proof links them. Throws NotarError on any fault.
 */
export function verifyConsistencyStatement(
  s: ConsistencyStatement,
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): ConsistencyResult {
  // Every trusted key takes part (a bad line by any of them rejects the note,
  // C2SP signed-note); the one that counts is the key named as the origin.
  const open = (text: string) => {
    const note = openNote(text, trusted, c);
    const cp = parseCheckpoint(note.body);
    if (!note.verifiedBy.some((k) => k.name === cp.origin)) {
      throw new NotarError('UNTRUSTED', `no signature by a trusted key named ${cp.origin} (the checkpoint's origin)`);
    }
    return cp;
  };
  const from = open(s.from);
  const to = open(s.to);
  if (from.origin !== to.origin)
    throw new NotarError('PROOF_INVALID', `checkpoints are of different logs (${from.origin}, ${to.origin})`);
  if (from.size > to.size)
    throw new NotarError(
      'PROOF_INVALID',
      `old checkpoint (size ${from.size}) is larger than the new one (size ${to.size})`,
    );
  verifyConsistency(
    from.size,
    to.size,
    from.root,
    to.root,
    s.path.map((h) => fromHex(h, 'path hash', 32)),
    c,
  );
  return { origin: from.origin, from, to };
}
