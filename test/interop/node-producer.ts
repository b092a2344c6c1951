/**
 * A second independent receipt PRODUCER, for the interop tests: node:crypto
 * only (OpenSSL's SHA-256 and Ed25519 signing), no import from src/. Written
 * from FORMAT.md §2–§8, RFC 6962 and C2SP signed-note / tlog-checkpoint, so
 * that it shares no code with notar's core nor with examples/make_receipt.py.
 */
import * as crypto from 'node:crypto';

const sha = (...parts: (Buffer | string)[]) =>
  crypto
    .createHash('sha256')
    .update(Buffer.concat(parts.map((p) => Buffer.from(p))))
    .digest();
const leafHash = (data: Buffer | string) => sha(Buffer.of(0), Buffer.from(data));
const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);

function mth(h: Buffer[]): Buffer {
  if (h.length === 1) return h[0];
  const k = split(h.length);
  return sha(Buffer.of(1), mth(h.slice(0, k)), mth(h.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), leaf to root. */
function path(m: number, h: Buffer[]): Buffer[] {
  if (h.length === 1) return [];
  const k = split(h.length);
  return m < k ? [...path(m, h.slice(0, k)), mth(h.slice(k))] : [...path(m - k, h.slice(k)), mth(h.slice(0, k))];
}

export interface Produced {
  key: string;
  docs: { content: string; receipt: Record<string, unknown> }[];
}

/** A notary of `batches` blocks signed by the Ed25519 key of `seed` under `name`. */
export function produce(name: string, seed: Buffer, batches: number[], extensions: string[]): Produced {
  const priv = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12);
  const keyId = sha(name, '\n', Buffer.of(1), pub).subarray(0, 4);
  const key = `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}`;
  const blocks: { seq: number; time: string; size: number; root: string; prev: string }[] = [];
  const blockHashes: Buffer[] = [];
  const leaves: { content: string; salt: Buffer; digest: Buffer }[][] = [];
  let prev = Buffer.alloc(32);
  batches.forEach((n, seq) => {
    const items = Array.from({ length: n }, (_, i) => {
      const content = `node-made document ${i} of block ${seq}\n`;
      return { content, salt: sha('node salt', String(seq), String(i)), digest: sha(content) };
    });
    const root = mth(items.map((it) => leafHash(Buffer.concat([it.salt, it.digest]))));
    const block = {
      seq,
      time: `2025-12-${String(10 + seq).padStart(2, '0')}T23:59:${String(seq).padStart(2, '0')}Z`,
      size: n,
      root: root.toString('hex'),
      prev: prev.toString('hex'),
    };
    prev = leafHash(`notar-block/1 ${block.seq} ${block.time} ${block.size} ${block.root} ${block.prev}`);
    blocks.push(block);
    blockHashes.push(prev);
    leaves.push(items);
  });
  const body = `${name}\n${blocks.length}\n${mth(blockHashes).toString('base64')}\n${extensions.map((l) => l + '\n').join('')}`;
  const sig = crypto.sign(null, Buffer.from(body), priv);
  const checkpoint = `${body}\n\u2014 ${name} ${Buffer.concat([keyId, sig]).toString('base64')}\n`;
  const docs = leaves.flatMap((items, seq) =>
    items.map((it, i) => ({
      content: it.content,
      receipt: {
        key,
        checkpoint,
        history: { path: path(seq, blockHashes).map((h) => h.toString('hex')), size: blocks.length },
        block: blocks[seq],
        leaf: {
          path: path(
            i,
            items.map((x) => leafHash(Buffer.concat([x.salt, x.digest]))),
          ).map((h) => h.toString('hex')),
          index: i,
          salt: it.salt.toString('hex'),
        },
        document: { name: `Akte Nr. ${seq}/${i} \u00e4\u00f6\u00fc \u00df`, sha256: it.digest.toString('hex') },
        format: 'notar-receipt/1',
      },
    })),
  );
  return { key, docs };
}

/** Three spellings: 3-space indent with \u escapes for non-ASCII; one line with CRLF after it; 1-space indent with \/ escapes. */
export const NODE_SPELLINGS: Record<string, (r: unknown) => string> = {
  'indent3-escaped': (r) =>
    JSON.stringify(r, null, 3).replace(
      /[\u007f-\uffff]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
    ) + '\n',
  'one-line-crlf': (r) => JSON.stringify(r) + '\r\n',
  'indent1-slashes': (r) => JSON.stringify(r, null, 1).replace(/\//g, '\\/'),
};
