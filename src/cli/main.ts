/**
 * notar's command line, the one entry point: bin/notar.js calls main() of
 * this file's bundle, dist/notar.cjs. Declares every command and option, in this
 * file only (so `--help` needs no heavy imports), and loads a command's
 * module only when it runs. Plain `verify`, `prove` and `hash` lines skip
 * commander (fast-argv.ts). Errors become messages and exit codes only in
 * report.ts (FORMAT.md §10).
 */
import type { Command } from 'commander';
import type { Crypto } from '../core/crypto.js';
import { nodeCrypto } from '../node/crypto.js';
import { optsWithCrypto } from './crypto-opts.js';
import { fastCommand, type Declarer, type Loader, type Runner } from './fast-argv.js';
import { quietOnEpipe, report, setDebug } from './output/report.js';
import { VERSION } from './version.js';

/** The one Crypto of a CLI run: node:crypto, passed to every command with its options (core/crypto.ts). */
const CLI_CRYPTO: Crypto = nodeCrypto;

/** A command's action: runs its module (`load`, also used by the fast path). */
function action(load: Loader) {
  const run = async function (this: Command, ...raw: unknown[]) {
    const args = raw.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a])) as string[];
    const mod = await load();
    process.exitCode = await mod.run(args, optsWithCrypto(this.optsWithGlobals(), CLI_CRYPTO));
  };
  return Object.assign(run, { load });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function storeOptions(cmd: Declarer): Declarer {
  return cmd
    .option('--passphrase-file <file>', 'read the key passphrase from this file (first line)')
    .option('--no-passphrase', 'the key is (or will be) stored without a passphrase');
}

/** Every option and command of notar (commander's program, or fast-argv.ts's Recorder). */
export function declareProgram(program: Declarer): void {
  declareGlobals(program);
  declareCommands(program);
}

/** Options of the program itself, accepted after the command too. */
function declareGlobals(program: Declarer): void {
  program
    .option('--store <dir>', 'store directory (default: $NOTAR_STORE, else $XDG_DATA_HOME/notar)')
    .option('--debug', 'show stack traces for errors');
}

