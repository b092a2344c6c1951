// verifyReceipt (FORMAT.md §8): every single-byte edit of a receipt is caught,
// at the step that owns the edited field; trust comes only from the caller.
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { signatureLine, signNote } from '../../src/core/note.js';
import { formatReceipt, type Receipt } from '../../src/core/receipt.js';
import { verifyReceipt as verifyWith, type VerifyResult, type VerifyStep } from '../../src/core/verify.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { buildHistory, documentBytes, notary, receiptFor, sha256 } from './helpers.js';

// Many verifications: with the CLI's node:crypto, passed explicitly (results are noble's, core/ed25519.ts).
const verifyReceipt: typeof verifyWith = (r, d, t, c = nodeCrypto) => verifyWith(r, d, t, c);

const SIZES = [3, 1, 4, 1, 5, 9, 2];
const h = buildHistory(SIZES);
const SEQ = 5;
const INDEX = 6;
const DIGEST = sha256(documentBytes(SEQ, INDEX));
const RECEIPT = receiptFor(h, SEQ, INDEX, { name: 'deed.pdf', key: h.signer.text });
const TEXT = formatReceipt(RECEIPT);
const TRUSTED = [h.signer];

type Outcome = VerifyStep | 'ok';
const outcome = (v: VerifyResult): Outcome => (v.ok ? 'ok' : v.step);

it('the receipt under test verifies', () => {
  expect(outcome(verifyReceipt(TEXT, DIGEST, TRUSTED))).toBe('ok');
  expect(RECEIPT.leaf.path.length).toBe(4);
  expect(RECEIPT.history.path.length).toBe(3);
});

// ---------------------------------------------------------------------------
// A test-side oracle: which step must reject an edited receipt. It reads the
// edited text as JSON itself and decides from WHICH field changed and whether
// the new value is still well-formed, using FORMAT.md, not our parser.
// ---------------------------------------------------------------------------
const HEX64 = /^[0-9a-f]{64}$/;
const isTime = (t: unknown) =>
  typeof t === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(t) &&
  !Number.isNaN(Date.parse(t)) &&
  new Date(t).toISOString().replace('.000Z', 'Z') === t;
// Go's note.isValidName (unicode.IsSpace); ASCII controls cannot stand in a note at all.
const isName = (s: string) =>
  s.length > 0 && !/[\t\n\v\f\r +\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f]/u.test(s);
const canonicalB64 = (s: string) =>
  /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 && Buffer.from(s, 'base64').toString('base64') === s;

function keysOf(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(keysOf).join()}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}:${keysOf(x)}`)
      .join()}}`;
  return typeof v;
}

/** The one leaf field whose value differs, as "a.b" (array indices dropped). */
function changedField(a: unknown, b: unknown, at = ''): string | undefined {
  if (a && typeof a === 'object') {
    for (const k of Object.keys(a)) {
      const got = changedField(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        Array.isArray(a) ? at : at ? `${at}.${k}` : k,
      );
      if (got) return got;
    }
    return undefined;
  }
  return a === b ? undefined : at;
}

/** Where a checkpoint edit landed: origin, size, root, signer name, signature base64, or structure. */
function checkpointExpectation(before: string, after: string): Outcome[] {
  if (after.length !== before.length) return ['format'];
  let d = 0;
  while (before[d] === after[d]) d++;
  const [origin, size, root, blank, sigLine] = before.split('\n');
  expect(blank).toBe('');
  const starts = [0, origin.length + 1, origin.length + size.length + 2, origin.length + size.length + root.length + 3];
  const lines = after.split('\n');
  if (lines.length !== 6) return ['format'];
  if (d < starts[1] - 1) return isName(lines[0]) ? ['trust'] : ['format'];
  if (d >= starts[1] && d < starts[2] - 1) return /^(0|[1-9][0-9]*)$/.test(lines[1]) ? ['history'] : ['format'];
  if (d >= starts[2] && d < starts[3] - 1)
    return canonicalB64(lines[2]) && Buffer.from(lines[2], 'base64').length === 32 ? ['history'] : ['format'];
  const sigStart = starts[3] + 1;
  const nameStart = sigStart + 2;
  const b64Start = nameStart + h.signer.name.length + 1;
  if (d < nameStart || d === b64Start - 1 || d >= b64Start + sigLine.length - (b64Start - sigStart)) return ['format'];
  const m = /^\u2014 (\S+) (\S+)$/.exec(lines[4]);
  if (!m) return ['format'];
  if (d < b64Start) return isName(m[1]) ? ['trust'] : ['format'];
  if (!canonicalB64(m[2])) return ['format'];
  const raw = Buffer.from(m[2], 'base64');
  if (raw.length < 5) return ['format'];
  // Another spelling of the same signature bytes (unused base64 bits): the same note.
  if (raw.equals(Buffer.from(/\u2014 \S+ (\S+)/.exec(before)![1], 'base64'))) return ['ok'];
  return raw.subarray(0, 4).toString('hex') === h.signer.keyId ? ['signature'] : ['trust'];
}

