// `notar hash`: byte-identical to GNU sha256sum, escaping included (FORMAT.md §1).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, sha256Hex } from './expect-cli.js';
import { notar, tempDir, writeDocs } from './helpers.js';

const NAMES = [
  'plain.txt',
  'with space.txt',
  'new\nline.txt',
  'back\\slash.txt',
  'carriage\rreturn.txt',
  'ünïcödé.txt',
  'empty.txt',
];
let dir: string;

function sha256sum(args: string[], input?: string): { code: number; stdout: string } {
  const r = spawnSync('sha256sum', args, { cwd: dir, input });
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8') };
}

beforeAll(() => {
  dir = tempDir();
  writeDocs(dir, Object.fromEntries(NAMES.map((n, i) => [n, n === 'empty.txt' ? '' : `content ${i}\n`.repeat(i + 1)])));
  writeDocs(dir, { 'big.bin': Buffer.alloc(3 * 1024 * 1024 + 17, 7) });
});

describe('notar hash', () => {
  it('prints exactly what sha256sum prints, for every kind of name', () => {
    const files = [...NAMES, 'big.bin'];
    const r = notar(['hash', ...files], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const want = sha256sum(files);
    expect(want.code).toBe(0);
    expect(r.stdout).toBe(want.stdout);
    // The escaped lines really are escaped (a leading backslash), as sha256sum does.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('\\'))).toHaveLength(3);
  });

  it('with directories in the names, and standard input', () => {
    writeDocs(dir, { 'sub/dir/f.txt': 'nested\n' });
    const r = notar(['hash', 'sub/dir/f.txt', path.join(dir, 'plain.txt')], { cwd: dir });
    expect(r.stdout).toBe(sha256sum(['sub/dir/f.txt', path.join(dir, 'plain.txt')]).stdout);
    const stdin = notar(['hash', '-'], { cwd: dir, input: 'piped\n' });
    expect(stdin.stdout).toBe(sha256sum(['-'], 'piped\n').stdout);
  });

  it('its output checks with sha256sum -c', () => {
    const r = notar(['hash', ...NAMES], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'SUMS'), r.stdout);
    expect(sha256sum(['-c', '--quiet', 'SUMS']).code).toBe(0);
  });

  it('a missing file: exit 2, one line', () => {
    expectError(notar(['hash', 'missing.txt'], { cwd: dir }), 2, 'cannot read missing.txt: no such file');
  });

  it('like sha256sum, unreadable files do not stop the others: their digests print, then one error line, exit 2', () => {
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    const r = notar(['hash', 'missing.txt', 'plain.txt', 'sub', 'empty.txt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(sha256sum(['plain.txt', 'empty.txt']).stdout);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'));
    expect(errors).toEqual(['notar: error: cannot read missing.txt: no such file (and 1 more file)']);
    expect(r.stderr).toContain('notar: hint: the digests of the other files were printed');
  });

  it('a directory: exit 2, one line', () => {
    expectError(notar(['hash', 'sub'], { cwd: dir }), 2, 'sub: is a directory');
  });

  it('no file named (issue 10 item 13): hashes stdin like sha256sum, named -', () => {
    const r = notar(['hash'], { cwd: dir, input: 'hi\n' });
    expectOk(r);
    expect(r.stdout).toBe(`${sha256Hex('hi\n')}  -\n`);
    expect(r.stdout).toBe(sha256sum([], 'hi\n').stdout);
    expect(notar(['hash', '-'], { cwd: dir, input: 'hi\n' }).stdout).toBe(r.stdout);
  });

  it('nothing readable (issue 10 item 13): no hint that other digests were printed', () => {
    for (const args of [['sub'], ['sub', 'missing.txt']]) {
      const r = notar(['hash', ...args], { cwd: dir });
      expectError(r, 2, 'cannot read');
      expect(r.stderr).not.toContain('were printed');
      expect(r.stderr).not.toContain('was printed');
    }
    const one = notar(['hash', 'sub', 'plain.txt'], { cwd: dir });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('notar: hint: the digest of the other file was printed');
  });

  it('2,500 files (two hashing threads): the same lines as sha256sum, unreadable ones in the middle skipped', () => {
    const many = path.join(dir, 'many');
    fs.mkdirSync(many);
    const names = Array.from(
      { length: 2500 },
      (_, i) => `many/${String(i).padStart(4, '0')}${i % 250 === 7 ? ' x' : ''}`,
    );
    names.forEach((n, i) => fs.writeFileSync(path.join(dir, n), `file ${i}\n`.repeat(i % 9)));
    // One directory and one missing file, far apart: each thread may meet one.
    fs.rmSync(path.join(dir, names[2200]));
    fs.rmSync(path.join(dir, names[600]));
    fs.mkdirSync(path.join(dir, names[600]));
    const r = notar(['hash', ...names], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(sha256sum(names.filter((_, i) => i !== 600 && i !== 2200)).stdout);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(2498);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'))).toEqual([
      `notar: error: cannot read ${names[600]}: is a directory, not a file (and 1 more file)`,
    ]);
  });
});
