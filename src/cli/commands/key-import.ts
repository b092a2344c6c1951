/** `notar key import FILE|-`: replace the store's key with a C2SP signer key. */
import { NotarError } from '../../core/errors.js';
import { parseSignerKey } from '../../core/note.js';
import { openStoreFromOpts, readTextInput, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { passphraseToSeal } from '../passphrase.js';

export async function run(args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const signer = parseSignerKey(readTextInput(args[0], 4096, 'a signer key').trim(), store.crypto);
  const current = store.verifier();
  if (current.text === signer.text) {
    notice('that key is already the store key; nothing changed');
    return 0;
  }
  // Blocks already signed by the current key would fail every later audit and
  // refresh under another key: rotation means a new store (and a published key).
  const blocks = store.readChain().records.length;
  if (blocks > 0) {
    throw new NotarError(
      'EXISTS',
      `the store has ${blocks} block${blocks === 1 ? '' : 's'} signed by key ${current.keyId}; a different key cannot take over its chain`,
      {
        hint: 'to rotate keys, create a new store with it: notar init --name <origin> --import FILE --store NEWDIR',
      },
    );
  }
  if (!opts.force) {
    throw new NotarError('EXISTS', `the store already has a key (${current.keyId}); importing replaces it`, {
      hint: 'add --force to replace it (export the old one first)',
    });
  }
  store.replaceKey(signer, await passphraseToSeal(opts));
  process.stdout.write(signer.text + '\n');
  notice(`imported key ${signer.keyId} for ${signer.name}; publish the verifier key above`);
  return 0;
}
