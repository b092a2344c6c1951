// `notar log`: the chain file (FORMAT.md §6) as people and scripts read it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

let s: TestStore;
const chainFile = () => path.join(s.storeDir, 'chain.jsonl');

/** B = SHA-256(0x00 || block line), computed here from FORMAT.md §4, not by notar. */
function blockHash(b: { seq: number; time: string; size: number; root: string; prev: string }): string {
  const line = `notar-block/1 ${b.seq} ${b.time} ${b.size} ${b.root} ${b.prev}`;
  return createHash('sha256')
    .update(Buffer.concat([Buffer.of(0), Buffer.from(line)]))
    .digest('hex');
}

beforeAll(() => {
  s = makeStore();
});

describe('notar log', () => {
  it('an empty chain: says so on stderr, prints nothing, exit 0', () => {
    const r = s.run(['log']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^notar: the chain of notary\.example\.gov\/test is empty/);
    expect(s.run(['log', '--json'])).toMatchObject({ code: 0, stdout: '' });
  });

  it('one line per block: seq, time, size, root and prev prefixes', () => {
    writeDocs(s.dir, { 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' });
    expectOk(s.run(['stamp', 'a.txt', 'b.txt']));
    expectOk(s.run(['stamp', 'c.txt']));
    const r = s.run(['log']);
    expectOk(r);
    expect(r.stderr).toBe('');
    const records = fs
      .readFileSync(chainFile(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    lines.forEach((line, i) => {
      const b = records[i];
      expect(line).toBe(
        `${b.seq}  ${b.time}  ${b.size} document${b.size === 1 ? ' ' : 's'}  root ${b.root.slice(0, 16)}  prev ${b.prev.slice(0, 16)}  ${os.userInfo().username}`,
      );
    });
  });

  it('--json: one object per line with the block, its hash and its checkpoint size', () => {
    const r = s.run(['log', '--json']);
    expectOk(r);
    const blocks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(blocks).toHaveLength(2);
    blocks.forEach((b, i) => {
      expect(Object.keys(b)).toEqual(['seq', 'time', 'size', 'root', 'prev', 'blockHash', 'checkpointSize', 'clerk']);
      expect(b.seq).toBe(i);
      expect(b.blockHash).toBe(blockHash(b));
      expect(b.checkpointSize).toBe(i + 1);
    });
    expect(blocks[0].size).toBe(2);
    expect(blocks[0].prev).toBe('0'.repeat(64));
    expect(blocks[1].prev).toBe(blocks[0].blockHash);
  });

  it('a torn last line is a notice on stderr, never a listed block', () => {
    const good = fs.readFileSync(chainFile());
    fs.appendFileSync(chainFile(), '{"seq":2,"time":"2026-');
    try {
      const r = s.run(['log']);
      expectOk(r);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(2);
      expect(r.stderr).toMatch(/notar: notice: the chain file ends with an incomplete line/);
      const j = s.run(['log', '--json']);
      expect(j.stdout.trim().split('\n')).toHaveLength(2);
    } finally {
      fs.writeFileSync(chainFile(), good);
    }
  });

  it('a damaged line in the middle: exit 1, one line', () => {
    const good = fs.readFileSync(chainFile(), 'utf8');
    const lines = good.split('\n');
    try {
      fs.writeFileSync(chainFile(), ['{"seq":0,', ...lines.slice(1)].join('\n'));
      expectError(s.run(['log']), 1, /chain\.jsonl: line 1 is not a valid block/);
    } finally {
      fs.writeFileSync(chainFile(), good);
    }
  });

  it('no store: exit 2', () => {
    expectError(s.run(['log', '--store', path.join(s.dir, 'none')]), 2, 'no notar store at');
  });
});
