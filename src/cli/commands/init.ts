/** `notar init`: create the store and its signing key; print the verifier key. */
import { randomBytes } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { generateSigner, isValidOwnKeyName, parseSignerKey } from '../../core/note.js';
import { initStore } from '../../store/store.js';
import { cryptoOf, readTextInput, storeDir, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { passphraseToSeal } from '../passphrase.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const name = String(opts.name);
  if (!isValidOwnKeyName(name)) {
    throw new NotarError('USAGE', `--name ${JSON.stringify(name)} is not a valid origin`, {
      hint: 'use a name like notary.example.gov/land-registry: no spaces, no "+", no control characters, at most 256 bytes',
    });
  }
  const signer = opts.import
    ? parseSignerKey(readTextInput(String(opts.import), 4096, 'a signer key').trim(), cryptoOf(opts))
    : generateSigner(name, randomBytes(32), cryptoOf(opts));
  if (signer.name !== name) throw new NotarError('USAGE', `the imported key is named ${signer.name}, not ${name}`);
  const dir = storeDir(opts);
  const passphrase = await passphraseToSeal(opts);
  initStore(dir, signer, passphrase, cryptoOf(opts));
  process.stdout.write(signer.text + '\n');
  notice(
    `created store ${dir} for ${name}${passphrase === null ? ' (key NOT encrypted: --no-passphrase)' : ' (key encrypted)'}`,
  );
  notice('publish the verifier key above: citizens and auditors need it to check receipts');
  return 0;
}
