// `notar verify` over many documents in one process (issue 10 item 14), receipts
// under --receipts DIR as `stamp --out DIR` wrote them, a receipt named as the
// document (item 13), and names that are not UTF-8 through --files-from -0 (item 15).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, keyIdOf } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

const ORIGIN = 'notary.example.gov/many';
let s: TestStore;
/** A name that is not UTF-8 (byte 0xff), as raw bytes; argv cannot carry it. */
const RAW = Buffer.concat([Buffer.from('raw/'), Buffer.from([0xff]), Buffer.from('.txt')]);
const okLine = (name: string) =>
  new RegExp(
    `^OK: ${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was stamped by ${ORIGIN.replace(/[./]/g, '\\$&')} on .* \\(block \\d+, document \\d+ of \\d+; key [0-9a-f]{8}\\)$`,
  );

beforeAll(() => {
  s = makeStore(ORIGIN);
  const docs: Record<string, string> = { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n', 'sub/d.txt': 'D\n' };
  for (let i = 0; i < 50; i++) docs[`fifty/f${String(i).padStart(2, '0')}.txt`] = `file ${i}\n`;
  writeDocs(s.dir, docs);
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
  expectOk(s.run(['stamp', 'a.txt', 'b.txt', 'c.txt', 'sub/d.txt']));
  expectOk(s.run(['stamp', ...Object.keys(docs).filter((n) => n.startsWith('fifty/')), '--out', 'receipts']));
});

describe('notar verify with several documents', () => {
  it('one line per document in order, exit 0, nothing on stderr', () => {
    const r = s.run(['verify', 'a.txt', 'b.txt', 'sub/d.txt', '--key-file', 'office.vkey']);
    expectOk(r);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    ['a.txt', 'b.txt', 'sub/d.txt'].forEach((n, i) => expect(lines[i]).toMatch(okLine(n)));
  });

  it('50 documents with --receipts DIR (written by stamp --out DIR): 50 OK lines from one process', () => {
    const names = fs.readdirSync(path.join(s.dir, 'fifty')).map((n) => `fifty/${n}`);
    expect(names).toHaveLength(50);
    const r = s.run(['verify', ...names, '--receipts', 'receipts', '--key-file', 'office.vkey']);
    expectOk(r);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    names.forEach((n, i) => expect(lines[i]).toMatch(okLine(n)));
  });

  it('--receipts DIR finds receipts of absolute and ../ paths where stamp --out put them', () => {
    writeDocs(s.dir, { 'outside/e.txt': 'E\n', 'w/x.txt': 'X\n' });
    const abs = path.join(s.dir, 'outside/e.txt');
    const work = path.join(s.dir, 'w');
    expectOk(s.run(['stamp', abs, '../a.txt', 'x.txt', '--out', 'r', '--force'], { cwd: work }));
    const r = s.run(['verify', abs, '../a.txt', 'x.txt', '--receipts', 'r', '--key-file', '../office.vkey'], {
      cwd: work,
    });
    expectOk(r);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    // Without --receipts, the receipts beside the documents are used (a.txt has one; x.txt has not).
    const beside = s.run(['verify', '../a.txt', 'x.txt', '--key-file', '../office.vkey'], { cwd: work });
    expect(beside.code).toBe(2);
    expect(beside.stdout.trimEnd()).toMatch(okLine('../a.txt'));
  });

  it('exit 1 if any FAILED (even with input errors); FAILED lines name their document', () => {
    writeDocs(s.dir, { 'changed.txt': 'changed\n' });
    fs.copyFileSync(path.join(s.dir, 'a.txt.notar.json'), path.join(s.dir, 'changed.txt.notar.json'));
    const r = s.run(['verify', 'a.txt', 'changed.txt', 'missing.txt', 'b.txt', '--key-file', 'office.vkey']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(okLine('a.txt'));
    expect(lines[1]).toBe(
      'FAILED: changed.txt: the document does not match the receipt: it was altered, or it is not the stamped document (digest)',
    );
    expect(lines[2]).toMatch(okLine('b.txt'));
    expect(r.stderr).toContain('notar: detail: changed.txt: document SHA-256 is');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'))).toEqual([
      'notar: error: cannot read missing.txt.notar.json: no such file (where the receipt of missing.txt should be)',
    ]);
    expect(r.stderr).toContain('notar: 4 documents: 2 OK, 1 FAILED, 1 not checked (input error)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exit 2 if some could not be checked and none failed; the others are still checked', () => {
    fs.mkdirSync(path.join(s.dir, 'adir'), { recursive: true });
    fs.writeFileSync(path.join(s.dir, 'adir.notar.json'), fs.readFileSync(path.join(s.dir, 'a.txt.notar.json')));
    const r = s.run(['verify', 'missing.txt', 'adir', 'c.txt', '--key-file', 'office.vkey']);
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(okLine('c.txt'))]);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'));
    expect(errors).toHaveLength(2);
    expect(errors[1]).toContain('adir: is a directory');
  });

  it('a folder among the names (`verify *`) is reported as a folder, not as a missing receipt', () => {
    fs.mkdirSync(path.join(s.dir, 'folder'), { recursive: true });
    const r = s.run(['verify', 'a.txt', 'folder', '--key-file', 'office.vkey']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('notar: error: cannot read folder: is a directory, not a file');
    expect(r.stderr).not.toContain('folder.notar.json');
  });

  it('--json: one NDJSON object per document, input errors as step "input"', () => {
    const r = s.run(['verify', 'a.txt', 'changed.txt', 'missing.txt', '--key-file', 'office.vkey', '--json']);
    expect(r.code).toBe(1);
    const objs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs).toHaveLength(3);
    expect(objs[0]).toMatchObject({
      ok: true,
      document: 'a.txt',
      receipt: 'a.txt.notar.json',
      origin: ORIGIN,
      keyId: keyIdOf(s.vkey),
    });
    expect(objs[1]).toMatchObject({ ok: false, step: 'digest', document: 'changed.txt' });
    expect(objs[2]).toMatchObject({
      ok: false,
      step: 'input',
      document: 'missing.txt',
      receipt: 'missing.txt.notar.json',
    });
    expect(objs[2].message).toContain('no such file');
  });

  it('usage errors stop before anything is checked (exit 2)', () => {
    expectError(
      s.run(['verify', 'a.txt', 'b.txt', '--receipt', 'a.txt.notar.json', '--key', s.vkey]),
      2,
      '--receipt names the receipt of one document',
    );
    expectError(
      s.run(['verify', 'a.txt', '--receipt', 'a.txt.notar.json', '--receipts', 'receipts', '--key', s.vkey]),
      2,
      'not both',
    );
    expectError(s.run(['verify', 'a.txt', 'b.txt']), 2, 'no trusted key given');
    expectError(s.run(['verify', '-', 'a.txt', '--key', s.vkey]), 2, 'needs --receipt');
  });
});

