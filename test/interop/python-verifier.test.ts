// Interoperability oracle: receipts made by the REAL notar binary are checked by
// examples/verify_receipt.py, an independent Python (standard library only)
// implementation of FORMAT.md §8, and by the TypeScript core (src/core/verify.ts).
// Both must give the same verdict on genuine and on tampered receipts.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../../src/core/note.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'examples/verify_receipt.py');
const SELFCHECK = path.join(__dirname, 'verifier_selfcheck.py');
const ORIGIN = 'notary.example.gov/interop';

interface PyResult {
  code: number;
  stdout: string;
  stderr: string;
}

function python(args: string[], input = ''): PyResult {
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' }; // no __pycache__ in examples/
  const r = spawnSync('python3', args, { input, encoding: 'utf8', timeout: 60_000, env });
  if (r.error) {
    throw new Error(`python3 could not be run (${r.error.message}): the interop tests need Python 3.11+ on PATH`);
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function pyVerify(doc: string, receipt: string, keys: string[]): PyResult {
  return python([SCRIPT, doc, receipt, ...keys.flatMap((k) => ['--key', k])]);
}

/** The TypeScript core's verdict on the same inputs. */
function tsVerify(doc: string, receipt: string, keys: string[]) {
  const digest = new Uint8Array(crypto.createHash('sha256').update(fs.readFileSync(doc)).digest());
  return verifyReceipt(fs.readFileSync(receipt, 'utf8'), digest, keys.map(parseVerifierKey));
}

interface Stamped {
  doc: string;
  receipt: string;
  seq: number;
  batchSize: number;
}

let store: TestStore;
let stamped: Stamped[] = [];

/** Stamps one batch of `n` fresh documents with the real binary. */
function stampBatch(seq: number, n: number): Stamped[] {
  const docs: Record<string, string> = {};
  for (let i = 0; i < n; i++) docs[`b${seq}/doc-${i}.txt`] = `batch ${seq} document ${i}\n`;
  const files = writeDocs(store.dir, docs);
  const r = store.run(['stamp', ...files]);
  if (r.code !== 0) throw new Error(`notar stamp failed (${r.code}): ${r.stderr}`);
  return files.map((doc) => ({ doc, receipt: `${doc}.notar.json`, seq, batchSize: n }));
}

const BATCH_SIZES = [1, 7, 100, 2, 5];

beforeAll(() => {
  store = makeStore(ORIGIN);
  stamped = BATCH_SIZES.flatMap((n, seq) => stampBatch(seq, n));
});

/** All receipts of the small batches and a dozen spread over the big one. */
function sample(): Stamped[] {
  const big = stamped.filter((s) => s.batchSize === 100);
  const picks = [0, 1, 2, 31, 32, 50, 63, 64, 65, 96, 98, 99].map((i) => big[i]);
  return [...stamped.filter((s) => s.batchSize !== 100), ...picks];
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Writes a modified copy of a receipt; returns its path. */
function tampered(s: Stamped, name: string, edit: (r: any) => void): string {
  const r = readJson(s.receipt);
  edit(r);
  const out = path.join(tempDir('notar-interop-'), `${name}.notar.json`);
  fs.writeFileSync(out, JSON.stringify(r, null, 2) + '\n');
  return out;
}

function flipHex(h: string, at = 0): string {
  const c = h[at] === '0' ? '1' : '0';
  return h.slice(0, at) + c + h.slice(at + 1);
}

/** Changes one byte of the Ed25519 signature (after the 4-byte key ID) in the checkpoint. */
function corruptSignature(checkpoint: string): string {
  const lines = checkpoint.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`\u2014 ${ORIGIN} `));
  const [dash, name, b64] = lines[i].split(' ');
  const raw = Buffer.from(b64, 'base64');
  raw[4 + 20] ^= 0x40;
  lines[i] = [dash, name, raw.toString('base64')].join(' ');
  return lines.join('\n');
}

describe('python3 verifier (examples/verify_receipt.py)', () => {
  // Never skipped: without python3 every test here fails, this one saying why.
  it('runs on python3 3.11+ from PATH', () => {
    const v = python(['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    const [major, minor] = v.stdout.trim().split('.').map(Number);
    expect(major * 100 + minor, `python3 is ${v.stdout.trim()}; Python 3.11+ is required`).toBeGreaterThanOrEqual(311);
  });

  it('passes its self-check: RFC 8032 vectors and strict Ed25519 edge cases, the C2SP/Go note example, RFC 6962 inclusion vectors', () => {
    const r = python([SELFCHECK, 'selftest']);
    expect(r.stderr).toMatch(/Ran \d+ tests/);
    expect(r.code, r.stderr).toBe(0);
  });

  it('agrees with node:crypto (OpenSSL) Ed25519 on valid and corrupted signatures', () => {
    const cases = Array.from({ length: 24 }, (_, i) => {
      const seed = crypto.createHash('sha256').update(`seed ${i}`).digest();
      const key = crypto.createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
        format: 'der',
        type: 'pkcs8',
      });
      const pub = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
      const msg = crypto
        .createHash('sha512')
        .update(`message ${i}`)
        .digest()
        .subarray(0, i * 3);
      const sig = crypto.sign(null, msg, key);
      if (i % 3 === 1) sig[i % 64] ^= 1 << (i % 8);
      const verdict = crypto.verify(null, msg, crypto.createPublicKey(key), sig);
      return { pub: pub.toString('hex'), msg: msg.toString('hex'), sig: sig.toString('hex'), verdict };
    });
    const r = python([SELFCHECK, 'batch'], JSON.stringify(cases));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(cases.map((c) => c.verdict));
    expect(cases.filter((c) => c.verdict).length).toBe(16);
  });

  it('stamped batches of 1, 7, 100, 2 and 5 documents (history grows to 5 blocks)', () => {
    expect(stamped.length).toBe(115);
    const last = readJson(stamped[stamped.length - 1].receipt);
    expect(last.history.size).toBe(5);
    expect(last.history.path.length).toBeGreaterThan(0);
  });

  it('verifies every sampled receipt, with the right origin, time and block, like the TS core', () => {
    const samples = sample();
    expect(samples.length).toBe(15 + 12);
    for (const s of samples) {
      const rec = readJson(s.receipt);
      expect([rec.block.seq, rec.block.size, rec.history.size]).toEqual([s.seq, s.batchSize, s.seq + 1]);
      const py = pyVerify(s.doc, s.receipt, [store.vkey]);
      expect(py.code, `${s.receipt}: ${py.stdout}${py.stderr}`).toBe(0);
      expect(py.stdout).toBe(`OK: stamped by ${ORIGIN} at ${rec.block.time} (block ${s.seq})\n`);
      const ts = tsVerify(s.doc, s.receipt, [store.vkey]);
      expect(ts.ok).toBe(true);
      if (ts.ok) expect([ts.origin, ts.time, ts.seq]).toEqual([ORIGIN, rec.block.time, s.seq]);
    }
  });

  it('accepts the key from a --key-file (comments and blank lines ignored)', () => {
    const s = stamped[1];
    const keyFile = path.join(tempDir('notar-interop-'), 'keys.txt');
    fs.writeFileSync(keyFile, `# the notary\n\n  ${store.vkey}  \n`);
    const py = python([SCRIPT, s.doc, s.receipt, '--key-file', keyFile]);
    expect(py.code, py.stderr).toBe(0);
    expect(py.stdout).toMatch(/^OK: stamped by notary\.example\.gov\/interop at /);
  });
});

describe('python3 verifier rejects what the TS core rejects', () => {
  const seven = () => stamped.find((s) => s.batchSize === 7 && s.doc.endsWith('doc-4.txt'))!;
  const lastBlock = () => stamped.find((s) => s.seq === 4)!;

  /** Asserts exit 1 with FAILED: <step>, and that the TS core also says not ok. */
  function expectFailed(doc: string, receipt: string, keys: string[], step: string): void {
    const py = pyVerify(doc, receipt, keys);
    expect(py.code, `${py.stdout}${py.stderr}`).toBe(1);
    expect(py.stdout).toMatch(new RegExp(`^FAILED: ${step}: `));
    expect(tsVerify(doc, receipt, keys).ok).toBe(false);
  }

  it('an altered document', () => {
    const s = seven();
    const altered = path.join(tempDir('notar-interop-'), 'altered.txt');
    fs.writeFileSync(altered, fs.readFileSync(s.doc, 'utf8').replace('document', 'Document'));
    expectFailed(altered, s.receipt, [store.vkey], 'digest');
  });

  it('one leaf path hash changed', () => {
    const s = seven();
    const bad = tampered(s, 'leafpath', (r) => (r.leaf.path[1] = flipHex(r.leaf.path[1], 7)));
    expectFailed(s.doc, bad, [store.vkey], 'batch');
  });

  it('one history path hash changed', () => {
    const s = lastBlock();
    const bad = tampered(s, 'histpath', (r) => (r.history.path[0] = flipHex(r.history.path[0], 63)));
    expectFailed(s.doc, bad, [store.vkey], 'history');
  });

  it('a leaf path one hash too short or too long', () => {
    const s = seven();
    expectFailed(
      s.doc,
      tampered(s, 'short', (r) => r.leaf.path.pop()),
      [store.vkey],
      'batch',
    );
    expectFailed(
      s.doc,
      tampered(s, 'long', (r) => r.leaf.path.push(r.leaf.path[0])),
      [store.vkey],
      'batch',
    );
  });

  it('another salt, leaf index, block time or block size', () => {
    const s = seven();
    expectFailed(
      s.doc,
      tampered(s, 'salt', (r) => (r.leaf.salt = flipHex(r.leaf.salt))),
      [store.vkey],
      'batch',
    );
    expectFailed(
      s.doc,
      tampered(s, 'index', (r) => (r.leaf.index = 5)),
      [store.vkey],
      'batch',
    );
    const otherSecond = (t: string) => t.slice(0, 17) + (t.slice(17, 19) === '00' ? '01' : '00') + 'Z';
    expectFailed(
      s.doc,
      tampered(s, 'time', (r) => (r.block.time = otherSecond(r.block.time))),
      [store.vkey],
      'history',
    );
    // Size 5 -> 6: the last leaf (index 4) now needs a longer path; the first leaf's path
    // still leads to the same root, so only the block line (history step) gives it away.
    const five = stamped.filter((x) => x.batchSize === 5);
    expectFailed(
      five[4].doc,
      tampered(five[4], 'size4', (r) => (r.block.size = 6)),
      [store.vkey],
      'batch',
    );
    expectFailed(
      five[0].doc,
      tampered(five[0], 'size0', (r) => (r.block.size = 6)),
      [store.vkey],
      'history',
    );
  });

  it('a checkpoint whose signature has one byte changed', () => {
    const s = lastBlock();
    const bad = tampered(s, 'sig', (r) => (r.checkpoint = corruptSignature(r.checkpoint)));
    expectFailed(s.doc, bad, [store.vkey], 'signature');
  });

  it('an untrusted key: same origin name but another key, or another name', () => {
    const s = seven();
    const impostor = makeStore(ORIGIN);
    const other = makeStore('notary.example.org/other');
    expect(impostor.vkey).not.toBe(store.vkey);
    expectFailed(s.doc, s.receipt, [impostor.vkey], 'trust');
    expectFailed(s.doc, s.receipt, [other.vkey], 'trust');
    expectFailed(s.doc, s.receipt, [other.vkey, impostor.vkey], 'trust');
  });

  it('exits 2 (not 1) for malformed input, which the TS core also refuses', () => {
    const s = seven();
    const broken = tampered(s, 'broken', (r) => (r.leaf.path[0] = r.leaf.path[0].slice(2)));
    const py = pyVerify(s.doc, broken, [store.vkey]);
    expect([py.code, py.stderr]).toEqual([
      2,
      expect.stringMatching(/^ERROR: leaf\.path\[0\] must be 64 lowercase hex digits/),
    ]);
    expect(tsVerify(s.doc, broken, [store.vkey]).ok).toBe(false);
    expect(pyVerify(s.doc, path.join(store.dir, 'missing.notar.json'), [store.vkey]).code).toBe(2);
    expect(pyVerify(s.doc, s.receipt, ['not-a-key']).code).toBe(2);
    const noKey = python([SCRIPT, s.doc, s.receipt]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain(store.vkey); // the receipt's hint is shown, never trusted
  });
});

describe('the shell + openssl recipe in examples/README-verify.md', () => {
  const README = path.join(ROOT, 'examples/README-verify.md');

  /** The ```bash block after the marker comment, run as documented (DOC, RECEIPT, KEY). */
  function recipe(doc: string, receipt: string, key: string): PyResult {
    const text = fs.readFileSync(README, 'utf8');
    const m =
      /<!-- test\/interop\/python-verifier\.test\.ts runs the block below[^>]*-->\n```bash\n([\s\S]*?)\n```/.exec(text);
    if (!m) throw new Error('README-verify.md: the tested ```bash block is missing');
    const r = spawnSync('bash', ['-c', m[1]], {
      cwd: tempDir('notar-recipe-'),
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8', DOC: doc, RECEIPT: receipt, KEY: key },
    });
    if (r.error) throw new Error(`bash could not be run: ${r.error.message}`);
    for (const tool of ['python3', 'openssl', 'sha256sum', 'basenc', 'od']) {
      if (/command not found/.test(r.stderr) && r.stderr.includes(tool))
        throw new Error(`the recipe needs ${tool} on PATH`);
    }
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it('verifies receipts of the first, the big and the last block, as the Python verifier does', () => {
    for (const seq of [0, 2, BATCH_SIZES.length - 1]) {
      const inBlock = stamped.filter((s) => s.seq === seq);
      const s = inBlock[inBlock.length - 1];
      const r = recipe(s.doc, s.receipt, store.vkey);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('Signature Verified Successfully');
      expect(r.stdout).toContain(`4 signature ok: ${ORIGIN}`);
      expect(pyVerify(s.doc, s.receipt, [store.vkey]).code).toBe(0);
    }
  });

  it('stops at the right step for tampered input', () => {
    const s = stamped.find((x) => x.seq === 4 && x.doc.endsWith('doc-2.txt'))!;
    const altered = path.join(tempDir('notar-interop-'), 'altered.txt');
    fs.writeFileSync(altered, 'not the stamped text\n');
    const cases: [string, string, string, string][] = [
      [altered, s.receipt, store.vkey, '1 digest ok'],
      [s.doc, tampered(s, 'r-leaf', (r) => (r.leaf.path[0] = flipHex(r.leaf.path[0], 9))), store.vkey, '2 batch ok'],
      [
        s.doc,
        tampered(s, 'r-hist', (r) => (r.history.path[0] = flipHex(r.history.path[0], 9))),
        store.vkey,
        '3 history ok',
      ],
      [
        s.doc,
        tampered(s, 'r-sig', (r) => (r.checkpoint = corruptSignature(r.checkpoint))),
        store.vkey,
        '4 signature ok',
      ],
      [s.doc, s.receipt, makeStore(ORIGIN).vkey, '4 signature ok'],
    ];
    for (const [doc, receipt, key, neverPrinted] of cases) {
      const r = recipe(doc, receipt, key);
      expect(r.code, `${receipt}: ${r.stdout}`).not.toBe(0);
      expect(r.stdout).not.toContain(neverPrinted);
      expect(pyVerify(doc, receipt, [key]).code).toBe(1);
    }
  });
});
