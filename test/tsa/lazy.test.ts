// The ASN.1/CMS libraries (@peculiar/asn1-*, asn1js: about 0.5 MB) stay out
// of dist/notar.cjs (external in scripts/build.mjs) and are required only by
// the code of timestamp commands: every other command line never loads them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeTestPki, type TestPki } from './openssl-tsa.js';

const ROOT = path.resolve(__dirname, '../..');
let hook: string;
let s: TestStore;
let pki: TestPki;

beforeAll(() => {
  // Records every module request for the ASN.1 libraries, printed on exit.
  hook = path.join(tempDir('notar-hook-'), 'hook.cjs');
  fs.writeFileSync(
    hook,
    `const Module = require('node:module'); const load = Module._load; const seen = new Set();
Module._load = function (request, ...rest) { if (/^(@peculiar\\/|asn1js$)/.test(request)) seen.add(request); return load.call(this, request, ...rest); };
process.on('exit', () => process.stderr.write('ASN1-LOADED:' + [...seen].sort().join(',') + '\\n'));\n`,
  );
  pki = makeTestPki();
  s = makeStore();
  writeDocs(s.dir, { 'a.txt': 'alpha\n' });
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
  fs.copyFileSync(pki.caCert, path.join(s.dir, 'ca.pem'));
});

function loaded(args: string[]): string {
  const r = s.run(args, { env: { NODE_OPTIONS: `--require=${hook}` } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('ASN1-LOADED:'));
  expect(line, r.stderr).toBeDefined();
  return (line as string).slice('ASN1-LOADED:'.length);
}

describe('lazy loading of the RFC 3161 code', () => {
  it('dist/notar.cjs requires the ASN.1 libraries instead of containing them', () => {
    const cli = fs.readFileSync(path.join(ROOT, 'dist/notar.cjs'), 'utf8');
    expect(cli).toContain('require("@peculiar/asn1-tsp")');
    expect(cli).not.toMatch(/AsnSchemaStorage|class TSTInfo\b/);
  });

  it('stamp (no TSA), verify, prove, hash and help never load them; verify --tsa-cert and tsa add do', () => {
    expect(loaded(['stamp', 'a.txt'])).toBe('');
    expect(loaded(['verify', 'a.txt', '--key-file', 'office.vkey'])).toBe('');
    expect(loaded(['prove', 'a.txt'])).toBe('');
    expect(loaded(['hash', 'a.txt'])).toBe('');
    expect(loaded(['--help'])).toBe('');
    expect(loaded(['verify', 'a.txt', '--key-file', 'office.vkey', '--tsa-cert', 'ca.pem'])).toContain(
      '@peculiar/asn1-tsp',
    );
    expect(loaded(['tsa', 'add', 'offline', '--cert', 'ca.pem'])).toContain('@peculiar/asn1-x509');
    // a store with only an offline TSA: stamp still does not load them
    writeDocs(s.dir, { 'b.txt': 'beta\n' });
    expect(loaded(['stamp', 'b.txt'])).toBe('');
  });

  it("is a separate library entry point, 'notar/time'; the main export stays without it", () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const t = await import('notar/time'); const c = await import('notar'); console.log(typeof t.verifyReceiptTime, typeof t.verifyTimestampToken, 'verifyReceiptTime' in c)",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function false');
    expect(fs.readFileSync(path.join(ROOT, 'dist/core/index.js'), 'utf8')).not.toMatch(/timestamp|receipt-time/);
  });
});
