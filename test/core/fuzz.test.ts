// Parsers of untrusted text throw NotarError and nothing else; verifyReceipt
// never throws and never accepts an edited receipt (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatChainRecord, parseChainRecord } from '../../src/core/chain.js';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { buildConsistency, formatConsistency, parseConsistency } from '../../src/core/consistency.js';
import { NotarError } from '../../src/core/errors.js';
import { parseNote, parseSignerKey, parseVerifierKey } from '../../src/core/note.js';
import { formatReceipt, parseReceipt } from '../../src/core/receipt.js';
import { parseBlockLine, blockLine } from '../../src/core/block.js';
import { verifyReceipt as verifyWith } from '../../src/core/verify.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { buildHistory, documentBytes, receiptFor, sha256 } from './helpers.js';

// Many verifications: with the CLI's node:crypto, passed explicitly (results are noble's, core/ed25519.ts).
const verifyReceipt: typeof verifyWith = (r, d, t, c = nodeCrypto) => verifyWith(r, d, t, c);

const h = buildHistory([3, 9, 2, 5]);
const RECEIPT_TEXT = formatReceipt(receiptFor(h, 1, 4, { name: 'contract.pdf', key: h.signer.text }));
const DIGEST = sha256(documentBytes(1, 4));
const NOTE = h.checkpoints[3];
const SEEDS: Record<string, { text: string; parse: (t: string) => unknown }> = {
  receipt: { text: RECEIPT_TEXT, parse: parseReceipt },
  note: { text: NOTE, parse: parseNote },
  checkpoint: { text: NOTE.slice(0, NOTE.indexOf('\n\n') + 1), parse: parseCheckpoint },
  verifierKey: { text: h.signer.text, parse: parseVerifierKey },
  signerKey: {
    text: 'PRIVATE+KEY+notary.example.gov/test+a0d4de25+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB',
    parse: parseSignerKey,
  },
  chainRecord: { text: formatChainRecord({ ...h.blocks[2], checkpoint: h.checkpoints[2] }), parse: parseChainRecord },
  blockLine: { text: blockLine(h.blocks[2]), parse: parseBlockLine },
  consistency: {
    text: formatConsistency(buildConsistency(h.checkpoints[0], h.checkpoints[3], h.tree.consistencyProof(1, 4))),
    parse: parseConsistency,
  },
};

/** Characters that matter to the formats, plus anything at all (lone surrogates included). */
const char = fc.oneof(
  fc.constantFrom(
    '"',
    '\\',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    ' ',
    '\n',
    '\r',
    '\t',
    '\u0000',
    '+',
    '=',
    '/',
    '0',
    '9',
    'a',
    'f',
    'A',
    '-',
    '.',
    '\u2014',
    '\ud800',
    '\udc00',
    '\ufeff',
    'é',
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const junk = fc.string({ unit: char, maxLength: 12 });

type Edit = { kind: 'insert' | 'delete' | 'replace' | 'duplicate'; at: number; len: number; text: string };
const edit = fc.record({
  kind: fc.constantFrom<Edit['kind']>('insert', 'delete', 'replace', 'duplicate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 8 }),
  text: junk,
});

function mutate(text: string, edits: Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.len);
    else if (e.kind === 'replace') t = t.slice(0, at) + e.text + t.slice(at + Math.max(1, e.text.length));
    else t = t.slice(0, at) + t.slice(at, at + e.len) + t.slice(at);
  }
  return t;
}

/** Runs a parser; anything thrown must be a NotarError. */
function onlyNotarErrors(parse: (t: string) => unknown, input: unknown): void {
  try {
    parse(input as string);
  } catch (e) {
    if (!(e instanceof NotarError)) throw new Error(`threw ${String(e)} for ${JSON.stringify(input)?.slice(0, 200)}`);
  }
}

describe('parsers throw only NotarError', () => {
  it.each(Object.keys(SEEDS))('%s: the seed parses', (name) => {
    expect(() => SEEDS[name].parse(SEEDS[name].text)).not.toThrow();
  });

  it.each(Object.keys(SEEDS))('%s: random edits of a valid text', (name) => {
    const { text, parse } = SEEDS[name];
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) =>
        onlyNotarErrors(parse, mutate(text, edits)),
      ),
      { numRuns: 300 },
    );
  });

  it.each(Object.keys(SEEDS))('%s: random strings and JSON values', (name) => {
    const { parse } = SEEDS[name];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: char, maxLength: 300 }),
          fc.jsonValue().map((v) => JSON.stringify(v, null, 2) + '\n'),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (s) => onlyNotarErrors(parse, s),
      ),
      { numRuns: 300 },
    );
  });

  it.each(Object.keys(SEEDS))('%s: values that are not strings at all', (name) => {
    for (const v of [undefined, null, 42, {}, [], true, new Uint8Array(3)]) onlyNotarErrors(SEEDS[name].parse, v);
  });

  it('deeply nested JSON is refused, not a stack overflow', () => {
    onlyNotarErrors(parseReceipt, '['.repeat(100000) + ']'.repeat(100000));
    onlyNotarErrors(parseConsistency, '{"a":'.repeat(20000) + '1' + '}'.repeat(20000));
  });
});

describe('verifyReceipt on edited receipts', () => {
  const original = JSON.parse(RECEIPT_TEXT);
  const withoutName = (o: { document?: { name?: unknown } }) =>
    JSON.stringify({ ...o, document: { ...o.document, name: undefined } });

  it('never throws, and accepts nothing but an edit of the informational name', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const text = mutate(RECEIPT_TEXT, edits);
        const v = verifyReceipt(text, DIGEST, [h.signer]);
        if (v.ok && text !== RECEIPT_TEXT) {
          // The only edit that can pass is one inside document.name (FORMAT.md §7: informational, unauthenticated).
          expect(withoutName(JSON.parse(text))).toBe(withoutName(original));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on arbitrary input, digests or key lists', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: char, maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v, null, 2) + '\n'),
        ),
        fc.uint8Array({ maxLength: 40 }),
        (text, digest) => {
          expect(verifyReceipt(text, digest, [h.signer]).ok).toBe(false);
          expect(verifyReceipt(text, digest, []).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
