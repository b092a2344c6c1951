/**
 * `notar key rotate [--import FILE]`: hands the store over to a new key, in
 * the chain (docs/lifecycle.md §3): one rotation entry block whose
 * checkpoint is signed by the old and the new key; later blocks are signed
 * by the new key. Prints the new verifier key (to publish); the rotation
 * proof for verifiers who still trust the old key goes to rotations/<seq>.json.
 */
import { randomBytes } from '../../core/bytes.js';
import { generateSigner, parseSignerKey } from '../../core/note.js';
import { rotateKey } from '../../store/rotate.js';
import { openStoreFromOpts, readTextInput, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadSigner, passphraseToSeal } from '../passphrase.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const old = await loadSigner(store, opts);
  const next =
    typeof opts.import === 'string'
      ? parseSignerKey(readTextInput(opts.import, 4096).trim(), store.crypto)
      : generateSigner(store.origin, randomBytes(32), store.crypto);
  // The new key is kept as the old one was: encrypted (same passphrase source) or, if it was not, not.
  const passphrase = store.keyEncrypted() ? await passphraseToSeal(opts) : null;
  const { seq, proof } = await rotateKey(store, old, next, passphrase);
  process.stdout.write(next.text + '\n');
  notice(
    `rotated the key of ${store.origin} in block ${seq}: key ${old.keyId} handed over to key ${next.keyId} (the handover checkpoint is signed by both)`,
  );
  notice(
    `publish the new verifier key above; verifiers who trust only the old key accept new receipts with the rotation proof ${proof} (notar verify --rotation FILE)`,
  );
  return 0;
}
