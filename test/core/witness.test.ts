// The witness's decision (C2SP tlog-witness add-checkpoint), every status
// code, the wire formats with their caps, and the safety property on a
// sequence of requests from two forks.
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.js';
import { cosignerFromSeed, verifyCosignature } from '../../src/core/cosignature.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { emptyRoot } from '../../src/core/merkle.js';
import { parseNote, signerFromSeed, signNote } from '../../src/core/note.js';
import { addCheckpoint, type LogState } from '../../src/core/witness.js';
import {
  formatAddCheckpointRequest,
  MAX_PROOF_LINES,
  MAX_REQUEST_BYTES,
  parseAddCheckpointRequest,
  parseCheckpointBody,
  parseCosignatureResponse,
  parseTlogSize,
} from '../../src/core/witness-protocol.js';
import { buildHistory, notary } from './helpers.js';

const h = buildHistory([2, 3, 1, 4, 2]);
const fork = buildHistory([2, 3, 5, 1, 1]); // same origin and key; differs from block 2 on
const witness = cosignerFromSeed('witness.example.gov/w1', new Uint8Array(32).fill(2));
const keysFor = (origin: string) => (origin === h.signer.name ? [h.signer] : undefined);
const req = (
  oldSize: number,
  size: number,
  hist = h,
  proof = oldSize > 0 && oldSize < size ? hist.tree.consistencyProof(oldSize, size) : [],
) => formatAddCheckpointRequest({ oldSize, proof, checkpoint: hist.checkpoints[size - 1] });

/** Runs requests in order against one state, as the store would. */
function run(state: LogState | undefined, body: string, now = 1000) {
  const a = addCheckpoint(body, keysFor, state, witness, now);
  return { a, state: a.state ?? state };
}

describe('add-checkpoint decisions', () => {
  it('200: cosigns a first checkpoint from old 0, then extends it with a proof', () => {
    let { a, state } = run(undefined, req(0, 2));
    expect(a.status).toBe(200);
    const sig = parseCosignatureResponse(a.body)[0];
    expect(verifyCosignature(parseNote(h.checkpoints[1]).body, sig, witness)).toBe(1000);
    expect(state?.size).toBe(2);
    ({ a, state } = run(state, req(2, 5), 1001));
    expect(a.status).toBe(200);
    expect(state?.size).toBe(5);
    expect(state?.note).toBe(h.checkpoints[4] + a.body);
    // The same checkpoint again (old = size, same root) is cosigned again.
    expect(run(state, req(5, 5)).a.status).toBe(200);
  });

  it('404: unknown origin', () => {
    const other = buildHistory([1], notary(7, 'other.example/log'));
    expect(run(undefined, req(0, 1, other)).a.status).toBe(404);
  });

  it('403: no trusted signature, or a trusted key line that fails', () => {
    const stranger = buildHistory([2, 3], notary(9));
    expect(run(undefined, req(0, 2, stranger)).a.status).toBe(403);
    const cp = h.checkpoints[1];
    const broken = cp.slice(0, -4) + (cp.at(-4) === 'A' ? 'B' : 'A') + cp.slice(-3);
    const a = run(undefined, formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: broken })).a;
    expect(a.status).toBe(403);
    // An extra signature by an unknown key is ignored.
    const extra = signNote(parseNote(cp).body, [h.signer, signerFromSeed('x.example/y', new Uint8Array(32).fill(5))]);
    expect(run(undefined, formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: extra })).a.status).toBe(200);
  });

  it('400: old size larger than the checkpoint size, and malformed bodies', () => {
    expect(
      run(undefined, formatAddCheckpointRequest({ oldSize: 3, proof: [], checkpoint: h.checkpoints[1] })).a.status,
    ).toBe(400);
    for (const body of [
      '',
      'old 1',
      'old 01\n\n' + h.checkpoints[0],
      'new 0\n\n' + h.checkpoints[0],
      'old 0\nnot base64\n\n' + h.checkpoints[0],
      'old 0\n' + h.checkpoints[0],
      'old 0\n\nnot a note\n',
    ]) {
      expect(run(undefined, body).a.status, JSON.stringify(body.slice(0, 20))).toBe(400);
    }
  });

  it('409: old size other than the latest cosigned, with text/x.tlog.size', () => {
    const { state } = run(undefined, req(0, 3));
    const a = run(state, req(2, 5)).a;
    expect(a.status).toBe(409);
    expect(a.contentType).toBe('text/x.tlog.size');
    expect(parseTlogSize(a.body)).toBe(3);
    expect(run(undefined, req(2, 5)).a.body).toBe('0\n');
  });

  it('422: bad proof, proof from 0, other root at the same size, size 0 not empty', () => {
    const { state } = run(undefined, req(0, 2));
    expect(run(state, req(2, 5, h, [new Uint8Array(32)])).a.status).toBe(422);
    expect(run(undefined, req(0, 2, h, [new Uint8Array(32)])).a.status).toBe(422);
    const s3 = run(undefined, req(0, 3)).state;
    const forked = run(s3, req(3, 3, fork));
    expect(forked.a.status).toBe(422);
    expect(forked.a.evidence?.reason).toMatch(/two different trees of size 3/);
    const zero = (root: Uint8Array) => signNote(formatCheckpoint({ origin: h.signer.name, size: 0, root }), h.signer);
    expect(
      run(undefined, formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: zero(new Uint8Array(32)) })).a
        .status,
    ).toBe(422);
    expect(
      run(undefined, formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: zero(emptyRoot()) })).a.status,
    ).toBe(200);
  });

  it('never cosigns two trees of one size, nor a smaller tree, over any request order from two forks', () => {
    let state: LogState | undefined;
    const roots = new Map<number, string>();
    let largest = 0;
    const all = [h, fork].flatMap((hist) =>
      [1, 2, 3, 4, 5].flatMap((size) => [0, 1, 2, 3, 4, 5].filter((o) => o <= size).map((o) => req(o, size, hist))),
    );
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 400; i++) {
      const r = run(state, all[Math.floor(rnd() * all.length)]);
      if (r.a.status !== 200) continue;
      const cp = parseCheckpointBody(parseNote(r.a.state!.note).body);
      const root = toBase64(cp.root);
      expect(roots.get(cp.size) ?? root).toBe(root);
      expect(cp.size).toBeGreaterThanOrEqual(largest);
      roots.set(cp.size, root);
      largest = cp.size;
      state = r.state;
    }
    expect(roots.size).toBeGreaterThan(1);
  });
});

