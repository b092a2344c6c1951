// C2SP signed-note: known answers (test/vectors/notes.json) re-derived here
// from the spec with node:crypto alone, then matched by our code; openNote's
// trust rules; strict parsing of notes and key strings.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import {
  computeKeyId,
  formatSignerKey,
  MAX_SIGNATURES,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signatureLine,
  signerFromSeed,
  signNote,
  type Signer,
} from '../../src/core/note.js';

interface KeyVector {
  name: string;
  seed: string;
  publicKey: string;
  keyId: string;
  verifierKey: string;
  signerKey: string;
}
interface NoteVector {
  signers: string[];
  body: string;
  signed: string;
}
const V = JSON.parse(readFileSync(join(__dirname, '../vectors/notes.json'), 'utf8')) as {
  keys: KeyVector[];
  notes: NoteVector[];
  go: { verifierKey: string; signerKey: string; body: string; signatureLine: string };
};

const EM_DASH = '\u2014';
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');

// ---- the spec, written out with node:crypto (no notar code) ----
const specKeyId = (name: string, pub: Buffer) =>
  crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.of(0x0a, 0x01), pub]))
    .digest()
    .subarray(0, 4);
const specPublicKey = (seed: Buffer) =>
  crypto
    .createPublicKey(crypto.createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' }))
    .export({ format: 'der', type: 'spki' })
    .subarray(12);
const specVerify = (pub: Buffer, body: string, sig: Buffer) =>
  crypto.verify(
    null,
    Buffer.from(body, 'utf8'),
    crypto.createPublicKey({ key: Buffer.concat([SPKI, pub]), format: 'der', type: 'spki' }),
    sig,
  );

/** Splits `— <name> <base64>` the way the spec describes it. */
function specSignatureLine(line: string): { name: string; keyId: Buffer; sig: Buffer } {
  expect(line.startsWith(EM_DASH + ' ')).toBe(true);
  const [name, b64, ...rest] = line.slice(2).split(' ');
  expect(rest).toEqual([]);
  const raw = Buffer.from(b64, 'base64');
  expect(raw.toString('base64')).toBe(b64);
  return { name, keyId: raw.subarray(0, 4), sig: raw.subarray(4) };
}

const keyByName = new Map(V.keys.map((k) => [k.name, k]));
const signer = (name: string): Signer => parseSignerKey(keyByName.get(name)!.signerKey);
const verifier = (name: string) => parseVerifierKey(keyByName.get(name)!.verifierKey);

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof NotarError) return e.code;
    throw e;
  }
  return undefined;
}

describe('notes.json holds real C2SP known answers (re-derived with node:crypto)', () => {
  it.each(V.keys.map((k) => [k.name, k]))('key %s', (_n, k) => {
    const seed = Buffer.from(k.seed, 'hex');
    const pub = specPublicKey(seed);
    expect(pub.toString('hex')).toBe(k.publicKey);
    expect(specKeyId(k.name, pub).toString('hex')).toBe(k.keyId);
    expect(k.verifierKey).toBe(`${k.name}+${k.keyId}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}`);
    expect(k.signerKey).toBe(
      `PRIVATE+KEY+${k.name}+${k.keyId}+${Buffer.concat([Buffer.of(1), seed]).toString('base64')}`,
    );
  });

  it.each(V.notes.map((n, i) => [i, n]))('note %i: every signature verifies over the body bytes', (_i, n) => {
    expect(n.signed.startsWith(n.body + '\n')).toBe(true);
    const lines = n.signed.slice(n.body.length + 1).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(n.signers.length);
    lines.forEach((line, j) => {
      const s = specSignatureLine(line);
      const k = keyByName.get(n.signers[j])!;
      expect(s.name).toBe(k.name);
      expect(s.keyId.toString('hex')).toBe(k.keyId);
      expect(s.sig.length).toBe(64);
      expect(specVerify(Buffer.from(k.publicKey, 'hex'), n.body, s.sig)).toBe(true);
    });
  });

  it('the Go sumdb/note example verifies under node:crypto', () => {
    const pub = Buffer.from(V.go.verifierKey.split('+')[2], 'base64').subarray(1);
    const s = specSignatureLine(V.go.signatureLine.slice(0, -1));
    expect(specKeyId('PeterNeumann', pub).toString('hex')).toBe('c74f20a3');
    expect(s.keyId.toString('hex')).toBe('c74f20a3');
    expect(specVerify(pub, V.go.body, s.sig)).toBe(true);
  });
});

