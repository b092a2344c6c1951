// FORMAT.md §11 as fast-check properties: a receipt re-serialized in ANY JSON
// spelling (random whitespace incl. CRLF, member order, string escapes, number
// forms, optional BOM and final newline) reads as the same receipt and still
// verifies; any change of a value — in any spelling — fails at its step.
// The serializer below is the test's own, not notar's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { parseJson } from '../../src/core/json.js';
import { parseReceipt } from '../../src/core/receipt.js';
import { verifyReceipt as verifyWith, type VerifyStep } from '../../src/core/verify.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { buildHistory, documentBytes, notary, receiptFor, sha256 } from './helpers.js';

// Many verifications: with the CLI's node:crypto, passed explicitly (results are noble's, core/ed25519.ts).
const verifyReceipt: typeof verifyWith = (r, d, t, c = nodeCrypto) => verifyWith(r, d, t, c);

const SIZES = [3, 5, 2, 6];
const h = buildHistory(SIZES, notary(0x07, 'notary.example.org/b\u00fcrgeramt'));
const SEQ = 1;
const INDEX = 3;
const DIGEST = sha256(documentBytes(SEQ, INDEX));
const BASE = receiptFor(h, SEQ, INDEX, {
  name: 'Grundbuch \u2013 M\u00fcller \u6771\u4eac \u{1f4dc}.pdf',
  key: h.signer.text,
});
const TRUSTED = [h.signer];

// ---- a random JSON writer (RFC 8259 grammar, written out here) ----
type Choice = () => number; // uniform in [0, 1)
const WS = ['', ' ', '  ', '\t', '\n', '\r\n', '\n    ', ' \r\n\t'];
const SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function writeString(s: string, r: Choice): string {
  let out = '"';
  for (const ch of s) {
    // One code point at a time: an astral character is written raw or as a \u pair, never half and half.
    const units = ch.split('').map((u) => u.charCodeAt(0).toString(16).padStart(4, '0'));
    const escaped = units.map((u) => `\\u${u}`).join('');
    const c = ch.charCodeAt(0);
    const pick = r();
    if (ch === '"' || ch === '\\' || c < 0x20) out += pick < 0.5 && SHORT[ch] ? SHORT[ch] : escaped;
    else if (pick < 0.25) out += escaped;
    else if (pick < 0.35) out += escaped.toUpperCase().replace(/\\U/g, '\\u');
    else if (pick < 0.4 && SHORT[ch]) out += SHORT[ch];
    else out += ch;
  }
  return out + '"';
}

function writeNumber(n: number, r: Choice): string {
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 40) return JSON.stringify(n);
  const forms = [`${n}`, `${n}.0`, `${n}e0`, `${n}E+0`, `${n * 10}e-1`, `${n}.000`];
  return forms[Math.floor(r() * forms.length)];
}

function write(v: unknown, r: Choice): string {
  const ws = () => WS[Math.floor(r() * WS.length)];
  if (typeof v === 'string') return writeString(v, r);
  if (typeof v === 'number') return writeNumber(v, r);
  if (v === null || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => write(x, r) + ws()).join(`,${ws()}`)}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return `{${ws()}${entries.map(([k, x]) => `${writeString(k, r)}${ws()}:${ws()}${write(x, r)}${ws()}`).join(`,${ws()}`)}}`;
}

function respell(value: unknown, seed: number): string {
  let x = seed >>> 0 || 1;
  const r: Choice = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const bom = r() < 0.2 ? '\ufeff' : '';
  const text = bom + WS[Math.floor(r() * WS.length)] + write(value, r) + WS[Math.floor(r() * WS.length)];
  return text;
}

const plain = () => JSON.parse(JSON.stringify(BASE)) as Record<string, any>;

