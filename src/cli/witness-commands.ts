/**
 * Declarations of the witness commands (issue 12), called from main.ts's
 * declareCommands (so fast-argv.ts's Recorder sees them too). Options of
 * existing commands (stamp, verify, checkpoint, verifier-page) are in main.ts.
 */
import type { Declarer, Loader } from './fast-argv.js';

type Opts = Record<string, unknown>;
type Runner = (args: string[], opts: Opts) => Promise<number>;
type Action = (load: Loader) => ((...args: never[]) => unknown) & { load?: Loader };

const admin = (name: 'init' | 'keyShow' | 'addLog' | 'removeLog' | 'list' | 'cosign') => () =>
  import('./commands/witness-admin.js').then((m) => ({ run: m[name] as Runner }));

function witnessStore(cmd: Declarer): Declarer {
  return cmd
    .option(
      '--witness-store <dir>',
      'witness store directory (default: $NOTAR_WITNESS_STORE, else $XDG_DATA_HOME/notar-witness)',
    )
    .option('--passphrase-file <file>', 'read the key passphrase from this file (first line)')
    .option('--no-passphrase', 'the key is (or will be) stored without a passphrase');
}

export function declareWitnessCommands(program: Declarer, action: Action): void {
  const ws = program.command('witnesses').description('the witnesses this log asks for cosignatures');
  const logSide = (name: 'add' | 'remove' | 'list' | 'cosign' | 'policy') => () =>
    import('./commands/witnesses.js').then((m) => ({ run: m[name] as Runner }));
  ws.command('add <witness-key>')
    .description('ask this witness (its key from `notar witness key show`) after each stamp')
    .option('--url <url>', "the witness's submission prefix, e.g. http://127.0.0.1:7380 (without: exchange files)")
    .addHelpText(
      'after',
      '\nExample:\n  notar witnesses add "witness.example.gov/w1+1a2b3c4d+BAbC…=" --url http://127.0.0.1:7380',
    )
    .action(action(logSide('add')));
  ws.command('remove <name>')
    .description('stop asking a witness')
    .action(action(logSide('remove')));
  ws.command('list')
    .description('the witnesses, one per line: key [url]')
    .action(action(logSide('list')));
  program
    .command('cosign')
    .description('ask the witnesses again for the latest checkpoint, or merge cosignature lines from files')
    .option(
      '--from <file>',
      'cosignature lines a witness returned as a file (repeatable)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--witness-timeout <seconds>', 'how long to wait for the witnesses (default 5)')
    .addHelpText(
      'after',
      '\nThen `notar refresh` moves receipts to the best-cosigned checkpoint.\n\nExamples:\n  notar cosign\n  notar cosign --from w2-answer.txt',
    )
    .action(action(logSide('cosign')));
  program
    .command('policy')
    .description('print a C2SP tlog-policy for this log: its key, its witnesses and a quorum')
    .option('--quorum <q>', 'none, any, all, or how many witnesses must cosign (default: a majority)')
    .addHelpText('after', '\nExample:\n  notar policy --quorum 2 > registry.policy')
    .action(action(logSide('policy')));
  const w = program
    .command('witness')
    .description('run a witness: cosign checkpoints of other logs (C2SP tlog-witness)');
  witnessStore(
    w.command('init').description('create a witness store and its cosigner key; prints the witness key (type 0x04)'),
  )
    .requiredOption('--name <name>', 'witness name, e.g. witness.example.gov/w1')
    .addHelpText('after', '\nExample:\n  notar witness init --name witness.land-registry.example.gov/w1')
    .action(action(admin('init')));
  witnessStore(
    w.command('key').description('show the witness key').command('show').description('print the witness key (public)'),
  ).action(action(admin('keyShow')));
  witnessStore(
    w.command('add-log <log-key>').description("witness a log: its verifier key (from the log's `notar key show`)"),
  )
    .addHelpText('after', '\nExample:\n  notar witness add-log "registry.example.gov/civil+1a2b3c4d+AbC…="')
    .action(action(admin('addLog')));
  witnessStore(
    w.command('remove-log <origin>').description('stop witnessing a log (its last cosigned state is kept)'),
  ).action(action(admin('removeLog')));
  witnessStore(
    w
      .command('list')
      .description('the logs witnessed, with the latest size cosigned')
      .option('--json', 'one JSON object per log'),
  ).action(action(admin('list')));
  witnessStore(
    w
      .command('cosign [request]')
      .description('answer an add-checkpoint request body from a file (or -): prints the cosignature line(s)'),
  )
    .addHelpText(
      'after',
      '\nThe same checks as `witness serve`. Exit 1 if not cosigned (the reason on stderr).\n\nExample:\n  notar witness cosign request.txt > cosignature.txt',
    )
    .action(action(admin('cosign')));
  witnessStore(w.command('serve').description('serve POST /add-checkpoint (C2SP tlog-witness) over HTTP'))
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:7380)')
    .option('--read-timeout <seconds>', 'a request must arrive whole within this (default 10)')
    .addHelpText('after', '\nExample:\n  notar witness serve --listen 127.0.0.1:7380')
    .action(action(() => import('./commands/witness-serve.js')));
}
