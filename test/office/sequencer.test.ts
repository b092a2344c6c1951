// The server's sequencer in-process (issue 15): block after block through one Store, each
// seal checking only what changed; the clerks' attribution durable before the block is signed,
// and a seal killed after it leaves a line that attributes nothing.
import * as fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as chain from '../../src/core/chain.js';
import { NotarError } from '../../src/core/errors.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { Sequencer, ServiceError } from '../../src/server/sequencer.js';
import { readStampings, stampingsFile } from '../../src/server/stampings.js';
import { auditStore } from '../../src/store/audit.js';
import { Store, type DocumentBatch, type SealOptions } from '../../src/store/store.js';
import { digestOf, newStore, type Fixture } from '../store/fixtures.js';

vi.mock('../../src/core/chain.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/core/chain.js')>();
  return { ...mod, parseChainRecord: vi.fn(mod.parseChainRecord) };
});
const parsed = vi.mocked(chain.parseChainRecord);

function submission(clerk: string, docs: string[]) {
  const digests = new Uint8Array(docs.length * 32);
  docs.forEach((d, i) => digests.set(digestOf(d), i * 32));
  return { clerk, digests, names: docs.map(() => undefined) };
}

function sequencer(f: Fixture, store: Store = f.store): Sequencer {
  return new Sequencer(store, f.signer, { windowMs: 0, maxDocs: 10_000, maxQueued: 100_000 });
}

describe('a long-running sequencer', () => {
  it('seals 30 blocks; from the second on, a seal parses no chain line and checks incrementally', async () => {
    const f = newStore();
    const seq = sequencer(f);
    for (let i = 0; i < 30; i++) {
      parsed.mockClear();
      const receipt = (await seq.submit(submission(i % 2 ? 'alice' : 'bob', [`doc ${i}`]))).receipt(0);
      expect(receipt.block.seq).toBe(i);
      expect(verifyReceipt(receipt, digestOf(`doc ${i}`), [f.signer]).ok).toBe(true);
      if (i > 0) {
        expect(f.store.lastCheck, `block ${i}`).toBe('incremental');
        expect(parsed.mock.calls.length, `block ${i}`).toBe(0);
      }
    }
    expect(auditStore(f.store).ok).toBe(true);
    const who = readStampings(f.dir, f.store.readChain());
    expect(who.size).toBe(30);
    expect(who.get(7)).toEqual([{ clerk: 'alice', from: 0, count: 1 }]);
  });

  it("an attacker's edit of an old line between two blocks: the next request fails (500), nothing is sealed", async () => {
    const f = newStore();
    const seq = sequencer(f);
    for (let i = 0; i < 3; i++) await seq.submit(submission('alice', [`doc ${i}`]));
    const text = fs.readFileSync(f.store.paths.chain, 'utf8');
    fs.writeFileSync(f.store.paths.chain, text.replace('"size":1', '"size":2'));
    const e = await seq.submit(submission('alice', ['after'])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as ServiceError).status).toBe(500);
    expect((e as ServiceError).message).toMatch(/^sealing failed: refusing to sign: /);
    expect(fs.readFileSync(f.store.paths.chain, 'utf8').split('\n')).toHaveLength(4);
  });
});

describe('the window', () => {
  it('a request left for the next block (the block was full) keeps its arrival time: its window is not restarted', async () => {
    const f = newStore();
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      vi.setSystemTime(0);
      const seq = new Sequencer(f.store, f.signer, { windowMs: 1000, maxDocs: 2, maxQueued: 100 });
      const first = seq.submit(submission('alice', ['x1', 'x2'])); // full: sealed at once
      vi.setSystemTime(100);
      const z = seq.submit(submission('bob', ['z1', 'z2'])); // waits for the seal in progress
      vi.setSystemTime(500);
      const v = seq.submit(submission('carol', ['v'])); // left over when z's block is taken
      vi.setSystemTime(900);
      await first;
      await z;
      await new Promise((r) => setImmediate(r));
      expect(seq.pending).toBe(1);
      vi.advanceTimersByTime(599); // until 1499: v has waited 999 ms
      expect(seq.pending).toBe(1);
      vi.advanceTimersByTime(1); // 1500: 1000 ms after v arrived (not after z's block was taken, at 900)
      expect(seq.pending).toBe(0);
      expect((await v).receipt(0).block.seq).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the clerks' attribution (stampings.jsonl)", () => {
  /** A Store whose next seal is "killed" right after the sequencer's beforeSign hook ran. */
  class KilledAfterAttribution extends Store {
    kill = true;
    seenAtKill = '';
    chainAtKill = '';

    override seal(docs: DocumentBatch, signer: Parameters<Store['seal']>[1], opts: SealOptions = {}) {
      if (!this.kill) return super.seal(docs, signer, opts);
      this.kill = false;
      return super.seal(docs, signer, {
        ...opts,
        beforeSign: (state, next) => {
          opts.beforeSign?.(state, next);
          this.seenAtKill = fs.readFileSync(stampingsFile(this.paths.dir), 'utf8');
          this.chainAtKill = fs.readFileSync(this.paths.chain, 'utf8');
          throw new NotarError('IO', 'killed');
        },
      });
    }
  }

  it('is on disk before the block line; a seal killed after it leaves a line that attributes nothing', async () => {
    const f = newStore();
    await sequencer(f).submit(submission('alice', ['first']));
    const store = new KilledAfterAttribution(f.store.paths, f.store.origin);
    const seq = sequencer(f, store);
    const lost = await seq.submit(submission('bob', ['lost'])).catch((x: unknown) => x);
    expect((lost as ServiceError).status).toBe(500);
    // At the kill, bob's attribution for block 1 was written, and block 1 was not.
    expect(
      store.seenAtKill
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([0, 1]);
    expect(store.chainAtKill.trim().split('\n')).toHaveLength(1);
    const receipt = (await seq.submit(submission('carol', ['kept']))).receipt(0);
    expect(receipt.block.seq).toBe(1);
    const lines = fs.readFileSync(stampingsFile(f.dir), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([0, 1, 1]);
    // Block 1 is carol's: the line of the killed seal names another batch root.
    const who = readStampings(f.dir, store.readChain());
    expect(who.get(1)).toEqual([{ clerk: 'carol', from: 0, count: 1 }]);
    expect(JSON.parse(lines[2]).root).toBe(receipt.block.root);
    expect(JSON.parse(lines[1]).root).not.toBe(receipt.block.root);
  });
});
