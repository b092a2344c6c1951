// One signature-validity rule on every platform: the node:crypto fast path
// (src/node/crypto.ts) and pure @noble/ed25519 strict mode must give the same
// verdict on valid, malleated, non-canonical and crafted signatures.
import * as crypto from 'node:crypto';
import * as ed from '@noble/ed25519';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/core/crypto.js';
import * as ed25519 from '../../src/core/ed25519.js';
import { NotarError } from '../../src/core/errors.js';
import { parseVerifierKey, signerFromSeed } from '../../src/core/note.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

/** nodeCrypto with a counting verifier, passed explicitly where the fast path is meant. */
let fastCrypto: Crypto;
let fastCalls = 0;
let fastNoes = 0;

beforeAll(() => {
  const installed = nodeCrypto.ed25519;
  // Counted, so the tests can show the fast path was really consulted.
  fastCrypto = {
    ...nodeCrypto,
    ed25519: {
      ...installed,
      verify: (s, m, k) => {
        fastCalls++;
        const yes = installed.verify(s, m, k);
        if (!yes) fastNoes++;
        return yes;
      },
    },
  };
});

/** The verdict with pure noble (the default), and with the node:crypto provider passed in. */
function verdicts(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): { noble: boolean; fast: boolean } {
  const noble = ed25519.verify(sig, msg, pub);
  const fast = ed25519.verify(sig, msg, pub, fastCrypto);
  return { noble, fast };
}

const le32 = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 255n);
  return out;
};
const fromLe = (b: Uint8Array) => b.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7), from the exact bytes given. */
const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array) =>
  mod(
    fromLe(
      new Uint8Array(
        crypto
          .createHash('sha512')
          .update(cat(r, a, m))
          .digest(),
      ),
    ),
    L,
  );

/** A signature by scalar `a` (not a seed) with a chosen R encoding whose point is the identity. */
function identityRSignature(a: bigint, rBytes: Uint8Array, msg: Uint8Array, pub: Uint8Array): Uint8Array {
  // [S]B = R + [k]A with R = identity and A = [a]B gives S = k·a mod L.
  return cat(rBytes, le32(mod(challenge(rBytes, pub, msg) * a, L)));
}

const IDENTITY = le32(1n); // y = 1, x = 0
const IDENTITY_NONCANONICAL_Y = le32(P + 1n); // y = p + 1 >= p
const IDENTITY_SIGN_BIT = (() => {
  const b = le32(1n);
  b[31] |= 0x80; // x = 0 with the sign bit set
  return b;
})();

// The eight points of small order, canonically encoded (identity, order 2, 4, 8).
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map((h) => new Uint8Array(Buffer.from(h, 'hex')));

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const msgArb = fc.uint8Array({ maxLength: 200 });

