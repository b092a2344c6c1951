// notar-consistency/1 statements (FORMAT.md §9): two signed checkpoints of one
// origin and the RFC 6962 proof that the later history extends the earlier one.
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import {
  buildConsistency,
  formatConsistency,
  parseConsistency,
  verifyConsistencyStatement,
} from '../../src/core/consistency.js';
import { NotarError } from '../../src/core/errors.js';
import { signNote } from '../../src/core/note.js';
import { buildHistory, notary } from './helpers.js';

const h = buildHistory([2, 3, 1, 4, 1, 1]);
const N = h.blocks.length;

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof NotarError ? e.code : `not a NotarError: ${String(e)}`;
  }
  return 'accepted';
}

describe('consistency statements', () => {
  it('every pair of checkpoints m <= n is provably consistent, and round-trips', () => {
    for (let m = 1; m <= N; m++) {
      for (let n = m; n <= N; n++) {
        const s = buildConsistency(h.checkpoints[m - 1], h.checkpoints[n - 1], h.tree.consistencyProof(m, n));
        const text = formatConsistency(s);
        expect(parseConsistency(text)).toEqual(s);
        const r = verifyConsistencyStatement(parseConsistency(text), [h.signer]);
        expect([r.origin, r.from.size, r.to.size]).toEqual([h.signer.name, m, n]);
      }
    }
  });

  const good = buildConsistency(h.checkpoints[1], h.checkpoints[4], h.tree.consistencyProof(2, 5));

  it('a tampered path, swapped checkpoints or a forked log are PROOF_INVALID', () => {
    const flipped = { ...good, path: good.path.map((p, i) => (i === 1 ? (p[0] === '0' ? '1' : '0') + p.slice(1) : p)) };
    expect(code(() => verifyConsistencyStatement(flipped, [h.signer]))).toBe('PROOF_INVALID');
    expect(code(() => verifyConsistencyStatement({ ...good, path: good.path.slice(1) }, [h.signer]))).toBe(
      'PROOF_INVALID',
    );
    expect(code(() => verifyConsistencyStatement({ ...good, from: good.to, to: good.from }, [h.signer]))).toBe(
      'PROOF_INVALID',
    );
    // A log that rewrote block 1 signs a size-5 head that does not extend size 2.
    const fork = buildHistory([2, 4, 1, 4, 1, 1], h.signer);
    const forked = buildConsistency(h.checkpoints[1], fork.checkpoints[4], fork.tree.consistencyProof(2, 5));
    expect(code(() => verifyConsistencyStatement(forked, [h.signer]))).toBe('PROOF_INVALID');
  });

  it('checkpoints of two origins are not comparable', () => {
    const other = notary(0x07, 'other.example');
    const body = formatCheckpoint({ origin: other.name, size: 5, root: h.tree.rootAt(5) });
    const mixed = { ...good, to: signNote(body, other) };
    expect(code(() => verifyConsistencyStatement(mixed, [h.signer, other]))).toBe('PROOF_INVALID');
  });

  it('each checkpoint must be signed by a trusted key named as its origin', () => {
    expect(code(() => verifyConsistencyStatement(good, []))).toBe('UNTRUSTED');
    expect(code(() => verifyConsistencyStatement(good, [notary(0x09)]))).toBe('UNTRUSTED');
    const forged = {
      ...good,
      to: signNote(h.checkpoints[4].slice(0, h.checkpoints[4].indexOf('\n\n') + 1), notary(0x09)),
    };
    expect(code(() => verifyConsistencyStatement(forged, [h.signer]))).toBe('UNTRUSTED');
  });

  it('parsing is strict', () => {
    const text = formatConsistency(good);
    for (const bad of [
      text.slice(0, -1),
      JSON.stringify(JSON.parse(text)),
      text.replace('notar-consistency/1', 'notar-consistency/2'),
      text.replace(good.path[0], good.path[0].toUpperCase()),
      text.replace(good.path[0], good.path[0].slice(2)),
      formatConsistency({ ...good, path: Array(129).fill(good.path[0]) }),
    ]) {
      expect(code(() => parseConsistency(bad))).toBe('FORMAT');
    }
  });
});
