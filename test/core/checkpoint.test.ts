// Checkpoint bodies (FORMAT.md §5, §11, C2SP tlog-checkpoint): three lines,
// then optional extension lines that are kept byte for byte.
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, parseCheckpoint } from '../../src/core/checkpoint.js';
import { NotarError } from '../../src/core/errors.js';

const ROOT = new Uint8Array(32).map((_, i) => i * 7);
const B64 = Buffer.from(ROOT).toString('base64');
const BODY = `notary.example.gov/test\n12\n${B64}\n`;

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof NotarError ? e.code : 'not a NotarError';
  }
  return 'accepted';
}

describe('checkpoints', () => {
  it('format and parse round-trip', () => {
    expect(formatCheckpoint({ origin: 'notary.example.gov/test', size: 12, root: ROOT })).toBe(BODY);
    const cp = parseCheckpoint(BODY);
    expect(cp.origin).toBe('notary.example.gov/test');
    expect(cp.size).toBe(12);
    expect(Buffer.from(cp.root).toString('base64')).toBe(B64);
  });

  const bad: [string, string][] = [
    ['an empty extension line', BODY + '\n'],
    ['an empty line between extension lines', BODY + 'one\n\ntwo\n'],
    ['an extension line without its newline', BODY + 'one'],
    ['no final newline', BODY.slice(0, -1)],
    ['two lines only', 'notary.example.gov/test\n12\n'],
    ['leading zero in size', BODY.replace('\n12\n', '\n012\n')],
    ['negative size', BODY.replace('\n12\n', '\n-12\n')],
    ['size beyond 2^53', BODY.replace('\n12\n', '\n9007199254740993\n')],
    ['hex root', BODY.replace(B64, Buffer.from(ROOT).toString('hex'))],
    ['31-byte root', BODY.replace(B64, Buffer.from(ROOT.subarray(1)).toString('base64'))],
    ['unpadded root', BODY.replace(B64, B64.replace(/=+$/, ''))],
    ['URL-safe base64', BODY.replace(B64, B64.replace(/\+/g, '-').replace(/\//g, '_'))],
    ['space in origin', BODY.replace('notary.example.gov/test', 'notary example')],
    ['plus in origin', BODY.replace('notary.example.gov/test', 'notary+example')],
    ['empty origin', BODY.replace('notary.example.gov/test', '')],
    ['CRLF line ends', BODY.replace(/\n/g, '\r\n')],
  ];
  it.each(bad)('rejects %s', (_what, body) => {
    expect(body).not.toBe(BODY);
    expect(code(() => parseCheckpoint(body))).toBe('FORMAT');
  });

  it('extension lines are accepted and exposed byte for byte; notar writes none', () => {
    expect(parseCheckpoint(BODY).extensions).toEqual([]);
    const lines = ['— not a signature, just text', 'timestamp 1700000000', '  spaces\u00a0and unicode \u2603  '];
    for (const ext of [lines.slice(0, 1), lines]) {
      const body = BODY + ext.map((l) => l + '\n').join('');
      const cp = parseCheckpoint(body);
      expect(cp.extensions).toEqual(ext);
      expect(cp.size).toBe(12);
      expect(formatCheckpoint(cp)).toBe(body);
    }
    expect(formatCheckpoint({ origin: 'notary.example.gov/test', size: 12, root: ROOT })).toBe(BODY);
    expect(code(() => formatCheckpoint({ origin: 'a', size: 1, root: ROOT, extensions: [''] }))).toBe('FORMAT');
  });

  it('formatCheckpoint refuses what parseCheckpoint would refuse', () => {
    expect(code(() => formatCheckpoint({ origin: 'a b', size: 1, root: ROOT }))).toBe('FORMAT');
    expect(code(() => formatCheckpoint({ origin: 'a', size: -1, root: ROOT }))).toBe('FORMAT');
    expect(code(() => formatCheckpoint({ origin: 'a', size: 1, root: ROOT.subarray(1) }))).toBe('FORMAT');
  });
});
