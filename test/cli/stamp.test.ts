// `notar stamp`: every input form, where receipts go, re-runs, and what is printed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk, readJson, sha256Hex } from './expect-cli.js';
import { makeStore, type TestStore, writeDocs } from './helpers.js';

const SUMMARY =
  /^stamped (\d+) documents? in block (\d+) of notary\.example\.gov\/test at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \(root ([0-9a-f]{16})…\)(; kept \d+ existing receipts?)?\n$/;

function blocks(s: TestStore): number {
  return s.run(['log', '--json']).stdout.split('\n').filter(Boolean).length;
}

function verify(s: TestStore, doc: string, receipt?: string, input?: string): void {
  const r = s.run(
    ['verify', doc, ...(receipt ? ['--receipt', receipt] : []), '--key', s.vkey],
    input === undefined ? {} : { input },
  );
  expect(r.code, `${doc}: ${r.stdout}${r.stderr}`).toBe(0);
}

describe('notar stamp: files', () => {
  it('writes a receipt next to each file and one summary line on stdout', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'dir/b.txt': 'B\n' });
    const r = s.run(['stamp', 'a.txt', 'dir/b.txt']);
    expectOk(r);
    const m = SUMMARY.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m!.slice(1, 3)).toEqual(['2', '0']);
    const record = JSON.parse(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8'));
    expect(m![3]).toBe(record.time);
    expect(m![4]).toBe(record.root.slice(0, 16));
    const a = readJson(path.join(s.dir, 'a.txt.notar.json'));
    expect(a.document).toEqual({ sha256: sha256Hex('A\n'), name: 'a.txt' });
    expect(a.key).toBe(s.vkey);
    expect(readJson(path.join(s.dir, 'dir/b.txt.notar.json')).leaf.index).toBe(1);
    verify(s, 'a.txt');
    verify(s, 'dir/b.txt');
  });

  it('a re-run keeps existing receipts and seals nothing; --force stamps again', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    const first = fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8');
    const again = s.run(['stamp', 'a.txt']);
    expectOk(again);
    expect(again.stdout).toBe('nothing new to stamp: kept 1 existing receipt (use --force to stamp again)\n');
    expect(fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8')).toBe(first);
    expect(blocks(s)).toBe(1);

    writeDocs(s.dir, { 'c.txt': 'C\n' });
    const mixed = s.run(['stamp', 'a.txt', 'c.txt']);
    expectOk(mixed);
    expect(mixed.stdout).toMatch(/^stamped 1 document in block 1 .*; kept 1 existing receipt\n$/);

    const forced = s.run(['stamp', 'a.txt', '--force']);
    expectOk(forced);
    expect(SUMMARY.exec(forced.stdout)![2]).toBe('2');
    expect(readJson(path.join(s.dir, 'a.txt.notar.json')).block.seq).toBe(2);
    verify(s, 'a.txt');
  });

  it('a document edited since its receipt was written: refused (exit 2), nothing sealed, until --force', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    const old = fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8');
    writeDocs(s.dir, { 'a.txt': 'A, edited\n' });
    const refused = s.run(['stamp', 'a.txt', 'b.txt']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'notar: error: a.txt.notar.json is not a receipt for the current a.txt; nothing was stamped',
    );
    expect(fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8')).toBe(old);
    expect(fs.existsSync(path.join(s.dir, 'b.txt.notar.json'))).toBe(false);
    expect(blocks(s)).toBe(1);
    expectOk(s.run(['stamp', 'a.txt', 'b.txt', '--force']));
    expect(blocks(s)).toBe(2);
    verify(s, 'a.txt');
  });

  it('--out mirrors relative paths, so equal base names do not collide', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'x/same.txt': 'one\n', 'y/same.txt': 'two\n' });
    expectOk(s.run(['stamp', 'x/same.txt', 'y/same.txt', '--out', 'receipts']));
    expect(fs.existsSync(path.join(s.dir, 'x/same.txt.notar.json'))).toBe(false);
    verify(s, 'x/same.txt', 'receipts/x/same.txt.notar.json');
    verify(s, 'y/same.txt', 'receipts/y/same.txt.notar.json');
  });

  it('--out never escapes the directory through .. or an absolute path', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'work/doc.txt': 'doc\n', 'up.txt': 'up\n' });
    const abs = path.join(s.dir, 'work/doc.txt');
    expectOk(s.run(['stamp', '../up.txt', abs, '--out', 'r'], { cwd: path.join(s.dir, 'work') }));
    expect(fs.existsSync(path.join(s.dir, 'work/r/up.txt.notar.json'))).toBe(true);
    expect(fs.existsSync(path.join(s.dir, 'work/r', abs.slice(1) + '.notar.json'))).toBe(true);
  });

  it('`-` stamps standard input; its receipt goes to stdout (the summary to stderr), or into --out', () => {
    const s = makeStore();
    const r = s.run(['stamp', '-'], { input: 'from a pipe\n' });
    expectOk(r);
    expect(r.stderr).toMatch(/^notar: stamped 1 document in block 0 /m);
    fs.writeFileSync(path.join(s.dir, 'piped.notar.json'), r.stdout);
    const receipt = readJson(path.join(s.dir, 'piped.notar.json'));
    expect(receipt.document).toEqual({ sha256: sha256Hex('from a pipe\n') });
    expect(fs.existsSync(path.join(s.dir, 'stdin.notar.json'))).toBe(false);
    verify(s, '-', 'piped.notar.json', 'from a pipe\n');

    expectOk(s.run(['stamp', '-', '--out', 'r'], { input: 'again\n' }));
    verify(s, '-', 'r/stdin.notar.json', 'again\n');
  });

  it('--json prints one NDJSON line per document; the summary moves to stderr', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    const r = s.run(['stamp', 'a.txt', 'b.txt', '--json', '--out', 'rec']);
    expectOk(r);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      document: 'b.txt',
      sha256: sha256Hex('B\n'),
      seq: 0,
      index: 1,
      receiptFile: path.join('rec', 'b.txt.notar.json'),
    });
    expect(lines[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.stderr).toMatch(/^notar: stamped 2 documents in block 0 /m);
    verify(s, 'b.txt', lines[1].receiptFile);
  });

  it('--no-receipts seals only; prove rebuilds the receipt later', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n' });
    expectOk(s.run(['stamp', 'a.txt', '--no-receipts']));
    expect(fs.existsSync(path.join(s.dir, 'a.txt.notar.json'))).toBe(false);
    fs.writeFileSync(path.join(s.dir, 'proved.json'), s.run(['prove', 'a.txt']).stdout);
    verify(s, 'a.txt', 'proved.json');
  });
});

