// Issue 10 items 8 and 12, on a real pseudo-terminal (test/cli/pty-run.py, python3's pty):
// the progress line is a bounded, moving count at any terminal size (0×0 included);
// SIGINT/SIGTERM end `stamp` with one message and exit 130/143, the store intact;
// the passphrase is asked on /dev/tty even when stdin is a pipe, and only after the
// inputs were checked.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOk } from './expect-cli.js';
import { BIN, makeStore, notar, writeDocs, type TestStore } from './helpers.js';

const PTY_RUN = path.resolve(__dirname, 'pty-run.py');
const PASS = 'correct horse battery staple';

type Step =
  | { wait: string }
  | { signal: 'SIGINT' | 'SIGTERM' }
  | { tty: string }
  | { stdin: string }
  | { stdin_file: string }
  | { close_stdin: true };
interface PtyResult {
  rc: number;
  output: string;
  overflow: boolean;
  timed_out: boolean;
}

function onPty(s: TestStore, size: [number, number], args: string[], steps: Step[], stdinTty = false): PtyResult {
  const spec = {
    rows: size[0],
    cols: size[1],
    cmd: [process.execPath, BIN, ...args],
    cwd: s.dir,
    env: s.env,
    steps,
    timeout: 90,
    stdin_tty: stdinTty,
  };
  const r = spawnSync('python3', [PTY_RUN, JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`pty-run.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

/** The store is as a finished run leaves it: the chain audits, no lock, no temp file. */
function expectStoreIntact(s: TestStore): void {
  expectOk(s.run(['chain', 'verify']));
  expect(fs.existsSync(path.join(s.storeDir, 'lock'))).toBe(false);
  const names = [...fs.readdirSync(s.storeDir), ...fs.readdirSync(path.join(s.storeDir, 'leaves'))];
  expect(names.filter((n) => n.includes('.tmp'))).toEqual([]);
}

/** The lines as the terminal shows them: what follows a line's last \r, escape sequences dropped. */
const shownLines = (out: string) =>
  out.split(/\r?\n/).map((l) => l.slice(l.lastIndexOf('\r') + 1).replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
const errorLines = (out: string) => shownLines(out).filter((l) => l.includes('notar: error:'));

describe('stamp on a terminal: progress and interruption (item 8)', () => {
  it.each([
    ['24x80', 'SIGINT', 130, [24, 80]],
    ['0x0', 'SIGINT', 130, [0, 0]],
    ['24x80', 'SIGTERM', 143, [24, 80]],
    ['0x0', 'SIGTERM', 143, [0, 0]],
  ] as const)(
    '%s: the byte count moves; %s ends it with exit %d, one message, store intact',
    (_size, signal, code, size) => {
      const s = makeStore();
      writeDocs(s.dir, { 'a.txt': 'A' });
      expectOk(s.run(['stamp', 'a.txt']));
      const chunk = path.join(s.dir, 'chunk.bin');
      fs.writeFileSync(chunk, Buffer.alloc(3 << 20, 7));
      // stdin stays open: notar is still reading the document when the signal comes.
      const r = onPty(
        s,
        [...size],
        ['stamp', '-', '--out', 'r'],
        [{ stdin_file: chunk }, { wait: 'hashed 0 of 1 documents, [1-9][0-9.]* MB' }, { signal }],
      );
      expect(r.timed_out, r.output).toBe(false);
      expect(r.overflow).toBe(false);
      expect(r.rc, r.output).toBe(code);
      expect(errorLines(r.output)).toEqual([`notar: error: interrupted (${signal}); nothing was stamped`]);
      // Only \r and \e[K: no cursor-up (the 0-column loop was an endless `\e[1A\e[0K`).
      expect(r.output).not.toContain('\x1b[1A');
      expect(s.run(['log']).stdout.trim().split('\n')).toHaveLength(1);
      expectStoreIntact(s);
    },
  );

  it('SIGINT while receipts are written: exit 130, the block stays sealed, the hint says how to rebuild receipts', () => {
    const s = makeStore();
    const names = Array.from({ length: 20000 }, (_, i) => `d/f${i}.txt`);
    fs.mkdirSync(path.join(s.dir, 'd'));
    for (const n of names) fs.writeFileSync(path.join(s.dir, n), n);
    fs.writeFileSync(path.join(s.dir, 'list'), names.join('\n') + '\n');
    const r = onPty(
      s,
      [24, 80],
      ['stamp', '--files-from', 'list', '--out', 'r'],
      [{ wait: 'wrote [0-9]+ of 20000 receipts' }, { signal: 'SIGINT' }],
    );
    expect(r.timed_out, r.output.slice(-500)).toBe(false);
    expect(r.rc, r.output.slice(-500)).toBe(130);
    expect(errorLines(r.output)).toEqual([
      'notar: error: interrupted (SIGINT); block 0 is sealed, but not every receipt was written',
    ]);
    expect(shownLines(r.output).find((l) => l.startsWith('notar: hint:'))).toMatch(/notar prove/);
    expectStoreIntact(s);
    const missing = names.find((n) => !fs.existsSync(path.join(s.dir, 'r', n + '.notar.json')));
    expect(missing).toBeDefined();
    // Receipts are written whole or not at all: no temp file is left beside them.
    expect(fs.readdirSync(path.join(s.dir, 'r', 'd')).filter((n) => !n.endsWith('.txt.notar.json'))).toEqual([]);
    expect(s.run(['prove', missing!]).code).toBe(0);
  });

  it('SIGTERM while the file list is still coming: exit 143 at once, nothing stamped', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A' });
    const r = onPty(
      s,
      [24, 80],
      ['stamp', '--files-from', '-', '-0'],
      [{ stdin: 'a.txt\0' }, { wait: 'read 1 name' }, { signal: 'SIGTERM' }],
    );
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(143);
    expect(errorLines(r.output)).toEqual(['notar: error: interrupted (SIGTERM); nothing was stamped']);
    expect(s.run(['log']).stdout).toBe('');
    expectStoreIntact(s);
  });

  it('0x0 terminal, 3000 files from a pipe (the reported hang): finishes, bounded output', () => {
    const s = makeStore();
    const names = Array.from({ length: 3000 }, (_, i) => `d/f${i}.txt`);
    fs.mkdirSync(path.join(s.dir, 'd'));
    for (const n of names) fs.writeFileSync(path.join(s.dir, n), n);
    const list = path.join(s.dir, 'list0');
    fs.writeFileSync(list, names.join('\0') + '\0');
    const r = onPty(
      s,
      [0, 0],
      ['stamp', '--files-from', '-', '-0', '--out', 'r'],
      [{ stdin_file: list }, { close_stdin: true }],
    );
    expect(r.timed_out, r.output.slice(-500)).toBe(false);
    expect(r.overflow).toBe(false);
    expect(r.rc, r.output.slice(-500)).toBe(0);
    expect(r.output).toContain('stamped 3000 documents');
    expect(r.output).not.toContain('\x1b[1A');
    expect(fs.existsSync(path.join(s.dir, 'r', 'd', 'f2999.txt.notar.json'))).toBe(true);
    expectStoreIntact(s);
  });
});

describe('the passphrase on the controlling terminal (item 12)', () => {
  const s = makeStore();
  fs.writeFileSync(path.join(s.dir, 'pass'), PASS + '\n');
  fs.rmSync(s.storeDir, { recursive: true });
  expectOk(
    notar(['init', '--name', 'notary.example.gov/tty', '--passphrase-file', 'pass'], { cwd: s.dir, env: s.env }),
  );
  writeDocs(s.dir, { 'a.txt': 'A', 'b.txt': 'B' });
  fs.mkdirSync(path.join(s.dir, 'folder'));

  it('file list piped on stdin: the prompt appears on the terminal, the passphrase is not echoed, stamping works', () => {
    const r = onPty(
      s,
      [24, 80],
      ['stamp', '--files-from', '-', '-0', '--out', 'r'],
      [
        { stdin: 'a.txt\0b.txt\0' },
        { close_stdin: true },
        { wait: 'Passphrase for the notar signing key: ' },
        { tty: PASS + '\r' },
      ],
    );
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(0);
    expect(r.output).toContain('stamped 2 documents');
    expect(r.output).not.toContain(PASS);
    expect(fs.existsSync(path.join(s.dir, 'r', 'b.txt.notar.json'))).toBe(true);
  });

  it('stdin on the terminal too (the interactive case): asked once, stamped', () => {
    const r = onPty(
      s,
      [24, 80],
      ['stamp', 'a.txt', '--out', 'r2', '--again'],
      [{ wait: 'Passphrase for the notar signing key: ' }, { tty: PASS + '\r' }],
      true,
    );
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(0);
    expect(r.output).toContain('stamped 1 document');
    expect(r.output).not.toContain(PASS);
  });

  it('a mistyped passphrase may be typed again (the documents are not read twice)', () => {
    const r = onPty(
      s,
      [24, 80],
      ['stamp', 'b.txt', '--out', 'r3', '--again'],
      [
        { wait: 'Passphrase for the notar signing key: ' },
        { tty: 'not it\r' },
        { wait: 'wrong passphrase, try again' },
        { wait: 'again\\r?\\n(.|\\r|\\n)*Passphrase for the notar signing key: ' },
        { tty: PASS + '\r' },
      ],
      true,
    );
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(0);
    expect(r.output).toContain('stamped 1 document');
  });

  it.each([
    ['a directory given as a document', ['stamp', 'folder'], 'cannot read folder: is a directory'],
    ['a missing file', ['stamp', 'missing.txt'], 'cannot read missing.txt: no such file'],
  ])('%s: the error comes before any prompt', (_what, args, message) => {
    const r = onPty(s, [24, 80], args, [{ close_stdin: true }]);
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(2);
    expect(errorLines(r.output)[0]).toContain(message);
    expect(r.output).not.toContain('Passphrase');
  });

  it('Ctrl-C at the prompt: exit 130 with one message, nothing stamped', () => {
    const before = s.run(['log']).stdout;
    const r = onPty(
      s,
      [24, 80],
      ['stamp', 'a.txt', '--force'],
      [{ close_stdin: true }, { wait: 'Passphrase for' }, { tty: '\x03' }],
    );
    expect(r.timed_out, r.output).toBe(false);
    expect(r.rc, r.output).toBe(130);
    expect(errorLines(r.output)).toEqual(['notar: error: interrupted (SIGINT); nothing was stamped']);
    expect(s.run(['log']).stdout).toBe(before);
  });
});
