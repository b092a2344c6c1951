/**
 * `notar key retire --compromised [--after SIZE]`: records in the chain that
 * the key handed over in the last rotation was compromised, and that its
 * signatures count only on checkpoints up to history size SIZE (default: its
 * handover checkpoint). Verifiers enforce it with the retirement proof.
 */
import { NotarError } from '../../core/errors.js';
import { retireKey } from '../../store/retire.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadSigner } from '../passphrase.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  if (!opts.compromised)
    throw new NotarError(
      'USAGE',
      'key retire needs --compromised (a key is retired only because it leaked; rotation alone already ends its signing)',
    );
  let after: number | undefined;
  if (opts.after !== undefined) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(String(opts.after)))
      throw new NotarError('USAGE', `--after ${opts.after}: expected a history size (a whole number)`);
    after = Number(opts.after);
  }
  const store = openStoreFromOpts(opts);
  const signer = await loadSigner(store, opts);
  const r = await retireKey(store, signer, after);
  process.stdout.write(`${r.key.text} valid up to history size ${r.after}\n`);
  notice(
    `retired key ${r.key.keyId} as compromised in block ${r.seq}: its signatures count only on checkpoints of history size <= ${r.after}`,
  );
  notice(
    `give verifiers the retirement proof ${r.proof} (notar verify --rotation FILE); refresh receipts under later checkpoints it signed (notar refresh)`,
  );
  return 0;
}
