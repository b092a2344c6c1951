// chainfile.ts: parsing the chain, and telling a torn write from a damaged line (FORMAT.md §6).
import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { classifyTail, countLines, parseChain } from '../../src/store/chainfile.js';
import { docBatch, newStore } from './fixtures.js';

let lines: string[];

beforeAll(async () => {
  const f = newStore();
  for (const docs of [['a', 'b'], ['c'], ['d', 'e', 'f']]) await f.store.seal(docBatch(docs), f.signer);
  lines = fs.readFileSync(f.store.paths.chain, 'utf8').split('\n').slice(0, -1);
  expect(lines).toHaveLength(3);
});

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('classifyTail', () => {
  it('every strict prefix of a block line is a torn write', () => {
    const line = bytes(lines[2]);
    for (let n = 1; n < line.length; n++)
      expect(classifyTail(line.subarray(0, n), 2), `prefix of ${n} bytes`).toBe('torn');
  });

  it('the whole next block without its newline is complete', () => {
    expect(classifyTail(bytes(lines[2]), 2)).toBe('complete');
  });

  it('a whole line with the wrong seq for its place is damaged, not torn', () => {
    expect(classifyTail(bytes(lines[2]), 3)).toBe('damaged');
  });

  it('a whole line followed by stray bytes (its newline overwritten) is damaged', () => {
    for (const stray of ['\u000b', 'x', '}', ' ', '\r'])
      expect(classifyTail(bytes(lines[1] + stray), 1), JSON.stringify(stray)).toBe('damaged');
  });

  it('a closed object that is not a block line is damaged', () => {
    expect(classifyTail(bytes('{"seq":1}'), 1)).toBe('damaged');
  });

  it('zero bytes (what power loss can leave) are torn', () => {
    expect(classifyTail(new Uint8Array(100), 0)).toBe('torn');
  });

  it('braces and escaped quotes inside strings do not close the object', () => {
    expect(classifyTail(bytes('{"seq":0,"time":"a}\\"}b"'), 0)).toBe('torn');
  });
});

describe('countLines', () => {
  it('counts newline-terminated lines only', () => {
    expect(countLines(bytes('a\nb\nc'))).toBe(2);
    expect(countLines(bytes('a\nb\nc'), 2)).toBe(1);
    expect(countLines(new Uint8Array(0))).toBe(0);
  });
});

describe('parseChain', () => {
  const buf = (s: string) => Buffer.from(s, 'utf8');

  it('reads complete lines as blocks and reports a torn tail without reading it', () => {
    const text = lines.slice(0, 2).join('\n') + '\n' + lines[2].slice(0, 40);
    const state = parseChain(buf(text), 'chain.jsonl');
    expect(state.records.map((r) => r.seq)).toEqual([0, 1]);
    expect(state.blockHashes.length).toBe(64);
    expect(state.tornTail).toEqual({ offset: Buffer.byteLength(text) - 40, length: 40, text: lines[2].slice(0, 40) });
  });

  it('an empty file is an empty chain', () => {
    const state = parseChain(Buffer.alloc(0), 'chain.jsonl');
    expect(state.records).toEqual([]);
    expect(state.tornTail).toBeUndefined();
  });

  it('a malformed complete line is CHAIN_INVALID naming the line', () => {
    const text = [lines[0], lines[1].replace('"seq":1', '"seq": 1'), lines[2]].join('\n') + '\n';
    expect(() => parseChain(buf(text), 'chain.jsonl')).toThrow(/line 2 is not a valid block/);
    try {
      parseChain(buf(text), 'chain.jsonl');
    } catch (e) {
      expect((e as NotarError).code).toBe('CHAIN_INVALID');
    }
  });

  it('a missing block (seq gap) is CHAIN_INVALID', () => {
    const text = [lines[0], lines[2]].join('\n') + '\n';
    expect(() => parseChain(buf(text), 'chain.jsonl')).toThrow(/line 2 has seq 2/);
  });
});
