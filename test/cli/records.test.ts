// Issue 13 §3: who stamped what (records), `log` filters and detail, `find`, and
// duplicate-stamp detection.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, sha256Hex } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

const logJson = (s: TestStore, args: string[] = []) =>
  s
    .run(['log', '--json', ...args])
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('records: clerk per stamping, log filters, find', () => {
  let s: TestStore;
  let raw: Buffer;
  beforeAll(() => {
    s = makeStore();
    writeDocs(s.dir, { 'deed 1.pdf': 'deed one\n', 'deed-2.pdf': 'deed two\n', 'memo.txt': 'memo\n' });
    raw = Buffer.concat([Buffer.from(s.dir + '/caf'), Buffer.of(0xff), Buffer.from('.pdf')]);
    fs.writeFileSync(raw, 'latin-1 name\n');
    expectOk(s.run(['stamp', 'deed 1.pdf', 'deed-2.pdf', '--clerk', 'ana']));
    expectOk(s.run(['stamp', 'memo.txt'], { env: { NOTAR_CLERK: 'bob' } }));
    expectOk(s.run(['stamp', '--files-from', '-', '-0'], { input: Buffer.concat([raw, Buffer.of(0)]) }));
  });

  it('log shows the clerk of each block: --clerk, else NOTAR_CLERK, else the OS user', () => {
    const blocks = logJson(s);
    expect(blocks.map((b) => b.clerk)).toEqual(['ana', 'bob', os.userInfo().username]);
    const human = s.run(['log']).stdout.trim().split('\n');
    expect(human[0]).toMatch(/ {2}ana$/);
    expect(human[1]).toMatch(/ {2}bob$/);
    // Records are store-only: receipts do not name the clerk.
    expect(fs.readFileSync(path.join(s.dir, 'memo.txt.notar.json'), 'utf8')).not.toContain('bob');
  });

  it('log --clerk, --since, --until select blocks', () => {
    expect(logJson(s, ['--clerk', 'ana']).map((b) => b.seq)).toEqual([0]);
    expect(logJson(s, ['--clerk', 'nobody'])).toEqual([]);
    const [first, , last] = logJson(s);
    expect(logJson(s, ['--since', first.time.slice(0, 10)]).length).toBe(3);
    expect(logJson(s, ['--until', '2000-01-01'])).toEqual([]);
    expect(logJson(s, ['--since', '2999-12-31'])).toEqual([]);
    expect(logJson(s, ['--since', last.time, '--until', last.time]).map((b) => b.seq)).toContain(2);
    expectError(s.run(['log', '--since', 'last tuesday']), 2, '--since last tuesday: expected a date');
  });

  it('log --documents lists names, digests and clerk per block', () => {
    const [b0] = logJson(s, ['--documents']);
    expect(b0.documents).toEqual([
      { index: 0, sha256: sha256Hex('deed one\n'), name: 'deed 1.pdf' },
      { index: 1, sha256: sha256Hex('deed two\n'), name: 'deed-2.pdf' },
    ]);
    const human = s.run(['log', '--documents', '--clerk', 'ana']).stdout;
    expect(human).toContain(`    0  ${sha256Hex('deed one\n')}  "deed 1.pdf"\n`);
  });

  it('find NAME-GLOB and --sha256 list every stamping with block, time and clerk', () => {
    const r = s.run(['find', 'deed*', '--json']);
    expectOk(r);
    const found = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(found.map((f) => [f.seq, f.index, f.name, f.clerk, f.revoked])).toEqual([
      [0, 0, 'deed 1.pdf', 'ana', null],
      [0, 1, 'deed-2.pdf', 'ana', null],
    ]);
    const byDigest = s.run(['find', '--sha256', sha256Hex('memo\n')]);
    expectOk(byDigest);
    expect(byDigest.stdout).toMatch(/^block 1 {2}leaf 0 {2}\S+ {2}bob {2}[0-9a-f]{64} {2}"memo.txt"\n$/);
    // A name that was not UTF-8 is kept (lossily decoded) and can be found.
    const latin = s.run(['find', 'caf?.pdf', '--json']);
    expectOk(latin);
    expect(JSON.parse(latin.stdout).sha256).toBe(sha256Hex('latin-1 name\n'));
    expectError(s.run(['find', 'nothing-*']), 1, 'no stamping of "nothing-*"');
    expectError(s.run(['find']), 2, 'find needs one NAME-GLOB or --sha256 HEX');
    expectError(s.run(['find', '--sha256', 'xyz']), 2, '--sha256 xyz');
  });

  it('a record changed by someone without the key shows as "!" (not trusted), a missing one as "?"', () => {
    const file = path.join(s.storeDir, 'records', '0000000001.json');
    const good = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, good.replace('"bob"', '"eve"'));
      expect(logJson(s)[1].clerk).toBeNull();
      expect(s.run(['log']).stdout.trim().split('\n')[1]).toMatch(/ {2}!$/);
      expect(logJson(s, ['--clerk', 'eve'])).toEqual([]);
      fs.rmSync(file);
      expect(s.run(['log']).stdout.trim().split('\n')[1]).toMatch(/ {2}\?$/);
    } finally {
      fs.writeFileSync(file, good);
    }
  });

  it('a bad clerk name is refused before anything is sealed', () => {
    writeDocs(s.dir, { 'x.txt': 'x\n' });
    expectError(s.run(['stamp', 'x.txt', '--clerk', 'a\u0007b']), 2, 'clerk name');
    expect(logJson(s)).toHaveLength(3);
  });
});

