/**
 * In-process stores for the store unit tests and the reliability tests:
 * real files in a temp dir, node:crypto installed (as the CLI does).
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateSigner, type Signer } from '../../src/core/note.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { initStore, type Store } from '../../src/store/store.js';

export const ORIGIN = 'notary.example.gov/store-test';

export function tempDir(prefix = 'notar-store-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Fixture {
  dir: string;
  store: Store;
  signer: Signer;
}

/** A fresh store with an unencrypted key. */
export function newStore(origin = ORIGIN): Fixture {
  const dir = path.join(tempDir(), 'store');
  const signer = generateSigner(origin, new Uint8Array(crypto.randomBytes(32)));
  return { dir, store: initStore(dir, signer, null, nodeCrypto), signer };
}

export const digestOf = (text: string | Uint8Array): Uint8Array =>
  new Uint8Array(crypto.createHash('sha256').update(text).digest());

/** Packs the digests of `docs` for Store.seal. */
export function docBatch(docs: string[]): { digests: Uint8Array; names: string[] } {
  const digests = new Uint8Array(docs.length * 32);
  docs.forEach((d, i) => digests.set(digestOf(d), i * 32));
  return { digests, names: docs.map((_, i) => `doc-${i}.txt`) };
}

/** A pid that belonged to a process that has exited (so nothing runs under it now, almost surely). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

/** Every file under `dir` with its bytes, for "nothing was written" checks. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out.set(p + '/', 'dir');
        walk(p);
      } else if (e.isFile()) out.set(p, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
      else out.set(p, 'special');
    }
  };
  walk(dir);
  return out;
}
