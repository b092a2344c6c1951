// The start-up fast path (fast-argv.ts) takes only plain command lines, reads
// them as commander would, and leaves everything else to commander.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { fastCommand as fastCommandWith } from '../../src/cli/fast-argv.js';
import { declareProgram } from '../../src/cli/main.js';
import { expectOk } from './expect-cli.js';
import { makeStore, writeDocs } from './helpers.js';

/** The fast path over main.ts's real declarations; without the loader (not comparable). */
function fastCommand(argv: string[]) {
  const fast = fastCommandWith(argv, declareProgram);
  if (!fast) return undefined;
  expect(typeof fast.load).toBe('function');
  return { command: fast.command, args: fast.args, opts: fast.opts };
}

/** What commander makes of the same line, from the same declarations (the command's action replaced). */
async function commanderReads(argv: string[]): Promise<{ args: string[]; opts: Record<string, unknown> }> {
  const program = new Command('notar').exitOverride();
  declareProgram(program);
  let seen: { args: string[]; opts: Record<string, unknown> } | undefined;
  const cmd = program.commands.find((c) => c.name() === argv[0])!;
  cmd.exitOverride().action(function (this: Command, ...raw: unknown[]) {
    const args = raw.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a])) as string[];
    seen = { args, opts: this.optsWithGlobals() };
  });
  await program.parseAsync(argv, { from: 'user' });
  return seen!;
}

describe('fastCommand', () => {
  it('reads plain verify, prove and hash lines like commander', () => {
    expect(fastCommand(['verify', 'a.pdf', '--key-file', 'k1', '--key', 'K', '--key-file', 'k2', '--json'])).toEqual({
      command: 'verify',
      args: ['a.pdf'],
      opts: { keyFile: ['k1', 'k2'], key: ['K'], json: true },
    });
    expect(fastCommand(['verify', '--sha256', 'ab', '--receipt', 'r.json', '--store', 's', '--debug'])).toEqual({
      command: 'verify',
      args: [],
      opts: { sha256: 'ab', receipt: 'r.json', store: 's', debug: true },
    });
    expect(fastCommand(['prove', '-', '--out', 'o'])).toEqual({ command: 'prove', args: ['-'], opts: { out: 'o' } });
    expect(fastCommand(['hash', 'a', 'b', '-'])).toEqual({ command: 'hash', args: ['a', 'b', '-'], opts: {} });
    // Several documents, receipts under a directory, a list (issue 10 items 13-15).
    expect(fastCommand(['verify', 'a', 'b', '--receipts', 'r', '--key', 'K'])).toEqual({
      command: 'verify',
      args: ['a', 'b'],
      opts: { receipts: 'r', key: ['K'] },
    });
    expect(fastCommand(['prove', '--files-from', 'list', '--out', 'o'])).toEqual({
      command: 'prove',
      args: [],
      opts: { filesFrom: 'list', out: 'o' },
    });
    expect(fastCommand(['hash'])).toEqual({ command: 'hash', args: [], opts: {} });
    expect(fastCommand(['verify', '-0', '--files-from', 'l'])).toEqual({
      command: 'verify',
      args: [],
      opts: { null: true, filesFrom: 'l' },
    });
  });

  it('leaves everything else to commander', () => {
    const others = [
      [],
      ['stamp', 'a'],
      ['--store', 's', 'verify', 'a'],
      ['verify', '--help'],
      ['verify', '-h'],
      ['verify', '--receipt=r', 'a'],
      ['verify', '--receipt'],
      ['verify', '--receipt', '-x'],
      ['verify', '--receipt', 'r', '--receipt', 'r2'],
      ['verify', '--', 'a'],
      ['verify', '--files-from', '-'],
      ['verify', '--nope'],
      ['prove', '--key', 'K'],
      ['hash', 'a', '--json'],
      ['toString'],
      ['constructor', 'a'],
    ];
    for (const argv of others) expect(fastCommand(argv), JSON.stringify(argv)).toBeUndefined();
  });

  it('reads every line it takes exactly as commander reads it, from the same declarations', async () => {
    const lines = [
      ['verify', 'a.pdf', '--key-file', 'k1', '--key', 'K', '--key-file', 'k2', '--json'],
      ['verify', '--sha256', 'ab', '--receipt', 'r.json', '--store', 's', '--debug'],
      ['verify', 'a', 'b', '--receipts', 'r', '-0', '--files-from', 'l', '--null'],
      ['prove', '-', '--out', 'o', '--sha256', 'ab', '--files-from', 'l', '-0'],
      ['hash', 'a', 'b', '-'],
      ['hash'],
    ];
    for (const line of lines) {
      const fast = fastCommand(line);
      expect(fast, line.join(' ')).toBeDefined();
      expect({ args: fast!.args, opts: fast!.opts }, line.join(' ')).toEqual(await commanderReads(line));
    }
  });
});

describe('fast path and commander give the same results', () => {
  it('for verify, prove and hash', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'deed.txt': 'a deed\n', 'other.txt': 'other\n' });
    expectOk(s.run(['stamp', 'deed.txt']));
    fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
    fs.writeFileSync(path.join(s.dir, 'list'), 'deed.txt\nother.txt\n');
    const pairs: [string[], string[]][] = [
      [
        ['verify', 'deed.txt', '--key-file', 'office.vkey', '--json'],
        ['verify', '--json', '--key-file=office.vkey', 'deed.txt'],
      ],
      [
        ['verify', 'other.txt', '--receipt', 'deed.txt.notar.json', '--key', s.vkey],
        ['verify', 'other.txt', '--receipt=deed.txt.notar.json', '--key', s.vkey],
      ],
      [
        ['prove', 'deed.txt'],
        ['prove', '--', 'deed.txt'],
      ],
      [
        ['hash', 'deed.txt', 'other.txt'],
        ['hash', '--', 'deed.txt', 'other.txt'],
      ],
      [
        ['verify', 'deed.txt', 'other.txt', 'deed.txt.notar.json', '--key-file', 'office.vkey'],
        ['verify', '--key-file=office.vkey', 'deed.txt', 'other.txt', 'deed.txt.notar.json'],
      ],
      [
        ['verify', 'deed.txt', 'other.txt', '--receipts', '.', '--json', '--key', s.vkey],
        ['verify', '--receipts=.', 'deed.txt', 'other.txt', '--json', '--key', s.vkey],
      ],
      [
        ['verify', '--files-from', 'list', '--key-file', 'office.vkey'],
        ['verify', '--files-from=list', '--key-file', 'office.vkey'],
      ],
      [
        ['prove', 'deed.txt', 'other.txt'],
        ['prove', '--', 'deed.txt', 'other.txt'],
      ],
    ];
    for (const [fast, slow] of pairs) {
      expect(fastCommand(fast), fast.join(' ')).toBeDefined();
      expect(fastCommand(slow), slow.join(' ')).toBeUndefined();
      const a = s.run(fast);
      const b = s.run(slow);
      expect({ code: a.code, stdout: a.stdout, stderr: a.stderr }, fast.join(' ')).toEqual({
        code: b.code,
        stdout: b.stdout,
        stderr: b.stderr,
      });
    }
  });
});
