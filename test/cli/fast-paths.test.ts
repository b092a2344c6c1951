// The speed paths of issue 5 give exactly the results of the plain code they
// replace: digest-line parsing, in-place hashing, receipt text, leaves pieces.
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildPackedBatch } from '../../src/core/batch.js';
import { toHex } from '../../src/core/bytes.js';
import { formatReceipt, type Receipt } from '../../src/core/receipt.js';
import { NotarError } from '../../src/core/errors.js';
import { nobleCrypto, type Crypto } from '../../src/core/crypto.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { decodeLeaves, encodeLeaves, leavesPieces } from '../../src/store/leaves.js';
import { ReceiptBuilder } from '../../src/store/store.js';
import { batchReceiptText } from '../../src/cli/output/receipt-text.js';
import type { ByteSink } from '../../src/cli/output/byte-sink.js';
import { parseDigestLines, parseFileList } from '../../src/cli/inputs.js';
import { docBatch, newStore } from '../store/fixtures.js';
import { expectOk } from './expect-cli.js';
import { makeStore, writeDocs } from './helpers.js';

/** Deterministic bytes (no Math.random: a failure must reproduce). */
function bytes(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  for (let off = 0, i = 0; off < n; off += 32, i++)
    out.set(
      crypto
        .createHash('sha256')
        .update(`${seed}/${i}`)
        .digest()
        .subarray(0, Math.min(32, n - off)),
      off,
    );
  return out;
}

/** The line parser as it was before the byte-level fast path (the oracle). */
function oracleParse(data: Buffer): { digests: Uint8Array; names: (string | undefined)[] } {
  const SUM_LINE = /^(\\?)([0-9a-fA-F]{64})(?:(?: [ *])(.*))?$/;
  const unescape = (name: string) =>
    name.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
  const lines = data.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const digests = new Uint8Array(lines.length * 32);
  const names: (string | undefined)[] = [];
  let n = 0;
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const m = SUM_LINE.exec(line);
    if (!m) throw new NotarError('FORMAT', `standard input line ${i + 1}: not a SHA-256 digest or sha256sum line`);
    digests.set(Buffer.from(m[2], 'hex'), n * 32);
    names.push(m[3] === undefined ? undefined : m[1] ? unescape(m[3]) : m[3]);
    n++;
  });
  return { digests: digests.subarray(0, n * 32), names };
}

