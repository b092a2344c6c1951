/**
 * `notar timestamp`: RFC 3161 tokens for the latest checkpoint.
 *
 *   notar timestamp                  ask every online TSA that has not dated it yet
 *   notar timestamp --request > q    write the query (DER TimeStampReq, as `openssl ts -query`)
 *   notar timestamp --reply r.tsr    attach a reply or bare token (as `openssl ts -reply` writes)
 *   notar timestamp --check          check every stored token again (exit 1 if one fails)
 *
 * Every token is checked completely before it is kept (tsa-client.ts); the
 * chain file is never touched. `notar refresh` then puts tokens into receipts.
 */
import * as fs from 'node:fs';
import type { ChainRecord } from '../../core/chain.js';
import { equalBytes } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { parseNote } from '../../core/note.js';
import {
  checkpointImprint,
  parseTimestampQuery,
  timestampQuery,
  tokenFromReplyOrToken,
  verifyTimestampToken,
  type AttestedTime,
} from '../../core/timestamp.js';
import type { Store } from '../../store/store.js';
import {
  listTokens,
  readAuthorities,
  readPendingQuery,
  saveToken,
  savePendingQuery,
  tokensFor,
  type Authority,
} from '../../store/tsa-store.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { inputError } from '../reading.js';
import { DEFAULT_MAX_DELAY_HOURS, pinnedCerts, plusHours, stampCheckpoint } from '../time/tsa-client.js';

function latest(store: Store): ChainRecord {
  const records = store.readChain().records;
  if (records.length === 0)
    throw new NotarError('NOT_FOUND', `this store (${store.origin}) has no checkpoint yet: stamp something first`);
  return records[records.length - 1];
}

function authorities(store: Store, name: unknown): Authority[] {
  const all = readAuthorities(store).filter((a) => name === undefined || a.name === name);
  if (all.length === 0)
    throw new NotarError(
      'USAGE',
      name === undefined ? 'this store has no TSA' : `this store has no TSA named ${String(name)}`,
      { hint: 'pin one first: notar tsa add URL --cert tsa-or-ca.pem' },
    );
  return all;
}

function maxDelay(v: unknown): number {
  if (v === undefined) return DEFAULT_MAX_DELAY_HOURS;
  const h = Number(v);
  if (!Number.isFinite(h) || h <= 0) throw new NotarError('USAGE', '--max-delay must be a positive number of hours');
  return h;
}

const say = (seq: number, name: string, t: AttestedTime) =>
  process.stdout.write(
    `timestamped checkpoint of block ${seq} (TSA ${name}): time attested by ${t.tsa}: ${t.genTime}\n`,
  );

export async function run(_args: string[], opts: Opts): Promise<number> {
  if (opts.request && opts.reply) throw new NotarError('USAGE', 'give --request or --reply, not both');
  const store = openStoreFromOpts(opts);
  if (opts.check) return check(store);
  if (opts.request) return request(store);
  if (typeof opts.reply === 'string') return reply(store, opts.reply, opts);
  return online(store, opts);
}

/**
 * `--check`: every stored token against its block's checkpoint and its TSA's
 * pinned certificates (the store's own audit; no nonce is kept to compare).
 */
