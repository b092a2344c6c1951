/**
 * The reference tools' setup: a local RFC 3161 time-stamping authority run
 * with `openssl ts` (self-signed certificate with the timeStamping EKU, a ts
 * config file) and a minisign key pair. Each returns the shell line that
 * stamps or signs every document of a list one by one, writing into a given
 * (fresh) directory, or undefined when the tool is not installed (its row
 * then prints n/a).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { have, must } from './lib.mjs';

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

function tsConfig(dir) {
  return `[ tsa ]
default_tsa = bench_tsa
[ bench_tsa ]
dir = ${dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}

/**
 * A TSA on this machine. Per document: a time-stamp query (`openssl ts
 * -query`, the client's step) and a signed reply token (`openssl ts -reply`,
 * the TSA's step): one RFC 3161 token per document, as a TSA-based notary
 * would issue them. P-256 keeps the TSA's signing cheap (a fast reference).
 */
export function openSslTs(dir) {
  if (!have('openssl')) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  must([
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    path.join(dir, 'tsa.key'),
    '-out',
    path.join(dir, 'tsa.crt'),
    '-days',
    '30',
    '-subj',
    '/CN=notar bench TSA',
    '-addext',
    'extendedKeyUsage=critical,timeStamping',
    '-addext',
    'keyUsage=critical,digitalSignature',
  ]);
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const cnf = path.join(dir, 'ts.cnf');
  fs.writeFileSync(cnf, tsConfig(dir));
  return {
    script: (list, out) =>
      `while IFS= read -r f; do t=${q(out)}/$(basename "$f"); openssl ts -query -data "$f" -sha256 -cert -out "$t.tsq" 2>/dev/null && openssl ts -reply -config ${q(cnf)} -queryfile "$t.tsq" -out "$t.tsr" 2>/dev/null || exit 1; done < ${q(list)}`,
    /** Checks one token, so the reference is known to produce real ones. */
    check: (doc, out) =>
      must([
        'openssl',
        'ts',
        '-verify',
        '-data',
        doc,
        '-in',
        path.join(out, path.basename(doc) + '.tsr'),
        '-CAfile',
        path.join(dir, 'tsa.crt'),
        '-untrusted',
        path.join(dir, 'tsa.crt'),
      ]),
  };
}

/** minisign with an unencrypted key (-W): one detached signature per document. */
export function minisign(dir) {
  if (!have('minisign')) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, 'bench.key');
  const pub = path.join(dir, 'bench.pub');
  must(['minisign', '-G', '-W', '-p', pub, '-s', key], { input: '' });
  return {
    script: (list, out) =>
      `while IFS= read -r f; do minisign -S -s ${q(key)} -m "$f" -x ${q(out)}/"$(basename "$f").minisig" </dev/null >/dev/null || exit 1; done < ${q(list)}`,
    check: (doc, out) =>
      must(['minisign', '-V', '-p', pub, '-m', doc, '-x', path.join(out, path.basename(doc) + '.minisig')]),
  };
}

/**
 * The file system's floor for receipt files: bench/atomic-files.c, compiled
 * here, creates as many files of a receipt's size as `stamp --out` does, each
 * atomically (temp name, rename), and does nothing else.
 */
export function atomicFiles(dir) {
  if (!have('cc')) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, 'atomic-files');
  must(['cc', '-O2', '-o', bin, fileURLToPath(new URL('atomic-files.c', import.meta.url))]);
  return { argv: (list0, out) => [bin, list0, out, '2000'] };
}