describe('notar stamp: file lists', () => {
  it('--files-from with newline-separated names', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'one.txt': '1', 'two words.txt': '2' });
    fs.writeFileSync(path.join(s.dir, 'list.txt'), 'one.txt\ntwo words.txt\n');
    const r = s.run(['stamp', '--files-from', 'list.txt']);
    expectOk(r);
    expect(SUMMARY.exec(r.stdout)![1]).toBe('2');
    verify(s, 'two words.txt');
  });

  it('--files-from - -0 takes any name: a newline in it, and bytes that are not UTF-8', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'new\nline.txt': 'newline\n', 'plain.txt': 'plain\n' });
    const raw = Buffer.concat([Buffer.from(s.dir + '/caf'), Buffer.of(0xff), Buffer.from('.txt')]);
    fs.writeFileSync(raw, 'latin-1 name\n');
    const list = Buffer.concat([Buffer.from('new\nline.txt\0'), raw, Buffer.from('\0plain.txt\0')]);
    const r = s.run(['stamp', '--files-from', '-', '-0'], { input: list });
    expectOk(r);
    expect(SUMMARY.exec(r.stdout)![1]).toBe('3');
    verify(s, 'new\nline.txt');
    // The receipt of the non-UTF-8 name sits beside it, under the same raw bytes.
    const receiptFile = Buffer.concat([raw, Buffer.from('.notar.json')]);
    const receipt = JSON.parse(fs.readFileSync(receiptFile, 'utf8'));
    expect(receipt.document.sha256).toBe(sha256Hex('latin-1 name\n'));
    fs.copyFileSync(receiptFile, path.join(s.dir, 'latin.json'));
    const v = s.run(['verify', '--sha256', receipt.document.sha256, '--receipt', 'latin.json', '--key', s.vkey]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('stdin cannot be both the list and a document', () => {
    const s = makeStore();
    expectError(s.run(['stamp', '-', '--files-from', '-']), 2, 'stdin cannot be both');
  });
});

