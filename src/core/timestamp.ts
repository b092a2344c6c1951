/**
 * RFC 3161 (with RFC 5816's ESSCertIDv2) time-stamp tokens over checkpoints.
 * The message imprint is SHA-256 of the checkpoint note BODY (FORMAT.md §5):
 * the signed text itself, so one token dates the whole history it commits to.
 * Verification is offline and async (Web Crypto), against TSA certificates
 * (or their issuing CAs) that the verifier pins; nothing in a token is
 * trusted on its own word.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ContentInfo, SignedData, SignerInfo, id_signedData } from '@peculiar/asn1-cms';
import { MessageImprint, PKIStatus, TSTInfo, TimeStampReq, TimeStampResp, id_ct_tstInfo } from '@peculiar/asn1-tsp';
import * as asn1js from 'asn1js';
import { equalBytes, randomBytes, toHex, utf8 } from './bytes.js';
import { NotarError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { sha256 } from './hash.js';
import {
  checkTimestampingEku,
  derOf,
  digest,
  hashName,
  isCa,
  issuedBy,
  parseCertificate,
  parseDer,
  TimestampError,
  validAt,
  verifySignature,
  type TsaCertificate,
} from './tsa-cert.js';

export { TimestampError, parseCertificates, type TimestampFault, type TsaCertificate } from './tsa-cert.js';

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const ATTR_SIGNING_CERT = '1.2.840.113549.1.9.16.2.12';
const ATTR_SIGNING_CERT_V2 = '1.2.840.113549.1.9.16.2.47';
/** A TSA clock may lag the office clock by this much (seconds) before a token is refused. */
export const DEFAULT_SKEW_SECONDS = 300;

/** What the token is asked to date: SHA-256 of the checkpoint body. */
export function checkpointImprint(body: string, c: Crypto = nobleCrypto): Uint8Array {
  return sha256(utf8(body), c);
}

export interface TimestampQuery {
  /** DER TimeStampReq, as `openssl ts -query` writes it. */
  readonly der: Uint8Array;
  readonly imprint: Uint8Array;
  readonly nonce: Uint8Array;
}

/** RFC 3161 §2.4.1 TimeStampReq: SHA-256 imprint, fresh 64-bit nonce, certReq true. */
export function timestampQuery(imprint: Uint8Array, nonce: Uint8Array = freshNonce()): TimestampQuery {
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256_OID, parameters: null }),
      hashedMessage: new OctetString(imprint),
    }),
    nonce: nonce.slice().buffer,
    certReq: true,
  });
  return { der: derOf(req), imprint, nonce };
}

/** A positive INTEGER of 8 random bytes (top bit clear, so no sign byte; first byte non-zero, so minimal). */
function freshNonce(): Uint8Array {
  const n = randomBytes(8);
  n[0] = (n[0] & 0x7f) | 0x01;
  return n;
}

/** Reads the imprint and nonce back out of a DER TimeStampReq (e.g. one made by `openssl ts -query`). */
export function parseTimestampQuery(der: Uint8Array): TimestampQuery {
  const req = parseDer(der, TimeStampReq, 'timestamp query');
  if (req.messageImprint.hashAlgorithm.algorithm !== SHA256_OID)
    throw new TimestampError('algorithm', 'the timestamp query does not use SHA-256');
  return {
    der,
    imprint: new Uint8Array(req.messageImprint.hashedMessage.buffer),
    nonce: req.nonce ? integerBytes(req.nonce) : new Uint8Array(0),
  };
}

/**
 * RFC 3161 §2.4.2: a reply must say granted (or grantedWithMods) and carry a
 * token; returns the token (DER ContentInfo) without checking it.
 */
