// Key names (FORMAT.md §11): exactly Go's golang.org/x/mod/sumdb/note
// isValidName: non-empty valid UTF-8, no '+', nothing unicode.IsSpace reports.
// Go's IsSpace is the Unicode White_Space property (its Latin-1 table lists
// the same eight characters), so \p{White_Space} is an independent oracle.
import { describe, expect, it } from 'vitest';
import {
  isValidKeyName,
  isValidOwnKeyName,
  openNote,
  parseVerifierKey,
  signerFromSeed,
  signNote,
} from '../../src/core/note.js';
import { formatReceipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { buildHistory, documentBytes, notary, receiptFor, sha256 } from './helpers.js';

// Written out from Go's unicode.IsSpace documentation and its White_Space table.
const GO_SPACES = [
  0x09,
  0x0a,
  0x0b,
  0x0c,
  0x0d,
  0x20,
  0x85,
  0xa0,
  0x1680,
  ...Array.from({ length: 11 }, (_, i) => 0x2000 + i),
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x3000,
];
const hex = (c: number) => 'U+' + c.toString(16).toUpperCase().padStart(4, '0');

describe('key-name table', () => {
  it.each(GO_SPACES.map((c) => [hex(c), c]))('%s is a Unicode space: refused anywhere in a name', (_n, c) => {
    const ch = String.fromCodePoint(c as number);
    for (const name of [ch, `a${ch}b`, `${ch}a`, `a${ch}`]) expect(isValidKeyName(name)).toBe(false);
    expect(() => signerFromSeed(`a${ch}b`, new Uint8Array(32))).toThrow();
  });

  it('every code point: refused exactly when it is White_Space, a plus, or a lone surrogate', () => {
    const wrong: string[] = [];
    for (let c = 0; c <= 0x10ffff; c += c < 0x30000 ? 1 : 0x3ff) {
      const surrogate = c >= 0xd800 && c <= 0xdfff;
      const want = !surrogate && c !== 0x2b && !/\p{White_Space}/u.test(String.fromCodePoint(c));
      if (isValidKeyName(`x${String.fromCodePoint(c)}y`) !== want) wrong.push(hex(c));
    }
    expect(wrong).toEqual([]);
    // The oracle and the written-out list agree.
    const ws = [];
    for (let c = 0; c < 0x10000; c++) if (/\p{White_Space}/u.test(String.fromCharCode(c))) ws.push(c);
    expect(ws).toEqual(GO_SPACES);
  });

  it.each([
    ['U+FEFF (zero width no-break space, not a space)', 'a\ufeffb'],
    ['U+180E (Mongolian vowel separator, no longer a space)', 'a\u180eb'],
    ['U+200B (zero width space, not White_Space)', 'a\u200bb'],
    ['U+007F DEL', 'a\u007fb'],
    ['U+0080 and U+009F (C1 controls other than U+0085)', 'a\u0080\u009fb'],
    ['an ASCII control (Go accepts it in a key name)', 'a\u0001b'],
    ['an astral character', 'log.example/\u{1f4dc}'],
    ['a very long name (no limit for others\u2019 keys)', 'x'.repeat(5000)],
  ])('%s is accepted', (_what, name) => {
    expect(isValidKeyName(name)).toBe(true);
    const s = signerFromSeed(name, new Uint8Array(32).fill(4));
    expect(parseVerifierKey(s.text).name).toBe(name);
  });

  it('refuses the empty name, a plus, and lone surrogates', () => {
    for (const name of ['', 'a+b', '+', 'a\ud800b', 'a\udc00', '\ud83d']) expect(isValidKeyName(name)).toBe(false);
  });

  it("notar's own keys (init) are also free of ASCII controls and at most 256 bytes", () => {
    expect(isValidOwnKeyName('notary.example.gov/land-registry')).toBe(true);
    expect(isValidOwnKeyName('a\ufeffb')).toBe(true);
    expect(isValidOwnKeyName('é'.repeat(128))).toBe(true);
    expect(isValidOwnKeyName('é'.repeat(129))).toBe(false);
    expect(isValidOwnKeyName('a\u0001b')).toBe(false);
    expect(isValidOwnKeyName('a\u0085b')).toBe(false);
  });
});

describe('a key whose name holds U+FEFF', () => {
  const name = 'registry.example\ufeff/civil';
  const s = signerFromSeed(name, new Uint8Array(32).fill(0x21));

  it('signs a note that verifies', () => {
    const note = signNote('hello\n', s);
    expect(openNote(note, [parseVerifierKey(s.text)]).verifiedBy[0].name).toBe(name);
  });

  it('signs checkpoints whose receipts verify (origin = name)', () => {
    const h = buildHistory([2, 3], s);
    const text = formatReceipt(receiptFor(h, 1, 2, { key: s.text }));
    const v = verifyReceipt(text, sha256(documentBytes(1, 2)), [parseVerifierKey(s.text)]);
    expect(v.ok && v.origin).toBe(name);
    // The same name without U+FEFF is another name: another key ID, not trusted.
    expect(verifyReceipt(text, sha256(documentBytes(1, 2)), [notary(0x21, 'registry.example/civil')]).ok).toBe(false);
  });
});
