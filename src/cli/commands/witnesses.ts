/**
 * The log side of witnessing (issue 12):
 *   notar witnesses add <witness key> [--url URL] | remove <name> | list
 *   notar cosign [--from FILE]     ask again for the latest checkpoint, or merge returned lines
 *   notar policy [--quorum Q]      a C2SP tlog-policy for this store
 */
import { parseCosignerKey } from '../../core/cosignature.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';

import { formatPolicy, type Policy } from '../../core/policy.js';
import { readRetirements } from '../../store/retire.js';
import { parseCosignatureResponse } from '../../core/witness-protocol.js';
import { askWitnesses } from '../../witness/client.js';
import {
  addWitness,
  cosignatureCount,
  readWitnesses,
  removeWitness,
  storedCosignatures,
  storeCosignatures,
} from '../../witness/log-witnesses.js';
import { openStoreFromOpts, readTextInput, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { reportOutcomes, witnessTimeoutMs } from './stamp-witness.js';

export async function add([vkey]: string[], opts: Opts): Promise<number> {
  let key;
  try {
    key = parseCosignerKey(vkey.trim());
  } catch (e) {
    throw new NotarError('KEY_FORMAT', `witness key: ${(e as Error).message}`, {
      hint: 'pass the key `notar witness init` or `notar witness key show` printed on the witness side',
    });
  }
  const store = openStoreFromOpts(opts);
  addWitness(store.paths.dir, key, opts.url as string | undefined);
  notice(
    `${store.origin} will ask ${key.name}${opts.url ? ` at ${opts.url}` : ' (no URL: exchange files with `notar checkpoint --request` and `notar cosign --from`)'}`,
  );
  return 0;
}

export async function remove([name]: string[], opts: Opts): Promise<number> {
  removeWitness(openStoreFromOpts(opts).paths.dir, name);
  notice(`removed witness ${name} (cosignatures it gave are kept)`);
  return 0;
}

export async function list(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const ws = readWitnesses(store.paths.dir);
  for (const w of ws) process.stdout.write(`${w.key.text}${w.url ? ' ' + w.url : ''}\n`);
  if (ws.length === 0) notice('no witness configured (add one with `notar witnesses add <witness key> --url URL`)');
  return 0;
}

function latestRecord(opts: Opts) {
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  const rec = state.records[state.records.length - 1];
  if (!rec) throw new NotarError('NOT_FOUND', `no checkpoint yet: nothing has been stamped in ${store.origin}`);
  return { store, state, rec };
}

/** `notar cosign`: the latest checkpoint again to every witness with a URL that has not cosigned it, or lines from files. */
export async function cosign(_args: string[], opts: Opts): Promise<number> {
  const { store, state, rec } = latestRecord(opts);
  const witnesses = readWitnesses(store.paths.dir);
  if (witnesses.length === 0)
    throw new NotarError('USAGE', 'no witness configured', {
      hint: 'add one with `notar witnesses add <witness key> [--url URL]`',
    });
  const from = (opts.from as string[] | undefined) ?? [];
  if (from.length) return merge(store.paths.dir, state.records, from, witnesses, store.crypto);
  const have = new Set(storedCosignatures(store.paths.dir, rec.seq).map((s) => `${s.name}+${s.keyId}`));
  const missing = witnesses.filter((w) => w.url && !have.has(`${w.key.name}+${w.key.keyId}`));
  if (missing.length)
    reportOutcomes(
      await askWitnesses(store.paths.dir, missing, state, rec, witnessTimeoutMs(opts), undefined, store.crypto),
      rec.seq + 1,
    );
  const n = cosignatureCount(store.paths.dir, rec.seq);
  process.stdout.write(
    `history size ${rec.seq + 1}: ${n} of ${witnesses.length} witness${witnesses.length === 1 ? '' : 'es'} cosigned\n`,
  );
  const offline = witnesses.filter((w) => !w.url && !have.has(`${w.key.name}+${w.key.keyId}`));
  if (offline.length)
    notice(
      `without a URL: ${offline.map((w) => w.key.name).join(', ')}: send \`notar checkpoint --request\` and merge the answer with \`notar cosign --from FILE\``,
    );
  return n > 0 || witnesses.length === 0 ? 0 : 1;
}

/** Lines returned as files: each is matched to the checkpoint it cosigns (latest first). */
function merge(
  dir: string,
  records: Parameters<typeof storeCosignatures>[1][],
  files: string[],
  witnesses: ReturnType<typeof readWitnesses>,
  c: Crypto,
): number {
  let stored = 0;
  for (const f of files) {
    let lines;
    try {
      lines = parseCosignatureResponse(readTextInput(f, 1 << 16));
    } catch (e) {
      throw new NotarError('FORMAT', `${f}: not cosignature lines: ${(e as Error).message}`, {
        hint: 'give the exact output of `notar witness cosign` (lines starting with —)',
      });
    }
    let got = 0;
    for (let i = records.length - 1; i >= 0 && got < lines.length; i--)
      got += storeCosignatures(dir, records[i], lines, witnesses, c).length;
    if (got === 0) notice(`${f}: no new valid cosignature by a configured witness on any checkpoint of this log`);
    stored += got;
  }
  process.stdout.write(`stored ${stored} new cosignature${stored === 1 ? '' : 's'}\n`);
  return stored > 0 ? 0 : 1;
}

/** `notar policy`: this store's key, its witnesses, and a quorum (default: a majority of them). */
export async function policy(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const ws = readWitnesses(store.paths.dir);
  const q = String(opts.quorum ?? (ws.length ? String(Math.floor(ws.length / 2) + 1) : 'none'));
  const k = q === 'all' ? ws.length : q === 'any' ? 1 : /^[1-9][0-9]*$/.test(q) ? Number(q) : q === 'none' ? 0 : NaN;
  if (!(k >= 0 && k <= ws.length) || (k === 0 && q !== 'none')) {
    throw new NotarError('USAGE', `--quorum ${q} is not none, any, all or a number from 1 to ${ws.length}`);
  }
  // A key retired as compromised stays a log key (its older receipts), bounded by the notar
  // extension line `#notar-key-until` (docs/lifecycle.md §3; other parsers read a comment).
  const retired = readRetirements(store, store.readChain());
  const p: Policy = {
    logs: [{ key: store.verifier() }, ...retired.map((r) => ({ key: r.key }))],
    ...(retired.length ? { keyRanges: retired.map((r) => ({ key: r.key, until: r.after })) } : {}),
    witnesses: ws.map((w) => ({ name: w.key.name, key: w.key, url: w.url })),
    groups: k > 0 ? [{ name: 'witnesses', k, members: ws.map((w) => w.key.name) }] : [],
    quorum: k > 0 ? 'witnesses' : 'none',
  };
  process.stdout.write(`# tlog-policy for ${store.origin}, written by notar policy\n` + formatPolicy(p));
  return 0;
}
