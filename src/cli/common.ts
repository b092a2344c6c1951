/**
 * What several commands share: finding the store, getting the passphrase,
 * reading trusted keys, hashing files. Thin wrappers that turn OS errors into
 * one clear NotarError line.
 */
import { NotarError } from '../core/errors.js';
import { parseVerifierKey, type Verifier } from '../core/note.js';
import { readCapped } from '../store/capped-read.js';
import { resolveStoreDir } from '../store/paths.js';
import { openStore, type Store } from '../store/store.js';
import { cryptoOf, type Opts } from './crypto-opts.js';
import { inputError } from './reading.js';

export { cryptoOf, type Opts };

export function storeDir(opts: Opts): string {
  return resolveStoreDir(opts.store as string | undefined);
}

export function openStoreFromOpts(opts: Opts): Store {
  return openStore(storeDir(opts), cryptoOf(opts));
}

/**
 * Reads a small text input the user named (`-` is stdin; raw bytes for a name
 * that is not UTF-8), at most `maxBytes` (capped while reading: `/dev/zero` or
 * an endless pipe stops at the cap).
 */
export function readTextInput(path: string | Buffer, maxBytes = 16 << 20, what?: string): string {
  const file = typeof path === 'string' ? path : path.toString('utf8');
  const label = file === '-' ? 'standard input' : file;
  try {
    return readCapped(file === '-' ? 0 : path, maxBytes, label, what).toString('utf8');
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, label);
  }
}

/**
 * The trusted keys: every --key, and every non-empty, non-# line of every
 * --key-file. Trust comes only from here, never from a receipt.
 */
export function trustedKeys(opts: Opts): Verifier[] {
  const keys: Verifier[] = [];
  const add = (text: string, where: string) => {
    try {
      keys.push(parseVerifierKey(text));
    } catch (e) {
      throw new NotarError('KEY_FORMAT', `${where}: ${(e as Error).message}`, {
        hint: 'a verifier key looks like name+1a2b3c4d+AbC…= (from `notar key show`)',
      });
    }
  };
  for (const k of (opts.key as string[] | undefined) ?? []) add(k.trim(), '--key');
  for (const f of (opts.keyFile as string[] | undefined) ?? []) {
    readTextInput(f, 1 << 20, 'a file of verifier keys')
      .split('\n')
      .forEach((line, i) => {
        const t = line.trim();
        if (t && !t.startsWith('#')) add(t, `${f} line ${i + 1}`);
      });
  }
  return keys;
}

/** `what`: what needs the keys, for the message ("a receipt can only be verified …"). */
export function requireTrustedKeys(opts: Opts, what = 'a receipt can only be verified'): Verifier[] {
  const keys = trustedKeys(opts);
  if (keys.length === 0) {
    throw new NotarError('USAGE', `no trusted key given: ${what} against a key you trust`, {
      hint: "pass the notary's published verifier key with --key KEY or --key-file FILE",
    });
  }
  return keys;
}