function expectation(mutated: string): { field: string; allowed: Outcome[] } {
  let o: Record<string, any>;
  try {
    o = JSON.parse(mutated);
  } catch {
    return { field: 'json', allowed: ['format'] };
  }
  // Spelling is free (FORMAT.md §11), so only the members and values count;
  // JSON.parse drops a duplicate name, which then shows as a missing member.
  if (keysOf(o) !== keysOf(RECEIPT)) return { field: 'structure', allowed: ['format'] };
  const field = changedField(JSON.parse(TEXT), o);
  if (!field) return { field: 'spelling', allowed: ['ok'] };
  const hexOr = (v: unknown, step: Outcome): Outcome[] =>
    typeof v === 'string' && HEX64.test(v) ? [step] : ['format'];
  const pathValue = (list: string[], orig: string[]) => list.find((x, i) => x !== orig[i]);
  switch (field) {
    case 'document.sha256':
      return { field, allowed: hexOr(o.document.sha256, 'digest') };
    // FORMAT.md §7 calls the name informational and no hash or signature covers it.
    case 'document.name':
      return { field, allowed: ['ok', 'format'] };
    case 'leaf.salt':
      return { field, allowed: hexOr(o.leaf.salt, 'batch') };
    case 'leaf.path':
      return { field, allowed: hexOr(pathValue(o.leaf.path, RECEIPT.leaf.path), 'batch') };
    case 'block.root':
      return { field, allowed: hexOr(o.block.root, 'batch') };
    // The index picks the sides in the batch proof; another path length is a format error.
    case 'leaf.index':
      return { field, allowed: ['batch', 'format'] };
    // The size shapes the batch proof AND is hashed into the block line: either step may see it first.
    case 'block.size':
      return { field, allowed: ['batch', 'history', 'format'] };
    case 'block.prev':
      return { field, allowed: hexOr(o.block.prev, 'history') };
    case 'block.time':
      return { field, allowed: isTime(o.block.time) ? ['history'] : ['format'] };
    case 'block.seq':
    case 'history.size':
      return { field, allowed: ['history', 'format'] };
    case 'history.path':
      return { field, allowed: hexOr(pathValue(o.history.path, RECEIPT.history.path), 'history') };
    case 'checkpoint':
      return { field, allowed: checkpointExpectation(RECEIPT.checkpoint, o.checkpoint) };
    // The key hint never changes the verdict, but it must stay a well-formed key
    // string, and its key ID binds name and key, so any one-byte edit breaks it.
    case 'key':
    case 'format':
      return { field, allowed: ['format'] };
    default:
      throw new Error(`unexpected field ${field}`);
  }
}

