/**
 * `notar witness init | key show | add-log | remove-log | list | cosign`:
 * the witness store and the offline form of add-checkpoint (files instead of
 * HTTP, for offices that exchange files).
 */
import { randomBytes } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { isValidKeyName, parseVerifierKey } from '../../core/note.js';
import { requestOrigin } from '../../core/witness.js';
import { initWitnessStore, resolveWitnessDir, WitnessStore } from '../../witness/store.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { passphraseToOpen, passphraseToSeal } from '../passphrase.js';

export const witnessDir = (opts: Opts) => resolveWitnessDir(opts.witnessStore as string | undefined);
export const openWitness = (opts: Opts) => WitnessStore.open(witnessDir(opts), cryptoOf(opts));

export async function loadCosigner(w: WitnessStore, opts: Opts) {
  const passphrase = w.keyEncrypted() ? await passphraseToOpen(opts) : '';
  return w.cosigner(() => passphrase);
}

export async function init(_args: string[], opts: Opts): Promise<number> {
  const name = String(opts.name);
  if (!isValidKeyName(name)) {
    throw new NotarError('USAGE', `--name ${JSON.stringify(name)} is not a valid witness name`, {
      hint: 'use a name like witness.example.gov/w1: no spaces, no "+"',
    });
  }
  const dir = witnessDir(opts);
  const passphrase = await passphraseToSeal(opts);
  const v = initWitnessStore(dir, name, randomBytes(32), passphrase, cryptoOf(opts));
  process.stdout.write(v.text + '\n');
  notice(
    `created witness store ${dir} for ${name}${passphrase === null ? ' (key NOT encrypted: --no-passphrase)' : ' (key encrypted)'}`,
  );
  notice('give the witness key above to the logs you witness: they add it with `notar witnesses add`');
  return 0;
}

export async function keyShow(_args: string[], opts: Opts): Promise<number> {
  process.stdout.write(openWitness(opts).verifier().text + '\n');
  return 0;
}

export async function addLog([vkey]: string[], opts: Opts): Promise<number> {
  let key;
  try {
    key = parseVerifierKey(vkey.trim());
  } catch (e) {
    throw new NotarError('KEY_FORMAT', `log key: ${(e as Error).message}`, {
      hint: "pass the log's verifier key, as printed by `notar key show` on the log's side",
    });
  }
  openWitness(opts).addLog(key);
  notice(`now witnessing ${key.name}`);
  return 0;
}

export async function removeLog([origin]: string[], opts: Opts): Promise<number> {
  openWitness(opts).removeLog(origin);
  notice(`no longer witnessing ${origin} (its last cosigned checkpoint is kept)`);
  return 0;
}

export async function list(_args: string[], opts: Opts): Promise<number> {
  const w = openWitness(opts);
  const logs = w.logs();
  if (opts.json) {
    for (const l of logs)
      process.stdout.write(
        JSON.stringify({ origin: l.origin, keys: l.keys.map((k) => k.text), size: l.state?.size ?? 0 }) + '\n',
      );
    return 0;
  }
  for (const l of logs)
    process.stdout.write(`${l.origin}\tsize ${l.state?.size ?? 0}\t${l.keys.map((k) => k.text).join(' ')}\n`);
  if (logs.length === 0)
    notice(`witness ${w.name} witnesses no log yet (add one with \`notar witness add-log <log key>\`)`);
  return 0;
}

/** Offline add-checkpoint: a request body in (file or -), the cosignature line(s) out; the same checks as serve. */
export async function cosign([file = '-']: string[], opts: Opts): Promise<number> {
  const w = openWitness(opts);
  const text = readTextInput(file, 1 << 20);
  const cosigner = await loadCosigner(w, opts);
  const a = await w.addCheckpoint(
    text,
    requestOrigin(text),
    cosigner,
    () => Math.floor(Date.now() / 1000),
    (f, e) => notice(`FORK EVIDENCE for ${e.origin}: ${e.reason} (kept in ${f})`),
  );
  if (a.status === 200) {
    process.stdout.write(a.body);
    return 0;
  }
  const why =
    a.status === 409
      ? `the witness last cosigned size ${a.body.trim()}: send a request with "old ${a.body.trim()}"`
      : a.body.trim();
  throw new NotarError(
    a.status === 400 ? 'FORMAT' : a.status === 404 ? 'NOT_FOUND' : 'PROOF_INVALID',
    `not cosigned (${a.status}): ${why}`,
  );
}