function declareCommands(program: Declarer): void {
  storeOptions(
    program
      .command('init')
      .description('create a store and a signing key; prints the verifier key to publish')
      .requiredOption('--name <origin>', 'log origin and key name, e.g. notary.example.gov/land-registry')
      .option('--import <file>', 'use an existing C2SP signer key read from this file (- for stdin)'),
  )
    .addHelpText('after', '\nExample:\n  notar init --name notary.example.gov/land-registry')
    .action(action(() => import('./commands/init.js')));

  const key = program.command('key').description('show, export, import or rotate the signing key');
  key
    .command('show')
    .description('print the verifier key (public; safe to publish)')
    .addHelpText('after', '\nExample:\n  notar key show > office.vkey')
    .action(action(() => import('./commands/key-show.js')));
  storeOptions(key.command('export').description('print the signer key string (secret!) to stdout'))
    .addHelpText('after', '\nExample:\n  notar key export > backup.key && chmod 600 backup.key')
    .action(action(() => import('./commands/key-export.js')));
  storeOptions(
    key
      .command('rotate')
      .description('hand the store over to a new key, recorded in the chain (old receipts keep verifying)')
      .option('--import <file>', 'use this C2SP signer key (file or -) instead of generating one'),
  )
    .addHelpText(
      'after',
      '\nThe handover block is signed by both keys; later blocks by the new key only.\nPrints the new verifier key to publish. Verifiers who trust only the old key can\naccept new receipts with the rotation proof (rotations/<block>.json in the store).\n\nExample:\n  notar key rotate > new-office.vkey',
    )
    .action(action(() => import('./commands/key-rotate.js')));
  storeOptions(
    key
      .command('retire')
      .description('record that the previous key (handed over in the last rotation) was compromised')
      .option('--compromised', 'the key leaked: its later signatures must not be trusted')
      .option('--after <size>', 'trust its checkpoints only up to this history size (default: its handover)'),
  )
    .addHelpText(
      'after',
      '\nRotate first (notar key rotate), then retire the old key. Prints the validity range\nof the retired key; verifiers enforce it with the retirement proof (rotations/<block>.json).\n\nExample:\n  notar key rotate > new.vkey && notar key retire --compromised --after 120',
    )
    .action(action(() => import('./commands/key-retire.js')));
  storeOptions(
    key
      .command('import <file>')
      .description('replace the store key with a C2SP PRIVATE+KEY+… string (file or -)')
      .option('--force', 'replace an existing key'),
  )
    .addHelpText('after', '\nExample:\n  notar key import backup.key --force')
    .action(action(() => import('./commands/key-import.js')));

  storeOptions(
    program
      .command('stamp [files...]')
      .description('stamp documents: one signed batch, one receipt per document')
      .option('--files-from <list>', 'read file names from this file (- for stdin), one per line')
      .option('-0, --null', 'names in --files-from are NUL-separated')
      .option('--digests', 'read sha256sum lines or bare hex digests from stdin instead of files')
      .option('--out <dir>', 'write receipts into this directory')
      .option('--json', 'print one NDJSON line per document on stdout (receipts inline unless --out)')
      .option('--force', 'replace existing receipts (and stamp again)')
      .option('--again', 'stamp documents already stamped in this store again')
      .option('--clerk <name>', 'who is stamping, recorded in the store (default: $NOTAR_CLERK, else the OS user)')
      .option('--no-receipts', 'seal only; rebuild receipts later with `notar prove`')
      .option('--witness-timeout <seconds>', 'how long to wait for witness cosignatures after sealing (default 5)')
      .option('--server <url>', 'have this notary server seal (notar serve); only digests are sent')
      .option('--token-file <file>', 'with --server: the clerk token (`notar clerk add` printed it)')
      .option('--timeout <seconds>', 'with --server: give up waiting for the receipts after this long (default 120)')
      .option('--no-timestamp', "do not ask the store's TSAs for a timestamp (see `notar timestamp`)"),
  )
    .addHelpText(
      'after',
      '\nReceipts go beside each file (FILE.notar.json), or under --out DIR keeping relative paths.\nA document read from stdin (-) gets its receipt on stdout unless --out is given.\nAn existing receipt is kept if it holds in this store; anything else in its place stops the run (--force replaces).\nTwo documents whose receipts would be one file stop the run before anything is sealed.\n\nExamples:\n  notar stamp deed-1.pdf deed-2.pdf\n  cat letter.txt | notar stamp - > letter.notar.json\n  find docs -type f -print0 | notar stamp --files-from - -0 --out receipts\n  sha256sum *.pdf | notar stamp --digests --json > receipts.ndjson\n  notar stamp --server https://notary.example.gov --token-file ~/.notar-token deed-1.pdf',
    )
    .action(action(() => import('./commands/stamp.js')));

  program
    .command('verify [files...]')
    .description('check documents against their receipts, offline')
    .option('--receipt <file>', 'the receipt of the one document (default: <file>.notar.json)')
    .option('--receipts <dir>', 'find receipts under this directory, as `stamp --out DIR` wrote them')
    .option('--files-from <list>', 'read document names from this file (- for stdin), one per line')
    .option('-0, --null', 'names in --files-from are NUL-separated')
    .option('--key <vkey>', 'a trusted verifier key (repeatable)', collect)
    .option('--key-file <file>', 'trusted verifier keys, one per line', collect)
    .option('--sha256 <hex>', 'check this document digest instead of reading a file')
    .option('--json', 'print each verdict as one JSON line (NDJSON)')
    .option('--status <file>', "also check a signed revocation status (`notar status`) by the log's key")
    .option(
      '--rotation <file>',
      "a key rotation or retirement proof (the store's rotations/<block>.json): trust the successor of a trusted key, distrust a retired one (repeatable)",
      collect,
    )
    .option('--policy <file>', 'verify under a C2SP tlog-policy (log keys, witnesses, quorum) instead of --key')
    .option(
      '--tsa-cert <file>',
      'a trusted TSA certificate or its CA: check the timestamps in the receipt (repeatable)',
      collect,
    )
    .addHelpText(
      'after',
      '\nPrints one line per document: OK, or FAILED with the step that failed.\n' +
        'With --status: FAILED (revoked) for a revoked document; a status older than the\n' +
        "receipt's checkpoint is refused as stale.\n" +
        'Trust comes only from --key/--key-file, never from the receipt. A receipt that is\n' +
        'not a valid receipt, or a file that cannot be read, is an input error.\n' +
        'Exit status: 0 all OK; 1 if any document FAILED; otherwise 2 if any could not be\n' +
        'checked (with several documents, the others are still checked).\n' +
        'A name ending in .notar.json (with no receipt of its own) is taken as the receipt\n' +
        'of the document beside it: `notar verify *` checks a folder of both.\n' +
        '\nExamples:\n  notar verify deed-1.pdf --key-file office.vkey\n  notar verify *.pdf --receipts receipts --key-file office.vkey --json\n' +
        '  find docs -type f -print0 | notar verify --files-from - -0 --receipts receipts --key-file office.vkey\n' +
        '  notar verify --sha256 3f5a…c2 --receipt deed-1.pdf.notar.json --key-file office.vkey --json',
    )
    .action(action(() => import('./commands/verify-tsa.js')));

  program
    .command('prove [files...]')
    .description('rebuild receipts for stamped documents from the store')
    .option('--sha256 <hex>', 'find the document by its digest')
    .option('--files-from <list>', 'read document names from this file (- for stdin), one per line')
    .option('-0, --null', 'names in --files-from are NUL-separated')
    .option('--out <dir>', 'write receipts into this directory instead of stdout')
    .addHelpText(
      'after',
      '\nPrints the receipt of the most recent stamping (older ones are listed on stderr).\n' +
        'With --out DIR it writes every stamping: DIR/<name>.notar.json for the most recent,\n' +
        'DIR/<name>.<block>-<index>.notar.json for older ones (<name>: the file name, or the\n' +
        'digest with --sha256), and prints the paths. Several documents need --out; all of\n' +
        'them must be found before anything is written. Exit 1 if one was never stamped here.\n' +
        '\nExamples:\n  notar prove deed-1.pdf > deed-1.pdf.notar.json\n  notar prove --sha256 3f5a…c2 --out receipts\n' +
        '  find docs -type f -print0 | notar prove --files-from - -0 --out receipts',
    )
    .action(action(() => import('./commands/prove.js')));

  program
    .command('refresh <receipts...>')
    .description('move receipts to the latest checkpoint (rewrites each file)')
    .addHelpText(
      'after',
      '\nAll receipts are checked first (this log, unaltered); none is rewritten if one is refused.\n\nExample:\n  notar refresh receipts/*.notar.json',
    )
    .action(action(() => import('./commands/refresh.js')));

  declareTimestampCommands(program);

  program
    .command('log')
    .description('list the blocks in the chain, with who stamped them')
    .option('--json', 'one JSON object per block')
    .option('--since <date>', 'only blocks sealed on or after DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)')
    .option('--until <date>', 'only blocks sealed on or before DATE')
    .option('--clerk <name>', 'only blocks stamped by this clerk')
    .option('--documents', "also list each block's documents (index, sha256, name)")
    .addHelpText(
      'after',
      '\nThe last column is the clerk (? when not recorded).\n\nExamples:\n  notar log --json | tail -n 1\n  notar log --since 2026-11-24 --until 2026-11-24 --clerk ana --documents',
    )
    .action(action(() => import('./commands/log.js')));

  storeOptions(
    program
      .command('revoke [files...]')
      .description('withdraw stamped documents: a revocation entry in the chain (cannot be undone)')
      .option('--sha256 <hex>', 'the document by its digest')
      .option('--digests', 'read sha256sum lines or bare hex digests from stdin')
      .option('--reason <text>', 'why (published in the status file)')
      .option('--clerk <name>', 'who is revoking, recorded in the store (default: $NOTAR_CLERK, else the OS user)'),
  )
    .addHelpText(
      'after',
      '\nEvery stamping of each document in this store is revoked. A document never stamped\nhere (exit 1) or already revoked (exit 2) stops the run before anything is written.\nPublish the result with `notar status`.\n\nExample:\n  notar revoke deed-7.pdf --reason "issued by mistake"',
    )
    .action(action(() => import('./commands/revoke.js')));

  storeOptions(
    program
      .command('status')
      .description('write the signed revocation status, bound to the latest checkpoint')
      .option('--out <file>', 'write it to this file instead of stdout'),
  )
    .addHelpText(
      'after',
      '\nRevoked stampings are listed by salted leaf hash (never the document digest), with date\nand reason. Verify with `notar verify --status FILE`.\n\nExample:\n  notar status --out status.txt',
    )
    .action(action(() => import('./commands/status.js')));

  program
    .command('find [name-glob]')
    .description('list every stamping of a document: block, leaf, time, clerk, revoked or not')
    .option('--sha256 <hex>', 'find the document by its digest instead of its name')
    .option('--json', 'one JSON object per stamping')
    .addHelpText(
      'after',
      "\nNames are the file names recorded at stamping; the glob knows * ? [...].\nExit 1 if nothing matches.\n\nExamples:\n  notar find 'deed-*.pdf'\n  notar find --sha256 3f5a…c2 --json",
    )
    .action(action(() => import('./commands/find.js')));

  program
    .command('checkpoint [action] [a] [b]')
    .description('print the latest signed checkpoint (for publishing); compare A B: can both be true?')
    .option('--request', 'print an add-checkpoint request body (C2SP tlog-witness) for a witness reached by files')
    .option('--old <size>', 'with --request: the size the witness last cosigned (default 0)')
    .option('--proof <file>', 'with compare: a consistency proof (base64 or hex hashes, one per line)')
    .option('--key <vkey>', 'with compare: a trusted log key (repeatable)', collect)
    .option('--key-file <file>', 'with compare: trusted log keys, one per line', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  notar checkpoint > checkpoint.txt\n  notar checkpoint --request --old 12 > request.txt\n  notar checkpoint compare theirs.txt ours.txt',
    )
    .action(action(() => import('./commands/checkpoint.js')));

  program
    .command('consistency')
    .description('prove the log only grew since an old checkpoint, or check such a proof')
    .option('--from <checkpoint>', 'old signed checkpoint file: print a proof to the latest one')
    .option('--verify <proof>', 'check a consistency proof file (needs --key or --key-file)')
    .option('--key <vkey>', 'a trusted verifier key (repeatable)', collect)
    .option('--key-file <file>', 'trusted verifier keys, one per line', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  notar consistency --from old-checkpoint.txt > proof.json\n  notar consistency --verify proof.json --key-file office.vkey',
    )
    .action(action(() => import('./commands/consistency.js')));

  // Issue 15: publishing, monitoring, the server and its clerks (src/cli/{publish,monitor,serve,clerk}.ts).
  declareOfficeCommands(program);

  const chain = program.command('chain').description('audit the chain file');
  chain
    .command('verify')
    .description('full audit: links, batch roots from stored leaves, history roots, signatures')
    .option('--json', 'print the result as JSON')
    .option(
      '--key <vkey>',
      "audit against this published verifier key instead of the store's key.pub (repeatable)",
      collect,
    )
    .option('--key-file <file>', 'published verifier keys, one per line', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  notar chain verify && echo chain intact\n  notar chain verify --key-file office.vkey',
    )
    .action(action(() => import('./commands/chain-verify.js')));

  program
    .command('hash [files...]')
    .description('print SHA-256 digests in sha256sum format (no file, or -: standard input)')
    .addHelpText('after', '\nExamples:\n  notar hash deed-1.pdf | sha256sum -c\n  cat deed-1.pdf | notar hash')
    .action(action(() => import('./commands/hash.js')));

  program
    .command('verifier-page')
    .description('write a self-contained HTML page that verifies receipts in a browser')
    .requiredOption('--out <file>', 'where to write the page')
    .option('--key <vkey>', 'a trusted verifier key to bake in (repeatable)', collect)
    .option('--key-file <file>', 'trusted verifier keys, one per line', collect)
    .option('--status <file>', 'bake in a signed revocation status (`notar status`)')
    .option('--policy <file>', 'bake a C2SP tlog-policy into the page (log keys, witnesses, quorum)')
    .option('--tsa-cert <file>', 'a trusted TSA certificate or its CA, to confirm timestamps (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExample:\n  notar verifier-page --out verify.html --key-file office.vkey --status status.txt',
    )
    .action(action(() => import('./commands/verifier-page.js')));

  declareWitnessCommands(program);
}