describe('notar verify: a receipt named as the document (issue 10 item 13)', () => {
  it('verifies the document beside it, with that receipt; the line names the document', () => {
    const r = s.run(['verify', 'a.txt.notar.json', '--key-file', 'office.vkey']);
    expectOk(r);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd()).toMatch(okLine('a.txt'));
  });

  it('a folder of documents and receipts (`verify *`): each document once', () => {
    const r = s.run([
      'verify',
      'a.txt',
      'a.txt.notar.json',
      'b.txt',
      'b.txt.notar.json',
      'c.txt.notar.json',
      '--key-file',
      'office.vkey',
    ]);
    expectOk(r);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    ['a.txt', 'b.txt', 'c.txt'].forEach((n, i) => expect(lines[i]).toMatch(okLine(n)));
  });

  it('a receipt without its document says it is a receipt and what to give instead', () => {
    fs.copyFileSync(path.join(s.dir, 'a.txt.notar.json'), path.join(s.dir, 'lost.txt.notar.json'));
    const r = s.run(['verify', 'lost.txt.notar.json', '--key-file', 'office.vkey']);
    expectError(r, 2, 'lost.txt.notar.json is a receipt, and the document it is for (lost.txt) is not beside it');
    expect(r.stderr).toContain(
      'notar: hint: name the document and its receipt: notar verify DOCUMENT --receipt lost.txt.notar.json',
    );
    expect(r.stderr).not.toContain('.notar.json.notar.json');
  });

  it('a stamped document that happens to end in .notar.json (its own receipt exists) is a document', () => {
    writeDocs(s.dir, { 'doc.notar.json': 'not a receipt, a document\n' });
    expectOk(s.run(['stamp', 'doc.notar.json']));
    const r = s.run(['verify', 'doc.notar.json', '--key-file', 'office.vkey']);
    expectOk(r);
    expect(r.stdout.trimEnd()).toMatch(okLine('doc.notar.json'));
  });

  it('with --receipt the operand is always the document', () => {
    const r = s.run(['verify', 'b.txt.notar.json', '--receipt', 'b.txt.notar.json', '--key-file', 'office.vkey']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: .*\(digest\)\n$/);
  });
});