describe('our code reproduces the known answers', () => {
  it.each(V.keys.map((k) => [k.name, k]))('key %s', (_n, k) => {
    const s = signerFromSeed(k.name, new Uint8Array(Buffer.from(k.seed, 'hex')));
    expect(s.text).toBe(k.verifierKey);
    expect(s.keyId).toBe(k.keyId);
    expect(Buffer.from(s.publicKey).toString('hex')).toBe(k.publicKey);
    expect(formatSignerKey(s)).toBe(k.signerKey);
    expect(computeKeyId(k.name, s.publicKey)).toBe(k.keyId);
    const v = parseVerifierKey(k.verifierKey);
    expect([v.name, v.keyId, v.text, Buffer.from(v.publicKey).toString('hex')]).toEqual([
      k.name,
      k.keyId,
      k.verifierKey,
      k.publicKey,
    ]);
    expect(formatSignerKey(parseSignerKey(k.signerKey))).toBe(k.signerKey);
  });

  it.each(V.notes.map((n, i) => [i, n]))('note %i: signNote gives the same bytes, openNote accepts', (_i, n) => {
    expect(signNote(n.body, n.signers.map(signer))).toBe(n.signed);
    const opened = openNote(n.signed, n.signers.map(verifier));
    expect(opened.body).toBe(n.body);
    expect(opened.verifiedBy.map((v) => v.name)).toEqual(n.signers);
  });

  it('reproduces the Go sumdb/note example (PeterNeumann) byte for byte', () => {
    const s = parseSignerKey(V.go.signerKey); // its base64 contains a '+'
    expect(V.go.signerKey.split('+').length).toBeGreaterThan(5);
    expect(s.text).toBe(V.go.verifierKey);
    expect(formatSignerKey(s)).toBe(V.go.signerKey);
    expect(signatureLine(s, V.go.body)).toBe(V.go.signatureLine);
    const note = signNote(V.go.body, s);
    expect(note).toBe(V.go.body + '\n' + V.go.signatureLine);
    expect(openNote(note, [parseVerifierKey(V.go.verifierKey)]).verifiedBy[0].keyId).toBe('c74f20a3');
  });

  it("keys whose base64 holds '+' parse, sign and open", () => {
    const plus = V.keys.find((k) => k.verifierKey.split('+').length > 3)!;
    expect(plus).toBeDefined();
    expect(plus.signerKey.split('+').length).toBeGreaterThan(5);
    const s = parseSignerKey(plus.signerKey);
    const v = parseVerifierKey(plus.verifierKey);
    expect(v.text).toBe(plus.verifierKey);
    const note = signNote(`${plus.name}\n7\n${Buffer.alloc(32, 3).toString('base64')}\n`, s);
    expect(openNote(note, [v]).verifiedBy[0].text).toBe(plus.verifierKey);
  });
});

