/**
 * `notar clerk add NAME | list | remove NAME`: who may stamp through
 * `notar serve`. `add` prints the new bearer token alone on stdout, once;
 * the store keeps only its SHA-256 (src/server/clerks.ts).
 */
import { NotarError } from '../../core/errors.js';
import { addClerk, readClerks, removeClerk } from '../../server/clerks.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';

export async function run(args: string[], opts: Opts): Promise<number> {
  const [action, name, ...rest] = args;
  const store = openStoreFromOpts(opts);
  const dir = store.paths.dir;
  if (action === 'list' && name === undefined) {
    const clerks = readClerks(dir);
    if (opts.json)
      process.stdout.write(clerks.map((c) => JSON.stringify({ name: c.name, added: c.added }) + '\n').join(''));
    else if (clerks.length === 0) notice(`no clerks yet: add one with \`notar clerk add NAME\``);
    else process.stdout.write(clerks.map((c) => `${c.name}\t${c.added}\n`).join(''));
    return 0;
  }
  if ((action === 'add' || action === 'remove') && name !== undefined && rest.length === 0) {
    if (action === 'add') {
      const token = addClerk(dir, name);
      process.stdout.write(token + '\n');
      notice(
        `clerk ${name} added; the token above is shown only once: give it to ${name} (e.g. in a file for --token-file)`,
      );
    } else {
      removeClerk(dir, name);
      notice(`clerk ${name} removed; the token no longer works`);
    }
    return 0;
  }
  throw new NotarError('USAGE', 'use: notar clerk add NAME | notar clerk list | notar clerk remove NAME');
}