async function check(store: Store): Promise<number> {
  const records = store.readChain().records;
  const byName = new Map(readAuthorities(store).map((a) => [a.name, a]));
  let bad = 0;
  for (const t of listTokens(store)) {
    const rec = records[t.seq];
    const a = byName.get(t.name);
    try {
      if (!rec) throw new NotarError('CHAIN_INVALID', `there is no block ${t.seq}`);
      if (!a) throw new NotarError('UNTRUSTED', `no TSA named ${t.name} is pinned any more`);
      const imprint = checkpointImprint(parseNote(rec.checkpoint).body, store.crypto);
      const at = await verifyTimestampToken(new Uint8Array(fs.readFileSync(t.file)), {
        imprint,
        trusted: pinnedCerts(a),
        notBefore: rec.time,
      });
      process.stdout.write(`OK: block ${t.seq}, TSA ${t.name}: time attested by ${at.tsa}: ${at.genTime}\n`);
    } catch (e) {
      bad++;
      process.stdout.write(`FAILED: block ${t.seq}, TSA ${t.name}: ${(e as Error).message}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}

/** Asks each online TSA without a token for the latest checkpoint; exit 0 only if every one answered. */
async function online(store: Store, opts: Opts): Promise<number> {
  const rec = latest(store);
  const have = new Set(tokensFor(store, rec.seq).map((t) => t.name));
  const online = authorities(store, opts.name).filter((a) => /^https?:\/\//.test(a.url));
  if (online.length === 0)
    throw new NotarError('USAGE', 'no TSA of this store is online (URL "offline")', {
      hint: 'notar timestamp --request > cp.tsq, have the TSA answer it, then notar timestamp --reply cp.tsr',
    });
  const todo = online.filter((a) => !have.has(a.name));
  if (todo.length === 0) {
    process.stdout.write(
      `the checkpoint of block ${rec.seq} is already timestamped by ${online.map((a) => a.name).join(', ')}\n`,
    );
    return 0;
  }
  let failure: unknown;
  for (const a of todo) {
    try {
      const s = await stampCheckpoint(store, rec, a, maxDelay(opts.maxDelay));
      say(rec.seq, a.name, s.attested);
    } catch (e) {
      // With several TSAs each failure is named; the last one also becomes the error (exit status).
      if (failure !== undefined || todo.length > 1)
        process.stderr.write(`notar: TSA ${a.name}: ${(e as Error).message}\n`);
      failure = e;
    }
  }
  if (failure) throw failure;
  return 0;
}

/** The DER query for the latest checkpoint on stdout; its nonce is kept to check the reply. */
function request(store: Store): number {
  if (process.stdout.isTTY)
    throw new NotarError(
      'USAGE',
      'the query is binary: redirect it to a file (notar timestamp --request > checkpoint.tsq)',
    );
  const rec = latest(store);
  const q = timestampQuery(checkpointImprint(parseNote(rec.checkpoint).body, store.crypto));
  savePendingQuery(store, rec.seq, q.der);
  process.stdout.write(q.der);
  process.stderr.write(
    `notar: query for the checkpoint of block ${rec.seq}; send it to the TSA (e.g. openssl ts -reply -queryfile …), then: notar timestamp --reply FILE\n`,
  );
  return 0;
}

function readReply(file: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > 64 * 1024)
      throw new NotarError('FORMAT', `${file} is not a timestamp reply (not a regular file of at most 64 KiB)`);
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, file);
  }
}

/** The block whose checkpoint body has this imprint (newest first: replies are usually for the latest). */
function recordFor(store: Store, imprint: Uint8Array): ChainRecord {
  const records = store.readChain().records;
  for (let i = records.length - 1; i >= 0; i--) {
    if (equalBytes(checkpointImprint(parseNote(records[i].checkpoint).body, store.crypto), imprint)) return records[i];
  }
  throw new NotarError(
    'PROOF_INVALID',
    'the timestamp dates no checkpoint of this store (a reply for another query or another log?)',
  );
}

async function reply(store: Store, file: string, opts: Opts): Promise<number> {
  let token: Uint8Array;
  let imprint: Uint8Array;
  try {
    token = tokenFromReplyOrToken(readReply(file));
    imprint = (await import('../../core/timestamp.js')).peekTimestampToken(token).imprint;
  } catch (e) {
    throw new NotarError(e instanceof NotarError ? e.code : 'FORMAT', `${file}: ${(e as Error).message}`);
  }
  const rec = recordFor(store, imprint);
  // The nonce of the query this reply answers: --query FILE (e.g. from `openssl ts -query`), else ours from --request.
  const pending = typeof opts.query === 'string' ? readReply(opts.query) : readPendingQuery(store, rec.seq);
  const nonce = pending ? parseTimestampQuery(pending).nonce : undefined;
  let failure: unknown;
  for (const a of authorities(store, opts.name)) {
    try {
      const t = await verifyTimestampToken(token, {
        imprint,
        nonce,
        trusted: pinnedCerts(a),
        notBefore: rec.time,
        notAfter: plusHours(rec.time, maxDelay(opts.maxDelay)),
      });
      saveToken(store, rec.seq, a.name, token);
      say(rec.seq, a.name, t);
      return 0;
    } catch (e) {
      failure ??= e;
    }
  }
  throw new NotarError((failure as NotarError).code ?? 'UNTRUSTED', `${file}: ${(failure as Error).message}`);
}
