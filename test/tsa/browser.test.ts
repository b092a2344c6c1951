// src/core/timestamp.ts is browser-safe like the rest of the core: its
// browser bundle has no Node built-ins and verifies an OpenSSL token in a
// context that has only Web APIs (crypto.subtle, TextEncoder/Decoder).
import * as fs from 'node:fs';
import { join } from 'node:path';
import * as vm from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointImprint, timestampQuery, tokenFromReply } from '../../src/core/timestamp.js';
import { makeTestPki, type TestPki } from './openssl-tsa.js';

const ROOT = join(__dirname, '../..');
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

describe('timestamp core in a browser context', () => {
  it('bundles without Node built-ins and verifies a token with Web APIs only', async () => {
    const r = await build({
      absWorkingDir: ROOT,
      entryPoints: ['src/core/timestamp.ts'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'ts',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(
      inputs.filter((p) => p.startsWith('node:') || !(p.startsWith('src/core/') || p.startsWith('node_modules/'))),
    ).toEqual([]);
    const body = 'notary.example.gov/test\n1\nq7gG5lNUY9rYx1v2oUbnxVKUjUbcEPxMzHYhdIbT6oY=\n';
    const q = timestampQuery(checkpointImprint(body));
    const token = tokenFromReply(pki.reply(Buffer.from(q.der)));
    const context = vm.createContext({
      TextEncoder,
      TextDecoder,
      crypto: globalThis.crypto,
      input: { token: new Uint8Array(token), body, ca: new Uint8Array(fs.readFileSync(pki.caCert)) },
    });
    expect(vm.runInContext('[typeof Buffer, typeof process, typeof require]', context)).toEqual([
      'undefined',
      'undefined',
      'undefined',
    ]);
    vm.runInContext(r.outputFiles[0].text, context);
    const run = (imprint: string) =>
      vm.runInContext(
        `ts.verifyTimestampToken(input.token, { imprint: ${imprint}, trusted: ts.parseCertificates(input.ca) }).then((t) => t.tsa, (e) => e.fault)`,
        context,
      ) as Promise<string>;
    expect(await run('ts.checkpointImprint(input.body)')).toBe('CN=Test TSA, O=notar tests');
    expect(await run('ts.checkpointImprint(input.body + "x")')).toBe('imprint');
  });
});
