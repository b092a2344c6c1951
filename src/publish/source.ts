/**
 * Where a monitor reads a published log from: an http(s) URL prefix or a
 * directory (what `notar publish` wrote). Every read is capped while it is
 * read, not after (the log is not trusted); a missing file is `undefined`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { osReason } from '../store/errno.js';

export interface LogSource {
  readonly where: string;
  get(rel: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

export function openSource(where: string, timeoutMs = 30_000): LogSource {
  if (/^https?:\/\//i.test(where)) return httpSource(where.replace(/\/+$/, ''), timeoutMs);
  return dirSource(where);
}

function tooLarge(where: string, rel: string, max: number): NotarError {
  return new NotarError('CHAIN_INVALID', `${where}/${rel} is larger than ${max} bytes: not what the log should serve`);
}

function dirSource(dir: string): LogSource {
  return {
    where: dir,
    async get(rel, maxBytes) {
      const file = path.join(dir, rel);
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new NotarError('IO', `cannot read ${file}: ${osReason(e)}`);
      }
      try {
        if (fs.fstatSync(fd).size > maxBytes) throw tooLarge(dir, rel, maxBytes);
        return new Uint8Array(fs.readFileSync(fd));
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

function httpSource(prefix: string, timeoutMs: number): LogSource {
  return {
    where: prefix,
    async get(rel, maxBytes) {
      const url = `${prefix}/${rel}`;
      let res: Response;
      try {
        res = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { 'accept-encoding': 'gzip, identity' },
        });
      } catch (e) {
        throw new NotarError(
          'IO',
          `cannot fetch ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`,
          { hint: 'is the log server up, and the URL its prefix?' },
        );
      }
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        return undefined;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new NotarError('IO', `${url}: HTTP ${res.status}`, { hint: 'try again later' });
      }
      return readCapped(res, maxBytes, () => tooLarge(prefix, rel, maxBytes));
    },
  };
}

async function readCapped(res: Response, max: number, err: () => Error): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw err();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