/** A witness command module exports several runners; `admin`/`logSide` pick one. */
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

/** The witness commands (issue 12, docs/witness.md): a witness, and the log side of being witnessed. */
function declareWitnessCommands(program: Declarer): void {
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
    .option('--from <file>', 'cosignature lines a witness returned as a file (repeatable)', collect)
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

function declareOfficeCommands(program: Declarer): void {
  program
    .command('publish')
    .description('write the log as C2SP tlog-tiles static files (only what is new)')
    .requiredOption('--out <dir>', 'the directory a web server serves')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      "\nWrites checkpoint, tile/<L>/<N>, tile/entries/<N> (the block lines) and notar/leaves/<N>\n(each block's leaf hashes); the checkpoint last. See docs/server.md.\n\nExample:\n  notar publish --out /var/www/log",
    )
    .action(action(() => import('./commands/publish.js')));

  program
    .command('monitor <log>')
    .description('follow a published log (URL prefix or directory): check and report new blocks')
    .option('--key <vkey>', "the log's verifier key", collect)
    .option('--key-file <file>', "file holding the log's verifier key", collect)
    .option('--state <dir>', 'remember the last verified checkpoint here (consistency across runs)')
    .option('--json', 'one JSON object per new block')
    .addHelpText(
      'after',
      '\nChecks the checkpoint signature, that it extends the last one seen (--state), every new\nblock line against the tiles and the previous block, every new batch root from its leaf\nhashes, and the history root from the tiles. Exit 1 with evidence on stdout if not.\n\nExamples:\n  notar monitor https://log.example.gov/land --key-file office.vkey --state ~/.notar-monitor\n  notar monitor /var/www/log --key-file office.vkey',
    )
    .action(action(() => import('./commands/monitor.js')));

  storeOptions(
    program
      .command('serve')
      .description('serve the store to many clerks over HTTP(S), and publish its log')
      .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:7300)')
      .option('--window-ms <ms>', 'seal documents arriving within this window as one block (default 250)')
      .option('--max-docs <n>', 'seal at once when this many documents wait (default 10000)')
      .option('--max-body <bytes>', 'largest request body (default 16 MiB)')
      .option('--max-request-docs <n>', 'most documents in one request (default 100000)')
      .option('--publish-dir <dir>', 'where the tlog-tiles files are written and served from (default: <store>/tlog)')
      .option('--tls-cert <file>', 'serve HTTPS with this certificate chain (PEM)')
      .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
      .option('--witness-timeout <seconds>', 'how long to wait for witness cosignatures after each block (default 5)')
      .option('--no-timestamp', 'do not ask the TSAs (`notar tsa list`) after each block'),
  )
    .addHelpText(
      'after',
      '\nClerks (notar clerk add) send digests: POST /v1/stamp; receipts come back once sealed.\nAlso serves GET /v1/health, /checkpoint, /tile/... and /notar/leaves/... (docs/server.md).\nSIGTERM: finishes the block being sealed, refuses new work, exits.\n\nExample:\n  notar serve --listen 127.0.0.1:7300 --passphrase-file /etc/notar/passphrase',
    )
    .action(action(() => import('./commands/serve.js')));

  program
    .command('clerk <action> [name]')
    .description('manage who may stamp through the server: add NAME | list | remove NAME')
    .option('--json', 'list as JSON lines')
    .addHelpText(
      'after',
      '\n`clerk add NAME` prints the new token alone on stdout, once; only its hash is stored.\n\nExamples:\n  notar clerk add alice > alice.token\n  notar clerk list\n  notar clerk remove alice',
    )
    .action(action(() => import('./commands/clerk.js')));
}

