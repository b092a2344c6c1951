// progress.ts: the line fits the terminal when it has a width, and is left alone at 0 columns
// (ora's row arithmetic looped forever there: issue 10 item 8).
import { describe, expect, it } from 'vitest';
import { fitLine, formatSize } from '../../src/cli/output/progress.js';

describe('fitLine', () => {
  const text = 'notar: hashed 1234 of 100000 documents, 56.7 MB';
  it('0 or unknown columns: the text as it is (no division by the width anywhere)', () => {
    expect(fitLine(text, 0)).toBe(text);
    expect(fitLine(text, undefined)).toBe(text);
    expect(fitLine(text, 1)).toBe(text);
  });
  it('a narrow terminal: cut to one less than its width, so the line never wraps', () => {
    expect(fitLine(text, 20)).toBe('notar: hashed 1234…');
    expect(fitLine(text, 20).length).toBe(19);
    expect(fitLine(text, 80)).toBe(text);
  });
});

describe('formatSize', () => {
  it('decimal units', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1536)).toBe('1.5 kB');
    expect(formatSize(3 << 20)).toBe('3.1 MB');
  });
});
