// stamp-paths.ts: the receipt path of each input, with and without --out (the plain-name fast
// path must agree with path.join), and the planning that dedupes and refuses collisions.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { planReceipts } from '../../src/cli/receipts/stamp-paths.js';
import { receiptPathFor } from '../../src/cli/receipts/receipt-path.js';

/** What --out did before the fast path: normalize, drop `..`/`.`/root, join. */
function slow(input: string, out: string): string {
  const rel = path.isAbsolute(input) ? path.relative('/', input) : path.normalize(input);
  const safe = rel
    .split('/')
    .filter((p) => p !== '..' && p !== '.' && p !== '')
    .join('/');
  return path.join(out, (safe || 'stdin') + '.notar.json');
}

describe('receiptPathFor', () => {
  const inputs = [
    'a.txt',
    'd/e/a.txt',
    './a.txt',
    '../a.txt',
    'd/../a.txt',
    'd//a.txt',
    '/abs/a.txt',
    '..a',
    '.hidden',
    'd/.x/a',
    'a..b/c',
  ];
  const outs = ['r', './r/', '.', '/', 'r/..', 'r/../', '../r', '/tmp/r'];
  it('under --out: equals path.join of the cleaned relative path, for every spelling', () => {
    for (const out of outs)
      for (const input of inputs) expect(receiptPathFor(input, out), `${input} under ${out}`).toBe(slow(input, out));
  });

  it('beside the document: the name plus .notar.json', () => {
    expect(receiptPathFor('d/a.txt', undefined)).toBe('d/a.txt.notar.json');
  });
});

describe('planReceipts', () => {
  const f = (p: string) => ({ path: p, display: p });
  const refused = (files: string[], out?: string): string => {
    try {
      planReceipts(files.map(f), out, true);
    } catch (e) {
      expect(e).toBeInstanceOf(NotarError);
      return (e as NotarError).message;
    }
    throw new Error('not refused');
  };

  it('the same file under several spellings is planned once', () => {
    const abs = path.resolve('a.txt');
    const plan = planReceipts(['a.txt', './a.txt', abs, 'x/../a.txt', 'b.txt'].map(f), 'r', true);
    expect(plan.files.map((x) => x.path)).toEqual(['a.txt', 'b.txt']);
    expect(plan.receiptFiles).toEqual(['r/a.txt.notar.json', 'r/b.txt.notar.json']);
  });

  it('two files on one receipt path, or a receipt path another needs as a directory: refused', () => {
    expect(refused(['../a.txt', 'a.txt'], 'r')).toBe(
      '../a.txt and a.txt would both get the receipt r/a.txt.notar.json; nothing was stamped',
    );
    expect(refused(['/x/a.txt', 'x/a.txt'], 'r')).toContain('would both get the receipt r/x/a.txt.notar.json');
    expect(refused(['-', 'stdin'], 'r')).toContain('standard input (-) and stdin');
    expect(refused(['x', 'x.notar.json/a'], 'r')).toContain('a directory the receipt of x.notar.json/a needs');
  });

  it('a receipt name over 255 bytes is refused; one at 255 is fine', () => {
    expect(planReceipts([f('n'.repeat(244))], undefined, true).files).toHaveLength(1);
    expect(refused(['n'.repeat(245)])).toContain('its name would be 256 bytes');
  });

  it('--json without --out: no receipt paths, still each file once', () => {
    const plan = planReceipts(['a', './a', 'b'].map(f), undefined, false);
    expect(plan.files).toHaveLength(2);
    expect(plan.receiptFiles).toEqual([undefined, undefined]);
  });
});