describe('openNote trust rules', () => {
  const [notary, witness] = [V.keys[0].name, V.keys[1].name];
  const cosigned = V.notes[2].signed;

  it('several signature lines: signatures by unknown keys are ignored', () => {
    expect(openNote(cosigned, [verifier(notary)]).verifiedBy.map((v) => v.name)).toEqual([notary]);
    expect(openNote(cosigned, [verifier(witness)]).verifiedBy.map((v) => v.name)).toEqual([witness]);
    expect(openNote(cosigned, [verifier(witness), verifier(notary)]).verifiedBy.map((v) => v.name)).toEqual([
      notary,
      witness,
    ]);
  });

  it('an unknown signer with a garbage signature is still ignored', () => {
    const junk = `${EM_DASH} stranger.example ${Buffer.alloc(68, 0xab).toString('base64')}\n`;
    expect(openNote(cosigned + junk, [verifier(notary)]).verifiedBy.length).toBe(1);
  });

  it('a known key with a bad signature rejects the whole note, even beside a good one', () => {
    const lines = cosigned.split('\n');
    // A character in the middle of the base64: real signature bits, not unused padding bits.
    const bad = lines
      .map((l) =>
        l.includes(witness) ? l.replace(/(.)(.{20})$/, (_m, c: string, t: string) => (c === 'A' ? 'B' : 'A') + t) : l,
      )
      .join('\n');
    expect(bad).not.toBe(cosigned);
    expect(code(() => openNote(bad, [verifier(notary)]))).toBeUndefined();
    expect(code(() => openNote(bad, [verifier(notary), verifier(witness)]))).toBe('SIGNATURE_INVALID');
  });

  it('a known name and key ID with a short signature is invalid, not ignored', () => {
    const k = keyByName.get(notary)!;
    const short = `${V.notes[0].body}\n${EM_DASH} ${notary} ${Buffer.concat([Buffer.from(k.keyId, 'hex'), Buffer.alloc(10)]).toString('base64')}\n`;
    expect(code(() => openNote(short, [verifier(notary)]))).toBe('SIGNATURE_INVALID');
  });

  it('no trusted signature at all is UNTRUSTED', () => {
    expect(code(() => openNote(V.notes[0].signed, [verifier(witness)]))).toBe('UNTRUSTED');
    expect(code(() => openNote(V.notes[0].signed, []))).toBe('UNTRUSTED');
    // Same name, another key: a different key ID, so not the trusted key.
    const impostor = signerFromSeed(notary, new Uint8Array(32).fill(0x55));
    expect(code(() => openNote(signNote(V.notes[0].body, impostor), [verifier(notary)]))).toBe('UNTRUSTED');
  });

  it('a repeated line by a trusted key counts once', () => {
    const line = signatureLine(signer(notary), V.notes[0].body);
    expect(openNote(V.notes[0].signed + line, [verifier(notary)]).verifiedBy.length).toBe(1);
  });

  // Issue #10 item 7 / C2SP signed-note: a line whose name and key ID match a
  // trusted key MUST be verified; one that fails rejects the note wherever it
  // stands, also after a good line by the same key (Go's note.Open skips such
  // a repeat unverified; we do not let a bad line hide behind a good one).
  it('a bad line by a trusted key rejects the note first, last, or after a good line by the same key', () => {
    const body = V.notes[0].body;
    const k = keyByName.get(notary)!;
    const good = signatureLine(signer(notary), body);
    const forged = `${EM_DASH} ${notary} ${Buffer.concat([Buffer.from(k.keyId, 'hex'), Buffer.alloc(64, 7)]).toString('base64')}\n`;
    const junk = `${EM_DASH} stranger.example ${Buffer.alloc(68, 0xab).toString('base64')}\n`;
    for (const lines of [[forged, good], [good, forged], [junk, good, forged], [good, junk, forged, good], [forged]]) {
      expect(code(() => openNote(body + '\n' + lines.join(''), [verifier(notary)]))).toBe('SIGNATURE_INVALID');
    }
    expect(code(() => openNote(body + '\n' + good + junk + good, [verifier(notary)]))).toBeUndefined();
  });

  it('a bad line by any trusted key counts, not only by the one the caller looks for', () => {
    const body = V.notes[2].body;
    const w = keyByName.get(witness)!;
    const forged = `${EM_DASH} ${witness} ${Buffer.concat([Buffer.from(w.keyId, 'hex'), Buffer.alloc(64, 9)]).toString('base64')}\n`;
    const note = signNote(body, signer(notary)) + forged;
    expect(code(() => openNote(note, [verifier(notary)]))).toBeUndefined();
    expect(code(() => openNote(note, [verifier(notary), verifier(witness)]))).toBe('SIGNATURE_INVALID');
  });

  it('two different trusted keys with one name and key ID are refused as ambiguous (as Go)', () => {
    const v = verifier(notary);
    const twin = { ...v, publicKey: new Uint8Array(32).fill(1) };
    expect(code(() => openNote(V.notes[0].signed, [v, twin]))).toBe('UNTRUSTED');
    expect(code(() => openNote(V.notes[0].signed, [v, { ...v }]))).toBeUndefined();
  });
});

