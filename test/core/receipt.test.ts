// Receipts (FORMAT.md §7): built with the core API over a history of several
// blocks; every leaf's receipt round-trips and verifies (FORMAT.md §8).
import { describe, expect, it } from 'vitest';
import { buildPackedBatch, documentLeafHash } from '../../src/core/batch.js';
import { NotarError } from '../../src/core/errors.js';
import { leafHash } from '../../src/core/merkle.js';
import { formatReceipt, parseReceipt, RECEIPT_FORMAT } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { nobleCrypto, type Crypto } from '../../src/core/crypto.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { buildHistory, countingCrypto, documentBytes, notary, receiptFor, sha256 } from './helpers.js';

const SIZES = [1, 2, 3, 7, 8, 9, 1000];
// ~1000 signature checks: built and checked with the CLI's node:crypto, passed explicitly.
const h = buildHistory(SIZES, notary(), nodeCrypto);
const trusted = [h.signer];

describe('receipts for every leaf of every batch verify', () => {
  it.each(SIZES.map((n, seq) => [n, seq]))('batch of %i (block %i), against the latest checkpoint', (n, seq) => {
    const failures: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = receiptFor(h, seq, i, { name: `doc-${i}.pdf`, key: h.signer.text });
      const text = formatReceipt(r);
      if (formatReceipt(parseReceipt(text)) !== text) failures.push(`${i}: no round trip`);
      const v = verifyReceipt(text, sha256(documentBytes(seq, i)), trusted, nodeCrypto);
      if (!v.ok) failures.push(`${i}: ${v.step} ${v.reason}`);
      else if (
        v.seq !== seq ||
        v.index !== i ||
        v.historySize !== SIZES.length ||
        v.origin !== h.signer.name ||
        v.time !== h.blocks[seq].time
      ) {
        failures.push(`${i}: wrong details`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('against every older checkpoint that already holds the block, too', () => {
    for (let seq = 0; seq < SIZES.length; seq++) {
      for (let size = seq + 1; size <= SIZES.length; size++) {
        for (const i of new Set([0, SIZES[seq] >> 1, SIZES[seq] - 1])) {
          const text = formatReceipt(receiptFor(h, seq, i, { historySize: size }));
          const v = verifyReceipt(text, sha256(documentBytes(seq, i)), trusted, nodeCrypto);
          expect(v.ok && v.historySize).toBe(size);
        }
      }
    }
  });

  it('a parsed Receipt object verifies like its text', () => {
    const r = receiptFor(h, 4, 5);
    expect(verifyReceipt(r, sha256(documentBytes(4, 5)), trusted).ok).toBe(true);
    // An object that would not survive the canonical parse is refused the same way.
    const broken = { ...r, leaf: { ...r.leaf, path: r.leaf.path.slice(1) } };
    expect(verifyReceipt(broken, sha256(documentBytes(4, 5)), trusted)).toMatchObject({ ok: false, step: 'format' });
  });

  it('verifies with pure noble too (the default: nothing passed)', () => {
    for (let seq = 0; seq < SIZES.length; seq++) {
      expect(verifyReceipt(formatReceipt(receiptFor(h, seq, 0)), sha256(documentBytes(seq, 0)), trusted).ok).toBe(true);
    }
  });
});

describe('node:crypto and noble, each passed explicitly, give the same bytes', () => {
  const sizes = [1, 2, 3, 7, 8, 9, 33];
  const noble = countingCrypto(nobleCrypto);
  const node = countingCrypto(nodeCrypto);
  const a = buildHistory(sizes, notary(0x07), noble.crypto);
  const b = buildHistory(sizes, notary(0x07), node.crypto);

  it('the same batch trees, blocks, history tree and signed checkpoints', () => {
    const hex = (x: Uint8Array) => Buffer.from(x).toString('hex');
    expect(b.batches.map((x) => hex(x.root))).toEqual(a.batches.map((x) => hex(x.root)));
    expect(b.blocks).toEqual(a.blocks);
    expect(hex(b.tree.root())).toBe(hex(a.tree.root()));
    expect(hex(b.tree.rootAt(5))).toBe(hex(a.tree.rootAt(5)));
    // Ed25519 signatures are deterministic (RFC 8032): byte-identical checkpoints.
    expect(b.checkpoints).toEqual(a.checkpoints);
    // Both implementations really ran (each its own: the counters are separate).
    for (const calls of [noble.calls, node.calls]) {
      expect(calls.sha256Into).toBeGreaterThan(sizes.reduce((x, y) => x + y, 0));
      expect(calls.sha256).toBeGreaterThan(0);
      expect(calls.sign).toBe(sizes.length);
    }
  });

  it('the same receipts, and each implementation verifies every one of them', () => {
    for (let seq = 0; seq < sizes.length; seq++) {
      for (const i of new Set([0, sizes[seq] >> 1, sizes[seq] - 1])) {
        const text = formatReceipt(receiptFor(b, seq, i));
        expect(text).toBe(formatReceipt(receiptFor(a, seq, i)));
        const d = sha256(documentBytes(seq, i));
        expect(verifyReceipt(text, d, [a.signer], noble.crypto).ok).toBe(true);
        expect(verifyReceipt(text, d, [b.signer], node.crypto).ok).toBe(true);
      }
    }
    expect(noble.calls.verify).toBeGreaterThan(0);
    expect(node.calls.verify).toBeGreaterThan(0);
  });

  it('the Crypto passed is the one used: a broken one changes the verdict', () => {
    const text = formatReceipt(receiptFor(a, 3, 1));
    const d = sha256(documentBytes(3, 1));
    const zeroHash: Crypto = {
      ...nodeCrypto,
      sha256: { ...nodeCrypto.sha256, sha256: () => new Uint8Array(32), sha256Into: () => undefined },
    };
    expect(verifyReceipt(text, d, [a.signer], nodeCrypto).ok).toBe(true);
    expect(verifyReceipt(text, d, [a.signer], zeroHash)).toMatchObject({ ok: false, step: 'batch' });
  });
});

describe('what notar writes, and what it reads (FORMAT.md §7, §11)', () => {
  const r = receiptFor(h, 2, 1, { name: 'deed.pdf', key: h.signer.text });
  const text = formatReceipt(r);

  it('writes 2-space JSON in the FORMAT.md field order, one final newline', () => {
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2) + '\n');
    const o = JSON.parse(text);
    expect(Object.keys(o)).toEqual(['format', 'document', 'leaf', 'block', 'history', 'checkpoint', 'key']);
    expect(o.format).toBe(RECEIPT_FORMAT);
    expect(Object.keys(o.leaf)).toEqual(['salt', 'index', 'path']);
    expect(Object.keys(o.block)).toEqual(['seq', 'time', 'size', 'root', 'prev']);
    expect(o.leaf.path.length).toBe(2); // leaf 1 of 3
    expect(o.history.path.length).toBe(3); // block 2 of 7
  });

  it('leaf hash is SHA-256(0x00 || salt || d), as FORMAT.md §2 says', () => {
    const salt = Buffer.from(r.leaf.salt, 'hex');
    const d = Buffer.from(r.document.sha256, 'hex');
    const want = sha256(Buffer.concat([Buffer.of(0), salt, d]));
    expect(Buffer.from(documentLeafHash(salt, d)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
    expect(Buffer.from(h.batches[2].tree.leaf(1)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
  });

  it('name and key are optional', () => {
    const bare = formatReceipt(receiptFor(h, 0, 0));
    expect(Object.keys(JSON.parse(bare))).toEqual(['format', 'document', 'leaf', 'block', 'history', 'checkpoint']);
    expect(Object.keys(JSON.parse(bare).document)).toEqual(['sha256']);
    expect(parseReceipt(bare).document.name).toBeUndefined();
  });

  const o = () => JSON.parse(text);
  const enc = (x: unknown) => JSON.stringify(x, null, 2) + '\n';
  const escapeAll = (t: string) =>
    t.replace(/"(?:[^"\\]|\\.)*"/g, (lit) => {
      const v: string = JSON.parse(lit);
      return (
        '"' +
        [...v]
          .map((c) => (c.length === 2 ? c : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')))
          .join('')
          .replace(
            /[\ud800-\udfff]{2}/g,
            (p) => '\\u' + p.charCodeAt(0).toString(16) + '\\u' + p.charCodeAt(1).toString(16),
          ) +
        '"'
      );
    });
  const respelled: [string, string][] = [
    ['compact JSON, no final newline (Python json.dumps with separators)', JSON.stringify(o())],
    ['compact JSON with a final newline', JSON.stringify(o()) + '\n'],
    ['CRLF line ends', text.replace(/\n/g, '\r\n')],
    ['tabs and extra blank lines', JSON.stringify(o(), null, '\t').replace(/,\n/g, ' ,\n\n')],
    ['a UTF-8 byte order mark (RFC 8259 §8.1)', '\ufeff' + text],
    [
      'members reordered at every level',
      enc({
        key: o().key,
        checkpoint: o().checkpoint,
        history: { path: o().history.path, size: o().history.size },
        block: {
          prev: o().block.prev,
          root: o().block.root,
          size: o().block.size,
          time: o().block.time,
          seq: o().block.seq,
        },
        leaf: { path: o().leaf.path, index: o().leaf.index, salt: o().leaf.salt },
        document: { name: o().document.name, sha256: o().document.sha256 },
        format: o().format,
      }),
    ],
    ['every character \\u-escaped', escapeAll(text)],
    ['the em dash unescaped vs escaped, slashes as \\/', text.replace(/\//g, '\\/')],
    [
      'numbers in exponent and fraction form',
      text.replace('"index": 1,', '"index": 1.0e0,').replace('"seq": 2,', '"seq": 0.2E1,'),
    ],
  ];
  it.each(respelled)('reads %s as the same receipt, and it verifies', (_what, t) => {
    expect(t).not.toBe(text);
    expect(parseReceipt(t)).toEqual(parseReceipt(text));
    expect(verifyReceipt(t, sha256(documentBytes(2, 1)), trusted).ok).toBe(true);
  });

  const bad: [string, string][] = [
    ['an unknown top-level field', enc({ ...o(), extra: 1 })],
    ['an unknown document field', enc({ ...o(), document: { ...o().document, size: 3 } })],
    ['another format', enc({ ...o(), format: 'notar-receipt/2' })],
    ['uppercase digest', enc({ ...o(), document: { ...o().document, sha256: r.document.sha256.toUpperCase() } })],
    ['index as a string', enc({ ...o(), leaf: { ...o().leaf, index: '1' } })],
    ['index as a fraction', text.replace('"index": 1,', '"index": 1.5,')],
    ['index beyond the batch', enc({ ...o(), leaf: { ...o().leaf, index: 3 } })],
    ['a path hash missing', enc({ ...o(), leaf: { ...o().leaf, path: o().leaf.path.slice(1) } })],
    ['a path hash too many', enc({ ...o(), history: { ...o().history, path: [...o().history.path, r.leaf.salt] } })],
    ['history size not above seq', enc({ ...o(), history: { size: 2, path: [] } })],
    ['a key hint that is not a key', enc({ ...o(), key: 'notary.example.gov/test' })],
    ['a key hint with a wrong key ID', enc({ ...o(), key: h.signer.text.replace(h.signer.keyId, '00000000') })],
    ['a checkpoint that is not a string', enc({ ...o(), checkpoint: { text: r.checkpoint } })],
    ['a time that does not exist', enc({ ...o(), block: { ...o().block, time: '2026-02-29T00:00:00Z' } })],
    ['too large', text.replace('"deed.pdf"', JSON.stringify('x'.repeat(300 * 1024)))],
    ['two byte order marks', '\ufeff\ufeff' + text],
    ['a trailing comma', text.replace(/\n}\n$/, ',\n}\n')],
    ['a comment', '// receipt\n' + text],
    ['single quotes', text.replace('"format"', "'format'")],
    ['a raw control character in a string', text.replace('deed.pdf', 'deed\u0001.pdf')],
    ['a lone surrogate escape', text.replace('deed.pdf', 'deed\\ud800.pdf')],
    ['an invalid escape', text.replace('deed.pdf', 'deed\\x41.pdf')],
    ['a number with a leading zero', text.replace('"index": 1,', '"index": 01,')],
    ['text after the value', text + '{}'],
    ['two values', text + text],
    ['an empty text', ''],
    ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)],
  ];
  it.each(bad)('rejects %s with a FORMAT error, never a SyntaxError', (_what, t) => {
    expect(t).not.toBe(text);
    expect(() => parseReceipt(t)).toThrow(NotarError);
    try {
      parseReceipt(t);
    } catch (e) {
      expect((e as NotarError).code).toBe('FORMAT');
    }
  });

  // RFC 7493 §2.3: JSON.parse would keep the last of two equal names silently.
  const dup = (path: string, member: string, value: string) => {
    const at = path === '' ? text.indexOf('{') + 1 : text.indexOf(`"${path}": {`) + path.length + 5;
    return text.slice(0, at) + `\n  "${member}": ${value},` + text.slice(at);
  };
  const dups: [string, string, string][] = [
    ['top level', dup('', 'format', '"notar-receipt/1"'), '"format" twice'],
    ['top level, the checkpoint', dup('', 'checkpoint', JSON.stringify(r.checkpoint)), '"checkpoint" twice'],
    ['document', dup('document', 'sha256', JSON.stringify('0'.repeat(64))), '"sha256" twice in document'],
    ['leaf', dup('leaf', 'index', '0'), '"index" twice in leaf'],
    ['block', dup('block', 'seq', '2'), '"seq" twice in block'],
    ['history', dup('history', 'size', '7'), '"size" twice in history'],
    ['top level, spelled differently', dup('', 'f\\u006frmat', '"notar-receipt/1"'), '"format" twice'],
  ];
  it.each(dups)('rejects a duplicate member name (%s) with a clear message', (_where, t, words) => {
    expect(JSON.parse(t)).toBeTruthy(); // JSON.parse alone would take it
    expect(() => parseReceipt(t)).toThrow(NotarError);
    expect(() => parseReceipt(t)).toThrow(words);
    expect(() => parseReceipt(t)).toThrow('duplicate');
    const v = verifyReceipt(t, sha256(documentBytes(2, 1)), trusted);
    expect(v.ok ? 'ok' : v.step).toBe('format');
  });
});

describe('batches', () => {
  it('buildPackedBatch and buildBatch agree, and the root is the RFC 6962 head of the salted leaves', () => {
    const digests = Array.from({ length: 5 }, (_, i) => sha256(`d${i}`));
    const salts = Array.from({ length: 5 }, (_, i) => sha256(`s${i}`));
    const packed = buildPackedBatch(new Uint8Array(Buffer.concat(digests)), new Uint8Array(Buffer.concat(salts)));
    const leaves = digests.map((d, i) => leafHash(new Uint8Array(Buffer.concat([salts[i], d]))));
    const node = (a: Uint8Array, b: Uint8Array) => sha256(Buffer.concat([Buffer.of(1), a, b]));
    const want = node(node(node(leaves[0], leaves[1]), node(leaves[2], leaves[3])), leaves[4]);
    expect(Buffer.from(packed.root).toString('hex')).toBe(Buffer.from(want).toString('hex'));
    expect(packed.count).toBe(5);
  });

  it('fresh salts are random and 32 bytes each', () => {
    const d = [sha256('same'), sha256('same')];
    const a = buildPackedBatch(new Uint8Array(Buffer.concat(d)));
    expect(a.salts.length).toBe(64);
    expect(Buffer.from(a.salts.subarray(0, 32)).equals(Buffer.from(a.salts.subarray(32)))).toBe(false);
  });

  it('refuses an empty batch and mismatched salts', () => {
    expect(() => buildPackedBatch(new Uint8Array(0))).toThrow(NotarError);
    expect(() => buildPackedBatch(new Uint8Array(33))).toThrow(NotarError);
    expect(() => buildPackedBatch(new Uint8Array(64), new Uint8Array(32))).toThrow(NotarError);
  });
});