export function tokenFromReply(der: Uint8Array): Uint8Array {
  const resp = parseDer(der, TimeStampResp, 'timestamp reply');
  const status = resp.status.status;
  if (status !== PKIStatus.granted && status !== PKIStatus.grantedWithMods) {
    const text = resp.status.statusString?.join('; ') ?? '';
    throw new TimestampError(
      'status',
      `the TSA refused the request (status ${PKIStatus[status] ?? status}${text ? `: ${text.slice(0, 200)}` : ''})`,
    );
  }
  if (!resp.timeStampToken) throw new TimestampError('format', 'the timestamp reply says granted but carries no token');
  // The token exactly as the TSA sent it (the schema parser would re-encode it).
  const seq = asn1js.fromBER(der).result;
  const token = seq instanceof asn1js.Sequence ? seq.valueBlock.value[1] : undefined;
  if (!token) throw new TimestampError('format', 'the timestamp reply is malformed');
  return new Uint8Array(token.valueBeforeDecodeView).slice();
}

/** A reply or a bare token (both are what `openssl ts -reply` may write): the token. */
export function tokenFromReplyOrToken(der: Uint8Array): Uint8Array {
  try {
    AsnConvert.parse(der, ContentInfo);
    return der;
  } catch {
    return tokenFromReply(der);
  }
}

export interface CheckOptions {
  /** SHA-256 of the checkpoint body the token must date. */
  readonly imprint: Uint8Array;
  /** The nonce we sent, when we have it (a token read back later has none to compare). */
  readonly nonce?: Uint8Array;
  /** Pinned TSA certificates or their issuing CAs. */
  readonly trusted: readonly TsaCertificate[];
  /** The block time (RFC 3339) the token must not precede by more than skewSeconds. */
  readonly notBefore?: string;
  /** The latest acceptable genTime (RFC 3339) — stamp/timestamp pass block time + max delay. */
  readonly notAfter?: string;
  readonly skewSeconds?: number;
}

export interface AttestedTime {
  /** genTime, RFC 3339 UTC with seconds (fractions dropped). */
  readonly genTime: string;
  /** Subject of the certificate that signed the token. */
  readonly tsa: string;
  /** Subject of the pinned certificate the signer chains to (itself, or its CA). */
  readonly anchor: string;
  readonly serial: string;
  readonly policy: string;
}

interface Parsed {
  readonly signed: SignedData;
  /** The signed attributes exactly as received ([0] IMPLICIT; the signature covers them). */
  readonly signedAttrsDer?: Uint8Array;
  readonly signer: SignerInfo;
  readonly content: Uint8Array;
  readonly tst: TSTInfo;
}

/** RFC 5652 SignedData wrapping one SignerInfo over an id-ct-TSTInfo (RFC 3161 §2.4.2). */
function parseToken(token: Uint8Array): Parsed {
  const ci = parseDer(token, ContentInfo, 'timestamp token');
  if (ci.contentType !== id_signedData) throw new TimestampError('format', 'the timestamp token is not CMS SignedData');
  const signed = parseDer(new Uint8Array(ci.content), SignedData, 'timestamp token SignedData');
  if (signed.encapContentInfo.eContentType !== id_ct_tstInfo)
    throw new TimestampError('format', 'the timestamp token does not hold a TSTInfo');
  const single = signed.encapContentInfo.eContent?.single;
  if (!single) throw new TimestampError('format', 'the timestamp token has no TSTInfo content');
  if (signed.signerInfos.length !== 1)
    throw new TimestampError(
      'format',
      `a timestamp token has exactly one signer, this one has ${signed.signerInfos.length}`,
    );
  // DER only (RFC 3161 §2.4.2, X.690): the parser tolerates BER variants (tag classes, lengths,
  // booleans, NULL) that would let unsigned bytes of a token change unnoticed; a token whose
  // re-encoding differs from its bytes was not written by a TSA as it is.
  if (!equalBytes(derOf(ci), token) || !equalBytes(derOf(signed), new Uint8Array(ci.content))) {
    throw new TimestampError('format', 'the timestamp token is not DER-encoded (altered?)');
  }
  const content = new Uint8Array(single.buffer);
  const signedAttrsDer = rawSignedAttrs(new Uint8Array(ci.content));
  return { signed, signer: signed.signerInfos[0], signedAttrsDer, content, tst: parseDer(content, TSTInfo, 'TSTInfo') };
}

