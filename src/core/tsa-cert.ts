/**
 * X.509 pieces for RFC 3161 tokens: pinned TSA certificates (PEM or DER),
 * display names, the timeStamping EKU rule (RFC 3161 §2.3), and signature
 * checks with Web Crypto (present in Node 20 and every current browser).
 * ASN.1 is parsed by @peculiar/asn1-* (and asn1js), never by hand.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  ExtendedKeyUsage,
  BasicConstraints,
  Name,
  id_ce_extKeyUsage,
  id_ce_basicConstraints,
  id_kp_timeStamping,
} from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { fromBase64 } from './bytes.js';
import { NotarError, type NotarErrorCode } from './errors.js';

/** Why a token was refused; each is a typed NotarError (TimestampError). */
export type TimestampFault =
  | 'format'
  | 'status'
  | 'imprint'
  | 'nonce'
  | 'digest'
  | 'signature'
  | 'eku'
  | 'untrusted'
  | 'validity'
  | 'time'
  | 'algorithm';

const FAULT_CODE: Record<TimestampFault, NotarErrorCode> = {
  format: 'FORMAT',
  status: 'UNTRUSTED',
  imprint: 'PROOF_INVALID',
  nonce: 'PROOF_INVALID',
  digest: 'SIGNATURE_INVALID',
  signature: 'SIGNATURE_INVALID',
  eku: 'UNTRUSTED',
  untrusted: 'UNTRUSTED',
  validity: 'UNTRUSTED',
  time: 'PROOF_INVALID',
  algorithm: 'UNTRUSTED',
};

/** A refused timestamp reply or token; `fault` names the check that refused it. */
export class TimestampError extends NotarError {
  readonly fault: TimestampFault;
  constructor(fault: TimestampFault, message: string) {
    super(FAULT_CODE[fault], message);
    this.fault = fault;
  }
}

/** Certificates, tokens and replies over this size are refused unread. */
export const MAX_DER_BYTES = 64 * 1024;

/** A certificate with its exact DER bytes (hashes and pins are over these). */
export interface TsaCertificate {
  readonly der: Uint8Array;
  readonly cert: Certificate;
  /** e.g. "CN=Example TSA, O=Example": for people, never compared. */
  readonly subject: string;
}

export function parseDer<T>(der: Uint8Array, type: new () => T, what: string): T {
  if (der.length > MAX_DER_BYTES)
    throw new TimestampError('format', `${what} is too large (over ${MAX_DER_BYTES} bytes)`);
  try {
    return AsnConvert.parse(der, type);
  } catch {
    throw new TimestampError('format', `${what} is not valid DER`);
  }
}

export function parseCertificate(der: Uint8Array, what = 'certificate'): TsaCertificate {
  const cert = parseDer(der, Certificate, what);
  return { der, cert, subject: nameText(cert.tbsCertificate.subject) };
}

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file, or the file itself as one DER certificate. */
export function parseCertificates(bytes: Uint8Array, what = 'certificate file'): TsaCertificate[] {
  if (bytes.length > 16 * MAX_DER_BYTES) throw new TimestampError('format', `${what} is too large`);
  const text = new TextDecoder('latin1').decode(bytes);
  if (!text.includes('-----BEGIN')) return [parseCertificate(bytes, what)];
  const found = [...text.matchAll(PEM)].map((m) => parseCertificate(fromBase64(m[1].replace(/\s+/g, ''), what), what));
  if (found.length === 0) throw new TimestampError('format', `${what} holds no PEM CERTIFICATE block`);
  return found;
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'serialNumber',
  '2.5.4.97': 'organizationIdentifier',
};

/** "CN=…, O=…" in certificate order, for display only. */
export function nameText(name: Name): string {
  const parts = name.flatMap((rdn) => rdn.map((atv) => `${SHORT[atv.type] ?? atv.type}=${atv.value.toString()}`));
  return parts.join(', ').replace(/[\u0000-\u001f\u007f]/g, '?') || '(no subject)';
}

export function derOf(value: object): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

function extension(c: Certificate, oid: string) {
  return c.tbsCertificate.extensions?.find((e) => e.extnID === oid);
}

/**
 * RFC 3161 §2.3: the TSA's certificate MUST carry exactly one extended key
 * usage, id-kp-timeStamping, in an extension marked critical.
 */
export function checkTimestampingEku(c: TsaCertificate): void {
  const ext = extension(c.cert, id_ce_extKeyUsage);
  if (!ext)
    throw new TimestampError(
      'eku',
      `the TSA certificate ${c.subject} has no extended key usage (RFC 3161 §2.3 requires timeStamping)`,
    );
  const eku = AsnConvert.parse(ext.extnValue, ExtendedKeyUsage);
  if (eku.length !== 1 || eku[0] !== id_kp_timeStamping)
    throw new TimestampError(
      'eku',
      `the TSA certificate ${c.subject} is not for time stamping only (extended key usage ${eku.join(', ')})`,
    );
  if (!ext.critical)
    throw new TimestampError(
      'eku',
      `the TSA certificate ${c.subject} has a timeStamping extended key usage that is not critical (RFC 3161 §2.3)`,
    );
}

export function isCa(c: TsaCertificate): boolean {
  const ext = extension(c.cert, id_ce_basicConstraints);
  return ext !== undefined && AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
}