describe('names that are not UTF-8 (issue 10 item 15): --files-from -0 for verify and prove', () => {
  beforeAll(() => {
    fs.mkdirSync(path.join(s.dir, 'raw'), { recursive: true });
    fs.writeFileSync(Buffer.concat([Buffer.from(s.dir + '/'), RAW]), 'raw bytes in the name\n');
    const list = Buffer.concat([RAW, Buffer.from([0])]);
    expectOk(s.run(['stamp', '--files-from', '-', '-0'], { input: list }));
    expectOk(s.run(['stamp', '--files-from', '-', '-0', '--out', 'rawout', '--force'], { input: list }));
    fs.writeFileSync(path.join(s.dir, 'list0'), list);
  });

  it('the receipt beside the document keeps the raw name', () => {
    const receipt = Buffer.concat([Buffer.from(s.dir + '/'), RAW, Buffer.from('.notar.json')]);
    expect(fs.existsSync(receipt)).toBe(true);
  });

  it('verify --files-from - -0 finds and checks it (beside it, and under --receipts)', () => {
    const r = s.run(['verify', '--files-from', '-', '-0', '--key-file', 'office.vkey'], {
      input: fs.readFileSync(path.join(s.dir, 'list0')),
    });
    expectOk(r);
    expect(r.stdout).toMatch(/^OK: raw\/\ufffd\.txt was stamped by /);
    const under = s.run([
      'verify',
      '--files-from',
      'list0',
      '-0',
      '--receipts',
      'rawout',
      '--key-file',
      'office.vkey',
      '--json',
    ]);
    expectOk(under);
    expect(JSON.parse(under.stdout)).toMatchObject({ ok: true, receipt: 'rawout/raw/\ufffd.txt.notar.json' });
  });

  it('verify by its name in argv cannot open it (argv is UTF-8): the reason --files-from exists', () => {
    const r = s.run(['verify', 'raw/\ufffd.txt', '--key-file', 'office.vkey']);
    expect(r.code).toBe(2);
  });

  it('prove --files-from -0 rebuilds its receipt, to stdout and under --out with the raw name', () => {
    const stored = fs.readFileSync(Buffer.concat([Buffer.from(s.dir + '/'), RAW, Buffer.from('.notar.json')]), 'utf8');
    const r = s.run(['prove', '--files-from', 'list0', '-0']);
    expectOk(r);
    expect(JSON.parse(r.stdout).document).toEqual(JSON.parse(stored).document);
    const out = s.run(['prove', '--files-from', 'list0', '-0', '--out', 'proved']);
    expectOk(out);
    const name = Buffer.concat([Buffer.from([0xff]), Buffer.from('.txt.notar.json')]);
    // Stamped twice (beside it, and under --out): the latest under the plain name, the older one by block.
    const written = fs.readdirSync(path.join(s.dir, 'proved'), { encoding: 'buffer' });
    expect(written).toHaveLength(2);
    expect(written.some((n) => n.equals(name))).toBe(true);
    expect(written.every((n) => n[0] === 0xff)).toBe(true);
    expect(out.stdout.split('\n')).toContain('proved/\ufffd.txt.notar.json');
  });
});

describe('notar prove with several documents', () => {
  it('needs --out; writes every receipt, then prints the paths', () => {
    expectError(s.run(['prove', 'b.txt', 'c.txt']), 2, '2 documents named, but stdout holds one receipt');
    const r = s.run(['prove', 'b.txt', 'c.txt', '--out', 'both']);
    expectOk(r);
    expect(r.stdout.trimEnd().split('\n').sort()).toEqual([
      path.join('both', 'b.txt.notar.json'),
      path.join('both', 'c.txt.notar.json'),
    ]);
    expect(fs.readFileSync(path.join(s.dir, 'both', 'c.txt.notar.json'), 'utf8')).toBe(
      s.run(['prove', 'c.txt']).stdout,
    );
  });

  it('all or nothing: one never stamped writes nothing (exit 1)', () => {
    writeDocs(s.dir, { 'never.txt': 'never stamped\n' });
    expectError(s.run(['prove', 'c.txt', 'never.txt', '--out', 'none']), 1, 'never.txt was never stamped');
    expect(fs.existsSync(path.join(s.dir, 'none'))).toBe(false);
  });

  it('two documents whose receipts would share a name are refused before writing', () => {
    writeDocs(s.dir, { 'one/same.txt': 'one\n', 'two/same.txt': 'two\n' });
    expectOk(s.run(['stamp', 'one/same.txt', 'two/same.txt']));
    expectError(s.run(['prove', 'one/same.txt', 'two/same.txt', '--out', 'clash']), 2, 'would both be written as');
    expect(fs.existsSync(path.join(s.dir, 'clash'))).toBe(false);
  });
});
