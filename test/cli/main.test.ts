// The CLI entry: version, help, usage errors and their exit codes (FORMAT.md §10).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notar, tempDir } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));

describe('notar entry point', () => {
  it('--version prints the package version', () => {
    const r = notar(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists every command', () => {
    const r = notar(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of [
      'init',
      'key',
      'stamp',
      'verify',
      'prove',
      'refresh',
      'log',
      'checkpoint',
      'consistency',
      'chain',
      'hash',
      'verifier-page',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
  });

  it.each(['init', 'stamp', 'verify', 'prove', 'refresh', 'log', 'checkpoint', 'consistency', 'hash', 'verifier-page'])(
    '%s --help shows an example',
    (cmd) => {
      const r = notar([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n\s+notar /);
    },
  );

  it('an unknown option is a usage error: exit 2, one line, no stack', () => {
    const r = notar(['stamp', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^notar: error: unknown option '--no-such-option'/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown command is a usage error', () => {
    const r = notar(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/notar: error: unknown command 'frobnicate'/);
  });

  it('no command at all (issue 10 item 13): usage on stderr, nothing on stdout, exit 2', () => {
    for (const argv of [[], ['key'], ['chain']]) {
      const r = notar(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Usage: notar /);
    }
    // Help that was asked for is still success, on stdout.
    for (const argv of [['--help'], ['help'], ['key', '--help'], ['help', 'verify']]) {
      const r = notar(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: notar /);
    }
  });

  it("commander's own errors end with a notar: hint line naming the command's help (issue 10 item 13)", () => {
    const cases: [string[], RegExp, string][] = [
      [['stamp', '--no-such-option'], /unknown option/, 'notar stamp --help'],
      [['frobnicate'], /unknown command/, 'notar --help'],
      [['key', 'import'], /missing required argument 'file'/, 'notar key import --help'],
      [['init'], /required option '--name <origin>' not specified/, 'notar init --help'],
      [['verify', '--receipt'], /argument missing/, 'notar verify --help'],
    ];
    for (const [argv, error, help] of cases) {
      const r = notar(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(2);
      expect(lines[0]).toMatch(/^notar: error: /);
      expect(lines[0]).toMatch(error);
      expect(lines[1]).toBe(`notar: hint: see \`${help}\``);
      expect(r.stderr).not.toContain('run with --help');
    }
  });

  it('a missing store names the directory and how to create one', () => {
    const dir = tempDir();
    const r = notar(['key', 'show', '--store', join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`notar: error: no notar store at ${join(dir, 'nope')}`);
    expect(r.stderr).toContain('notar: hint: create one with `notar init');
  });
});