/** notBefore <= at <= notAfter. */
export function validAt(c: TsaCertificate, at: Date): boolean {
  const v = c.cert.tbsCertificate.validity;
  return v.notBefore.getTime().getTime() <= at.getTime() && at.getTime() <= v.notAfter.getTime().getTime();
}

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** Web Crypto hash name for a digest OID; SHA-1 only where `allowSha1` (ESS v1 cert IDs). */
export function hashName(oid: string, allowSha1 = false): string {
  const name = HASHES[oid];
  if (!name || (name === 'SHA-1' && !allowSha1))
    throw new TimestampError('algorithm', `unsupported digest algorithm ${oid}`);
  return name;
}

/**
 * Web Crypto, which browsers offer only in secure contexts: a page opened
 * from a file or over https has it, one over plain http does not.
 */
function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new TimestampError(
      'algorithm',
      'Web Crypto is not available here, so timestamps cannot be checked (open the page from a file or over https)',
    );
  return s;
}

export async function digest(hash: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, data as BufferSource));
}

/** Signature algorithm OID (+ the signer's digest OID for plain rsaEncryption, as OpenSSL writes) -> Web Crypto. */
function signatureScheme(sigOid: string, digestOid: string): { kind: 'rsa' | 'ecdsa' | 'ed25519'; hash: string } {
  const table: Record<string, [kind: 'rsa' | 'ecdsa' | 'ed25519', hash: string]> = {
    '1.2.840.113549.1.1.11': ['rsa', 'SHA-256'],
    '1.2.840.113549.1.1.12': ['rsa', 'SHA-384'],
    '1.2.840.113549.1.1.13': ['rsa', 'SHA-512'],
    '1.2.840.10045.4.3.2': ['ecdsa', 'SHA-256'],
    '1.2.840.10045.4.3.3': ['ecdsa', 'SHA-384'],
    '1.2.840.10045.4.3.4': ['ecdsa', 'SHA-512'],
    '1.3.101.112': ['ed25519', ''],
  };
  if (sigOid === '1.2.840.113549.1.1.1') return { kind: 'rsa', hash: hashName(digestOid) };
  if (sigOid === '1.2.840.10045.2.1') return { kind: 'ecdsa', hash: hashName(digestOid) };
  const hit = table[sigOid];
  if (!hit) throw new TimestampError('algorithm', `unsupported signature algorithm ${sigOid}`);
  return { kind: hit[0], hash: hit[1] };
}

const CURVES: Record<string, [string, number]> = {
  '1.2.840.10045.3.1.7': ['P-256', 32],
  '1.3.132.0.34': ['P-384', 48],
  '1.3.132.0.35': ['P-521', 66],
};

/** ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) -> r || s, as Web Crypto wants. */
function ecdsaRaw(sig: Uint8Array, size: number): Uint8Array {
  const parsed = asn1js.fromBER(sig);
  const seq = parsed.result;
  if (parsed.offset === -1 || !(seq instanceof asn1js.Sequence) || seq.valueBlock.value.length !== 2)
    throw new TimestampError('signature', 'the ECDSA signature is not a DER SEQUENCE of two integers');
  const out = new Uint8Array(size * 2);
  seq.valueBlock.value.forEach((v, i) => {
    if (!(v instanceof asn1js.Integer)) throw new TimestampError('signature', 'the ECDSA signature is malformed');
    let n = new Uint8Array(v.valueBlock.valueHexView);
    while (n.length > size && n[0] === 0) n = n.subarray(1);
    if (n.length > size) throw new TimestampError('signature', 'the ECDSA signature is malformed');
    out.set(n, (i + 1) * size - n.length);
  });
  return out;
}

/** Checks `signature` over `data` with the public key of `signer`; false if it does not verify. */
export async function verifySignature(
  signer: Certificate,
  sigOid: string,
  digestOid: string,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const spki = signer.tbsCertificate.subjectPublicKeyInfo;
  const spkiDer = derOf(spki);
  const { kind, hash } = signatureScheme(sigOid, digestOid);
  const crypto = subtle();
  try {
    if (kind === 'rsa') {
      const key = await crypto.importKey('spki', spkiDer as BufferSource, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
        'verify',
      ]);
      return await crypto.verify('RSASSA-PKCS1-v1_5', key, signature as BufferSource, data as BufferSource);
    }
    if (kind === 'ed25519') {
      const key = await crypto.importKey('spki', spkiDer as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      return await crypto.verify('Ed25519', key, signature as BufferSource, data as BufferSource);
    }
    const curveOid = spki.algorithm.parameters
      ? (asn1js.fromBER(spki.algorithm.parameters).result as asn1js.ObjectIdentifier).valueBlock.toString()
      : '';
    const curve = CURVES[curveOid];
    if (!curve) throw new TimestampError('algorithm', `unsupported elliptic curve ${curveOid || '(none)'}`);
    const key = await crypto.importKey(
      'spki',
      spkiDer as BufferSource,
      { name: 'ECDSA', namedCurve: curve[0] },
      false,
      ['verify'],
    );
    return await crypto.verify(
      { name: 'ECDSA', hash },
      key,
      ecdsaRaw(signature, curve[1]) as BufferSource,
      data as BufferSource,
    );
  } catch (e) {
    if (e instanceof TimestampError) throw e;
    return false; // a key Web Crypto cannot import, or a malformed signature: it does not verify
  }
}

/** The certificate's own signature, made by `issuer`'s key (tbsCertificate as received). */
export async function issuedBy(c: TsaCertificate, issuer: TsaCertificate): Promise<boolean> {
  if (!c.cert.tbsCertificateRaw) return false;
  const sigOid = c.cert.signatureAlgorithm.algorithm;
  return verifySignature(
    issuer.cert,
    sigOid,
    '',
    new Uint8Array(c.cert.signatureValue),
    new Uint8Array(c.cert.tbsCertificateRaw),
  );
}
