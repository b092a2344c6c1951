// Key rotation in the store (docs/lifecycle.md §3): the journal's two crash points, deterministically.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigner, sameKey } from '../../src/core/note.js';
import { auditStore } from '../../src/store/audit.js';
import { journalFile, rotateKey } from '../../src/store/rotate.js';
import { openStore } from '../../src/store/store.js';
import { docBatch, newStore, ORIGIN } from './fixtures.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const newKey = () => generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));

describe('rotateKey crash points', () => {
  it('killed after the rotation block is sealed: the next open puts the new key in force', async () => {
    const f = newStore();
    await f.store.seal(docBatch(['a']), f.signer);
    const next = newKey();
    await expect(
      rotateKey(f.store, f.signer, next, null, () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(fs.existsSync(journalFile(f.store))).toBe(true);
    expect(sameKey(f.store.verifier(), f.signer)).toBe(true); // the files still hold the old key
    const reopened = openStore(f.dir, nodeCrypto);
    expect(sameKey(reopened.verifier(), next)).toBe(true);
    expect(reopened.keyImportFinished).toMatch(/finished an interrupted `notar key rotate`/);
    expect(fs.existsSync(journalFile(f.store))).toBe(false);
    await reopened.seal(docBatch(['b']), next);
    for (const k of [f.signer, next]) expect(auditStore(reopened, [k]).ok).toBe(true);
  });

  it('a journal whose block was never sealed: the old key stays, the next seal removes it', async () => {
    const f = newStore();
    await f.store.seal(docBatch(['a']), f.signer);
    const next = newKey();
    fs.writeFileSync(
      journalFile(f.store),
      JSON.stringify({ format: 'notar-key-rotate/1', key: '{}', pub: next.text + '\n', root: 'ab'.repeat(32) }) + '\n',
    );
    const reopened = openStore(f.dir, nodeCrypto);
    expect(sameKey(reopened.verifier(), f.signer)).toBe(true);
    const sealed = await reopened.seal(docBatch(['b']), f.signer);
    expect(sealed.recovered.join('\n')).toContain(
      'interrupted before its block was sealed: the old key stays in force',
    );
    expect(fs.existsSync(journalFile(f.store))).toBe(false);
  });

  it('a planted journal naming an ordinary block is refused, not applied', async () => {
    const f = newStore();
    const sealed = await f.store.seal(docBatch(['a']), f.signer);
    const thief = newKey();
    fs.writeFileSync(
      journalFile(f.store),
      JSON.stringify({ format: 'notar-key-rotate/1', key: '{}', pub: thief.text + '\n', root: sealed.record.root }) +
        '\n',
    );
    expect(() => openStore(f.dir, nodeCrypto)).toThrow(/is not a rotation to its key/);
    expect(fs.readFileSync(path.join(f.dir, 'key.pub'), 'utf8').trim()).toBe(f.signer.text);
  });
});
