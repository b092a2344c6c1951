/**
 * Bad input (issue 4), through the real binary: every case gets one clear
 * `notar: error:` line, exit 2 (1 for a failed check), no stack trace, and
 * nothing is written: the store and the working directory are unchanged.
 * Odd-but-valid input (empty files, odd names, huge files) simply works.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeStore, notar, tempDir, writeDocs, type RunResult, type TestStore } from '../cli/helpers.js';
import {
  canBindReadOnly,
  expectOneError,
  expectReceiptVerifies,
  isRoot,
  notarAs,
  notarWithReadOnly,
  permissionBoundUser,
  snapshot,
} from './helpers.js';

let s: TestStore;
let receipt: string;
/** procfs files of mode 0200 (sysctl triggers): reading one fails with EACCES even as root. */
const WRITE_ONLY_FILES = [
  '/proc/sys/vm/compact_memory',
  '/proc/sys/net/ipv4/route/flush',
  '/proc/sys/net/ipv6/route/flush',
];

beforeAll(() => {
  s = makeStore('notary.example.gov/bad-input');
  writeDocs(s.dir, { 'good.txt': 'good\n', 'adir/inner.txt': 'x' });
  expect(s.run(['stamp', 'good.txt']).code).toBe(0);
  receipt = fs.readFileSync(path.join(s.dir, 'good.txt.notar.json'), 'utf8');
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
});

/** Runs `run`, expecting one error line with `code` and no change anywhere under `dir`. */
function expectRefused(run: () => RunResult, code: number, message: string | RegExp, dir = s.dir): RunResult {
  const before = snapshot(dir);
  const r = run();
  expectOneError(r, code, message);
  expect(snapshot(dir), 'nothing may be written').toEqual(before);
  return r;
}

