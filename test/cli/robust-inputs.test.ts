// Issue 10 items 9 and 10: inputs read with their cap applied while reading (/dev/zero,
// FIFOs with no writer), and a damaged key.json refused as damage before any work.
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk } from './expect-cli.js';
import { BIN, makeStore, notar, writeDocs, type RunResult, type TestStore } from './helpers.js';

const PASS = 'correct horse battery staple';

/** The real binary with stdin read from `stdinFile` (e.g. /dev/zero); killed after 60 s if it hangs. */
function runWithStdin(s: TestStore, args: string[], stdinFile: string): RunResult {
  const fd = fs.openSync(stdinFile, 'r');
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: s.dir,
      env: s.env,
      stdio: [fd, 'pipe', 'pipe'],
      timeout: 60_000,
      detached: true,
    } as SpawnSyncOptions);
    return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  } finally {
    fs.closeSync(fd);
  }
}

function storeWithReceipt(): TestStore {
  const s = makeStore();
  writeDocs(s.dir, { 'a.txt': 'A\n' });
  expectOk(s.run(['stamp', 'a.txt']));
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
  execFileSync('mkfifo', [path.join(s.dir, 'fifo')]);
  return s;
}

describe('inputs are capped while reading (item 9)', () => {
  const s = storeWithReceipt();

  it.each([
    [
      ['verify', 'a.txt', '--receipt', '/dev/zero', '--key-file', 'office.vkey'],
      '/dev/zero is larger than 256 KiB, too large to be a receipt',
    ],
    [
      ['verify', 'a.txt', '--key-file', '/dev/zero'],
      '/dev/zero is larger than 1 MiB, too large to be a file of verifier keys',
    ],
    [['consistency', '--verify', '/dev/zero', '--key-file', 'office.vkey'], 'too large to be a consistency proof'],
    [['consistency', '--from', '/dev/zero'], 'too large to be a signed checkpoint'],
    [['stamp', '--files-from', '/dev/zero'], 'a name longer than 4096 bytes'],
    [['stamp', '--files-from', '/dev/zero', '-0'], 'more than 4096 empty names in a row'],
    [['key', 'import', '/dev/zero', '--force', '--no-passphrase'], 'too large to be a signer key'],
  ])('notar %j: exit 2 at once, naming the input and the cap', (args, message) => {
    expectError(s.run(args), 2, message);
  });

  it.each([
    [['verify', 'a.txt', '--receipt', '-', '--key-file', 'office.vkey'], 'standard input is larger than 256 KiB'],
    [['stamp', '--files-from', '-'], 'a name longer than 4096 bytes'],
    [['stamp', '--digests'], 'a line longer than 1 MiB'],
  ])('notar %j < /dev/zero: exit 2 at once', (args, message) => {
    expectError(runWithStdin(s, args, '/dev/zero'), 2, message);
  });

  it('--passphrase-file /dev/zero is refused at its cap; a FIFO with no writer does not hang', () => {
    const dir = path.join(s.dir, 'enc');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'pass'), PASS + '\n');
    expectOk(
      notar(['init', '--name', 'notary.example.gov/enc', '--store', 'store', '--passphrase-file', 'pass'], {
        cwd: dir,
      }),
    );
    writeDocs(dir, { 'b.txt': 'B' });
    expectError(
      notar(['stamp', 'b.txt', '--store', 'store', '--passphrase-file', '/dev/zero'], { cwd: dir }),
      2,
      '/dev/zero is larger than 64 KiB, too large to be a passphrase file',
    );
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expectError(
      notar(['stamp', 'b.txt', '--store', 'store', '--passphrase-file', 'fifo'], { cwd: dir }),
      2,
      'the first line is empty',
    );
    expect(fs.existsSync(path.join(dir, 'b.txt.notar.json'))).toBe(false);
  });

  it('a FIFO with no writer does not hang: it reads as empty and is refused', () => {
    expectError(s.run(['verify', 'a.txt', '--receipt', 'fifo', '--key-file', 'office.vkey']), 2, /fifo/);
    expectError(s.run(['verify', 'a.txt', '--key-file', 'fifo']), 2, 'no trusted key given');
    expectError(s.run(['stamp', '--files-from', 'fifo']), 2, 'nothing to stamp');
  });

  it('a store file replaced by a device or a FIFO is damage, not a hang', () => {
    const t = makeStore();
    fs.rmSync(path.join(t.storeDir, 'key.pub'));
    fs.symlinkSync('/dev/zero', path.join(t.storeDir, 'key.pub'));
    fs.rmSync(path.join(t.storeDir, 'key.json'));
    execFileSync('mkfifo', [path.join(t.storeDir, 'key.json')]);
    writeDocs(t.dir, { 'c.txt': 'C' });
    expectError(t.run(['stamp', 'c.txt']), 2, /key\.json: the key file is damaged/);
    expectError(t.run(['key', 'show']), 2, /key\.pub: larger than 4 KiB/);
  });

  it('chain.jsonl or a leaves file replaced by a FIFO: a clear error, not a hang', () => {
    const t = makeStore();
    writeDocs(t.dir, { 'c.txt': 'C' });
    expectOk(t.run(['stamp', 'c.txt']));
    const leaves = path.join(t.storeDir, 'leaves', fs.readdirSync(path.join(t.storeDir, 'leaves'))[0]);
    fs.renameSync(leaves, leaves + '.aside');
    execFileSync('mkfifo', [leaves]);
    expectError(t.run(['prove', 'c.txt']), 2, /not a regular file/);
    expect(t.run(['chain', 'verify']).stderr).toMatch(/not a regular file/);
    fs.rmSync(leaves);
    fs.renameSync(leaves + '.aside', leaves);
    const chain = path.join(t.storeDir, 'chain.jsonl');
    fs.renameSync(chain, chain + '.aside');
    execFileSync('mkfifo', [chain]);
    expectError(t.run(['log']), 2, /chain\.jsonl: not a regular file/);
    expectError(t.run(['stamp', 'c.txt', '--force']), 2, /not a regular file/);
  });
});