function outcome(f: () => { digests: Uint8Array; names: (string | undefined)[] }): unknown {
  try {
    const r = f();
    return { digests: toHex(r.digests), names: r.names };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const HEX = toHex(bytes(32, 'h'));
const LINES = [
  HEX,
  HEX.toUpperCase(),
  `${HEX}\r`,
  `${HEX}  deed 1.pdf`,
  `${HEX} *binary.bin`,
  `\\${HEX}  a\\\\b\\nc`,
  '',
  '   \t',
  '\r',
  `${HEX.slice(0, 63)}g`,
  `${HEX.slice(0, 63)}\u00e9`,
  `${HEX}x`,
  ` ${HEX}`,
  `${HEX}  n\u00e4me \u2014 \u{1f600}`,
  `${HEX}  `,
  `${HEX} `,
  'x'.repeat(64),
  ' '.repeat(64),
];

describe('digest lines: the byte-level parser equals the line-by-line one', () => {
  it('on every pair of line kinds, with and without a final newline', () => {
    for (const a of LINES) {
      for (const b of LINES) {
        for (const text of [`${a}\n${b}\n`, `${a}\n${b}`, `${a}\r\n${b}\r\n`]) {
          const data = Buffer.from(text, 'utf8');
          expect(
            outcome(() => parseDigestLines(data)),
            JSON.stringify(text),
          ).toEqual(outcome(() => oracleParse(data)));
        }
      }
    }
  });

  it('on invalid UTF-8 in a name and on empty input', () => {
    for (const data of [
      Buffer.concat([Buffer.from(`${HEX}  a`), Buffer.from([0xe2, 0x82, 0x0a, 0xff, 0x0a])]),
      Buffer.alloc(0),
      Buffer.from('\n\n'),
    ]) {
      expect(outcome(() => parseDigestLines(data))).toEqual(outcome(() => oracleParse(data)));
    }
  });

  it('reads stdin in pieces: lines across 1 MiB boundaries parse the same', () => {
    const s = makeStore();
    const lines: string[] = [];
    for (let i = 0, length = 0; length < 1.25 * (1 << 20); i++) {
      const hex = toHex(bytes(32, `line${i}`));
      lines.push(i % 7 === 3 ? `${hex}  doc-${i}-${'n'.repeat(i % 97)}.txt` : i % 11 === 5 ? `${hex}\r` : hex);
      length += lines[i].length + 1;
    }
    const input = Buffer.from(lines.join('\n') + '\n');
    const r = s.run(['stamp', '--digests', '--json'], { input });
    expectOk(r);
    const got = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const want = oracleParse(input);
    expect(got.length).toBe(want.names.length);
    got.forEach((o, i) => {
      expect(o.sha256).toBe(toHex(want.digests.subarray(i * 32, i * 32 + 32)));
      expect(o.document).toBe(want.names[i] ?? o.sha256);
    });
  });
});

describe('file lists: an ASCII list split as one string equals the name-by-name split', () => {
  /** The split as it was before the ASCII fast path (the oracle). */
  function oracleList(data: Buffer, nul: boolean): { path: string | Buffer; display: string }[] {
    const out: { path: string | Buffer; display: string }[] = [];
    for (let start = 0; start < data.length;) {
      let end = data.indexOf(nul ? 0 : 0x0a, start);
      if (end < 0) end = data.length;
      const raw = data.subarray(start, end);
      start = end + 1;
      if (raw.length === 0) continue;
      const text = raw.toString('utf8');
      out.push({ path: Buffer.from(text, 'utf8').equals(raw) ? text : Buffer.from(raw), display: text });
    }
    return out;
  }

  it('with NUL and newline separators, empty names, no final separator, and non-ASCII lists', () => {
    const lists = [
      ['a.txt', '', 'dir/b c.pdf', '', '', 'x'],
      ['only'],
      ['', ''],
      ['a\nb', 'c\rd', '\u007f'],
      ['caf\u00e9.txt', 'plain.txt'],
    ];
    for (const nul of [true, false]) {
      const sep = nul ? '\0' : '\n';
      for (const names of lists) {
        for (const text of [names.join(sep) + sep, names.join(sep)]) {
          const data = Buffer.from(text, 'utf8');
          expect(parseFileList(data, nul), JSON.stringify(text)).toEqual(oracleList(data, nul));
        }
      }
      // Raw bytes that are not UTF-8 keep their bytes.
      const raw = Buffer.concat([Buffer.from('ok'), Buffer.from(sep), Buffer.from([0x66, 0xff, 0x2e])]);
      expect(parseFileList(raw, nul)).toEqual(oracleList(raw, nul));
    }
  });
});

describe('document digests at every read path', () => {
  it('hash and stamp agree with SHA-256 at chunk and read-ahead boundaries', () => {
    const s = makeStore();
    const MiB = 1 << 20;
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 4 * MiB - 1, 4 * MiB, 9 * MiB + 7];
    const names = sizes.map((n) => `f${n}.bin`);
    const docs = Object.fromEntries(names.map((name, i) => [name, Buffer.from(bytes(sizes[i], name))]));
    writeDocs(s.dir, docs);
    const want = names
      .map((name) => `${crypto.createHash('sha256').update(docs[name]).digest('hex')}  ${name}\n`)
      .join('');
    const hashed = s.run(['hash', ...names]);
    expectOk(hashed);
    expect(hashed.stdout).toBe(want);
    const stamped = s.run(['stamp', '--json', ...names]);
    expectOk(stamped);
    const got = stamped.stdout
      .trim()
      .split('\n')
      .map((l) => `${JSON.parse(l).sha256}  ${JSON.parse(l).document}\n`)
      .join('');
    expect(got).toBe(want);
  });
});

describe('in-place SHA-256 (node:crypto) builds the same trees as noble', () => {
  it('for batch sizes around powers of two', () => {
    const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 1000];
    const inputs = sizes.map((n) => ({ digests: bytes(32 * n, `d${n}`), salts: bytes(32 * n, `s${n}`) }));
    // Each implementation counts its in-place hashes: the comparison is between two that really ran.
    const calls = { noble: 0, node: 0 };
    const counted = (c: Crypto, which: keyof typeof calls): Crypto => ({
      ...c,
      sha256: { ...c.sha256, sha256Into: (d, out, at) => (calls[which]++, c.sha256.sha256Into(d, out, at)) },
    });
    const roots = (c: Crypto) => inputs.map((x) => toHex(buildPackedBatch(x.digests, x.salts, c).root));
    const noble = roots(counted(nobleCrypto, 'noble'));
    expect(roots(counted(nodeCrypto, 'node'))).toEqual(noble);
    expect(calls.noble).toBeGreaterThan(sizes.reduce((a, b) => a + b, 0));
    expect(calls.node).toBe(calls.noble);
    // The two really differ as code: node:crypto's one-shot hash, not noble's.
    expect(nodeCrypto.sha256.sha256Into).not.toBe(nobleCrypto.sha256.sha256Into);
  });
});