describe('fuzzed request bodies', () => {
  it('never throw and never cosign a mutated request that changes the checkpoint', () => {
    const base = req(0, 3);
    const signedBody = parseNote(h.checkpoints[2]).body;
    let seed = 4242;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const chars = [...base];
      const k = 1 + rnd(3);
      for (let j = 0; j < k; j++) {
        const at = rnd(chars.length);
        const op = rnd(3);
        if (op === 0) chars[at] = String.fromCharCode(rnd(256));
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, ['\n', ' ', '—', 'A', '='][rnd(5)]);
      }
      const body = chars.join('');
      const a = addCheckpoint(body, keysFor, undefined, witness, 1);
      expect([200, 400, 403, 404, 409, 422]).toContain(a.status);
      if (a.status === 200) expect(parseNote(a.state!.note).body).toBe(signedBody);
    }
  });
});

describe('wire formats', () => {
  it('round-trips a request and keeps the note byte for byte', () => {
    const body = req(2, 5);
    const r = parseAddCheckpointRequest(body);
    expect(r.oldSize).toBe(2);
    expect(r.checkpoint).toBe(h.checkpoints[4]);
    expect(formatAddCheckpointRequest(r)).toBe(body);
  });

  it(`caps proof lines at ${MAX_PROOF_LINES} and the body at ${MAX_REQUEST_BYTES} bytes`, () => {
    const line = toBase64(new Uint8Array(32)) + '\n';
    expect(() => parseAddCheckpointRequest('old 1\n' + line.repeat(64) + '\n' + h.checkpoints[0])).toThrow(
      /more than 63/,
    );
    expect(parseAddCheckpointRequest('old 1\n' + line.repeat(63) + '\n' + h.checkpoints[0]).proof.length).toBe(63);
    expect(() => parseAddCheckpointRequest('old 0\n\n' + 'x'.repeat(MAX_REQUEST_BYTES))).toThrow(/too large/);
    expect(() =>
      formatAddCheckpointRequest({
        oldSize: 1,
        proof: Array(64).fill(new Uint8Array(32)),
        checkpoint: h.checkpoints[0],
      }),
    ).toThrow();
  });

  it('reads checkpoints with extension lines (C2SP), refuses empty ones', () => {
    const root = toBase64(new Uint8Array(32));
    expect(parseCheckpointBody(`a.example/b\n7\n${root}\next one\n`).extensions).toEqual(['ext one']);
    expect(() => parseCheckpointBody(`a.example/b\n07\n${root}\n`)).toThrow();
    expect(() => parseCheckpointBody(`a.example/b\n7\n${root}`)).toThrow();
  });

  it('parses responses and 409 bodies strictly', () => {
    expect(() => parseCosignatureResponse('')).toThrow();
    expect(() => parseCosignatureResponse('— a b')).toThrow();
    expect(() => parseTlogSize('12')).toThrow();
    expect(() => parseTlogSize('012\n')).toThrow();
    expect(parseTlogSize('0\n')).toBe(0);
  });
});