/**
 * The received bytes of SignerInfo.signedAttrs: the schema parser re-encodes
 * values, so the exact bytes come from asn1js (SignedData's last member is
 * signerInfos; in a SignerInfo, signedAttrs is the constructed [0] after
 * version, sid and digestAlgorithm; RFC 5652 §5.3).
 */
function rawSignedAttrs(signedData: Uint8Array): Uint8Array | undefined {
  const sd = asn1js.fromBER(signedData).result;
  if (!(sd instanceof asn1js.Sequence)) return undefined;
  const infos = sd.valueBlock.value[sd.valueBlock.value.length - 1];
  const first = infos instanceof asn1js.Set ? infos.valueBlock.value[0] : undefined;
  const attrs = first instanceof asn1js.Sequence ? first.valueBlock.value[3] : undefined;
  if (!attrs || attrs.idBlock.tagClass !== 3 || attrs.idBlock.tagNumber !== 0 || !attrs.idBlock.isConstructed)
    return undefined;
  return new Uint8Array(attrs.valueBeforeDecodeView).slice();
}

/** INTEGER contents without leading zero bytes (so 0x00ff and 0xff compare equal). */
function integerBytes(v: ArrayBuffer): Uint8Array {
  let b = new Uint8Array(v);
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return b;
}

function checkImprintAndNonce(tst: TSTInfo, opts: CheckOptions): void {
  const mi = tst.messageImprint;
  if (mi.hashAlgorithm.algorithm !== SHA256_OID || !equalBytes(new Uint8Array(mi.hashedMessage.buffer), opts.imprint)) {
    throw new TimestampError(
      'imprint',
      `the timestamp token dates another text (imprint ${toHex(new Uint8Array(mi.hashedMessage.buffer)).slice(0, 16)}…, this checkpoint's is ${toHex(opts.imprint).slice(0, 16)}…)`,
    );
  }
  if (opts.nonce === undefined) return;
  if (!tst.nonce || !equalBytes(integerBytes(tst.nonce), integerBytes(opts.nonce.slice().buffer))) {
    throw new TimestampError(
      'nonce',
      'the timestamp token does not carry the nonce of our request (a replayed or foreign reply)',
    );
  }
}

function attribute(signer: SignerInfo, oid: string): Uint8Array | undefined {
  const attrs = (signer.signedAttrs ?? []).filter((a) => a.attrType === oid);
  if (attrs.length > 1 || (attrs.length === 1 && attrs[0].attrValues.length !== 1))
    throw new TimestampError('format', `the token's signed attribute ${oid} must appear once with one value`);
  return attrs.length === 0 ? undefined : new Uint8Array(attrs[0].attrValues[0]);
}

/** RFC 5652 §5.4/§11: contentType and messageDigest signed attributes bind the TSTInfo. */
async function checkSignedContent(p: Parsed): Promise<void> {
  if (!p.signer.signedAttrs || !p.signedAttrsDer)
    throw new TimestampError('format', 'the timestamp token has no signed attributes (RFC 3161 §2.4.2 needs them)');
  const ct = attribute(p.signer, ATTR_CONTENT_TYPE);
  const ctOid = ct && asn1js.fromBER(ct).result;
  if (!(ctOid instanceof asn1js.ObjectIdentifier) || ctOid.valueBlock.toString() !== id_ct_tstInfo)
    throw new TimestampError('format', 'the signed content type is not id-ct-TSTInfo');
  const md = attribute(p.signer, ATTR_MESSAGE_DIGEST);
  const mdValue = md && AsnConvert.parse(md, OctetString);
  const want = await digest(hashName(p.signer.digestAlgorithm.algorithm), p.content);
  if (!mdValue || !equalBytes(new Uint8Array(mdValue.buffer), want))
    throw new TimestampError(
      'digest',
      'the timestamp token was altered: its TSTInfo does not match the signed message digest',
    );
}