describe('documents that cannot be stamped', () => {
  it('a missing file', () => {
    expectRefused(() => s.run(['stamp', 'nope.txt']), 2, 'cannot read nope.txt: no such file');
  });

  it('one missing file among good ones: nothing at all is stamped', () => {
    expectRefused(() => s.run(['stamp', 'good.txt', '--force', 'nope.txt']), 2, 'cannot read nope.txt: no such file');
  });

  it('a directory', () => {
    expectRefused(() => s.run(['stamp', 'adir']), 2, 'cannot read adir: is a directory, not a file');
  });

  it('an unreadable file (permissions enforced even for root: it runs notar as uid 65534)', () => {
    const who = permissionBoundUser([s.dir]);
    if (!who) {
      // Root, and uid 65534 cannot reach this checkout: a write-only sysctl file, whose
      // mode the kernel enforces even for root (open gives EACCES as for a chmod 000 file).
      const writeOnly = WRITE_ONLY_FILES.find((f) => fs.existsSync(f));
      expect(writeOnly, `none of ${WRITE_ONLY_FILES.join(', ')} exists`).toBeDefined();
      expectRefused(() => s.run(['stamp', writeOnly!]), 2, `cannot read ${writeOnly}: permission denied`);
      return;
    }
    const file = path.join(s.dir, 'secret.txt');
    fs.writeFileSync(file, 'secret\n');
    fs.chmodSync(file, 0o000);
    try {
      expectRefused(
        () => notarAs(who, ['stamp', 'secret.txt'], { cwd: s.dir, env: s.env }),
        2,
        'cannot read secret.txt: permission denied',
      );
    } finally {
      fs.rmSync(file);
    }
  });

  it('/dev/null (a character device)', () => {
    expectRefused(() => s.run(['stamp', '/dev/null']), 2, 'cannot read /dev/null: not a regular file');
  });

  it('a FIFO: refused at once, never hangs', () => {
    const fifo = path.join(s.dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    try {
      const r = expectRefused(
        () => s.run(['stamp', 'pipe'], { timeout: 20_000 }),
        2,
        'cannot read pipe: not a regular file',
      );
      expect(r.stderr).toContain('hint:');
    } finally {
      fs.rmSync(fifo);
    }
  });

  it('a path that is too long', () => {
    expectRefused(() => s.run(['stamp', 'a'.repeat(5000)]), 2, 'file name too long');
  });

  it('a list file that does not exist', () => {
    expectRefused(() => s.run(['stamp', '--files-from', 'no-list']), 2, 'cannot read no-list: no such file');
  });

  it('--digests with a line that is not a digest', () => {
    expectRefused(
      () => s.run(['stamp', '--digests'], { input: `${'ab'.repeat(32)}  ok.pdf\nnot a digest\n` }),
      2,
      'standard input line 2',
    );
  });

  it('a directory where the receipt would go: refused before sealing', () => {
    writeDocs(s.dir, { 'blocked.txt': 'blocked\n' });
    fs.mkdirSync(path.join(s.dir, 'blocked.txt.notar.json'));
    try {
      expectRefused(() => s.run(['stamp', 'blocked.txt']), 2, 'blocked.txt.notar.json is in the way of the receipt');
      expectRefused(
        () => s.run(['stamp', '--force', 'blocked.txt']),
        2,
        'blocked.txt.notar.json is in the way of the receipt',
      );
    } finally {
      fs.rmSync(path.join(s.dir, 'blocked.txt'));
      fs.rmdirSync(path.join(s.dir, 'blocked.txt.notar.json'));
    }
  });

  it('an existing file that is not a receipt is kept, and nothing is stamped', () => {
    writeDocs(s.dir, { 'kept.txt': 'kept\n', 'kept.txt.notar.json': 'my own notes, not a receipt' });
    try {
      const before = snapshot(s.dir);
      const r = s.run(['stamp', 'kept.txt']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        'notar: error: kept.txt.notar.json is not a receipt for the current kept.txt; nothing was stamped',
      );
      expect(r.stderr).toContain(
        'notar: hint: if the document changed, move the old receipt away to keep it, or use --force',
      );
      expect(snapshot(s.dir)).toEqual(before);
    } finally {
      fs.rmSync(path.join(s.dir, 'kept.txt'));
      fs.rmSync(path.join(s.dir, 'kept.txt.notar.json'));
    }
  });
});

describe('odd but valid documents', () => {
  it('an empty file is a document: it stamps, and its receipt verifies', () => {
    const d = tempDir();
    fs.writeFileSync(path.join(d, 'empty'), '');
    const r = notar(['stamp', 'empty'], { cwd: d, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(fs.readFileSync(path.join(d, 'empty.notar.json'), 'utf8'));
    expect(rec.document.sha256).toBe(crypto.createHash('sha256').update('').digest('hex'));
    expectReceiptVerifies(path.join(d, 'empty.notar.json'), path.join(d, 'empty'), s.vkey);
  });

  it('names with spaces, newlines and non-UTF-8 bytes (--files-from - -0): receipts beside them, byte for byte', () => {
    const d = Buffer.from(tempDir());
    const names = [
      Buffer.from('with space.txt'),
      Buffer.from('new\nline.txt'),
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74]),
      Buffer.from([0x62, 0x61, 0x64, 0xfe, 0x2e, 0x74]),
    ];
    const join = (n: Buffer) => Buffer.concat([d, Buffer.from('/'), n]);
    names.forEach((n, i) => fs.writeFileSync(join(n), `odd ${i}\n`));
    const list = Buffer.concat(names.flatMap((n) => [n, Buffer.from([0])]));
    const r = notar(['stamp', '--files-from', '-', '-0'], { cwd: d.toString(), env: s.env, input: list });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^stamped 4 documents in block \d+ /);
    for (const n of names) expectReceiptVerifies(Buffer.concat([join(n), Buffer.from('.notar.json')]), join(n), s.vkey);
    expect(fs.readdirSync(d, { encoding: 'buffer' })).toHaveLength(8);
  });

  it('a 1 GiB (sparse) file stamps with flat memory: peak RSS under 100 MiB', () => {
    const d = tempDir();
    const big = path.join(d, 'big.bin');
    expect(spawnSync('truncate', ['-s', '1G', big]).status).toBe(0);
    try {
      const peakKiB = peakRssKiB([process.execPath, BIN, 'stamp', 'big.bin'], { cwd: d, env: s.env });
      console.log(`1 GiB stamp: peak RSS ${(peakKiB / 1024).toFixed(1)} MiB`);
      expect(peakKiB).toBeLessThan(100 * 1024);
      const rec = JSON.parse(fs.readFileSync(path.join(d, 'big.bin.notar.json'), 'utf8'));
      expect(rec.document.sha256).toBe('49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14'); // sha256 of 1 GiB of zeros
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

/** Peak resident set of a child, from /usr/bin/time -v, else by polling /proc/<pid>/status VmHWM. */
function peakRssKiB(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): number {
  if (fs.existsSync('/usr/bin/time')) {
    const r = spawnSync('/usr/bin/time', ['-v', ...argv], { ...opts, input: '', timeout: 120_000 });
    const stderr = r.stderr.toString();
    expect(r.status, stderr).toBe(0);
    return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)![1]);
  }
  const script = `const c=require('child_process').spawn(${JSON.stringify(argv[0])},${JSON.stringify(argv.slice(1))},{stdio:'ignore'});let m=0;const t=setInterval(()=>{try{m=Math.max(m,+/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/'+c.pid+'/status','utf8'))[1])}catch{}},5);c.on('exit',(code)=>{clearInterval(t);console.log(code+' '+m)})`;
  const r = spawnSync(process.execPath, ['-e', script], { ...opts, timeout: 120_000 });
  const [code, peak] = r.stdout.toString().trim().split(' ').map(Number);
  expect(code).toBe(0);
  return peak;
}

describe('receipts that are not receipts (notar verify)', () => {
  const real = () => JSON.parse(receipt);
  const cases: [string, () => string | Buffer][] = [
    ['not JSON', () => 'this is not a receipt\n'],
    ['empty', () => ''],
    ['truncated', () => receipt.slice(0, Math.floor(receipt.length / 2))],
    ['an array', () => '[1,2,3]'],
    ['a string', () => JSON.stringify(receipt)],
    ['a number', () => '42'],
    ['null', () => 'null'],
    ['wrong type for leaf.index', () => JSON.stringify({ ...real(), leaf: { ...real().leaf, index: '0' } })],
    ['leaf.index out of range (1e300)', () => JSON.stringify({ ...real(), leaf: { ...real().leaf, index: 1e300 } })],
    ['negative block.seq', () => JSON.stringify({ ...real(), block: { ...real().block, seq: -1 } })],
    ['fractional history.size', () => JSON.stringify({ ...real(), history: { ...real().history, size: 1.5 } })],
    ['block.size beyond 2^53', () => JSON.stringify({ ...real(), block: { ...real().block, size: 2 ** 60 } })],
    [
      'an overlong leaf.path',
      () => JSON.stringify({ ...real(), leaf: { ...real().leaf, path: Array(64).fill('00'.repeat(32)) } }),
    ],
    ['a path hash of the wrong length', () => JSON.stringify({ ...real(), leaf: { ...real().leaf, path: ['00'] } })],
    ['an unknown format', () => JSON.stringify({ ...real(), format: 'notar-receipt/9' })],
    ['megabytes of junk', () => crypto.randomBytes(5 << 20)],
    ['a deeply nested array', () => '['.repeat(100_000) + ']'.repeat(100_000)],
  ];
  it.each(cases)('%s: exit 2, one line naming the receipt', (_what, make) => {
    const file = path.join(s.dir, 'bad.notar.json');
    fs.writeFileSync(file, make());
    try {
      expectRefused(
        () => s.run(['verify', 'good.txt', '--receipt', 'bad.notar.json', '--key-file', 'office.vkey']),
        2,
        /bad\.notar\.json/,
      );
    } finally {
      fs.rmSync(file);
    }
  });
});

describe('keys that are not keys', () => {
  const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
  const ed = [1, ...Array(32).fill(7)];
  const cases: [string, string, RegExp][] = [
    ['garbage', 'not a key at all', /signer key must look like/],
    ['a verifier key instead of a signer key', 'example.org/x+01020304+' + b64(ed), /signer key must look like/],
    [
      'the wrong algorithm (type byte 2)',
      'PRIVATE+KEY+example.org/x+01020304+' + b64([2, ...Array(32).fill(7)]),
      /not an Ed25519 key/,
    ],
    ['a short key', 'PRIVATE+KEY+example.org/x+01020304+' + b64([1, 2, 3]), /33 bytes/],
    ['a wrong key ID', 'PRIVATE+KEY+example.org/x+01020304+' + b64(ed), /key ID 01020304 does not match/],
  ];

  it.each(cases)('init --import %s: exit 2, no store created', (_what, key, message) => {
    const d = tempDir();
    fs.writeFileSync(path.join(d, 'k'), key + '\n');
    const env = { ...s.env, NOTAR_STORE: path.join(d, 'store') };
    expectRefused(
      () => notar(['init', '--name', 'example.org/x', '--import', 'k', '--no-passphrase'], { cwd: d, env }),
      2,
      message,
      d,
    );
  });

  it('key import of megabytes of junk: exit 2, key unchanged', () => {
    fs.writeFileSync(path.join(s.dir, 'junk.key'), crypto.randomBytes(3 << 20));
    try {
      expectRefused(() => s.run(['key', 'import', 'junk.key', '--force']), 2, 'junk.key');
    } finally {
      fs.rmSync(path.join(s.dir, 'junk.key'));
    }
  });

  it.each([
    ['garbage', 'garbage'],
    ['the wrong algorithm', 'notary.example.gov/bad-input+01020304+' + b64([2, ...Array(32).fill(7)])],
  ])('a trusted --key that is %s: exit 2 (verify and chain verify)', (_what, key) => {
    expectRefused(() => s.run(['verify', 'good.txt', '--key', key]), 2, '--key');
    expectRefused(() => s.run(['chain', 'verify', '--key', key]), 2, '--key');
  });

  it('a damaged key.json: exit 2 naming it, nothing written', () => {
    const keyFile = path.join(s.storeDir, 'key.json');
    const original = fs.readFileSync(keyFile);
    writeDocs(s.dir, { 'fresh.txt': 'fresh\n' });
    try {
      for (const text of ['not json', '{"format":"notar-key/1","kdf":"none","key":"garbage"}']) {
        fs.writeFileSync(keyFile, text);
        expectRefused(() => s.run(['stamp', 'fresh.txt']), 2, keyFile);
      }
    } finally {
      fs.writeFileSync(keyFile, original);
      fs.rmSync(path.join(s.dir, 'fresh.txt'));
    }
  });

  it('a damaged key.pub stops stamping before anything is sealed (the key is checked against it: issue 10, item 4)', () => {
    const pub = path.join(s.storeDir, 'key.pub');
    const original = fs.readFileSync(pub);
    const chain = fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'));
    writeDocs(s.dir, { 'pub.txt': 'pub\n' });
    fs.writeFileSync(pub, 'junk\n');
    try {
      const r = s.run(['stamp', 'pub.txt']);
      expectOneError(r, 2, `${pub}: verifier key must look like`);
      expect(r.stderr).toContain('notar: hint: nothing was stamped: the signing key is checked against key.pub first');
      expect(fs.existsSync(path.join(s.dir, 'pub.txt.notar.json'))).toBe(false);
      expect(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl')).equals(chain)).toBe(true);
    } finally {
      fs.writeFileSync(pub, original);
      fs.rmSync(path.join(s.dir, 'pub.txt'));
    }
  });
});

describe('passphrases', () => {
  let enc: TestStore;
  beforeAll(() => {
    const pass = path.join(tempDir(), 'pass');
    fs.writeFileSync(pass, 'correct horse battery\n');
    enc = makeStore('notary.example.gov/encrypted', ['--passphrase-file', pass]);
  }, 60_000);

  const encryptedStore = (): TestStore => enc;

  it('a wrong passphrase: exit 2, nothing written', () => {
    const e = encryptedStore();
    writeDocs(e.dir, { 'doc.txt': 'doc\n' });
    expectRefused(
      () => e.run(['stamp', 'doc.txt'], { env: { NOTAR_PASSPHRASE: 'wrong passphrase' } }),
      2,
      'wrong passphrase',
      e.dir,
    );
  });

  it('no passphrase and no terminal: exit 2 with what to do, no prompt, nothing written', () => {
    const e = encryptedStore();
    writeDocs(e.dir, { 'doc.txt': 'doc\n' });
    const r = expectRefused(
      () => e.run(['stamp', 'doc.txt'], { env: { NOTAR_PASSPHRASE: '' } }),
      2,
      'no passphrase was given',
      e.dir,
    );
    expect(r.stderr).toContain('NOTAR_PASSPHRASE');
  });

  it('an empty --passphrase-file: exit 2', () => {
    const e = encryptedStore();
    writeDocs(e.dir, { 'doc.txt': 'doc\n', pass: '\n' });
    expectRefused(() => e.run(['stamp', 'doc.txt', '--passphrase-file', 'pass']), 2, 'the first line is empty', e.dir);
  });
});

describe('stores that cannot be used', () => {
  it('a store that does not exist', () => {
    const d = tempDir();
    writeDocs(d, { 'doc.txt': 'doc\n' });
    for (const args of [
      ['stamp', 'doc.txt'],
      ['chain', 'verify'],
    ]) {
      expectRefused(
        () => notar(args, { cwd: d, env: { ...s.env, NOTAR_STORE: path.join(d, 'nowhere') } }),
        2,
        `no notar store at ${path.join(d, 'nowhere')}`,
        d,
      );
    }
  });

  it('a store path under a regular file (ENOTDIR)', () => {
    const d = tempDir();
    writeDocs(d, { 'doc.txt': 'doc\n' });
    expectRefused(
      () => notar(['stamp', 'doc.txt'], { cwd: d, env: { ...s.env, NOTAR_STORE: path.join(d, 'doc.txt', 'store') } }),
      2,
      'no notar store at',
      d,
    );
    expectRefused(
      () =>
        notar(['init', '--name', 'x.org/y', '--no-passphrase'], {
          cwd: d,
          env: { ...s.env, NOTAR_STORE: path.join(d, 'doc.txt', 'store') },
        }),
      2,
      'a part of the path is not a directory',
      d,
    );
  });

  it('a read-only working directory: refused before sealing, so no block is left without receipts', () => {
    const w = makeStore('notary.example.gov/read-only-cwd');
    const work = path.join(w.dir, 'work');
    writeDocs(work, { 'doc.txt': 'doc\n' });
    let tried = 0;
    if (isRoot && canBindReadOnly(work)) {
      tried++;
      expectRefused(
        () => notarWithReadOnly(work, ['stamp', 'doc.txt'], { cwd: work, env: w.env }),
        2,
        `cannot write receipts in ${work}: read-only file system`,
        w.dir,
      );
    }
    const who = permissionBoundUser([w.dir]);
    if (who) {
      tried++;
      fs.chmodSync(work, 0o555);
      try {
        expectRefused(
          () => notarAs(who, ['stamp', 'doc.txt'], { cwd: work, env: w.env }),
          2,
          `cannot write receipts in ${work}: permission denied`,
          w.dir,
        );
      } finally {
        fs.chmodSync(work, 0o755);
      }
    }
    expect(tried, 'no way to make a directory read-only here').toBeGreaterThan(0);
  });

  it('a read-only store (read-only bind mount, and/or permissions enforced for root): exit 2, nothing written', () => {
    const ro = makeStore('notary.example.gov/read-only');
    writeDocs(ro.dir, { 'doc.txt': 'doc\n' });
    let tried = 0;
    if (isRoot && canBindReadOnly(ro.storeDir)) {
      tried++;
      expectRefused(
        () => notarWithReadOnly(ro.storeDir, ['stamp', 'doc.txt'], { cwd: ro.dir, env: ro.env }),
        2,
        'read-only file system',
        ro.dir,
      );
    }
    const who = permissionBoundUser([ro.dir]);
    if (who) {
      tried++;
      spawnSync('chmod', ['-R', 'a-w', ro.storeDir]);
      try {
        expectRefused(
          () => notarAs(who, ['stamp', 'doc.txt'], { cwd: ro.dir, env: ro.env }),
          2,
          'permission denied',
          ro.dir,
        );
      } finally {
        spawnSync('chmod', ['-R', 'u+w', ro.storeDir]);
      }
    }
    expect(tried, 'no way to make a store read-only here').toBeGreaterThan(0);
  });
});
