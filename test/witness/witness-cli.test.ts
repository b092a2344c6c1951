// `notar witness init | key show | add-log | remove-log | list | cosign` and
// `notar checkpoint --request`, through the real binary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCosignerKey, verifyCosignature } from '../../src/core/cosignature.js';
import { parseNote } from '../../src/core/note.js';
import { parseCosignatureResponse } from '../../src/core/witness-protocol.js';
import { baseEnv, makeStore, notar, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeWitness, type TestWitness } from './helpers.js';

let log: TestStore;
let w: TestWitness;
const stamp = (name: string) => {
  writeDocs(log.dir, { [name]: `${name}\n` });
  const r = log.run(['stamp', name]);
  expect(r.code, r.stderr).toBe(0);
};

beforeAll(() => {
  log = makeStore('registry.example.gov/civil');
  w = makeWitness();
});

describe('witness store', () => {
  it('init prints a 0x04 witness key, key show prints it again; the key is sealed like a log key', () => {
    const key = parseCosignerKey(w.vkey);
    expect(key.name).toBe('witness.example.gov/w1');
    expect(w.run(['witness', 'key', 'show']).stdout.trim()).toBe(w.vkey);
    const sealed = JSON.parse(fs.readFileSync(path.join(w.dir, 'key.json'), 'utf8'));
    expect(sealed.format).toBe('notar-key/1');
    expect(fs.statSync(path.join(w.dir, 'key.json')).mode & 0o777).toBe(0o600);
    expect(w.run(['witness', 'init', '--name', 'x.example/y', '--no-passphrase']).code).toBe(2);
  });

  it('add-log, list, refusing a witness key as a log key and a duplicate', () => {
    expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
    expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(2);
    const bad = w.run(['witness', 'add-log', w.vkey]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/log key/);
    expect(w.run(['witness', 'list']).stdout).toMatch(/^registry\.example\.gov\/civil\tsize 0\t/);
  });

  it('cosign answers a request from `checkpoint --request`, then 409 from a stale size, then extends', () => {
    stamp('a.txt');
    stamp('b.txt');
    const req = log.run(['checkpoint', '--request']).stdout;
    expect(req.startsWith('old 0\n\n')).toBe(true);
    const r = w.run(['witness', 'cosign', '-'], req);
    expect(r.code, r.stderr).toBe(0);
    const sig = parseCosignatureResponse(r.stdout)[0];
    const body = parseNote(req.slice('old 0\n\n'.length)).body;
    expect(verifyCosignature(body, sig, parseCosignerKey(w.vkey))).toBeGreaterThan(1_700_000_000);
    expect(w.run(['witness', 'list', '--json']).stdout).toContain('"size":2');
    stamp('c.txt');
    const stale = w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request']).stdout);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/409.*last cosigned size 2.*old 2/);
    const next = log.run(['checkpoint', '--request', '--old', '2']).stdout;
    expect(next.split('\n')[0]).toBe('old 2');
    expect(w.run(['witness', 'cosign', '-'], next).code).toBe(0);
  });

  it('keeps fork evidence and never cosigns a second tree of a cosigned size', () => {
    // The same key in another store: a forked history of the same origin.
    fs.writeFileSync(path.join(log.dir, 'secret.key'), log.run(['key', 'export']).stdout, { mode: 0o600 });
    const f = makeStore('registry.example.gov/civil', [
      '--no-passphrase',
      '--import',
      path.join(log.dir, 'secret.key'),
    ]);
    expect(f.vkey).toBe(log.vkey);
    for (const n of ['x', 'y', 'z']) {
      writeDocs(f.dir, { [n]: `fork ${n}\n` });
      expect(f.run(['stamp', n]).code).toBe(0);
    }
    const forged = w.run(['witness', 'cosign', '-'], f.run(['checkpoint', '--request', '--old', '3']).stdout);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/FORK EVIDENCE for registry\.example\.gov\/civil: two different trees of size 3/);
    const files = fs.readdirSync(path.join(w.dir, 'evidence'));
    expect(files.length).toBe(1);
    const ev = fs.readFileSync(path.join(w.dir, 'evidence', files[0]), 'utf8');
    expect(ev).toContain(f.run(['checkpoint']).stdout);
    expect(w.run(['witness', 'list', '--json']).stdout).toContain('"size":3');
  });

  it('remove-log: then 404 (exit 1), and re-adding keeps the old state', () => {
    expect(w.run(['witness', 'remove-log', 'registry.example.gov/civil']).code).toBe(0);
    const r = w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request', '--old', '3']).stdout);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/404/);
    expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
    expect(w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request', '--old', '0']).stdout).stderr).toMatch(
      /409.*size 3/,
    );
  });

  it('witnesses add refuses a log key, a bad URL and a duplicate name; remove and list', () => {
    const other = makeWitness('witness.example.gov/other');
    expect(log.run(['witnesses', 'add', log.vkey]).code).toBe(2);
    expect(log.run(['witnesses', 'add', other.vkey, '--url', 'ftp://x']).code).toBe(2);
    expect(log.run(['witnesses', 'add', other.vkey, '--url', 'http://127.0.0.1:9/']).code).toBe(0);
    expect(log.run(['witnesses', 'add', other.vkey]).code).toBe(2);
    expect(log.run(['witnesses', 'list']).stdout).toBe(`${other.vkey} http://127.0.0.1:9\n`);
    expect(log.run(['witnesses', 'remove', other.name]).code).toBe(0);
    expect(log.run(['witnesses', 'remove', other.name]).code).toBe(1);
    expect(log.run(['witnesses', 'list']).stdout).toBe('');
  });

  it('an encrypted witness key: sealed with scrypt and AES-256-GCM, opened with the passphrase only', () => {
    const dir = path.join(tempDir('notar-witness-enc-'), 'w');
    const env = baseEnv({ NOTAR_WITNESS_STORE: dir, NOTAR_PASSPHRASE: 'correct horse battery' });
    const init = notar(['witness', 'init', '--name', 'witness.example.gov/enc'], { env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/key encrypted/);
    const sealed = fs.readFileSync(path.join(dir, 'key.json'), 'utf8');
    expect(JSON.parse(sealed)).toMatchObject({ kdf: 'scrypt', cipher: 'aes-256-gcm' });
    expect(sealed).not.toMatch(/PRIVATE/);
    expect(notar(['witness', 'add-log', log.vkey], { env }).code).toBe(0);
    const req = log.run(['checkpoint', '--request']).stdout;
    const noPass = notar(['witness', 'cosign', '-'], { env: { ...env, NOTAR_PASSPHRASE: '' }, input: req });
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toMatch(/passphrase/);
    expect(
      notar(['witness', 'cosign', '-'], { env: { ...env, NOTAR_PASSPHRASE: 'wrong one!' }, input: req }).code,
    ).toBe(2);
    const ok = notar(['witness', 'cosign', '-'], { env, input: req });
    expect(ok.code, ok.stderr).toBe(0);
    expect(
      verifyCosignature(
        parseNote(req.slice(req.indexOf('\n\n') + 2)).body,
        parseCosignatureResponse(ok.stdout)[0],
        parseCosignerKey(init.stdout.trim()),
      ),
    ).toBeDefined();
  });
});
