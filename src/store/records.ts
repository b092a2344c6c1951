/**
 * Who stamped what (docs/lifecycle.md §1): one record per block,
 * `records/<seq>.json`, naming the clerk. Store-internal, never in receipts.
 * The one module for records: `stamp` writes them, and so should any other
 * writer of blocks (the server of issue 15).
 *
 *   {"format":"notar-record/1","seq":4,"root":"<hex>","time":"…","clerk":"ana","sig":"<hex>"}
 *
 * `root` ties a record to its block (a record left by a stamp killed before
 * its block line, then overtaken by another block with that number, does
 * not match and is ignored); `sig` (Ed25519, store key) keeps someone who can
 * write the store but lacks the key from changing who stamped what.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromHex, toHex, utf8, concatBytes } from '../core/bytes.js';
import type { ChainRecord } from '../core/chain.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import * as ed25519 from '../core/ed25519.js';
import { NotarError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { checkKeys, expectInteger, expectString, parseJson } from '../core/json.js';
import { isWellFormedText, type Signer, type Verifier } from '../core/note.js';
import { writeFileAtomic } from './durable.js';
import type { StorePaths } from './paths.js';

export const RECORD_FORMAT = 'notar-record/1';
const SIG_CONTEXT = utf8('notar-record/1 sig\n');
const MAX_CLERK_BYTES = 256;
const MAX_RECORD_BYTES = 4096;

export interface StampRecord {
  readonly seq: number;
  readonly root: string;
  readonly time: string;
  readonly clerk: string;
}

/** What `log`/`find` know about a block's clerk: a verified record, none, or one that does not hold. */
export type RecordState = { kind: 'ok'; record: StampRecord } | { kind: 'missing' } | { kind: 'bad'; why: string };

export function recordsDir(paths: StorePaths): string {
  return path.join(paths.dir, 'records');
}

export function recordFile(paths: StorePaths, seq: number): string {
  return path.join(recordsDir(paths), `${String(seq).padStart(10, '0')}.json`);
}

/** A clerk name: 1–256 bytes of UTF-8, no control characters (it is shown on terminals). */
export function checkClerk(name: string, where: string): string {
  if (
    name.length === 0 ||
    Buffer.byteLength(name, 'utf8') > MAX_CLERK_BYTES ||
    /[\u0000-\u001f\u007f-\u009f]/.test(name) ||
    !isWellFormedText(name)
  ) {
    throw new NotarError(
      'USAGE',
      `${where}: a clerk name must be 1 to ${MAX_CLERK_BYTES} bytes of text without control characters`,
    );
  }
  return name;
}

/** `--clerk NAME`, else $NOTAR_CLERK, else the OS user name, else "unknown". */
export function resolveClerk(option: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof option === 'string') return checkClerk(option, '--clerk');
  if (env.NOTAR_CLERK) return checkClerk(env.NOTAR_CLERK, 'NOTAR_CLERK');
  try {
    return checkClerk(os.userInfo().username, 'the OS user name');
  } catch {
    return 'unknown';
  }
}

function signedBytes(r: StampRecord, c: Crypto): Uint8Array {
  return concatBytes(SIG_CONTEXT, sha256(utf8(JSON.stringify([r.seq, r.root, r.time, r.clerk])), c));
}

export function encodeRecord(r: StampRecord, signer: Signer, c: Crypto = nobleCrypto): string {
  const sig = ed25519.sign(signer.seed, signedBytes(r, c), c);
  return (
    JSON.stringify({ format: RECORD_FORMAT, seq: r.seq, root: r.root, time: r.time, clerk: r.clerk, sig: toHex(sig) }) +
    '\n'
  );
}

/** Parses a record; throws Error (not NotarError) with what is wrong. */
export function decodeRecord(
  text: string,
  verifiers: readonly Verifier[],
  c: Crypto = nobleCrypto,
): StampRecord & { sig: Uint8Array } {
  const j = checkKeys(parseJson(text, 'record', MAX_RECORD_BYTES), 'record', [
    'format',
    'seq',
    'root',
    'time',
    'clerk',
    'sig',
  ]);
  if (j.format !== RECORD_FORMAT) throw new Error(`unknown format (expected ${RECORD_FORMAT})`);
  const r = {
    seq: expectInteger(j.seq, 'seq', 0),
    root: expectString(j.root, 'root', 64),
    time: expectString(j.time, 'time', 32),
    clerk: checkClerk(expectString(j.clerk, 'clerk', 1024), 'clerk'),
  };
  const sig = fromHex(expectString(j.sig, 'sig', 128), 'sig', 64);
  if (!verifiers.some((v) => ed25519.verify(sig, signedBytes(r, c), v.publicKey, c)))
    throw new Error('signature is not by the store key');
  return { ...r, sig };
}

/**
 * Writes block `rec`'s record (atomically). Called after the block line is
 * durable: a stamp killed in between leaves a block without a record (its
 * clerk shows as unknown), never a record for a block that does not exist.
 */
export function writeRecord(
  paths: StorePaths,
  rec: ChainRecord,
  clerk: string,
  signer: Signer,
  c: Crypto = nobleCrypto,
): void {
  fs.mkdirSync(recordsDir(paths), { recursive: true, mode: 0o700 });
  writeFileAtomic(
    recordFile(paths, rec.seq),
    encodeRecord({ seq: rec.seq, root: rec.root, time: rec.time, clerk }, signer, c),
    { durable: false },
  );
}

/** writeRecord that never throws: the reason it failed, or undefined. */
export function tryWriteRecord(
  paths: StorePaths,
  rec: ChainRecord,
  clerk: string,
  signer: Signer,
  c: Crypto = nobleCrypto,
): string | undefined {
  try {
    writeRecord(paths, rec, clerk, signer, c);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The record of block `rec`, checked against the block and the store's keys. */
export function readRecord(
  paths: StorePaths,
  rec: ChainRecord,
  verifiers: readonly Verifier[],
  c: Crypto = nobleCrypto,
): RecordState {
  let text: string;
  try {
    const file = recordFile(paths, rec.seq);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return { kind: 'missing' };
    if (!st.isFile() || st.size > MAX_RECORD_BYTES) return { kind: 'bad', why: 'not a record file' };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { kind: 'bad', why: (e as Error).message };
  }
  try {
    const r = decodeRecord(text, verifiers, c);
    if (r.seq !== rec.seq || r.root !== rec.root || r.time !== rec.time)
      return { kind: 'bad', why: 'it is for another block' };
    return { kind: 'ok', record: { seq: r.seq, root: r.root, time: r.time, clerk: r.clerk } };
  } catch (e) {
    return { kind: 'bad', why: (e as Error).message };
  }
}

/** The clerk as shown: the name, `?` (no record) or `!` (a record that does not hold). */
export function clerkLabel(s: RecordState): string {
  return s.kind === 'ok' ? s.record.clerk : s.kind === 'missing' ? '?' : '!';
}