describe('notar stamp --digests', () => {
  it('takes sha256sum lines and bare hex; prints NDJSON receipts that verify', () => {
    const s = makeStore();
    const input = `${sha256Hex('first')}  first.pdf\n${sha256Hex('second').toUpperCase()}\n\\${sha256Hex('third')}  th\\nird.pdf\n`;
    const r = s.run(['stamp', '--digests'], { input });
    expectOk(r);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sha256)).toEqual([sha256Hex('first'), sha256Hex('second'), sha256Hex('third')]);
    expect(lines.map((l) => l.receipt.document.name)).toEqual(['first.pdf', undefined, 'th\nird.pdf']);
    expect(r.stderr).toMatch(/^notar: stamped 3 documents in block 0 /m);
    lines.forEach((l, i) => {
      // What a user would do with plain JSON tools: the receipt object, pretty-printed.
      fs.writeFileSync(path.join(s.dir, `r${i}.json`), JSON.stringify(l.receipt, null, 2) + '\n');
      const v = s.run(['verify', '--sha256', l.sha256, '--receipt', `r${i}.json`, '--key', s.vkey]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    });
  });

  it('accepts exactly what sha256sum prints', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b c.txt': 'B\n' });
    const sums = s.run(['hash', 'a.txt', 'b c.txt']).stdout;
    const r = s.run(['stamp', '--digests', '--out', 'by-digest'], { input: sums });
    expectOk(r);
    expect(r.stdout).toMatch(SUMMARY);
    verify(s, 'b c.txt', path.join('by-digest', `${sha256Hex('B\n')}.notar.json`));
  });

  it('a malformed line: exit 2 naming the line; nothing is sealed', () => {
    const s = makeStore();
    expectError(s.run(['stamp', '--digests'], { input: `${sha256Hex('x')}\nnot a digest\n` }), 2, 'line 2');
    expect(blocks(s)).toBe(0);
  });

  it('cannot be combined with files', () => {
    const s = makeStore();
    expectError(s.run(['stamp', '--digests', 'a.txt']), 2, '--digests');
  });
});

describe('notar stamp: bad input seals nothing', () => {
  it('a missing file among good ones: exit 2, no block, no receipt', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n' });
    expectError(s.run(['stamp', 'a.txt', 'missing.txt']), 2, 'cannot read missing.txt: no such file');
    expect(blocks(s)).toBe(0);
    expect(fs.existsSync(path.join(s.dir, 'a.txt.notar.json'))).toBe(false);
  });

  it('a directory: exit 2 with a hint', () => {
    const s = makeStore();
    fs.mkdirSync(path.join(s.dir, 'folder'));
    const r = s.run(['stamp', 'folder']);
    expectError(r, 2, 'folder: is a directory');
    expect(r.stderr).toContain('notar: hint:');
  });

  it('nothing named: exit 2', () => {
    const s = makeStore();
    expectError(s.run(['stamp']), 2, 'nothing to stamp');
  });

  it('a missing --files-from list: exit 2', () => {
    const s = makeStore();
    expectError(s.run(['stamp', '--files-from', 'nope.txt']), 2, 'cannot read nope.txt');
  });
});