interface CertId {
  readonly hash: string;
  readonly value: Uint8Array;
}

/** ESS signingCertificate(V2) (RFC 2634 §5.4, RFC 5816): the hash of the signer's certificate. */
function signingCertId(signer: SignerInfo): CertId {
  const v2 = attribute(signer, ATTR_SIGNING_CERT_V2);
  const v1 = v2 ? undefined : attribute(signer, ATTR_SIGNING_CERT);
  const raw = v2 ?? v1;
  if (!raw)
    throw new TimestampError(
      'format',
      'the timestamp token does not name its signing certificate (ESS signingCertificate, RFC 3161 §2.4.2)',
    );
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), … }; the first names the signer.
  const seq = asn1js.fromBER(raw).result;
  const certs = seq instanceof asn1js.Sequence ? seq.valueBlock.value[0] : undefined;
  const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined;
  if (!(first instanceof asn1js.Sequence))
    throw new TimestampError('format', 'the signing certificate attribute is malformed');
  const items = first.valueBlock.value;
  // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash OCTET STRING, … }
  const withAlg = v2 !== undefined && items[0] instanceof asn1js.Sequence;
  const hashItem = items[withAlg ? 1 : 0];
  if (!(hashItem instanceof asn1js.OctetString))
    throw new TimestampError('format', 'the signing certificate attribute has no certificate hash');
  let hash = v2 ? 'SHA-256' : 'SHA-1';
  if (withAlg) {
    const alg = (items[0] as asn1js.Sequence).valueBlock.value[0];
    if (!(alg instanceof asn1js.ObjectIdentifier))
      throw new TimestampError('format', 'the signing certificate attribute is malformed');
    hash = hashName(alg.valueBlock.toString());
  }
  return { hash, value: new Uint8Array(hashItem.valueBlock.valueHexView) };
}

/** The certificate (carried in the token, or pinned) whose hash the signed attributes name. */
async function findSigner(p: Parsed, trusted: readonly TsaCertificate[]): Promise<TsaCertificate> {
  const id = signingCertId(p.signer);
  const carried = (p.signed.certificates ?? []).flatMap((c) =>
    c.certificate ? [parseCertificate(derOf(c.certificate), 'certificate in the token')] : [],
  );
  for (const c of [...carried, ...trusted]) {
    if (equalBytes(await digest(id.hash, c.der), id.value)) return c;
  }
  throw new TimestampError(
    'untrusted',
    'the timestamp token does not carry its signing certificate and it is not pinned (ask the TSA with certReq, or pin the TSA certificate)',
  );
}

/** RFC 5652 §5.3: the SignerInfo's sid names the certificate the signed attributes name. */
function checkSignerId(info: SignerInfo, signer: TsaCertificate): void {
  const tbs = signer.cert.tbsCertificate;
  const ias = info.sid.issuerAndSerialNumber;
  const ski = info.sid.subjectKeyIdentifier;
  const skiExt = tbs.extensions?.find((e) => e.extnID === '2.5.29.14');
  const ok = ias
    ? equalBytes(derOf(ias.issuer), derOf(tbs.issuer)) &&
      equalBytes(integerBytes(ias.serialNumber), integerBytes(tbs.serialNumber))
    : ski !== undefined && skiExt !== undefined && equalBytes(derOf(ski), new Uint8Array(skiExt.extnValue.buffer));
  if (!ok)
    throw new TimestampError(
      'signature',
      "the timestamp token's signer identifier does not name its signing certificate (altered token?)",
    );
}

