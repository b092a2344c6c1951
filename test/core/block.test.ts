// Blocks (FORMAT.md §4): one canonical line per batch, parsed strictly.
import { describe, expect, it } from 'vitest';
import {
  blockHash,
  blockHashHex,
  blockLine,
  checkBlock,
  formatTime,
  isValidTime,
  nextBlock,
  parseBlockLine,
  ZERO_HASH_HEX,
  type Block,
} from '../../src/core/block.js';
import { NotarError } from '../../src/core/errors.js';
import { sha256 } from './helpers.js';

const ROOT = 'ab'.repeat(32);
const B0: Block = { seq: 0, time: '2026-11-25T08:19:37Z', size: 3, root: ROOT, prev: ZERO_HASH_HEX };
const LINE0 = `notar-block/1 0 2026-11-25T08:19:37Z 3 ${ROOT} ${ZERO_HASH_HEX}`;

const formatCode = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return e instanceof NotarError ? e.code : 'not a NotarError';
  }
  return 'accepted';
};

describe('block lines', () => {
  it('have the canonical form, and the hash is SHA-256(0x00 || line)', () => {
    expect(blockLine(B0)).toBe(LINE0);
    const want = sha256(Buffer.concat([Buffer.of(0), Buffer.from(LINE0, 'utf8')]));
    expect(Buffer.from(blockHash(B0)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
    expect(blockHashHex(B0)).toBe(Buffer.from(want).toString('hex'));
  });

  it('round-trip, and nextBlock links by prev = hash of the previous block', () => {
    expect(parseBlockLine(LINE0)).toEqual(B0);
    const b1 = nextBlock(B0, 1, new Uint8Array(32).fill(0xcd), '2026-11-25T08:20:00Z');
    expect(b1).toEqual({
      seq: 1,
      time: '2026-11-25T08:20:00Z',
      size: 1,
      root: 'cd'.repeat(32),
      prev: blockHashHex(B0),
    });
    expect(parseBlockLine(blockLine(b1))).toEqual(b1);
    expect(nextBlock(undefined, 2, new Uint8Array(32), B0.time).prev).toBe(ZERO_HASH_HEX);
  });

  const bad: [string, string][] = [
    ['leading zero in seq', LINE0.replace(' 0 ', ' 00 ')],
    ['leading zero in size', LINE0.replace(' 3 ', ' 03 ')],
    ['size 0', LINE0.replace(' 3 ', ' 0 ')],
    ['negative seq', LINE0.replace(' 0 ', ' -1 ')],
    ['plus sign', LINE0.replace(' 3 ', ' +3 ')],
    ['seq beyond 2^53', LINE0.replace(' 0 ', ' 9007199254740993 ')],
    ['February 30', LINE0.replace('2026-11-25', '2026-02-30')],
    ['February 29 in a common year', LINE0.replace('2026-11-25', '2026-02-29')],
    ['hour 24', LINE0.replace('08:19:37', '24:00:00')],
    ['leap second', LINE0.replace('08:19:37', '23:59:60')],
    ['fractional seconds', LINE0.replace('37Z', '37.000Z')],
    ['lowercase z', LINE0.replace('37Z', '37z')],
    ['offset instead of Z', LINE0.replace('37Z', '37+00:00')],
    ['space instead of T', LINE0.replace('T08', ' 08')],
    ['uppercase hex root', LINE0.replace(ROOT, ROOT.toUpperCase())],
    ['short root', LINE0.replace(ROOT, ROOT.slice(2))],
    ['extra space', LINE0.replace(' 3 ', '  3 ')],
    ['trailing space', LINE0 + ' '],
    ['trailing newline', LINE0 + '\n'],
    ['tab separator', LINE0.replace(' 3 ', '\t3 ')],
    ['other version', LINE0.replace('notar-block/1', 'notar-block/2')],
    ['seq 0 with non-zero prev', LINE0.replace(ZERO_HASH_HEX, 'ef'.repeat(32))],
    ['extra field', LINE0 + ' x'],
  ];
  it.each(bad)('rejects %s', (_what, line) => {
    expect(line).not.toBe(LINE0);
    expect(formatCode(() => parseBlockLine(line))).toBe('FORMAT');
  });

  it('a later block may have any prev, block 0 only zeros', () => {
    const b = parseBlockLine(LINE0.replace(' 0 ', ' 5 ').replace(ZERO_HASH_HEX, 'ef'.repeat(32)));
    expect(b.seq).toBe(5);
    expect(formatCode(() => blockLine({ ...B0, prev: 'ef'.repeat(32) }))).toBe('FORMAT');
  });

  it('checkBlock refuses objects out of range', () => {
    for (const b of [
      { ...B0, seq: 1.5 },
      { ...B0, size: 0 },
      { ...B0, time: '2026-11-25' },
      { ...B0, root: 'AB'.repeat(32) },
      { ...B0, seq: -1 },
    ]) {
      expect(formatCode(() => checkBlock(b))).toBe('FORMAT');
    }
  });
});

describe('times', () => {
  it('formatTime drops milliseconds and keeps UTC', () => {
    expect(formatTime(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)))).toBe('2024-02-29T23:59:59Z');
  });
  it('isValidTime takes only real calendar instants', () => {
    expect(isValidTime('2024-02-29T00:00:00Z')).toBe(true);
    expect(isValidTime('2026-02-29T00:00:00Z')).toBe(false);
    expect(isValidTime('2026-04-31T00:00:00Z')).toBe(false);
    expect(isValidTime('2026-13-01T00:00:00Z')).toBe(false);
    expect(isValidTime(20261125)).toBe(false);
  });
  it('isValidTime agrees with a Date round trip on every field boundary and on random times', () => {
    // The reference: what JavaScript's Date accepts and prints back unchanged (the former rule).
    const byDate = (t: string) => {
      const ms = Date.parse(t);
      return Number.isFinite(ms) && new Date(ms).toISOString().replace('.000Z', 'Z') === t;
    };
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const times: string[] = [];
    for (const year of [0, 1, 4, 100, 1900, 2000, 2023, 2024, 2100, 2400, 9999])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          times.push(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T00:00:00Z`);
    for (const [h, m, sec] of [
      [23, 59, 59],
      [24, 0, 0],
      [0, 60, 0],
      [0, 0, 60],
      [99, 99, 99],
    ])
      times.push(`2026-11-29T${pad(h, 2)}:${pad(m, 2)}:${pad(sec, 2)}Z`);
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 5000; i++)
      times.push(
        `${pad(next(10000), 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}T${pad(next(26), 2)}:${pad(next(62), 2)}:${pad(next(62), 2)}Z`,
      );
    for (const t of times) expect(isValidTime(t), t).toBe(byDate(t));
    expect(times.filter(byDate).length).toBeGreaterThan(1000);
  });
});
