// `notar stamp` of a few thousand files: the digests come out in list order, and
// the first unreadable input is the one named.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk, sha256Hex } from './expect-cli.js';
import { makeStore, type TestStore } from './helpers.js';

const COUNT = 2600;

/** COUNT small distinct files d/0000 … and their NUL-separated list. */
function manyDocs(s: TestStore): string[] {
  fs.mkdirSync(path.join(s.dir, 'd'));
  const names: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const name = `d/${String(i).padStart(4, '0')}`;
    fs.writeFileSync(path.join(s.dir, name), `document ${i}\n`.repeat((i % 7) + 1));
    names.push(name);
  }
  fs.writeFileSync(path.join(s.dir, 'list'), names.join('\0') + '\0');
  return names;
}

describe('notar stamp: many files', () => {
  it('reports every digest in list order, each the SHA-256 of its file', () => {
    const s = makeStore();
    const names = manyDocs(s);
    const r = s.run(['stamp', '--files-from', 'list', '-0', '--json']);
    expectOk(r);
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { document: string; sha256: string; index: number });
    expect(lines.map((l) => l.document)).toEqual(names);
    expect(lines.map((l) => l.index)).toEqual(names.map((_, i) => i));
    for (const [i, l] of lines.entries())
      expect(l.sha256, names[i]).toBe(sha256Hex(fs.readFileSync(path.join(s.dir, names[i]))));
  });

  it('names the first unreadable input in list order and seals nothing', () => {
    const s = makeStore();
    const names = manyDocs(s);
    // Two bad inputs far apart (a directory, then a missing file): the earlier one is reported.
    fs.rmSync(path.join(s.dir, names[2300]));
    fs.rmSync(path.join(s.dir, names[1700]));
    fs.mkdirSync(path.join(s.dir, names[1700]));
    expectError(
      s.run(['stamp', '--files-from', 'list', '-0', '--json']),
      2,
      `cannot read ${names[1700]}: is a directory`,
    );
    expect(
      fs.existsSync(path.join(s.storeDir, 'chain.jsonl'))
        ? fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8')
        : '',
    ).toBe('');
  });
});
