/** `notar key export`: the signer key string, for backup or moving stores. */
import { formatSignerKey } from '../../core/note.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadSigner } from '../passphrase.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const signer = await loadSigner(openStoreFromOpts(opts), opts);
  if (process.stdout.isTTY) notice('warning: the next line is the SECRET signing key; store it encrypted and offline');
  process.stdout.write(formatSignerKey(signer) + '\n');
  return 0;
}