describe('every single-byte edit of a receipt fails at the right step', () => {
  const bytes = Buffer.from(TEXT, 'utf8');
  // Decoded as the CLI reads files: invalid UTF-8 becomes U+FFFD.
  const edits: { at: number; text: string; how: string }[] = [];
  for (let at = 0; at < bytes.length; at++) {
    const x = Buffer.from(bytes);
    x[at] ^= 0x01;
    edits.push({ at, text: x.toString('utf8'), how: 'xor 0x01' });
    const c = String.fromCharCode(bytes[at]);
    if (/[0-9a-f]/.test(c)) {
      const y = Buffer.from(bytes);
      y[at] = '0123456789abcdef'.charCodeAt((parseInt(c, 16) + 7) % 16);
      edits.push({ at, text: y.toString('utf8'), how: 'other hex digit' });
    }
  }

  it(`covers all ${bytes.length} byte positions`, () => {
    expect(new Set(edits.map((e) => e.at)).size).toBe(bytes.length);
    expect(edits.filter((e) => e.how === 'other hex digit').length).toBeGreaterThan(600);
  });

  it('every edit outside document.name is rejected, by the step that owns the field', () => {
    const wrong: string[] = [];
    const seen = new Map<string, number>();
    let nameEditsAccepted = 0;
    for (const e of edits) {
      const { field, allowed } = expectation(e.text);
      const got = outcome(verifyReceipt(e.text, DIGEST, TRUSTED));
      seen.set(got, (seen.get(got) ?? 0) + 1);
      if (field === 'document.name' && got === 'ok') nameEditsAccepted++;
      if (!allowed.includes(got))
        wrong.push(`byte ${e.at} (${e.how}) in ${field}: got ${got}, expected ${allowed.join('|')}`);
    }
    expect(wrong).toEqual([]);
    // Every step of §8 is exercised by some edit.
    for (const step of ['format', 'digest', 'batch', 'history', 'signature', 'trust'])
      expect(seen.get(step) ?? 0).toBeGreaterThan(0);
    // The known flaw, kept visible: document.name is covered by nothing, so
    // an edited name still verifies. Verifiers show it as "not verified".
    expect(nameEditsAccepted).toBeGreaterThan(0);
  });

  it('the oracle is not vacuous: hex-digit edits land on the expected single steps', () => {
    const byField = new Map<string, Set<Outcome>>();
    for (const e of edits.filter((x) => x.how === 'other hex digit')) {
      const { field } = expectation(e.text);
      const got = outcome(verifyReceipt(e.text, DIGEST, TRUSTED));
      if (!byField.has(field)) byField.set(field, new Set());
      byField.get(field)!.add(got);
    }
    expect([...byField.get('document.sha256')!]).toEqual(['digest']);
    expect([...byField.get('leaf.salt')!]).toEqual(['batch']);
    expect([...byField.get('leaf.path')!]).toEqual(['batch']);
    expect([...byField.get('block.root')!]).toEqual(['batch']);
    expect([...byField.get('block.prev')!]).toEqual(['history']);
    expect([...byField.get('history.path')!]).toEqual(['history']);
    expect([...byField.get('key')!]).toEqual(['format']);
  });
});