describe('malformed notes are rejected with FORMAT', () => {
  const good = V.notes[0].signed;
  const body = V.notes[0].body;
  const sigLine = good.slice(body.length + 1);
  const cases: [string, string][] = [
    ['no blank line before the signatures', body + sigLine],
    ['no signature lines', body + '\n'],
    ['missing final newline', good.slice(0, -1)],
    ['a tab in the body', body.replace('\n', '\t\n') + '\n' + sigLine],
    ['a carriage return', good.replace(/\n/g, '\r\n')],
    ['a NUL byte', body + '\n' + sigLine.replace(' ', '\u0000')],
    ['a lone high surrogate', body.replace('\n', '\ud800\n') + '\n' + sigLine],
    ['a lone low surrogate', body + '\n' + sigLine.replace('\n', '\udc00\n')],
    ['empty body', '\n' + sigLine],
    ['hyphen instead of em dash', body + '\n' + sigLine.replace(EM_DASH, '-')],
    ['no space after the dash', body + '\n' + sigLine.replace(EM_DASH + ' ', EM_DASH)],
    ['bad base64 characters', body + '\n' + sigLine.replace(/ [A-Za-z0-9+/]{8}/, ' ********')],
    ['unpadded base64', body + '\n' + sigLine.replace(/=\n$/, '\n')],
    ['base64 with data after the padding', body + '\n' + sigLine.replace(/=\n$/, '=AAAA\n')],
    ['base64 with a space inside', body + '\n' + sigLine.replace(/(.{10})\n$/, ' $1\n')],
    ['a signature shorter than key ID + 1 byte', `${body}\n${EM_DASH} n.example AAAAAA==\n`],
    ["a '+' in the signer name", body + '\n' + sigLine.replace(V.keys[0].name, 'a+b')],
    ['an extra field on the signature line', body + '\n' + sigLine.replace('\n', ' extra\n')],
    ['a signature block that is one empty line', body + '\n\n'],
  ];
  it.each(cases)('%s', (_what, text) => {
    expect(text).not.toBe(good);
    expect(code(() => parseNote(text))).toBe('FORMAT');
    expect(code(() => openNote(text, [verifier(V.keys[0].name)]))).toBe('FORMAT');
  });

  it(`accepts ${MAX_SIGNATURES} signature lines and refuses ${MAX_SIGNATURES + 1}`, () => {
    const other = `${EM_DASH} other.example ${Buffer.alloc(68, 1).toString('base64')}\n`;
    const full = good + other.repeat(MAX_SIGNATURES - 1);
    expect(parseNote(full).signatures.length).toBe(MAX_SIGNATURES);
    expect(openNote(full, [verifier(V.keys[0].name)]).verifiedBy.length).toBe(1);
    expect(code(() => parseNote(full + other))).toBe('FORMAT');
  });

  it('refuses a note over the size cap', () => {
    expect(code(() => parseNote('x'.repeat(70 * 1024) + '\n\n' + sigLine))).toBe('FORMAT');
  });

  it('signNote refuses bodies that would not parse back, and an empty signer list', () => {
    const s = signer(V.keys[0].name);
    expect(code(() => signNote('no newline', s))).toBe('FORMAT');
    expect(code(() => signNote('tab\there\n', s))).toBe('FORMAT');
    expect(code(() => signNote(body, []))).toBe('USAGE');
  });
});

