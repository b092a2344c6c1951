/**
 * `notar stamp --server URL --token-file FILE`: the sealing step of `stamp`
 * done by an office server (docs/server.md). Documents are hashed here; only
 * digests (and names) are sent; receipts come back once the server has
 * sealed the block, and are checked against the server's key and the
 * digests sent before `stamp` writes any of them. Any failure is one line and
 * exit 2, with nothing written.
 */
import { documentLeafHash } from '../../core/batch.js';
import { blockHash } from '../../core/block.js';
import { equalBytes, fromHex, toHex } from '../../core/bytes.js';
import { parseCheckpoint } from '../../core/checkpoint.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { checkKeys, parseJson } from '../../core/json.js';
import { rootFromInclusionProof } from '../../core/merkle.js';
import { parseNote, parseVerifierKey, type Verifier } from '../../core/note.js';
import { bytesPath, parseReceipt, type Receipt } from '../../core/receipt.js';
import type { BlockReceipts } from '../../store/receipt-lines.js';
import { verifyReceipt } from '../../core/verify.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';
import { setInterruptContext } from '../interrupt.js';

/** What `stamp` needs from whoever seals: local store or server. */
export interface Sealer {
  readonly origin: string;
  /** What to do about receipts not written once the block is sealed (said if interrupted then). */
  readonly proveHint: string;
  /** Why an existing receipt does not anchor its document in this log (undefined: it does). */
  whyNot(r: Receipt, digest: Uint8Array): string | undefined;
  seal(
    digests: Uint8Array,
    names: (string | undefined)[],
  ): Promise<{
    record: { seq: number; time: string; root: string; size: number };
    receipt: (i: number) => Receipt;
    recovered: string[];
    /** The same receipts as bytes, each followed by `end` (a batch sealed here: store/receipt-lines.ts). */
    lines?: (end: string) => BlockReceipts;
  }>;
}

const MAX_REPLY = 1 << 30;

export async function remoteSealer(opts: Opts): Promise<Sealer> {
  const base = String(opts.server).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(base))
    throw new NotarError('USAGE', `--server ${opts.server}: expected a URL such as https://notary.example.gov`);
  if (!opts.tokenFile)
    throw new NotarError('USAGE', '--server needs --token-file FILE (the token `notar clerk add` printed)');
  const token = readTextInput(String(opts.tokenFile), 4096).split('\n')[0].trim();
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new NotarError('USAGE', `${opts.tokenFile} holds no token`, {
      hint: 'put the token `notar clerk add NAME` printed on the first line',
    });
  const timeoutMs = Number(opts.timeout ?? 120) * 1000;
  if (!(timeoutMs > 0)) throw new NotarError('USAGE', '--timeout must be a number of seconds > 0');
  const { origin, key } = await health(base, timeoutMs);
  const c = cryptoOf(opts);
  return {
    origin,
    proveHint: `the documents are sealed by ${base}; rebuild a missing receipt there with \`notar prove --sha256 HEX\``,
    whyNot: (r, digest) => {
      if (r.checkpoint.split('\n')[0] !== origin)
        return `it is a receipt of ${r.checkpoint.split('\n')[0]}, not of ${origin}`;
      const v = verifyReceipt(r, digest, [key], c);
      return v.ok ? undefined : `it does not verify against the server's key (${v.step}: ${v.reason})`;
    },
    seal: (digests, names) => submit(base, token, timeoutMs, key, digests, names, c),
  };
}

function unreachable(base: string, e: unknown): NotarError {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const why =
    err.name === 'TimeoutError' ? 'no answer in time' : (err.cause?.code ?? err.cause?.message ?? err.message);
  return new NotarError('IO', `cannot reach the notary server at ${base}: ${why}; nothing was stamped`, {
    hint: 'check the URL and that `notar serve` runs there; try again later',
  });
}

/** The server's origin and verifier key (GET /v1/health): receipts are checked against it. */
async function health(base: string, timeoutMs: number): Promise<{ origin: string; key: Verifier }> {
  let res: Response;
  try {
    res = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(Math.min(timeoutMs, 30_000)) });
  } catch (e) {
    throw unreachable(base, e);
  }
  const text = await res.text();
  try {
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const o = checkKeys(parseJson(text, 'health', 1 << 16), 'health', ['status', 'origin', 'size', 'pending', 'key']);
    const key = parseVerifierKey(String(o.key));
    if (key.name !== o.origin) throw new Error('its key is not named as its origin');
    return { origin: String(o.origin), key };
  } catch (e) {
    throw new NotarError(
      'IO',
      `${base} is not a notar server (GET /v1/health: ${(e as Error).message}); nothing was stamped`,
    );
  }
}

