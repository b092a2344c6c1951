/**
 * The RFC 3161 core (src/core/timestamp.ts) against a real TSA: OpenSSL 3's
 * `openssl ts -reply` with a test CA made at test time (test/tsa/openssl-tsa.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointImprint,
  parseCertificates,
  parseTimestampQuery,
  TimestampError,
  timestampQuery,
  tokenFromReply,
  tokenFromReplyOrToken,
  verifyTimestampToken,
  type TsaCertificate,
} from '../../src/core/timestamp.js';
import { makeTestPki, OPENSSL, opensslQuery, type TestPki } from './openssl-tsa.js';

const BODY = 'notary.example.gov/test\n3\nq7gG5lNUY9rYx1v2oUbnxVKUjUbcEPxMzHYhdIbT6oY=\n';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

let pki: TestPki;
let ecPki: TestPki;
const certs = (file: string): TsaCertificate[] => parseCertificates(fs.readFileSync(file));

function writeTemp(data: Uint8Array): string {
  const file = path.join(pki.dir, `t-${Math.random().toString(16).slice(2)}.der`);
  fs.writeFileSync(file, data);
  return file;
}

async function refusal(p: Promise<unknown>): Promise<TimestampError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TimestampError);
  return e as TimestampError;
}

beforeAll(() => {
  pki = makeTestPki();
  ecPki = makeTestPki({ ec: true });
});

describe('timestamp query', () => {
  it('is a DER TimeStampReq that openssl reads: SHA-256 imprint of the body, our nonce, certReq', () => {
    const imprint = checkpointImprint(BODY);
    const q = timestampQuery(imprint);
    const file = path.join(pki.dir, 'core.tsq');
    fs.writeFileSync(file, q.der);
    const text = execFileSync(OPENSSL, ['ts', '-query', '-in', file, '-text'], { encoding: 'utf8' }) as string;
    expect(text).toContain('Hash Algorithm: sha256');
    expect(text).toContain('Certificate required: yes');
    expect(text).toContain(`Nonce: 0x${Buffer.from(q.nonce).toString('hex').toUpperCase()}`);
    const back = parseTimestampQuery(q.der);
    expect(Buffer.from(back.imprint)).toEqual(Buffer.from(imprint));
    expect(Buffer.from(back.nonce)).toEqual(Buffer.from(q.nonce));
  });

  it('uses a fresh nonce each time', () => {
    const a = timestampQuery(checkpointImprint(BODY));
    const b = timestampQuery(checkpointImprint(BODY));
    expect(Buffer.from(a.nonce).equals(Buffer.from(b.nonce))).toBe(false);
  });
});

describe('verifyTimestampToken with openssl ts -reply', () => {
  it('accepts a token for our query, pinned by CA or by the TSA certificate itself (RSA and ECDSA)', async () => {
    for (const k of [pki, ecPki]) {
      const q = timestampQuery(checkpointImprint(BODY));
      const reply = k.reply(Buffer.from(q.der));
      const token = tokenFromReply(reply);
      expect(k.verify(writeTemp(reply), Buffer.from(BODY)).ok).toBe(true);
      for (const pinned of [k.caCert, k.tsaCert]) {
        const t = await verifyTimestampToken(token, {
          imprint: q.imprint,
          nonce: q.nonce,
          trusted: certs(pinned),
          notBefore: now(),
        });
        expect(t.tsa).toBe('CN=Test TSA, O=notar tests');
        expect(Math.abs(Date.parse(t.genTime) - Date.now())).toBeLessThan(600_000);
      }
    }
  });

  it('accepts a token made by hand with openssl ts -query / -reply -token_out', async () => {
    const q = opensslQuery(pki, Buffer.from(BODY));
    const token = pki.token(q);
    expect(tokenFromReplyOrToken(token)).toEqual(token);
    const t = await verifyTimestampToken(token, {
      imprint: checkpointImprint(BODY),
      nonce: parseTimestampQuery(q).nonce,
      trusted: certs(pki.caCert),
    });
    expect(t.anchor).toBe('CN=Test Root CA, O=notar tests');
  });

  it('refuses a token for another checkpoint (imprint)', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der)));
    const e = await refusal(
      verifyTimestampToken(token, {
        imprint: checkpointImprint(BODY.replace('\n3\n', '\n4\n')),
        nonce: q.nonce,
        trusted: certs(pki.caCert),
      }),
    );
    expect(e.fault).toBe('imprint');
  });

  it('refuses a wrong nonce', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der)));
    const e = await refusal(
      verifyTimestampToken(token, { imprint: q.imprint, nonce: Uint8Array.of(1, 2, 3), trusted: certs(pki.caCert) }),
    );
    expect(e.fault).toBe('nonce');
  });

  it('refuses an altered token: any flipped byte of the TSTInfo or the signature', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der)));
    const genTimeAt = Buffer.from(token).indexOf(Buffer.from(new Date().getUTCFullYear().toString()));
    expect(genTimeAt).toBeGreaterThan(0);
    for (const at of [genTimeAt + 11, token.length - 5]) {
      const bad = token.slice();
      bad[at] ^= 0x01;
      const e = await refusal(
        verifyTimestampToken(bad, { imprint: q.imprint, nonce: q.nonce, trusted: certs(pki.caCert) }),
      );
      expect(['digest', 'signature', 'format']).toContain(e.fault);
    }
  });

  it('refuses a TSA certificate without the timeStamping EKU', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = pki.noEkuToken(Buffer.from(q.der));
    // OpenSSL refuses it too (independent check)
    expect(pki.verify(writeTemp(token), Buffer.from(BODY), { token: true }).ok).toBe(false);
    const e = await refusal(
      verifyTimestampToken(token, { imprint: q.imprint, nonce: q.nonce, trusted: certs(pki.caCert) }),
    );
    expect(e.fault).toBe('eku');
  });

  it('refuses a token from an unpinned TSA', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der), 'tsa_other'));
    const e = await refusal(
      verifyTimestampToken(token, { imprint: q.imprint, nonce: q.nonce, trusted: certs(pki.caCert) }),
    );
    expect(e.fault).toBe('untrusted');
    expect(e.code).toBe('UNTRUSTED');
    // A CA that is pinned only as its TSA's sibling is no anchor either.
    const e2 = await refusal(
      verifyTimestampToken(token, { imprint: q.imprint, trusted: [...certs(pki.tsaCert), ...certs(pki.noEkuCert)] }),
    );
    expect(e2.fault).toBe('untrusted');
  });

  it('refuses a genTime far from the block time', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der)));
    const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(
      (
        await refusal(
          verifyTimestampToken(token, { imprint: q.imprint, trusted: certs(pki.caCert), notBefore: future }),
        )
      ).fault,
    ).toBe('time');
    expect(
      (
        await refusal(
          verifyTimestampToken(token, {
            imprint: q.imprint,
            trusted: certs(pki.caCert),
            notAfter: '2020-01-01T00:00:00Z',
          }),
        )
      ).fault,
    ).toBe('time');
  });

  it('refuses replies that are not granted, and garbage, with typed errors', () => {
    const bad = Buffer.from(pki.reply(Buffer.from(timestampQuery(checkpointImprint(BODY)).der)));
    expect(() => tokenFromReply(new TextEncoder().encode('not DER'))).toThrow(TimestampError);
    // a rejection reply: PKIStatusInfo { status 2 } with no token
    const rejection = Uint8Array.of(0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02);
    try {
      tokenFromReply(rejection);
      expect.unreachable();
    } catch (e) {
      expect((e as TimestampError).fault).toBe('status');
    }
    expect(bad.length).toBeGreaterThan(100);
  });

  it('reads PEM bundles and DER certificates', () => {
    expect(certs(pki.caCert)).toHaveLength(1);
    const der = execFileSync(OPENSSL, ['x509', '-in', pki.caCert, '-outform', 'DER']) as Buffer;
    expect(parseCertificates(new Uint8Array(der))[0].subject).toBe('CN=Test Root CA, O=notar tests');
    expect(() => parseCertificates(new TextEncoder().encode('hello'))).toThrow(TimestampError);
  });
});

describe('malformed tokens and replies', () => {
  it('every single-byte change of a token or reply ends in a typed error, or lies in the unsigned CA copy notar does not use', async () => {
    const q = timestampQuery(checkpointImprint(BODY));
    const reply = pki.reply(Buffer.from(q.der));
    const token = tokenFromReply(reply);
    expect(Buffer.from(token).equals(reply.subarray(reply.length - token.length))).toBe(true); // kept byte for byte
    const trusted = certs(pki.caCert);
    // The TSA adds a copy of its CA certificate (openssl `certs`): not signed by the token, and
    // never used (trust comes from the pinned copy), so changing it changes nothing.
    const caCopy = Buffer.from(token).indexOf(Buffer.from(trusted[0].der));
    expect(caCopy).toBeGreaterThan(0);
    const inCaCopy = (at: number) => at >= caCopy && at < caCopy + trusted[0].der.length;
    for (let i = 0; i < 400; i++) {
      const bad = token.slice();
      const at = (i * 7919) % bad.length;
      bad[at] ^= [0x01, 0x80, 0xff, 0x10][i % 4];
      const outcome = await verifyTimestampToken(bad, { imprint: q.imprint, nonce: q.nonce, trusted }).then(
        () => 'accepted',
        (e: unknown) => (e instanceof TimestampError ? 'refused' : `crashed: ${String(e)}`),
      );
      expect(outcome, `byte ${at}`).toBe(inCaCopy(at) ? outcome : 'refused');
      expect(outcome).not.toMatch(/^crashed/);
      const badReply = Buffer.from(reply);
      badReply[(i * 104729) % badReply.length] ^= 0x01;
      try {
        tokenFromReply(badReply);
      } catch (e) {
        expect(e).toBeInstanceOf(TimestampError);
      }
    }
    for (const n of [0, 1, 2, 10, token.length - 1])
      await expect(verifyTimestampToken(token.subarray(0, n), { imprint: q.imprint, trusted })).rejects.toBeInstanceOf(
        TimestampError,
      );
  });
});
