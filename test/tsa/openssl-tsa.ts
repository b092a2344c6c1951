/**
 * A real RFC 3161 TSA for the tests: `openssl ts -reply` (OpenSSL 3) with a
 * test CA made at test time, optionally behind a loopback HTTP server. The
 * tokens it makes are independent of notar's code, and `openssl ts -verify`
 * checks the tokens notar keeps.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const OPENSSL = process.env.OPENSSL ?? 'openssl';

/** Fails loudly (not a skip) when openssl is missing: these tests need OpenSSL 3 on PATH or at $OPENSSL. */
export function requireOpenssl(): void {
  const r = spawnSync(OPENSSL, ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(
      `the RFC 3161 tests need OpenSSL 3 (openssl ts) at ${OPENSSL} (set $OPENSSL): ${r.error?.message ?? r.stderr}`,
    );
}

function ossl(args: string[], cwd: string, input?: Buffer): Buffer {
  return execFileSync(OPENSSL, args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface TestPki {
  dir: string;
  /** PEM files. */
  caCert: string;
  tsaCert: string;
  /** A TSA cert without the timeStamping EKU, signed by the same CA. */
  noEkuCert: string;
  /** A second CA and its TSA: not pinned anywhere. */
  otherCaCert: string;
  otherTsaCert: string;
  /** openssl ts -reply for `section` (tsa_ok | tsa_noeku | tsa_other); returns the DER reply. */
  reply(query: Buffer, section?: string): Buffer;
  /** A token (not a full reply) for the query. */
  token(query: Buffer, section?: string): Buffer;
  /**
   * A token signed by the certificate without the timeStamping EKU (which
   * `openssl ts -reply` refuses to use): a genuine token's TSTInfo re-signed
   * with `openssl cms -sign -cades` (signingCertificateV2, as RFC 5816).
   */
  noEkuToken(query: Buffer): Buffer;
  /** openssl ts -verify of a reply/token against data bytes; true if OpenSSL accepts it. */
  verify(file: string, data: Buffer, opts?: { token?: boolean }): { ok: boolean; output: string };
}

const CONF = (dir: string) => `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_tsa ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_noeku ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
[ tsa ]
default_tsa = tsa_ok
${[
  'tsa_ok:tsa.crt:tsa.key:ca.crt',
  'tsa_noeku:noeku.crt:noeku.key:ca.crt',
  'tsa_other:other-tsa.crt:other-tsa.key:other-ca.crt',
]
  .map((s) => {
    const [name, crt, key, chain] = s.split(':');
    return `[ ${name} ]
serial = ${dir}/serial-${name}
crypto_device = builtin
signer_cert = ${dir}/${crt}
certs = ${dir}/${chain}
signer_key = ${dir}/${key}
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
  })
  .join('')}`;

function makeCa(dir: string, name: string, cn: string): void {
  ossl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-subj',
      `/CN=${cn}/O=notar tests`,
      '-config',
      'openssl.cnf',
      '-extensions',
      'v3_ca',
    ],
    dir,
  );
}

function makeLeaf(dir: string, name: string, cn: string, ca: string, ext: string, key = 'rsa:2048'): void {
  const newkey = key.startsWith('ec') ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', key];
  ossl(
    [
      'req',
      '-new',
      ...newkey,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}/O=notar tests`,
      '-config',
      'openssl.cnf',
    ],
    dir,
  );
  ossl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      ext,
    ],
    dir,
  );
}

