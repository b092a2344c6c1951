// Issue 10, item 4: `key import` replaces key.json and key.pub as one step. A process killed
// between the steps (simulated by a hook that throws, as SIGKILL would stop it there) leaves a
// journal that the next openStore finishes, so key.json and key.pub never disagree.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { generateSigner } from '../../src/core/note.js';
import { openStore, type KeyImportStep } from '../../src/store/store.js';
import { docBatch, newStore, ORIGIN } from './fixtures.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const killedAt =
  (at: string): KeyImportStep =>
  (step) => {
    if (step === at) throw new Error(`killed after ${step}`);
  };

describe('Store.replaceKey', () => {
  it('replaces both files and leaves no journal', () => {
    const f = newStore();
    const next = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    f.store.replaceKey(next, null);
    expect(fs.existsSync(f.store.paths.keyImport)).toBe(false);
    const again = openStore(f.dir, nodeCrypto);
    expect(again.verifier().text).toBe(next.text);
    expect(again.signer(() => '').text).toBe(next.text);
    expect(again.keyImportFinished).toBeUndefined();
  });

  for (const step of ['journal', 'key.json', 'key.pub'] as const) {
    it(`killed after ${step}: the next open finishes the import; both files hold the new key; the next seal says so`, async () => {
      const f = newStore();
      const next = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
      expect(() => f.store.replaceKey(next, null, killedAt(step))).toThrow(`killed after ${step}`);
      expect(fs.existsSync(f.store.paths.keyImport)).toBe(true);
      const store = openStore(f.dir, nodeCrypto);
      expect(fs.existsSync(f.store.paths.keyImport)).toBe(false);
      expect(store.verifier().text).toBe(next.text);
      expect(store.signer(() => '').text).toBe(next.text);
      const r = await store.seal(docBatch(['a']), next);
      expect(r.recovered).toEqual([
        `finished an interrupted \`notar key import\`: key.json and key.pub now both hold key ${next.keyId}`,
      ]);
    });
  }

  it('killed before its journal was in place: nothing changed (only a temp file, removed later)', () => {
    const f = newStore();
    const next = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    // The journal's own write fails: as a kill before its rename would leave things.
    fs.mkdirSync(f.store.paths.keyImport);
    expect(() => f.store.replaceKey(next, null)).toThrow();
    fs.rmdirSync(f.store.paths.keyImport);
    const store = openStore(f.dir, nodeCrypto);
    expect(store.verifier().text).toBe(f.signer.text);
    expect(store.signer(() => '').text).toBe(f.signer.text);
  });

  it('a damaged journal is a STORE error naming it, with a hint', () => {
    const f = newStore();
    fs.writeFileSync(f.store.paths.keyImport, '{"format":"notar-key-import/1","key":"x"}');
    let err: unknown;
    try {
      openStore(f.dir, nodeCrypto);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotarError);
    expect((err as NotarError).code).toBe('STORE');
    expect((err as NotarError).message).toContain(`${f.store.paths.keyImport} is damaged`);
    expect((err as NotarError).hint).toMatch(/interrupted `notar key import`/);
  });

  it('a journal for another origin is refused, not applied', () => {
    const f = newStore();
    const other = generateSigner('notary.example.org/other', new Uint8Array(crypto.randomBytes(32)));
    fs.writeFileSync(
      f.store.paths.keyImport,
      JSON.stringify({ format: 'notar-key-import/1', key: '{}', pub: other.text + '\n' }),
    );
    expect(() => openStore(f.dir, nodeCrypto)).toThrow(/is damaged: the key is not for/);
    expect(fs.readFileSync(f.store.paths.verifierKey, 'utf8')).toBe(f.signer.text + '\n');
  });
});
