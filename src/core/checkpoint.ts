/**
 * C2SP tlog-checkpoint bodies (FORMAT.md §5): origin, tree size, root hash.
 * notar checkpoints carry no extension lines, so exactly three lines parse.
 */
import { fromBase64, toBase64 } from './bytes.js';
import { formatError } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { isValidKeyName } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidKeyName(cp.origin)) throw formatError(`origin ${JSON.stringify(cp.origin)} is not valid`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw formatError('checkpoint size out of range');
  if (cp.root.length !== HASH_SIZE) throw formatError('checkpoint root must be 32 bytes');
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
}

export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string') throw formatError('checkpoint is not text');
  const lines = body.split('\n');
  if (lines.length !== 4 || lines[3] !== '') throw formatError('checkpoint must have exactly three lines');
  const [origin, sizeText, rootText] = lines;
  if (!isValidKeyName(origin)) throw formatError('checkpoint origin is not a valid name');
  if (!DECIMAL.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw formatError('checkpoint size is not a canonical decimal number');
  }
  const root = fromBase64(rootText, 'checkpoint root', HASH_SIZE);
  return { origin, size: Number(sizeText), root };
}
