/**
 * Where a document's receipt goes (stamp) and where it is looked for (verify
 * --receipts): one mapping, so a receipt written by `stamp --out DIR` is the
 * one `verify --receipts DIR` finds.
 */
import * as path from 'node:path';
import { RECEIPT_SUFFIX } from '../../core/receipt.js';

/**
 * The receipt beside a document whose name is raw bytes (not UTF-8) keeps
 * those bytes: the path arithmetic runs on latin1 text (one char per byte,
 * '/' unchanged), so no two names collapse into one U+FFFD spelling.
 */
export function receiptPathFor(input: string | Buffer, out: string | undefined): string | Buffer {
  if (typeof input === 'string') return receiptPath(input, out);
  const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  return Buffer.from(receiptPath(input.toString('latin1'), out === undefined ? undefined : latin1(out)), 'latin1');
}

/** A relative path with no `.`, `..` or empty segment: already normal, so no path arithmetic. */
const NOT_PLAIN = /(?:^|\/)\.\.?(?:\/|$)|\/\/|^\/|\/$/;
export const isPlain = (p: string) => p !== '' && !NOT_PLAIN.test(p);

/**
 * --out keeps relative paths (like tar) so equal base names never collide;
 * `..`, `.` and a leading `/` are dropped (as tar does), so a receipt is
 * never written outside --out. Inputs that then meet are refused (planReceipts).
 * A plain name (the usual case, 10^5 per run) skips path.join/normalize, which
 * build strings a character at a time.
 */
function receiptPath(input: string, out: string | undefined): string {
  if (!out) return input + RECEIPT_SUFFIX;
  if (isPlain(input)) return outPrefix(out) + input + RECEIPT_SUFFIX;
  const rel = path.isAbsolute(input) ? path.relative(path.parse(input).root, input) : path.normalize(input);
  const safe = rel
    .split(path.sep)
    .filter((p) => p !== '..' && p !== '.' && p !== '')
    .join(path.sep);
  return path.join(out, (safe || 'stdin') + RECEIPT_SUFFIX);
}

let lastPrefix: { out: string; prefix: string } | undefined;
/** The prefix with which `prefix + x` equals path.join(out, x) for a plain x. */
function outPrefix(out: string): string {
  if (lastPrefix?.out !== out) {
    const n = path.normalize(out);
    lastPrefix = { out, prefix: n === '.' || n === './' ? '' : n.endsWith('/') ? n : n + '/' };
  }
  return lastPrefix.prefix;
}
