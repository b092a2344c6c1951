/**
 * C2SP tlog-checkpoint bodies (FORMAT.md §5, §11): origin, tree size, root
 * hash, then optional extension lines. notar writes none, but accepts and
 * keeps them: they are signed with the rest and otherwise carry no meaning.
 */
import { fromBase64, toBase64 } from './bytes.js';
import { formatError } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { isValidKeyName } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** Extension lines after the root line, exactly as signed (without "\n"); usually none. */
  readonly extensions?: readonly string[];
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidKeyName(cp.origin)) throw formatError(`origin ${JSON.stringify(cp.origin)} is not valid`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw formatError('checkpoint size out of range');
  if (cp.root.length !== HASH_SIZE) throw formatError('checkpoint root must be 32 bytes');
  const ext = cp.extensions ?? [];
  if (ext.some((l) => l.length === 0 || l.includes('\n')))
    throw formatError('checkpoint extension lines must be non-empty single lines');
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n${ext.map((l) => l + '\n').join('')}`;
}

/**
 * Parses a checkpoint body. The origin must be a valid key name (notar
 * requires the log key's name to equal it, FORMAT.md §11); the tree size is
 * decimal without leading zeros and the root canonical base64, as C2SP says.
 */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string') throw formatError('checkpoint is not text');
  const lines = body.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    throw formatError('checkpoint must have at least three lines, each ending in a newline');
  const [origin, sizeText, rootText, ...rest] = lines;
  if (!isValidKeyName(origin)) throw formatError('checkpoint origin is not a valid name');
  if (!DECIMAL.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw formatError('checkpoint size is not a canonical decimal number');
  }
  const root = fromBase64(rootText, 'checkpoint root', HASH_SIZE);
  const extensions = rest.slice(0, -1);
  // tlog-checkpoint: extension lines, if any, MUST be non-empty.
  if (extensions.some((l) => l.length === 0)) throw formatError('checkpoint has an empty extension line');
  return { origin, size: Number(sizeText), root, extensions };
}