/** RFC 3161 trusted time (docs/timestamps.md): `tsa add|remove|list` and `timestamp`. */
function declareTimestampCommands(program: Declarer): void {
  const tsa = program
    .command('tsa')
    .description('the time-stamping authorities (RFC 3161) this store asks after each stamp');
  tsa
    .command('add <url>')
    .description(
      'pin a TSA: its certificate, or the CA certificate that issues it (URL "offline": replies come as files)',
    )
    .requiredOption('--cert <file>', 'the TSA certificate or its issuing CA (PEM or DER)')
    .option('--name <name>', 'a short name (default: the URL host)')
    .option('--timeout <seconds>', 'how long stamp waits for this TSA (default 10)')
    .addHelpText('after', '\nExample:\n  notar tsa add https://tsa.example.eu/tsr --cert tsa-ca.pem --name example-tsa')
    .action(action(() => import('./commands/tsa-add.js')));
  tsa
    .command('remove <name>')
    .description('stop asking this TSA (its tokens stay)')
    .addHelpText('after', '\nExample:\n  notar tsa remove example-tsa')
    .action(action(() => import('./commands/tsa-remove.js')));
  tsa
    .command('list')
    .description('list the TSAs and their pinned certificates')
    .option('--json', 'one JSON object per TSA')
    .addHelpText('after', '\nExample:\n  notar tsa list --json')
    .action(action(() => import('./commands/tsa-list.js')));
  program
    .command('timestamp')
    .description('get RFC 3161 timestamps for the latest checkpoint (retries what stamp could not get)')
    .option('--request', 'write the query (DER, as `openssl ts -query`) to stdout, for an offline TSA')
    .option('--reply <file>', 'attach a reply or token (as `openssl ts -reply` writes) to its checkpoint')
    .option('--query <file>', 'with --reply: the query it answers, if not made by --request')
    .option('--check', 'check every token the store keeps against its checkpoint and the pinned TSAs')
    .option('--name <name>', 'only this TSA')
    .option('--max-delay <hours>', 'accept a timestamp up to this long after the block was sealed (default 24)')
    .addHelpText(
      'after',
      '\nThen `notar refresh` puts the tokens into receipts.\n\nExamples:\n  notar timestamp && notar refresh receipts/*.notar.json\n  notar timestamp --request > cp.tsq\n  openssl ts -reply -queryfile cp.tsq -config tsa.cnf -out cp.tsr\n  notar timestamp --reply cp.tsr',
    )
    .action(action(() => import('./commands/timestamp.js')));
}

/** commander is loaded only here: `verify` and `prove` usually start without it (fast-argv.ts). */
async function buildProgram(): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('notar')
    .description('verifiable document notarization: Merkle batches, signed checkpoints, offline receipts')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error:/, 'notar: error:')) });
  program.hook('preAction', (cmd) => {
    setDebug(Boolean(cmd.opts().debug));
  });
  declareProgram(program);
  forEachCommand(program, (cmd) =>
    cmd.exitOverride().showHelpAfterError(`notar: hint: see \`${commandPath(cmd)} --help\``),
  );
  return program;
}

function forEachCommand(cmd: Command, f: (c: Command) => void): void {
  f(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, f);
}

/** `notar key import`: the command as typed. */
function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}

export async function main(argv: string[]): Promise<void> {
  quietOnEpipe();
  try {
    setDebug(argv.includes('--debug'));
    const fast = fastCommand(argv.slice(2), declareProgram);
    if (fast) process.exitCode = await (await fast.load()).run(fast.args, optsWithCrypto(fast.opts, CLI_CRYPTO));
    else await (await buildProgram()).parseAsync(argv);
  } catch (e) {
    process.exitCode = report(e);
  }
}
