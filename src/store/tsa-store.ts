/**
 * The store's time-stamping authorities and the RFC 3161 tokens they gave
 * (docs/timestamps.md). Beside the chain, never in it: a chain line is
 * written once and never changed, so tokens that arrive later live here.
 *
 *   tsa/authorities.json            {"format":"notar-tsa/1","authorities":[{name,url,timeoutMs,certs}]}
 *   tsa/tokens/<seq>.<name>.tst     DER TimeStampToken for the checkpoint of block <seq>
 *                                   (`openssl ts -verify -token_in -in FILE` reads it)
 *   tsa/pending/<seq>.tsq           the last query written by `notar timestamp --request`
 *
 * Only tokens that passed every check are written, atomically and durably.
 * No Node-free core here: plain files; the checking is src/core/timestamp.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectInteger, expectString, parseJson } from '../core/json.js';
import { writeFileAtomic } from './durable.js';
import type { Store } from './store.js';
import { storeIo } from './store.js';

export const TSA_FORMAT = 'notar-tsa/1';
export const DEFAULT_TSA_TIMEOUT_MS = 10_000;
/** A TSA name is a file-name-safe word: it is part of token file names. */
export const TSA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_TOKEN_BYTES = 64 * 1024;

export interface Authority {
  readonly name: string;
  /** http(s) URL for RFC 3161 over HTTP (§3.4), or "offline" (replies come as files). */
  readonly url: string;
  readonly timeoutMs: number;
  /** Pinned certificates (the TSA's, or its issuing CA's), PEM. */
  readonly certs: string;
}

export interface StoredToken {
  readonly seq: number;
  readonly name: string;
  readonly der: Uint8Array;
}

const dirOf = (store: Store) => path.join(store.paths.dir, 'tsa');
const configFile = (store: Store) => path.join(dirOf(store), 'authorities.json');
const tokensDir = (store: Store) => path.join(dirOf(store), 'tokens');
const seqText = (seq: number) => String(seq).padStart(10, '0');

export function tokenFile(store: Store, seq: number, name: string): string {
  return path.join(tokensDir(store), `${seqText(seq)}.${name}.tst`);
}

export function pendingQueryFile(store: Store, seq: number): string {
  return path.join(dirOf(store), 'pending', `${seqText(seq)}.tsq`);
}

/** True when the store has a TSA list at all (one stat; stamp asks this on every run). */
export function hasAuthorities(store: Store): boolean {
  return fs.existsSync(configFile(store));
}

export function readAuthorities(store: Store): Authority[] {
  let text: string;
  try {
    text = fs.readFileSync(configFile(store), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storeIo(e, `cannot read ${configFile(store)}`);
  }
  try {
    const obj = checkKeys(parseJson(text, 'TSA list', 4 << 20), 'TSA list', ['format', 'authorities']);
    if (obj.format !== TSA_FORMAT || !Array.isArray(obj.authorities))
      throw new NotarError('FORMAT', `not a ${TSA_FORMAT} file`);
    return obj.authorities.map((a) => {
      const o = checkKeys(a, 'TSA entry', ['name', 'url', 'timeoutMs', 'certs']);
      return {
        name: expectString(o.name, 'name', 64),
        url: expectString(o.url, 'url', 2048),
        timeoutMs: expectInteger(o.timeoutMs, 'timeoutMs', 1),
        certs: expectString(o.certs, 'certs', 1 << 20),
      };
    });
  } catch (e) {
    throw new NotarError('STORE', `${configFile(store)}: ${(e as Error).message}`, {
      hint: 'fix or remove the file, then add the TSAs again with `notar tsa add`',
    });
  }
}

export function writeAuthorities(store: Store, list: readonly Authority[]): void {
  try {
    fs.mkdirSync(dirOf(store), { recursive: true });
    writeFileAtomic(configFile(store), JSON.stringify({ format: TSA_FORMAT, authorities: list }, null, 2) + '\n');
  } catch (e) {
    throw storeIo(e, `cannot write ${configFile(store)}`);
  }
}

/** Keeps a checked token for the checkpoint of block `seq` (atomic, fsynced). */
export function saveToken(store: Store, seq: number, name: string, der: Uint8Array): string {
  const file = tokenFile(store, seq, name);
  try {
    fs.mkdirSync(tokensDir(store), { recursive: true });
    writeFileAtomic(file, der);
  } catch (e) {
    throw storeIo(e, `cannot write the timestamp token ${file}`);
  }
  return file;
}

export function savePendingQuery(store: Store, seq: number, der: Uint8Array): void {
  const file = pendingQueryFile(store, seq);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, der, { durable: false });
  } catch (e) {
    throw storeIo(e, `cannot write ${file}`);
  }
}

export function readPendingQuery(store: Store, seq: number): Uint8Array | undefined {
  try {
    return new Uint8Array(fs.readFileSync(pendingQueryFile(store, seq)));
  } catch {
    return undefined;
  }
}

/** Every stored token, by block seq (ascending) then TSA name. */
export function listTokens(store: Store): { seq: number; name: string; file: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(tokensDir(store));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storeIo(e, `cannot read ${tokensDir(store)}`);
  }
  const out = names.flatMap((f) => {
    const m = /^(\d{10})\.([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.tst$/.exec(f);
    return m ? [{ seq: Number(m[1]), name: m[2], file: path.join(tokensDir(store), f) }] : [];
  });
  return out.sort((a, b) => a.seq - b.seq || (a.name < b.name ? -1 : 1));
}

/** The tokens kept for the checkpoint of block `seq`. */
export function tokensFor(store: Store, seq: number): StoredToken[] {
  return listTokens(store)
    .filter((t) => t.seq === seq)
    .map((t) => {
      const st = fs.statSync(t.file);
      if (st.size > MAX_TOKEN_BYTES) throw new NotarError('STORE', `${t.file} is too large to be a timestamp token`);
      return { seq, name: t.name, der: new Uint8Array(fs.readFileSync(t.file)) };
    });
}
