// `notar serve --tls-cert/--tls-key` (node:https) with a self-signed
// certificate made by openssl; `notar stamp --server https://…` trusts it
// through NODE_EXTRA_CA_CERTS, as a clerk's machine would trust an office CA.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { baseEnv, makeStore, notar, tempDir, writeDocs } from '../cli/helpers.js';
import { startServe } from './server-helpers.js';

it('serves HTTPS; a clerk stamps over it and the receipt verifies; plain HTTP is not answered as HTTP', async () => {
  const s = makeStore('notary.example.gov/tls');
  const certDir = tempDir('notar-tls-');
  const cert = path.join(certDir, 'cert.pem');
  const key = path.join(certDir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const token = s.run(['clerk', 'add', 'dan']).stdout.trim();
  const srv = await startServe(s, ['--tls-cert', cert, '--tls-key', key]);
  try {
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const desk = tempDir('notar-desk-');
    fs.writeFileSync(path.join(desk, 'token'), token);
    writeDocs(desk, { 'deed.pdf': 'a deed' });
    const env = baseEnv({ NODE_EXTRA_CA_CERTS: cert });
    const st = notar(['stamp', '--server', srv.url, '--token-file', 'token', 'deed.pdf'], { cwd: desk, env });
    expect(st.code, st.stderr).toBe(0);
    expect(notar(['verify', 'deed.pdf', '--key', s.vkey], { cwd: desk, env }).code).toBe(0);
    // Without trusting the certificate, the client refuses: one line, exit 2.
    const untrusted = notar(['stamp', '--server', srv.url, '--token-file', 'token', '--force', 'deed.pdf'], {
      cwd: desk,
      env: baseEnv(),
    });
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toMatch(
      /cannot reach the notary server at https:\/\/127\.0\.0\.1:\d+: (SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/,
    );
    await expect(fetch(srv.url.replace('https:', 'http:') + '/v1/health')).rejects.toThrow();
  } finally {
    srv.child.kill('SIGTERM');
    await srv.exited;
  }
});
