/**
 * Asking witnesses for cosignatures (C2SP tlog-witness, client side): every
 * witness with a URL at once, each with its own proof from the size it last
 * cosigned, one retry on 409 from the size it reports, all under one
 * deadline. Nothing here can fail the caller: each witness ends as cosigned,
 * missed (down, late) or refused (with its answer, loudly).
 */
import * as http from 'node:http';
import type { ChainRecord } from '../core/chain.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { parseCosignatureResponse, parseTlogSize, MAX_RESPONSE_BYTES } from '../core/witness-protocol.js';
import { addCheckpointBody, type ChainView } from './log-requests.js';
import { lastSize, recordSize, storeCosignatures, type LogWitness } from './log-witnesses.js';

export interface WitnessOutcome {
  readonly witness: LogWitness;
  readonly result: 'cosigned' | 'missed' | 'refused';
  /** For missed/refused: what happened, in words (with the witness's answer). */
  readonly detail?: string;
}

interface Answer {
  status: number;
  text: string;
  type: string;
}

/**
 * One POST with node:http (fetch costs ~150 ms of start-up on first use, more
 * than a loopback witness takes to answer). The answer is read up to the cap.
 */
async function postBody(url: string, body: string, signal: AbortSignal): Promise<Answer> {
  const target = new URL(`${url}/add-checkpoint`);
  // node:https (and TLS) only loaded for a witness that needs it.
  const send = target.protocol === 'https:' ? (await import('node:https')).request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        signal,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`answer over ${MAX_RESPONSE_BYTES} bytes`));
          else parts.push(d);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(parts).toString('utf8'),
            type: String(res.headers['content-type'] ?? ''),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether a size the witness reports can be explained by this log's own history. */
function explainable(size: number, chain: ChainView): boolean {
  return size >= 0 && size <= chain.records.length;
}

async function askOne(
  storeDir: string,
  w: LogWitness,
  chain: ChainView,
  rec: ChainRecord,
  signal: AbortSignal,
  currentSize: () => number,
  c: Crypto,
): Promise<WitnessOutcome> {
  const size = rec.seq + 1;
  let old = Math.min(lastSize(storeDir, w.key), size);
  for (let attempt = 0; ; attempt++) {
    const a = await postBody(w.url!, addCheckpointBody(chain, old, rec.checkpoint, size, c), signal);
    if (a.status === 200) {
      let stored: LogWitness[] = [];
      try {
        stored = storeCosignatures(storeDir, rec, parseCosignatureResponse(a.text), [w], c);
      } catch {
        /* malformed answer: refused below */
      }
      if (stored.length === 0)
        return {
          witness: w,
          result: 'refused',
          detail: `answered 200 without a valid cosignature by ${w.key.name}+${w.key.keyId}`,
        };
      recordSize(storeDir, w.key, size);
      return { witness: w, result: 'cosigned' };
    }
    if (a.status === 409 && attempt === 0 && a.type.startsWith('text/x.tlog.size')) {
      let reported: number;
      try {
        reported = parseTlogSize(a.text);
      } catch {
        return {
          witness: w,
          result: 'refused',
          detail: `409 with a malformed size: ${JSON.stringify(a.text.slice(0, 80))}`,
        };
      }
      if (reported > size && reported <= currentSize()) {
        // Another stamp of this log got there first: not a fork, and a witness never cosigns a smaller tree.
        return {
          witness: w,
          result: 'missed',
          detail: `it has already cosigned a newer checkpoint of this log (size ${reported}); \`notar refresh\` picks that up`,
        };
      }
      if (!explainable(reported, chain) || reported > size) {
        return {
          witness: w,
          result: 'refused',
          detail: `POSSIBLE FORK OR MISCONFIGURATION: the witness has cosigned size ${reported}, but this log has ${currentSize()} blocks`,
        };
      }
      recordSize(storeDir, w.key, reported);
      old = reported;
      continue;
    }
    const why =
      a.status === 404
        ? 'the witness does not know this log (add it there with `notar witness add-log`)'
        : a.status === 403
          ? "the witness does not trust this log's key"
          : a.status === 422
            ? 'the witness says this checkpoint is not consistent with what it cosigned before'
            : `HTTP ${a.status}`;
    const loud =
      a.status === 403 || a.status === 404 || a.status === 409 || a.status === 422
        ? 'POSSIBLE FORK OR MISCONFIGURATION: '
        : '';
    return { witness: w, result: 'refused', detail: `${loud}${why}: ${a.text.trim().slice(0, 300)}` };
  }
}

/**
 * Asks every witness with a URL to cosign `rec` (a checkpoint of this chain),
 * concurrently, giving up on each at `timeoutMs`.
 */
export async function askWitnesses(
  storeDir: string,
  witnesses: LogWitness[],
  chain: ChainView,
  rec: ChainRecord,
  timeoutMs: number,
  /** The log's size now (another stamp may have sealed more blocks meanwhile). */
  currentSize: () => number = () => chain.records.length,
  c: Crypto = nobleCrypto,
): Promise<WitnessOutcome[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  return Promise.all(
    witnesses
      .filter((w) => w.url)
      .map((w) =>
        askOne(storeDir, w, chain, rec, signal, currentSize, c).catch((e: Error) => ({
          witness: w,
          result: 'missed' as const,
          detail: signal.aborted
            ? `no answer within ${timeoutMs / 1000} s`
            : `unreachable (${(e as NodeJS.ErrnoException).code ?? e.message})`,
        })),
      ),
  );
}
