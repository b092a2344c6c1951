/**
 * node:crypto for the core, as one implementation object (`nodeCrypto`):
 * SHA-256 (≈10× noble's throughput) and Ed25519 (OpenSSL; ≈15× noble for
 * verify). Results are byte-identical; the core keeps the final say on
 * signature validity (see core/ed25519.ts). A value to pass, not a switch:
 * importing this changes nothing.
 */
import * as crypto from 'node:crypto';
import type { Crypto } from '../core/crypto.js';
import type { Ed25519Provider } from '../core/ed25519.js';
import type { Hasher, Sha256Into } from '../core/hash.js';

const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function privateKey(seed: Uint8Array): crypto.KeyObject {
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

const publicKeys = new Map<string, crypto.KeyObject>();
function publicKey(raw: Uint8Array): crypto.KeyObject {
  const id = Buffer.from(raw).toString('hex');
  let key = publicKeys.get(id);
  if (!key) {
    key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicKeys.size < 256) publicKeys.set(id, key);
  }
  return key;
}

/** One-shot SHA-256 (crypto.hash: Node ≥ 20.12; engines asks ≥ 20.19). */
export const nodeSha256 = (data: Uint8Array): Uint8Array => crypto.hash('sha256', data, 'buffer');

/**
 * In-place one-shot SHA-256 for hot loops (Merkle levels, leaf hashes). A
 * 'latin1' string result is a cheap V8 heap string; a Buffer result costs an
 * off-heap allocation per call, over half the time of hashing 65 bytes.
 */
const nodeSha256Into: Sha256Into = (data, out, offset) => {
  const s = crypto.hash('sha256', data, 'binary');
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
};

function nodeHasher(): Hasher {
  const h = crypto.createHash('sha256');
  const hasher: Hasher = {
    update(chunk) {
      h.update(chunk);
      return hasher;
    },
    digest: () => h.digest(),
  };
  return hasher;
}

const nodeEd25519: Ed25519Provider = {
  sign: (seed, message) => crypto.sign(null, message, privateKey(seed)),
  verify: (signature, message, key) => {
    try {
      return crypto.verify(null, message, publicKey(key), signature);
    } catch {
      return false;
    }
  },
  publicKey: (seed) => {
    const der = crypto.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(SPKI_PREFIX.length));
  },
};

/** node:crypto for the core: main.ts passes it down to the store and the core (core/crypto.ts). */
export const nodeCrypto: Crypto = {
  sha256: { sha256: nodeSha256, sha256Into: nodeSha256Into, createSha256: nodeHasher },
  ed25519: nodeEd25519,
};