describe('trust comes from the caller only', () => {
  it('a different document fails at digest', () => {
    const v = verifyReceipt(TEXT, sha256(documentBytes(SEQ, INDEX + 1)), TRUSTED);
    expect(outcome(v)).toBe('digest');
    expect(v.ok ? undefined : v.receipt?.leaf.index).toBe(INDEX);
    expect(outcome(verifyReceipt(TEXT, new Uint8Array(31), TRUSTED))).toBe('digest');
  });

  it('no trusted key, or another key, fails at trust', () => {
    expect(outcome(verifyReceipt(TEXT, DIGEST, []))).toBe('trust');
    expect(outcome(verifyReceipt(TEXT, DIGEST, [notary(0x09, 'other.example')]))).toBe('trust');
    // Same origin name, another key: the key ID differs, the signature is not by it.
    expect(outcome(verifyReceipt(TEXT, DIGEST, [notary(0x09)]))).toBe('trust');
  });

  it("the receipt's key field is never used for trust", () => {
    // A forger with their own key under the notary's name, naming that key in the hint.
    const forger = notary(0x66);
    const forged = buildHistory(SIZES, forger);
    const text = formatReceipt(receiptFor(forged, SEQ, INDEX, { key: forger.text }));
    expect(outcome(verifyReceipt(text, DIGEST, [forger]))).toBe('ok');
    expect(outcome(verifyReceipt(text, DIGEST, TRUSTED))).toBe('trust');
    expect(outcome(verifyReceipt(text, DIGEST, []))).toBe('trust');
  });

  it('the key hint is display-only: any well-formed key verifies, the signer shown is the trusted key', () => {
    for (const hint of [notary(0x09).text, notary(0x09, 'someone.else.example').text, undefined]) {
      const v = verifyReceipt(formatReceipt({ ...RECEIPT, key: hint }), DIGEST, TRUSTED);
      expect(outcome(v)).toBe('ok');
      expect(v.ok && v.signer.text).toBe(h.signer.text);
    }
    // A hint that names another key never turns a failure into success either.
    expect(outcome(verifyReceipt(formatReceipt({ ...RECEIPT, key: h.signer.text }), DIGEST, [notary(0x09)]))).toBe(
      'trust',
    );
    // Not a key string at all: a malformed receipt.
    expect(outcome(verifyReceipt(formatReceipt({ ...RECEIPT, key: 'not a key' }), DIGEST, TRUSTED))).toBe('format');
  });

  it('the signing key must be named as the checkpoint origin', () => {
    // A trusted key signs a checkpoint of another origin: not this notary's log.
    const other = { ...h.signer };
    const body = formatCheckpoint({ origin: 'elsewhere.example', size: SIZES.length, root: h.tree.root() });
    const receipt: Receipt = { ...RECEIPT, key: undefined, checkpoint: body + '\n' + signatureLine(other, body) };
    expect(outcome(verifyReceipt(formatReceipt(receipt), DIGEST, TRUSTED))).toBe('trust');
  });

  it('witness cosignatures are ignored unless the notary signed', () => {
    const witness = notary(0x02, 'witness.example.org');
    const body = formatCheckpoint({ origin: h.signer.name, size: SIZES.length, root: h.tree.root() });
    const both: Receipt = { ...RECEIPT, checkpoint: signNote(body, [h.signer, witness]) };
    expect(outcome(verifyReceipt(formatReceipt(both), DIGEST, TRUSTED))).toBe('ok');
    expect(outcome(verifyReceipt(formatReceipt(both), DIGEST, [witness]))).toBe('trust');
    const onlyWitness: Receipt = { ...RECEIPT, key: undefined, checkpoint: signNote(body, witness) };
    expect(outcome(verifyReceipt(formatReceipt(onlyWitness), DIGEST, [witness]))).toBe('trust');
  });

  // Issue #10 item 7: a bad line by a trusted key fails the receipt wherever it stands.
  it('a bad signature line by the trusted key fails at signature, before or after a good one', () => {
    const body = formatCheckpoint({ origin: h.signer.name, size: SIZES.length, root: h.tree.root() });
    const good = signatureLine(h.signer, body);
    const bad = signatureLine(h.signer, body.replace('\n', 'x\n')); // same key, signature over other text
    for (const lines of [
      [bad, good],
      [good, bad],
      [good, good, bad],
    ]) {
      const r: Receipt = { ...RECEIPT, checkpoint: body + '\n' + lines.join('') };
      expect(outcome(verifyReceipt(formatReceipt(r), DIGEST, TRUSTED))).toBe('signature');
    }
    expect(
      outcome(verifyReceipt(formatReceipt({ ...RECEIPT, checkpoint: body + '\n' + good + good }), DIGEST, TRUSTED)),
    ).toBe('ok');
  });

  it('a bad line by another trusted key (a witness the caller trusts) fails too; the same line by an unknown key is ignored', () => {
    const witness = notary(0x02, 'witness.example.org');
    const body = formatCheckpoint({ origin: h.signer.name, size: SIZES.length, root: h.tree.root() });
    const forged = signatureLine(witness, body.replace('\n', 'x\n'));
    const r: Receipt = { ...RECEIPT, checkpoint: signNote(body, h.signer) + forged };
    expect(outcome(verifyReceipt(formatReceipt(r), DIGEST, TRUSTED))).toBe('ok');
    expect(outcome(verifyReceipt(formatReceipt(r), DIGEST, [...TRUSTED, witness]))).toBe('signature');
  });

  it('structure is checked before anything else: a malformed checkpoint is format, even for the wrong document', () => {
    const r: Receipt = { ...RECEIPT, checkpoint: RECEIPT.checkpoint.replace('\n\n', '\n') };
    expect(outcome(verifyReceipt(formatReceipt(r), sha256('another document'), TRUSTED))).toBe('format');
  });

  it('a checkpoint of another size than the receipt claims fails at history', () => {
    const body = formatCheckpoint({ origin: h.signer.name, size: SIZES.length + 1, root: h.tree.root() });
    const r: Receipt = { ...RECEIPT, checkpoint: signNote(body, h.signer) };
    expect(outcome(verifyReceipt(formatReceipt(r), DIGEST, TRUSTED))).toBe('history');
  });
});
