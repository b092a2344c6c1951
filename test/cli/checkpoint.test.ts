// `notar checkpoint`: the latest signed checkpoint (FORMAT.md §5), exactly as signed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { toBase64 } from '../../src/core/bytes.js';
import { openNote, parseVerifierKey } from '../../src/core/note.js';
import { expectError, expectOk } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

let s: TestStore;
const lastRecord = () =>
  JSON.parse(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').trim().split('\n').pop()!);

beforeAll(() => {
  s = makeStore();
});

describe('notar checkpoint', () => {
  it('an empty chain: exit 1, "no checkpoint yet"', () => {
    expectError(s.run(['checkpoint']), 1, 'no checkpoint yet');
  });

  it('prints the latest checkpoint exactly, signed by the store key', () => {
    writeDocs(s.dir, { 'a.txt': 'A' });
    expectOk(s.run(['stamp', 'a.txt']));
    const r = s.run(['checkpoint']);
    expectOk(r);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(lastRecord().checkpoint);
    const note = openNote(r.stdout, [parseVerifierKey(s.vkey)]);
    const cp = parseCheckpoint(note.body);
    expect(cp.origin).toBe('notary.example.gov/test');
    expect(cp.size).toBe(1);
    expect(r.stdout.split('\n')[2]).toBe(toBase64(cp.root));
  });

  it('follows the chain: size 2 after a second block', () => {
    writeDocs(s.dir, { 'b.txt': 'B' });
    expectOk(s.run(['stamp', 'b.txt']));
    const r = s.run(['checkpoint']);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['notary.example.gov/test', '2']);
    expect(r.stdout).toBe(lastRecord().checkpoint);
  });

  it('ignores a torn last line (with a notice) and prints the last complete checkpoint', () => {
    const chain = path.join(s.storeDir, 'chain.jsonl');
    const good = fs.readFileSync(chain);
    fs.appendFileSync(chain, '{"seq":2,');
    try {
      const r = s.run(['checkpoint']);
      expectOk(r);
      expect(r.stdout).toBe(JSON.parse(good.toString().trim().split('\n').pop()!).checkpoint);
      expect(r.stderr).toContain('incomplete line');
    } finally {
      fs.writeFileSync(chain, good);
    }
  });

  it('no store: exit 2', () => {
    expectError(s.run(['checkpoint', '--store', path.join(s.dir, 'none')]), 2, 'no notar store at');
  });
});