describe('what C2SP signed-note allows is accepted (as Go note.Open)', () => {
  const s = () => signer(V.keys[0].name);
  const v = () => verifier(V.keys[0].name);
  const good = V.notes[0].signed;
  const body = V.notes[0].body;
  const sigLine = good.slice(body.length + 1);

  it('empty lines inside a (non-checkpoint) note text: the last empty line separates', () => {
    for (const text of ['a\n\nb\n', 'a\n\n\nb\n', 'a\n\n', '\n', 'Ognuno sta solo\n\ned è subito sera.\n']) {
      const note = signNote(text, s());
      expect(parseNote(note).body).toBe(text);
      expect(openNote(note, [v()]).body).toBe(text);
    }
  });

  it('an empty line among the signatures makes the lines above it note text (so the signature over the shorter text fails)', () => {
    const text = good + '\n' + sigLine;
    expect(parseNote(text).body).toBe(good);
    expect(code(() => openNote(text, [v()]))).toBe('SIGNATURE_INVALID');
  });

  it('signature base64 has one spelling: setting an unused low bit (same bytes) makes the note malformed (FORMAT.md §11)', () => {
    const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
    expect(b64.endsWith('=') && !b64.endsWith('==')).toBe(true); // 68 bytes: two unused bits
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(b64[b64.length - 2]);
    for (const low of [1, 2, 3]) {
      const respelled = b64.slice(0, -2) + alphabet[(last & 0x3c) | low] + '=';
      expect(Buffer.from(respelled, 'base64').equals(Buffer.from(b64, 'base64'))).toBe(true);
      expect(code(() => openNote(body + '\n' + sigLine.replace(b64, respelled), [v()]))).toBe('FORMAT');
    }
  });
});

describe('key strings are parsed strictly (KEY_FORMAT)', () => {
  const k = V.keys[0];
  const b64 = k.verifierKey.split('+')[2];
  const raw = Buffer.from(b64, 'base64');
  const cases: [string, string][] = [
    ['wrong key ID', `${k.name}+00000000+${b64}`],
    ['uppercase key ID', `${k.name}+${k.keyId.toUpperCase()}+${b64}`],
    ['short key ID', `${k.name}+${k.keyId.slice(1)}+${b64}`],
    ['missing type byte', `${k.name}+${k.keyId}+${raw.subarray(1).toString('base64')}`],
    ['unknown type byte', `${k.name}+${k.keyId}+${Buffer.concat([Buffer.of(2), raw.subarray(1)]).toString('base64')}`],
    ['key one byte short', `${k.name}+${k.keyId}+${raw.subarray(0, 32).toString('base64')}`],
    ['empty name', `+${k.keyId}+${b64}`],
    ['space in the name', `notary example+${k.keyId}+${b64}`],
    ['two fields only', `${k.name}+${b64}`],
    ['not base64', `${k.name}+${k.keyId}+${b64.replace(/^./, '*')}`],
    ['base64 with stray padding', `${k.name}+${k.keyId}+${b64}=`],
    ['trailing newline', `${k.verifierKey}\n`],
    ['a signer key', k.signerKey],
  ];
  it.each(cases)('verifier key: %s', (_what, text) => {
    expect(code(() => parseVerifierKey(text))).toBe('KEY_FORMAT');
  });

  it('signer keys: prefix, key ID and seed length are all checked', () => {
    expect(code(() => parseSignerKey(k.signerKey.replace('PRIVATE+KEY+', 'PRIVATE+KEYS+')))).toBe('KEY_FORMAT');
    expect(code(() => parseSignerKey(k.signerKey.replace(k.keyId, '00000000')))).toBe('KEY_FORMAT');
    expect(code(() => parseSignerKey(k.verifierKey))).toBe('KEY_FORMAT');
    expect(
      code(() => parseSignerKey(`PRIVATE+KEY+${k.name}+${k.keyId}+${Buffer.alloc(34, 1).toString('base64')}`)),
    ).toBe('KEY_FORMAT');
    expect(
      formatSignerKey(parseSignerKey(`PRIVATE+KEY+${k.name}+${k.keyId}+${Buffer.alloc(33, 1).toString('base64')}`)),
    ).toBe(k.signerKey);
  });

  it('names: no spaces of any kind (Go unicode.IsSpace), no plus', () => {
    for (const name of ['a\u00a0b', 'a\u2003b', 'tab\tname', 'nl\nname', 'a\u0085b', 'a+b', '']) {
      expect(code(() => signerFromSeed(name, new Uint8Array(32)))).toBe('KEY_FORMAT');
    }
    expect(signerFromSeed('ünïcödé.example/ok', new Uint8Array(32)).name).toBe('ünïcödé.example/ok');
  });
});