async function submit(
  base: string,
  token: string,
  timeoutMs: number,
  key: Verifier,
  digests: Uint8Array,
  names: (string | undefined)[],
  c: Crypto,
) {
  const lines: string[] = [];
  for (let i = 0; i < names.length; i++)
    lines.push(JSON.stringify({ sha256: toHex(digests.subarray(i * 32, i * 32 + 32)), name: names[i] }) + '\n');
  let res: Response;
  let body: string;
  // Interrupted from here on, the server may already have sealed the documents.
  setInterruptContext(
    'no receipt was written; the server may have sealed the documents',
    `rebuild receipts there with \`notar prove --sha256 HEX\`, or stamp again`,
  );
  try {
    res = await fetch(`${base}/v1/stamp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: lines.join(''),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await res.text();
  } catch (e) {
    // Sent but no answer: the block may or may not have been sealed; either way no receipt is written.
    throw unreachable(base, e);
  }
  if (res.status !== 200) throw refusal(base, res.status, body);
  if (body.length > MAX_REPLY) throw new NotarError('IO', `${base} sent an oversized reply; nothing was written`);
  const receipts = checkReceipts(body, key, digests, names.length, c);
  const b = receipts[0].block;
  return {
    record: { seq: b.seq, time: b.time, root: b.root, size: b.size },
    receipt: (i: number) => receipts[i],
    recovered: [],
  };
}

/** One clear line per refusal (the server's JSON error names the problem). */
function refusal(base: string, status: number, body: string): NotarError {
  let code = '';
  let message = '';
  try {
    const e = (JSON.parse(body) as { error: { code: string; message: string } }).error;
    code = String(e.code);
    message = String(e.message);
  } catch {
    message = body.slice(0, 200).trim();
  }
  const hints: Record<number, string> = {
    401: 'check --token-file: the token `notar clerk add` printed, not revoked',
    413: 'stamp fewer documents per run (the server sets the limit)',
    429: 'the server is busy: try again in a moment',
    503: 'the server is shutting down: try again in a moment',
  };
  return new NotarError(
    'IO',
    `the notary server refused the request (HTTP ${status}${code ? ` ${code}` : ''}: ${message}); nothing was stamped`,
    { hint: hints[status] },
  );
}

/** Exactly one receipt per document, in order, for its digest, verifying under the server's key. */
function checkReceipts(body: string, key: Verifier, digests: Uint8Array, count: number, c: Crypto): Receipt[] {
  const lines = body.split('\n').filter((l) => l !== '');
  const bad = (why: string) =>
    new NotarError('IO', `the notary server sent receipts that do not check out (${why}); none was written`, {
      hint: 'report this to the office running the server',
    });
  if (lines.length !== count) throw bad(`${lines.length} receipts for ${count} documents`);
  let verified: { checkpoint: string; root: Uint8Array } | undefined;
  return lines.map((line, i) => {
    let r: Receipt;
    try {
      r = parseReceipt(line);
    } catch (e) {
      throw bad(`receipt ${i}: ${(e as Error).message}`);
    }
    const digest = digests.subarray(i * 32, i * 32 + 32);
    if (r.document.sha256 !== toHex(digest)) throw bad(`receipt ${i} is for another document`);
    if (verified?.checkpoint === r.checkpoint) {
      // Same checkpoint as a receipt fully verified (signature and all): its proofs are enough (FORMAT.md §8 steps 2-3).
      if (!proofsLeadTo(r, digest, verified.root, c))
        throw bad(`receipt ${i}: its proofs do not lead to its checkpoint`);
      return r;
    }
    const v = verifyReceipt(r, digest, [key], c);
    if (!v.ok) throw bad(`receipt ${i}: ${v.step}: ${v.reason}`);
    verified = { checkpoint: r.checkpoint, root: parseCheckpoint(parseNote(r.checkpoint).body).root };
    return r;
  });
}

function proofsLeadTo(r: Receipt, digest: Uint8Array, root: Uint8Array, c: Crypto): boolean {
  try {
    const batchRoot = rootFromInclusionProof(
      r.leaf.index,
      r.block.size,
      documentLeafHash(fromHex(r.leaf.salt), digest, c),
      bytesPath(r.leaf.path),
      c,
    );
    if (toHex(batchRoot) !== r.block.root) return false;
    return equalBytes(
      rootFromInclusionProof(r.block.seq, r.history.size, blockHash(r.block, c), bytesPath(r.history.path), c),
      root,
    );
  } catch {
    return false;
  }
}
