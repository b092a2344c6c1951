/** `notar checkpoint --request [--old N]`: an add-checkpoint body (C2SP tlog-witness) for a witness reached by files. */
import { NotarError } from '../../core/errors.js';
import { addCheckpointBody } from '../../witness/log-requests.js';
import { openStoreFromOpts, type Opts } from '../common.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const oldText = String(opts.old ?? '0');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(oldText))
    throw new NotarError('USAGE', `--old ${JSON.stringify(oldText)} is not a size`, {
      hint: 'the size the witness last cosigned, 0 if never',
    });
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  process.stdout.write(addCheckpointBody(state, Number(oldText), undefined, undefined, store.crypto));
  return 0;
}