/** The signer is a pinned certificate, or was issued (and signed) by a pinned CA. */
async function anchorFor(signer: TsaCertificate, trusted: readonly TsaCertificate[]): Promise<TsaCertificate> {
  for (const t of trusted) if (equalBytes(t.der, signer.der)) return t;
  const issuer = derOf(signer.cert.tbsCertificate.issuer);
  for (const t of trusted) {
    if (!equalBytes(derOf(t.cert.tbsCertificate.subject), issuer) || !isCa(t)) continue;
    if (await issuedBy(signer, t)) return t;
  }
  throw new TimestampError(
    'untrusted',
    `the timestamp was signed by ${signer.subject}, which is not a pinned TSA and not issued by a pinned CA`,
  );
}

/** genTime as RFC 3339 UTC seconds ("2026-11-29T01:02:03Z"). */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function checkTime(genTime: Date, opts: CheckOptions): void {
  const skew = (opts.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000;
  if (opts.notBefore !== undefined && genTime.getTime() < Date.parse(opts.notBefore) - skew) {
    throw new TimestampError(
      'time',
      `the timestamp (${rfc3339(genTime)}) is earlier than the block time ${opts.notBefore}: one of the two clocks is wrong`,
    );
  }
  if (opts.notAfter !== undefined && genTime.getTime() > Date.parse(opts.notAfter) + skew) {
    throw new TimestampError(
      'time',
      `the timestamp (${rfc3339(genTime)}) is later than allowed (${opts.notAfter}) for this block`,
    );
  }
}

/**
 * Checks a DER time-stamp token for a checkpoint, offline: imprint, nonce
 * (when given), the CMS signature over the signed attributes, the signing
 * certificate's timeStamping EKU, its chain to a pinned certificate, its
 * validity at genTime, and genTime against the block time. Throws a
 * TimestampError naming the first check that refused it.
 */
export async function verifyTimestampToken(token: Uint8Array, opts: CheckOptions): Promise<AttestedTime> {
  try {
    return await checkToken(token, opts);
  } catch (e) {
    // Attacker-supplied bytes end in a typed error, whatever part of the ASN.1 stack they upset.
    if (e instanceof NotarError) throw e;
    throw new TimestampError(
      'format',
      `the timestamp token is malformed (${e instanceof Error ? e.message.slice(0, 120) : 'unreadable'})`,
    );
  }
}

async function checkToken(token: Uint8Array, opts: CheckOptions): Promise<AttestedTime> {
  const p = parseToken(token);
  checkImprintAndNonce(p.tst, opts);
  await checkSignedContent(p);
  const signer = await findSigner(p, opts.trusted);
  const attrs = (p.signedAttrsDer as Uint8Array).slice();
  attrs[0] = 0x31; // RFC 5652 §5.4: the signature covers the attributes as an explicit SET OF
  if (
    !(await verifySignature(
      signer.cert,
      p.signer.signatureAlgorithm.algorithm,
      p.signer.digestAlgorithm.algorithm,
      new Uint8Array(p.signer.signature.buffer),
      attrs,
    ))
  ) {
    throw new TimestampError(
      'signature',
      `the timestamp token's signature by ${signer.subject} does not verify (altered token?)`,
    );
  }
  checkSignerId(p.signer, signer);
  checkTimestampingEku(signer);
  const anchor = await anchorFor(signer, opts.trusted);
  const genTime = p.tst.genTime;
  if (!validAt(signer, genTime) || !validAt(anchor, genTime))
    throw new TimestampError('validity', `the TSA certificate ${signer.subject} was not valid at ${rfc3339(genTime)}`);
  checkTime(genTime, opts);
  return {
    genTime: rfc3339(genTime),
    tsa: signer.subject,
    anchor: anchor.subject,
    serial: toHex(integerBytes(p.tst.serialNumber)),
    policy: p.tst.policy,
  };
}

/** genTime and the TSA's name as the token states them, without checking anything (for "present but unchecked"). */
export function peekTimestampToken(token: Uint8Array): { genTime: string; imprint: Uint8Array } {
  try {
    const p = parseToken(token);
    return { genTime: rfc3339(p.tst.genTime), imprint: new Uint8Array(p.tst.messageImprint.hashedMessage.buffer) };
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw new TimestampError('format', 'the timestamp token is malformed');
  }
}