describe('receipts of a sealed batch', () => {
  it('forBatch builds what forBlock builds, and the fast text is formatReceipt / JSON.stringify', async () => {
    const { store, signer } = newStore();
    const names = [
      'a.txt',
      'quote " and \\ back',
      'line\nbreak',
      undefined,
      'ünï \u2014 \u{1f600}',
      '',
      'x'.repeat(300),
    ];
    for (const count of [1, 2, 3, 7]) {
      const docs = docBatch(Array.from({ length: count }, (_, i) => `doc ${count}/${i}`));
      const batchNames = names.slice(0, count);
      const sealed = await store.seal({ digests: docs.digests, names: batchNames }, signer);
      const builder = new ReceiptBuilder(sealed.state, signer.text);
      const fast = builder.forBatch(sealed.record.seq, sealed.batch, batchNames);
      const plain = builder.forBlock(sealed.record.seq, sealed.batch.tree, (i) => ({
        digest: sealed.batch.digests.subarray(i * 32, i * 32 + 32),
        salt: sealed.batch.salts.subarray(i * 32, i * 32 + 32),
        name: batchNames[i],
      }));
      const text = batchReceiptText(fast(0));
      for (let i = 0; i < count; i++) {
        expect(fast(i)).toEqual(plain(i));
        expect(JSON.stringify(fast(i))).toBe(JSON.stringify(plain(i)));
        expect(text.pretty(fast(i))).toBe(formatReceipt(plain(i)));
        expect(text.compact(fast(i))).toBe(JSON.stringify(plain(i)));
      }
    }
  });
});

describe('receipt text written receipt after receipt (only the changed path entries rewritten)', () => {
  /** ByteSink's interface, collecting the bytes. */
  const collector = () => {
    const parts: Buffer[] = [];
    return {
      sink: {
        text: (t: string) => parts.push(Buffer.from(t, 'utf8')),
        bytes: (b: Uint8Array) => parts.push(Buffer.from(b)),
      },
      take: () => Buffer.concat(parts.splice(0)).toString('utf8'),
    };
  };

  it('is JSON.stringify of every receipt, in order, out of order and across batches of ragged size', async () => {
    const { store, signer } = newStore();
    for (const count of [1000, 1025, 2]) {
      const docs = docBatch(Array.from({ length: count }, (_, i) => `ragged ${count}/${i}`));
      const names = docs.names.map((n, i) => (i % 7 === 3 ? undefined : i % 5 === 1 ? `é ${n}` : n));
      const sealed = await store.seal({ digests: docs.digests, names }, signer);
      const receipt = new ReceiptBuilder(sealed.state, signer.text).forBatch(sealed.record.seq, sealed.batch, names);
      const text = batchReceiptText(receipt(0));
      const { sink, take } = collector();
      // In order (the stamp case), then jumping about: the path text must follow any order.
      const order = [...Array(count).keys(), count - 1, 0, count >> 1, 1, count - 2];
      for (const i of order) {
        const r = receipt(i);
        text.compactTo(r, sink as unknown as ByteSink, `{"i":${i},"receipt":`, '}\n');
        expect(take()).toBe(`{"i":${i},"receipt":${JSON.stringify(r)}}\n`);
      }
    }
  });

  it('takes paths that are not 64-hex entries whole (no fixed places)', () => {
    const { signer } = newStore();
    const block = { seq: 0, time: '2026-01-01T00:00:00Z', size: 4, root: '00'.repeat(32), prev: '00'.repeat(32) };
    // In a receipt's own member order, so that the fast text is the one in use.
    const make = (path: string[]): Receipt => ({
      format: 'notar-receipt/1',
      document: { sha256: 'ab'.repeat(32) },
      leaf: { salt: 'cd'.repeat(32), index: 1, path },
      block,
      history: { size: 1, path: [] },
      checkpoint: 'c',
      key: signer.text,
    });
    const first = make(['11'.repeat(32), '22'.repeat(32)]);
    const text = batchReceiptText(first);
    expect(text.compact(first)).toBe(JSON.stringify(first));
    const { sink, take } = collector();
    const h = (c: string) => c.repeat(64);
    for (const path of [[h('1'), h('2')], ['short', h('2')], [h('3'), 'x'], [h('4'), h('5')], [h('6'), h('5')], []]) {
      text.compactTo(make(path), sink as unknown as ByteSink);
      expect(take()).toBe(JSON.stringify(make(path)));
    }
  });
});

describe('leaves file pieces', () => {
  it('are the bytes of encodeLeaves, also when names cross a piece boundary', () => {
    const { signer } = newStore();
    for (const count of [1, 3, 16384, 16385, 40000]) {
      const batch = { count, digests: bytes(32 * count, `ld${count}`), salts: bytes(32 * count, `ls${count}`) };
      const names = Array.from({ length: count }, (_, i) => (i % 5 === 0 ? undefined : `n${i}-${'é'.repeat(i % 40)}`));
      const whole = encodeLeaves(9, batch, names, signer);
      // A piece is valid until the next is asked for (its buffer is reused): copy each.
      const pieces: Buffer[] = [];
      for (const piece of leavesPieces(9, batch, names, signer)) pieces.push(Buffer.from(piece));
      expect(Buffer.concat(pieces).equals(Buffer.from(whole))).toBe(true);
      const decoded = decodeLeaves(whole, 'test', signer);
      expect(decoded.count).toBe(count);
      expect(decoded.names).toEqual(names);
    }
  });
});
