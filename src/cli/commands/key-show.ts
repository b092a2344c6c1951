/** `notar key show`: the verifier key (public), never the secret. */
import { openStoreFromOpts, type Opts } from '../common.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  process.stdout.write(openStoreFromOpts(opts).verifier().text + '\n');
  return 0;
}
