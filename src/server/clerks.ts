/**
 * The clerks a server accepts (`<store>/clerks.json`, mode 0600): a name and
 * the SHA-256 of a bearer token each. The token itself is shown once, by
 * `notar clerk add`, and never stored: a copy of the store does not let
 * anyone stamp as a clerk.
 *
 *   {"format":"notar-clerks/1","clerks":[{"name":"alice","tokenSha256":"<hex>","added":"<RFC 3339>"}]}
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';
import { writeFileAtomic } from '../store/durable.js';

export const CLERKS_FORMAT = 'notar-clerks/1';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const TOKEN_PREFIX = 'notar_';

export interface Clerk {
  readonly name: string;
  readonly tokenSha256: string;
  readonly added: string;
}

export function clerksFile(storeDir: string): string {
  return path.join(storeDir, 'clerks.json');
}

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export function readClerks(storeDir: string): Clerk[] {
  const file = clerksFile(storeDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new NotarError('IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const o = checkKeys(parseJson(text, 'clerks file', 16 << 20), 'clerks file', ['format', 'clerks']);
    if (o.format !== CLERKS_FORMAT) throw new Error(`unknown format (expected ${CLERKS_FORMAT})`);
    if (!Array.isArray(o.clerks)) throw new Error('clerks must be a list');
    return o.clerks.map((c, i) => {
      const k = checkKeys(c, `clerk ${i}`, ['name', 'tokenSha256', 'added']);
      return {
        name: expectString(k.name, 'name', 64),
        tokenSha256: expectString(k.tokenSha256, 'tokenSha256', 64),
        added: expectString(k.added, 'added', 40),
      };
    });
  } catch (e) {
    throw new NotarError('STORE', `${file} is damaged: ${(e as Error).message}`, {
      hint: 'restore it from a backup, or remove it and add the clerks again',
    });
  }
}

function writeClerks(storeDir: string, clerks: Clerk[]): void {
  writeFileAtomic(clerksFile(storeDir), JSON.stringify({ format: CLERKS_FORMAT, clerks }, null, 2) + '\n', {
    mode: 0o600,
  });
}

/** Adds a clerk; returns the token (shown once). */
export function addClerk(storeDir: string, name: string, now = new Date()): string {
  if (!NAME_RE.test(name))
    throw new NotarError('USAGE', `clerk name ${JSON.stringify(name)} is not allowed`, {
      hint: 'use 1-64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit',
    });
  const clerks = readClerks(storeDir);
  if (clerks.some((c) => c.name === name))
    throw new NotarError('EXISTS', `clerk ${name} already exists`, {
      hint: `to issue a new token: notar clerk remove ${name}, then add it again`,
    });
  const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  writeClerks(storeDir, [
    ...clerks,
    { name, tokenSha256: tokenHash(token), added: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  ]);
  return token;
}

export function removeClerk(storeDir: string, name: string): void {
  const clerks = readClerks(storeDir);
  if (!clerks.some((c) => c.name === name))
    throw new NotarError('NOT_FOUND', `no clerk named ${name}`, { hint: 'see `notar clerk list`' });
  writeClerks(
    storeDir,
    clerks.filter((c) => c.name !== name),
  );
}

/**
 * Token → clerk name for the server, re-read when clerks.json changes, so
 * `clerk add` and `clerk remove` take effect without a restart.
 */
export class ClerkDirectory {
  private byHash = new Map<string, string>();
  private stamp = '';

  constructor(private readonly storeDir: string) {}

  lookup(token: string): string | undefined {
    this.refresh();
    return this.byHash.get(tokenHash(token));
  }

  private refresh(): void {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(clerksFile(this.storeDir));
    } catch {
      st = undefined;
    }
    const stamp = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '';
    if (stamp === this.stamp) return;
    this.byHash = new Map(readClerks(this.storeDir).map((c) => [c.tokenSha256, c.name]));
    this.stamp = stamp;
  }
}