/** Makes a fresh test PKI in a temp dir (RSA CA; the good TSA uses ECDSA P-256 when ec is true). */
export function makeTestPki(opts: { ec?: boolean } = {}): TestPki {
  requireOpenssl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-tsa-pki-'));
  fs.writeFileSync(path.join(dir, 'openssl.cnf'), CONF(dir));
  for (const s of ['tsa_ok', 'tsa_noeku', 'tsa_other']) fs.writeFileSync(path.join(dir, `serial-${s}`), '01\n');
  makeCa(dir, 'ca', 'Test Root CA');
  makeLeaf(dir, 'tsa', 'Test TSA', 'ca', 'v3_tsa', opts.ec ? 'ec' : 'rsa:2048');
  makeLeaf(dir, 'noeku', 'Test TSA without EKU', 'ca', 'v3_noeku');
  makeCa(dir, 'other-ca', 'Other Root CA');
  makeLeaf(dir, 'other-tsa', 'Other TSA', 'other-ca', 'v3_tsa');
  const p = (f: string) => path.join(dir, f);
  let n = 0;
  const run = (query: Buffer, section: string, token: boolean) => {
    const q = p(`q-${process.pid}-${n++}.tsq`);
    fs.writeFileSync(q, query);
    const out = ossl(
      [
        'ts',
        '-reply',
        '-config',
        'openssl.cnf',
        '-section',
        section,
        '-queryfile',
        q,
        ...(token ? ['-token_out'] : []),
      ],
      dir,
    );
    fs.rmSync(q);
    return out;
  };
  return {
    dir,
    caCert: p('ca.crt'),
    tsaCert: p('tsa.crt'),
    noEkuCert: p('noeku.crt'),
    otherCaCert: p('other-ca.crt'),
    otherTsaCert: p('other-tsa.crt'),
    reply: (query, section = 'tsa_ok') => run(query, section, false),
    token: (query, section = 'tsa_ok') => run(query, section, true),
    noEkuToken(query) {
      const t = p(`t-${process.pid}-${n++}.der`);
      fs.writeFileSync(t, run(query, 'tsa_ok', true));
      const tst = ossl(['cms', '-verify', '-noverify', '-inform', 'DER', '-in', t, '-binary'], dir);
      fs.writeFileSync(t, tst);
      const out = ossl(
        [
          'cms',
          '-sign',
          '-binary',
          '-nodetach',
          '-econtent_type',
          'id-smime-ct-TSTInfo',
          '-cades',
          '-md',
          'sha256',
          '-signer',
          'noeku.crt',
          '-inkey',
          'noeku.key',
          '-outform',
          'DER',
          '-in',
          t,
        ],
        dir,
      );
      fs.rmSync(t);
      return out;
    },
    verify(file, data, o = {}) {
      const d = p(`d-${process.pid}-${n++}.bin`);
      fs.writeFileSync(d, data);
      const r = spawnSync(
        OPENSSL,
        ['ts', '-verify', '-data', d, o.token ? '-token_in' : '', '-in', file, '-CAfile', p('ca.crt')].filter(Boolean),
        { encoding: 'utf8' },
      );
      fs.rmSync(d);
      return { ok: r.status === 0, output: r.stdout + r.stderr };
    },
  };
}

export type TsaMode = 'ok' | 'down' | 'slow' | 'garbage' | 'noeku' | 'other' | 'http500';

export interface TestTsaServer {
  url: string;
  mode: TsaMode;
  requests: number;
  close(): Promise<void>;
}

/** A loopback HTTP TSA: POST application/timestamp-query -> openssl ts -reply. */
export async function startTsaServer(pki: TestPki, mode: TsaMode = 'ok'): Promise<TestTsaServer> {
  const state = { mode, requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const m = state.mode;
      if (m === 'slow') return; // never answers: the client's deadline must fire
      if (m === 'down' || m === 'http500') {
        res.writeHead(500).end('down');
        return;
      }
      if (m === 'garbage') {
        res
          .writeHead(200, { 'content-type': 'application/timestamp-reply' })
          .end(Buffer.from('this is not DER at all'));
        return;
      }
      if (req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(415).end();
        return;
      }
      let reply: Buffer;
      try {
        reply =
          m === 'noeku'
            ? grantedReply(pki.noEkuToken(Buffer.concat(chunks)))
            : pki.reply(Buffer.concat(chunks), m === 'other' ? 'tsa_other' : 'tsa_ok');
      } catch {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const handle: TestTsaServer = {
    url: `http://127.0.0.1:${port}/tsa`,
    get mode() {
      return state.mode;
    },
    set mode(v: TsaMode) {
      state.mode = v;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return handle;
}

/** DER length octets. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** TimeStampResp ::= SEQUENCE { status PKIStatusInfo (granted), timeStampToken } (RFC 3161 §2.4.2). */
export function grantedReply(token: Buffer): Buffer {
  const body = Buffer.concat([Buffer.of(0x30, 0x03, 0x02, 0x01, 0x00), token]);
  return Buffer.concat([Buffer.of(0x30), derLength(body.length), body]);
}

/** A query made by `openssl ts -query` for data (sha256, nonce, certReq). */
export function opensslQuery(pki: TestPki, data: Buffer): Buffer {
  const d = path.join(pki.dir, `qd-${process.pid}.bin`);
  fs.writeFileSync(d, data);
  const q = ossl(['ts', '-query', '-data', d, '-sha256', '-cert'], pki.dir);
  fs.rmSync(d);
  return q;
}