describe('node:crypto fast path and noble strict mode agree', () => {
  it("nodeCrypto's provider makes the same keys and signatures", () => {
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const fastPub = ed25519.publicKeyFromSeed(seed, fastCrypto);
        const fastSig = ed25519.sign(seed, msg, fastCrypto);
        expect(Buffer.from(fastPub).toString('hex')).toBe(Buffer.from(ed25519.publicKeyFromSeed(seed)).toString('hex'));
        expect(Buffer.from(fastSig).toString('hex')).toBe(Buffer.from(ed25519.sign(seed, msg)).toString('hex'));
      }),
      { numRuns: 25 },
    );
  });

  it('valid signatures: both say yes, and the fast path answered', () => {
    const before = fastCalls;
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const pub = ed25519.publicKeyFromSeed(seed);
        expect(verdicts(ed25519.sign(seed, msg), msg, pub)).toEqual({ noble: true, fast: true });
      }),
      { numRuns: 25 },
    );
    expect(fastCalls - before).toBeGreaterThanOrEqual(25);
  });

  it('S + L (non-canonical S, the classic malleation): both say no', () => {
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const pub = ed25519.publicKeyFromSeed(seed);
        const sig = ed25519.sign(seed, msg);
        const s = fromLe(sig.subarray(32));
        const malleated = cat(sig.subarray(0, 32), le32(s + L));
        expect(verdicts(malleated, msg, pub)).toEqual({ noble: false, fast: false });
        // S = 2^256 - 1 region: any S >= L
        expect(verdicts(cat(sig.subarray(0, 32), le32(L)), msg, pub)).toEqual({ noble: false, fast: false });
      }),
      { numRuns: 20 },
    );
  });

  it('non-canonical R encodings: both say no, though the equation holds', () => {
    const a = 0x1234567890abcdefn;
    const pub = ed.Point.BASE.multiply(a).toBytes();
    const msg = new TextEncoder().encode('non-canonical R');
    // Sanity: the same identity R, canonically encoded, is a valid signature for both.
    expect(verdicts(identityRSignature(a, IDENTITY, msg, pub), msg, pub)).toEqual({ noble: true, fast: true });
    for (const r of [IDENTITY_NONCANONICAL_Y, IDENTITY_SIGN_BIT]) {
      const sig = identityRSignature(a, r, msg, pub);
      // Lax (ZIP-215) rules accept it, which is exactly what the strict rule forbids.
      expect(ed.verify(sig, msg, pub, { zip215: true })).toBe(true);
      expect(verdicts(sig, msg, pub)).toEqual({ noble: false, fast: false });
    }
  });

  it('small-order public keys are refused at parseVerifierKey, and never verify', () => {
    const msg = new TextEncoder().encode('any message at all');
    for (const pub of SMALL_ORDER) {
      expect(ed.Point.fromBytes(pub).isSmallOrder()).toBe(true);
      expect(ed25519.isAcceptablePublicKey(pub)).toBe(false);
      const name = 'small.example';
      const vkey = `${name}+${keyIdOf(name, pub)}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}`;
      expect(() => parseVerifierKey(vkey)).toThrow(NotarError);
      // R = identity, S = 0 satisfies [S]B = R + [k]A for A = identity and any
      // message. OpenSSL alone accepts it (cofactorless, no small-order check);
      // the core's key pre-check keeps the fast path from ever seeing it.
      expect(verdicts(cat(IDENTITY, new Uint8Array(32)), msg, pub)).toEqual({ noble: false, fast: false });
    }
    const universal = cat(IDENTITY, new Uint8Array(32));
    expect(ed.verify(universal, msg, SMALL_ORDER[0], { zip215: true })).toBe(true);
  });

  it('non-canonical public key encodings are refused', () => {
    for (const pub of [le32(P + 1n), le32(P), le32(2n ** 255n - 1n)]) {
      expect(ed25519.isAcceptablePublicKey(pub)).toBe(false);
    }
  });

  it('mixed-order public keys (A + torsion): a fast "no" is re-checked, both say yes', () => {
    // Cofactorless OpenSSL rejects most of these; the cofactored strict rule
    // accepts them. The core re-checks a fast "no" with noble, so every
    // platform gives noble's verdict.
    const torsion = ed.Point.fromBytes(SMALL_ORDER[6]);
    const noesBefore = fastNoes;
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), fc.bigInt({ min: 1n, max: L - 1n }), msgArb, (a, r, msg) => {
        const pub = ed.Point.BASE.multiply(a).add(torsion).toBytes();
        expect(ed25519.isAcceptablePublicKey(pub)).toBe(true);
        const R = ed.Point.BASE.multiply(r).toBytes();
        const sig = cat(R, le32(mod(r + challenge(R, pub, msg) * a, L)));
        expect(verdicts(sig, msg, pub)).toEqual({ noble: true, fast: true });
      }),
      { numRuns: 10 },
    );
    // The fast path did say "no" here (for 7 in 8 such signatures), and was overruled.
    expect(fastNoes).toBeGreaterThan(noesBefore);
  });

  it('random garbage: the same verdict (no)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), msgArb, seedArb, (sig, msg, seed) => {
        const pub = ed25519.publicKeyFromSeed(seed);
        expect(verdicts(sig, msg, pub)).toEqual({ noble: false, fast: false });
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        msgArb,
        (sig, pub, msg) => {
          const v = verdicts(sig, msg, pub);
          expect(v.fast).toBe(v.noble);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('wrong lengths are a no, not an exception', () => {
    const seed = new Uint8Array(32).fill(7);
    const pub = ed25519.publicKeyFromSeed(seed);
    const sig = ed25519.sign(seed, new Uint8Array(0));
    expect(verdicts(sig.subarray(0, 63), new Uint8Array(0), pub)).toEqual({ noble: false, fast: false });
    expect(verdicts(sig, new Uint8Array(0), pub.subarray(0, 31))).toEqual({ noble: false, fast: false });
  });

  it('a passed-in provider never has the final say: its "yes" counts only for canonical inputs, its "no" is re-checked', () => {
    const seed = new Uint8Array(32).fill(5);
    const msg = new TextEncoder().encode('the last word');
    const pub = ed25519.publicKeyFromSeed(seed);
    const sig = ed25519.sign(seed, msg);
    const sayYes: Crypto = { ...nodeCrypto, ed25519: { ...nodeCrypto.ed25519, verify: () => true } };
    const sayNo: Crypto = { ...nodeCrypto, ed25519: { ...nodeCrypto.ed25519, verify: () => false } };
    // Canonical inputs: its "yes" is taken (that is the point of a fast path), even for a wrong message.
    expect(ed25519.verify(sig, new TextEncoder().encode('other'), pub, sayYes)).toBe(true);
    // Non-canonical S (S + L), a non-canonical R, a small-order key: noble decides, whatever it says.
    const s = fromLe(sig.subarray(32));
    expect(ed25519.verify(cat(sig.subarray(0, 32), le32(s + L)), msg, pub, sayYes)).toBe(false);
    expect(ed25519.verify(cat(IDENTITY_NONCANONICAL_Y, sig.subarray(32)), msg, pub, sayYes)).toBe(false);
    expect(ed25519.verify(cat(IDENTITY, new Uint8Array(32)), msg, SMALL_ORDER[0], sayYes)).toBe(false);
    // Its "no" on a valid signature is overruled by noble strict mode.
    expect(ed25519.verify(sig, msg, pub, sayNo)).toBe(true);
  });

  it('signerFromSeed gives the same verifier with either implementation', () => {
    const seed = new Uint8Array(32).fill(9);
    const plain = signerFromSeed('same.example', seed).text;
    expect(signerFromSeed('same.example', seed, fastCrypto).text).toBe(plain);
  });
});

function keyIdOf(name: string, pub: Uint8Array): string {
  return crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(name + '\n'), Buffer.of(1), pub]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
}