describe('a damaged key.json (item 10)', () => {
  const dir = makeStore().dir;
  fs.writeFileSync(path.join(dir, 'pass'), PASS + '\n');
  expectOk(
    notar(['init', '--name', 'notary.example.gov/k', '--store', 'enc', '--passphrase-file', 'pass'], { cwd: dir }),
  );
  const keyFile = path.join(dir, 'enc', 'key.json');
  const good = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  writeDocs(dir, { 'd.txt': 'D' });

  it.each([
    ['N 2^22, r 32 (minutes and 5 GB before)', { N: 4194304, r: 32 }, /scrypt parameters out of range/],
    ['N 3 ("unexpected failure" before)', { N: 3 }, /scrypt parameters out of range/],
    ['a tag that is not hex ("unexpected failure" before)', { tag: 'zz' + good.tag.slice(2) }, /tag must be 16 bytes/],
    ['a tag cut to 4 bytes (accepted before)', { tag: good.tag.slice(0, 8) }, /tag must be 16 bytes/],
  ])('%s: exit 2, "the key file is damaged", restore from backup; nothing sealed', (_what, change, message) => {
    fs.writeFileSync(keyFile, JSON.stringify({ ...good, ...change }));
    const r = notar(['stamp', 'd.txt', '--store', 'enc', '--passphrase-file', 'pass'], { cwd: dir });
    const line = expectError(r, 2, message);
    expect(line).toContain('the key file is damaged');
    expect(r.stderr).toMatch(/notar: hint: restore key\.json from your backup/);
    expect(fs.existsSync(path.join(dir, 'd.txt.notar.json'))).toBe(false);
  });

  it('the key file written by notar still opens', () => {
    fs.writeFileSync(keyFile, JSON.stringify(good));
    expectOk(notar(['stamp', 'd.txt', '--store', 'enc', '--passphrase-file', 'pass'], { cwd: dir }));
  });
});
