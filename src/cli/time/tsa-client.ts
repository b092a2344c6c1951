/**
 * Asking a TSA for a token over a checkpoint (RFC 3161 §3.4, HTTP POST of
 * application/timestamp-query), checking the reply completely, and keeping
 * the token in the store. Loaded only by the commands that stamp time
 * (import() from post-seal.ts and timestamp.ts), so other commands never pay
 * for the ASN.1 code at start-up.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { toBase64, utf8 } from '../../core/bytes.js';
import type { ChainRecord } from '../../core/chain.js';
import { NotarError } from '../../core/errors.js';
import { parseNote } from '../../core/note.js';
import {
  checkpointImprint,
  parseCertificates,
  timestampQuery,
  tokenFromReply,
  verifyTimestampToken,
  type AttestedTime,
  type TsaCertificate,
} from '../../core/timestamp.js';
import { saveToken, type Authority } from '../../store/tsa-store.js';
import type { Store } from '../../store/store.js';

const MAX_REPLY_BYTES = 64 * 1024;
/** How long after its block a checkpoint may still be timestamped (default for stamp and `notar timestamp`). */
export const DEFAULT_MAX_DELAY_HOURS = 24;

export interface Stamped {
  readonly authority: string;
  readonly file: string;
  readonly token: Uint8Array;
  readonly attested: AttestedTime;
}

export function pinnedCerts(a: Authority): TsaCertificate[] {
  return parseCertificates(utf8(a.certs), `the pinned certificate of TSA ${a.name}`);
}

/** One POST, with a hard deadline for the whole exchange; the reply is read up to a size cap. */
export function postQuery(url: string, query: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const fail = (why: string) => reject(new NotarError('IO', `TSA ${url}: ${why}`));
    const req = lib.request(
      u,
      { method: 'POST', headers: { 'content-type': 'application/timestamp-query', 'content-length': query.length } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) req.destroy(new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          if (res.statusCode !== 200) fail(`HTTP status ${res.statusCode}`);
          else resolve(new Uint8Array(Buffer.concat(chunks)));
        });
        res.on('error', (e) => fail(e.message));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      fail(e.message);
    });
    req.end(query);
  });
}

const plusHours = (time: string, hours: number) =>
  new Date(Date.parse(time) + hours * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Requests, checks (status, imprint, nonce, signature, EKU, chain to the
 * pinned certificate, genTime near the block time) and keeps a token for the
 * checkpoint of `record`. Throws; nothing is written unless every check passed.
 */
export async function stampCheckpoint(
  store: Store,
  record: ChainRecord,
  a: Authority,
  maxDelayHours = DEFAULT_MAX_DELAY_HOURS,
): Promise<Stamped> {
  if (!/^https?:\/\//.test(a.url))
    throw new NotarError(
      'USAGE',
      `TSA ${a.name} is offline-only (${a.url}); use \`notar timestamp --request\` and \`--reply\``,
    );
  const imprint = checkpointImprint(parseNote(record.checkpoint).body, store.crypto);
  const query = timestampQuery(imprint);
  const trusted = pinnedCerts(a);
  const token = tokenFromReply(await postQuery(a.url, query.der, a.timeoutMs));
  const attested = await verifyTimestampToken(token, {
    imprint,
    nonce: query.nonce,
    trusted,
    notBefore: record.time,
    notAfter: plusHours(record.time, maxDelayHours),
  });
  return { authority: a.name, file: saveToken(store, record.seq, a.name, token), token, attested };
}

export { plusHours };

/** Receipt member text for tokens (v1.1 `timestamps`). */
export function timestampsMember(tokens: readonly Uint8Array[]): string[] | undefined {
  return tokens.length === 0 ? undefined : tokens.map(toBase64);
}