describe('duplicate stamps are detected and skipped unless --again', () => {
  it('files: the same content under another name, or into another --out, is skipped', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'copy of a.txt': 'A\n', 'b.txt': 'B\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    const r = s.run(['stamp', 'copy of a.txt', 'b.txt']);
    expectOk(r);
    expect(r.stderr).toContain('notar: already stamped: copy of a.txt (sha256 ');
    expect(r.stderr).toContain('block 0, leaf 0); skipped');
    expect(r.stdout).toMatch(/^stamped 1 document in block 1 /);
    expect(fs.existsSync(path.join(s.dir, 'copy of a.txt.notar.json'))).toBe(false);
    const again = s.run(['stamp', 'a.txt', '--out', 'elsewhere']);
    expectOk(again);
    expect(again.stdout).toBe('nothing new to stamp: 1 already stamped (use --again to stamp again)\n');
    expect(logJson(s)).toHaveLength(2);
    const forced = s.run(['stamp', 'a.txt', '--out', 'elsewhere', '--again']);
    expectOk(forced);
    expect(forced.stdout).toMatch(/^stamped 1 document in block 2 /);
    expect(fs.existsSync(path.join(s.dir, 'elsewhere', 'a.txt.notar.json'))).toBe(true);
  });

  it('stdin: stamping the same bytes twice says so the second time', () => {
    const s = makeStore();
    const first = s.run(['stamp', '-'], { input: 'letter\n' });
    expectOk(first);
    expect(JSON.parse(first.stdout).document.sha256).toBe(sha256Hex('letter\n'));
    const second = s.run(['stamp', '-'], { input: 'letter\n' });
    expectOk(second);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('notar: already stamped: - ');
    expect(logJson(s)).toHaveLength(1);
    expectOk(s.run(['stamp', '-', '--again'], { input: 'letter\n' }));
    expect(logJson(s)).toHaveLength(2);
  });

  it('--digests: already stamped digests are skipped, new ones stamped', () => {
    const s = makeStore();
    expectOk(s.run(['stamp', '--digests'], { input: `${sha256Hex('one')}  one.pdf\n` }));
    const r = s.run(['stamp', '--digests'], {
      input: `${sha256Hex('one')}  one again.pdf\n${sha256Hex('two')}  two.pdf\n`,
    });
    expectOk(r);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sha256)).toEqual([sha256Hex('two')]);
    expect(r.stderr).toContain('already stamped: one again.pdf');
    expect(logJson(s, ['--documents']).map((b) => b.documents.map((d: { name: string }) => d.name))).toEqual([
      ['one.pdf'],
      ['two.pdf'],
    ]);
  });
});
