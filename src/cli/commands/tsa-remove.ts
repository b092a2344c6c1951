/** `notar tsa remove NAME`: stops asking this TSA. Tokens it already gave stay in the store. */
import { NotarError } from '../../core/errors.js';
import { readAuthorities, writeAuthorities } from '../../store/tsa-store.js';
import { openStoreFromOpts, type Opts } from '../common.js';

export async function run(args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const list = readAuthorities(store);
  const kept = list.filter((a) => a.name !== args[0]);
  if (kept.length === list.length)
    throw new NotarError('NOT_FOUND', `this store has no TSA named ${args[0]}`, { hint: 'see `notar tsa list`' });
  writeAuthorities(store, kept);
  process.stdout.write(`removed TSA ${args[0]} (its tokens stay in the store)\n`);
  return 0;
}