describe('re-spellings', () => {
  it('the writer is a real JSON writer: JSON.parse reads back the same value', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(JSON.parse(respell(BASE, seed).replace(/^\ufeff/, ''))).toEqual(plain());
      }),
      { numRuns: 100 },
    );
  });

  it('any spelling of the receipt reads as the same receipt and verifies', () => {
    const want = parseReceipt(JSON.stringify(BASE));
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const text = respell(BASE, seed);
        expect(parseReceipt(text)).toEqual(want);
        const v = verifyReceipt(text, DIGEST, TRUSTED);
        expect(v.ok ? 'ok' : `${v.step}: ${v.reason}`).toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('our parser agrees with JSON.parse on arbitrary JSON values without duplicate names', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer(), (value, seed) => {
        const text = JSON.stringify(value);
        expect(parseJson(text, 'x', 1 << 20)).toEqual(JSON.parse(text));
        // Numbers like -0 or 1e21 are written by JSON.stringify in forms the writer does not
        // re-form, so compare the respelled text's value with JSON.parse's, not with `value`.
        const spelled = respell(value, seed).replace(/^\ufeff/, '');
        expect(parseJson(spelled, 'x', 1 << 20)).toEqual(JSON.parse(spelled));
      }),
      { numRuns: 300 },
    );
  });

  it('our parser refuses what JSON.parse refuses, always as a FORMAT error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (junk) => {
        let native = true;
        try {
          JSON.parse(junk);
        } catch {
          native = false;
        }
        let ours = true;
        try {
          parseJson(junk, 'x', 1 << 20);
        } catch (e) {
          expect(e).toBeInstanceOf(NotarError);
          expect((e as NotarError).code).toBe('FORMAT');
          ours = false;
        }
        // Lone surrogates are the one deliberate difference (RFC 7493 §2.1).
        if (!/[\ud800-\udfff]/.test(junk) && !/\\u[dD][89abAB]/.test(junk)) expect(ours).toBe(native);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- changes of value: each field has the step of FORMAT.md §8 that owns it ----
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
type Edit = { field: string; step: VerifyStep | 'ok'; apply: (o: Record<string, any>) => void };

const edits: fc.Arbitrary<Edit> = fc.oneof(
  hex64.map((v): Edit => ({ field: 'document.sha256', step: 'digest', apply: (o) => (o.document.sha256 = v) })),
  hex64.map((v): Edit => ({ field: 'leaf.salt', step: 'batch', apply: (o) => (o.leaf.salt = v) })),
  fc
    .tuple(fc.nat(2), hex64)
    .map(([i, v]): Edit => ({ field: `leaf.path[${i}]`, step: 'batch', apply: (o) => (o.leaf.path[i] = v) })),
  hex64.map((v): Edit => ({ field: 'block.root', step: 'batch', apply: (o) => (o.block.root = v) })),
  hex64.map((v): Edit => ({ field: 'block.prev', step: 'history', apply: (o) => (o.block.prev = v) })),
  fc.integer({ min: 0, max: 2 ** 31 }).map((t): Edit => ({
    field: 'block.time',
    step: 'history',
    apply: (o) => (o.block.time = new Date(t * 1000).toISOString().replace('.000Z', 'Z')),
  })),
  fc
    .tuple(fc.nat(1), hex64)
    .map(([i, v]): Edit => ({ field: `history.path[${i}]`, step: 'history', apply: (o) => (o.history.path[i] = v) })),
  fc.nat(60).map((i): Edit => ({
    field: 'checkpoint signature',
    step: 'signature',
    apply: (o) => (o.checkpoint = flipSignature(o.checkpoint, 8 + i)),
  })),
  fc.string({ minLength: 1, maxLength: 20 }).map((ext): Edit => ({
    field: 'checkpoint text',
    step: 'signature',
    apply: (o) =>
      (o.checkpoint = o.checkpoint.replace('\n\n', () => `\n${ext.replace(/[\n\r\u0000-\u001f]/g, 'x')}\n\n`)),
  })),
  fc.string({ maxLength: 30 }).map((name): Edit => ({
    field: 'document.name (informational)',
    step: 'ok',
    apply: (o) => (o.document.name = name.replace(/[\ud800-\udfff]/g, '?')),
  })),
  fc.integer({ min: 2, max: 250 }).map((b): Edit => ({
    field: 'key hint (display only)',
    step: 'ok',
    apply: (o) => (o.key = notary(b, 'any.example/key').text),
  })),
);

/** Changes one base64 character well inside the signature (past the key ID). */
function flipSignature(note: string, at: number): string {
  const m = /\u2014 \S+ (\S+)\n$/.exec(note)!;
  const b64 = m[1];
  const c = b64[at];
  const swapped = b64.slice(0, at) + (c === 'A' ? 'B' : 'A') + b64.slice(at + 1);
  return note.slice(0, m.index) + note.slice(m.index).replace(b64, swapped);
}

describe('changes of value, in any spelling', () => {
  it('fail at the step that owns the field (and only the unauthenticated fields may still verify)', () => {
    fc.assert(
      fc.property(edits, fc.integer(), (edit, seed) => {
        const o = plain();
        edit.apply(o);
        if (JSON.stringify(o) === JSON.stringify(BASE)) return; // a no-op edit (same value drawn)
        const v = verifyReceipt(respell(o, seed), DIGEST, TRUSTED);
        expect(v.ok ? 'ok' : v.step, `${edit.field}: ${v.ok ? '' : v.reason}`).toBe(edit.step);
      }),
      { numRuns: 400 },
    );
  });
});
