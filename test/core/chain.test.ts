// Chain file records (FORMAT.md §6): one canonical JSON line per block.
import { describe, expect, it } from 'vitest';
import { blockLine } from '../../src/core/block.js';
import { formatChainRecord, parseChainRecord, type ChainRecord } from '../../src/core/chain.js';
import { NotarError } from '../../src/core/errors.js';
import { openNote } from '../../src/core/note.js';
import { buildHistory } from './helpers.js';

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof NotarError ? e.code : 'not a NotarError';
  }
  return 'accepted';
}

const h = buildHistory([3, 1, 2]);
const records: ChainRecord[] = h.blocks.map((b, s) => ({ ...b, checkpoint: h.checkpoints[s] }));

describe('chain records', () => {
  it('round-trip, field order fixed, checkpoint carried verbatim', () => {
    for (const r of records) {
      const line = formatChainRecord(r);
      expect(line.includes('\n')).toBe(false);
      expect(Object.keys(JSON.parse(line))).toEqual(['seq', 'time', 'size', 'root', 'prev', 'checkpoint']);
      expect(parseChainRecord(line)).toEqual(r);
      expect(blockLine(parseChainRecord(line))).toBe(blockLine(h.blocks[r.seq]));
      expect(openNote(parseChainRecord(line).checkpoint, [h.signer]).body.split('\n')[1]).toBe(String(r.seq + 1));
    }
  });

  const line = formatChainRecord(records[1]);
  const first = formatChainRecord(records[0]);
  const bad: [string, string][] = [
    ['pretty-printed JSON', JSON.stringify(JSON.parse(line), null, 1)],
    ['keys in another order', JSON.stringify({ time: records[1].time, ...JSON.parse(line) })],
    ['an unknown field', line.replace('{', '{"extra":1,')],
    ['a missing field', JSON.stringify({ ...JSON.parse(line), checkpoint: undefined })],
    ['seq as a string', line.replace('"seq":1', '"seq":"1"')],
    ['seq 1.0', line.replace('"seq":1', '"seq":1.0')],
    ['negative seq', line.replace('"seq":1', '"seq":-1')],
    ['size 0', line.replace(`"size":${records[1].size}`, '"size":0')],
    ['bad date', line.replace(/"time":"[^"]*"/, '"time":"2026-02-30T00:00:00Z"')],
    ['uppercase root', line.replace(records[1].root, records[1].root.toUpperCase())],
    ['escaped slash', line.replace('/test', '\\/test')],
    ['trailing newline', line + '\n'],
    ['leading space', ' ' + line],
    ['a torn (truncated) line', line.slice(0, -5)],
    ['seq 0 with non-zero prev', first.replace(/"prev":"0+"/, `"prev":"${'1'.repeat(64)}"`)],
    ['not an object', '[1,2,3]'],
    ['empty', ''],
  ];
  it.each(bad)('rejects %s', (_what, text) => {
    expect(text).not.toBe(line);
    expect(code(() => parseChainRecord(text))).toBe('FORMAT');
  });
});
