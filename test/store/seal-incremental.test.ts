// Issue 15, gap 1: a long-lived process (the server's sequencer) seals block after block
// through one Store: each seal checks only what changed since its previous one (verified.ts),
// and every attack the full check refuses is still refused between two such seals.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Crypto } from '../../src/core/crypto.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { blockHash, nextBlock } from '../../src/core/block.js';
import { concatBytes } from '../../src/core/bytes.js';
import * as chain from '../../src/core/chain.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { NotarError } from '../../src/core/errors.js';
import { leafHash, MerkleTree } from '../../src/core/merkle.js';
import { signNote } from '../../src/core/note.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { auditStore } from '../../src/store/audit.js';
import { openStore, ReceiptBuilder, type Store } from '../../src/store/store.js';
import { digestOf, docBatch, newStore, snapshot, type Fixture } from './fixtures.js';

// A spy on the chain line parser: every line a seal parses goes through it.
vi.mock('../../src/core/chain.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/core/chain.js')>();
  return { ...mod, parseChainRecord: vi.fn(mod.parseChainRecord) };
});
const parsed = vi.mocked(chain.parseChainRecord);

// The store computes with the Crypto it was opened with: a Store opened with `counted` counts its verifications.
let verifications = 0;
const fast = nodeCrypto.ed25519;
const counted: Crypto = {
  ...nodeCrypto,
  ed25519: { ...fast, verify: (s, m, k) => (verifications++, fast.verify(s, m, k)) },
};

/** Seals one block through `store`; returns what the seal parsed and verified. */
async function sealCounting(store: Store, f: Fixture, doc: string) {
  parsed.mockClear();
  verifications = 0;
  const sealed = await store.seal(docBatch([doc]), f.signer);
  return { sealed, lines: parsed.mock.calls.length, signatures: verifications, check: store.lastCheck };
}

async function refusal(store: Store, f: Fixture): Promise<NotarError> {
  try {
    await store.seal(docBatch(['new document']), f.signer);
  } catch (e) {
    if (e instanceof NotarError) return e;
    throw e;
  }
  throw new Error('the seal was not refused');
}

describe('many seals through one Store', () => {
  it('after the first, a seal parses no old line and verifies no old checkpoint; receipts and the audit stay right', async () => {
    const f = newStore();
    for (let i = 0; i < 5; i++) await f.store.seal(docBatch([`warm ${i}`]), f.signer);
    // A new Store (a server just started): the first seal checks the chain once.
    const store = openStore(f.dir, counted);
    const first = await sealCounting(store, f, 'first');
    expect(first).toMatchObject({ lines: 5, signatures: 1, check: 'full' });
    for (let i = 0; i < 40; i++) {
      const r = await sealCounting(store, f, `doc ${i}`);
      expect(r).toMatchObject({ lines: 0, signatures: 0, check: 'incremental' });
      // The history path the seal derived from its compact range is the tree's.
      const { state, historyPath, record } = r.sealed;
      const hex = (p: Uint8Array[]) => p.map((h) => Buffer.from(h).toString('hex'));
      expect(hex(historyPath)).toEqual(hex(MerkleTree.fromLeafHashes(state.blockHashes).inclusionProof(record.seq)));
      const receipt = new ReceiptBuilder(state, f.signer.text, nodeCrypto, historyPath).forBatch(
        record.seq,
        r.sealed.batch,
        [undefined],
      )(0);
      expect(receipt).toEqual(
        new ReceiptBuilder(state, f.signer.text).forBatch(record.seq, r.sealed.batch, [undefined])(0),
      );
      expect(verifyReceipt(receipt, digestOf(`doc ${i}`), [f.signer]).ok).toBe(true);
    }
    const audit = auditStore(openStore(f.dir), [f.signer]);
    expect(audit.firstBad).toBeUndefined();
    expect(audit).toMatchObject({ ok: true, blocks: 46 });
  });
});

describe('an attacker who writes the store between two seals of one Store', () => {
  async function sealed(n: number): Promise<Fixture & { chain: Buffer }> {
    const f = newStore();
    for (let i = 0; i < n; i++) await f.store.seal(docBatch([`doc ${i}`]), f.signer);
    expect(f.store.lastCheck).toBe('incremental');
    return { ...f, chain: fs.readFileSync(f.store.paths.chain) };
  }

  it('an edit of any byte of an old line is refused (the full check names it); restored, the next seal is incremental again', async () => {
    const f = await sealed(3);
    const lineEnd = f.chain.indexOf(0x0a, f.chain.indexOf(0x0a) + 1) + 1; // blocks 0 and 1
    const before = snapshot(f.dir);
    for (let i = 0; i < lineEnd; i++) {
      const bad = Buffer.from(f.chain);
      bad[i] ^= 0x01;
      fs.writeFileSync(f.store.paths.chain, bad);
      const e = await refusal(f.store, f);
      expect(e.code, `byte ${i}: ${e.message}`).toBe('CHAIN_INVALID');
      expect(f.store.lastCheck, `byte ${i}`).toBe('full');
      expect(fs.readFileSync(f.store.paths.chain).equals(bad), `byte ${i}`).toBe(true);
    }
    fs.writeFileSync(f.store.paths.chain, f.chain);
    expect(snapshot(f.dir)).toEqual(before);
    await f.store.seal(docBatch(['after']), f.signer);
    expect(f.store.lastCheck).toBe('incremental');
  });

  it('an old line replaced by one of the same length, the tip left alone: refused', async () => {
    const f = await sealed(3);
    const text = f.chain.toString('utf8');
    // Block 1's time, one second earlier: same length, still after block 0's... but no longer what was signed.
    const lines = text.split('\n');
    const rec = JSON.parse(lines[1]) as chain.ChainRecord;
    const earlier = new Date(Date.parse(rec.time) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lines[1] = chain.formatChainRecord({ ...rec, time: earlier });
    fs.writeFileSync(f.store.paths.chain, lines.join('\n'));
    expect(fs.statSync(f.store.paths.chain).size).toBe(f.chain.length);
    const e = await refusal(f.store, f);
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toMatch(/^refusing to sign: /);
  });

  it('the newest line removed (a rollback): refused, as today', async () => {
    const f = await sealed(3);
    const text = f.chain.toString('utf8');
    fs.writeFileSync(f.store.paths.chain, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1));
    const e = await refusal(f.store, f);
    expect(e.message).toMatch(/has 2 blocks, but this key already signed 3/);
  });

  it('an invented line appended (the tip does not vouch for it): refused', async () => {
    const f = await sealed(3);
    const state = f.store.readChain();
    const last = state.records[2];
    const block = nextBlock(last, 1, leafHash(digestOf('forged')), last.time);
    const history = MerkleTree.fromLeafHashes(concatBytes(state.blockHashes, blockHash(block)));
    // Even a checkpoint "signed" by replaying the last one's signature lines does not pass.
    const checkpoint = last.checkpoint.replace(
      /\n3\n[^\n]+\n/,
      `\n4\n${Buffer.from(history.root()).toString('base64')}\n`,
    );
    fs.appendFileSync(f.store.paths.chain, chain.formatChainRecord({ ...block, checkpoint }) + '\n');
    const e = await refusal(f.store, f);
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toMatch(/block 3: checkpoint signature is not valid/);
  });

  it('tip.json deleted: the seal falls back to the full check, which says so', async () => {
    const f = await sealed(3);
    fs.rmSync(f.store.paths.tip);
    const r = await f.store.seal(docBatch(['x']), f.signer);
    expect(f.store.lastCheck).toBe('full');
    expect(r.recovered.join('\n')).toMatch(/checked the checkpoints of all 3 blocks/);
  });
});

describe('another process appends between two seals of one Store', () => {
  const BIN = path.resolve(__dirname, '../../bin/notar.js');

  it('`notar stamp` in another process: its lines are parsed and their checkpoints verified, nothing older', async () => {
    const f = newStore();
    const store = openStore(f.dir, counted);
    for (let i = 0; i < 4; i++) await store.seal(docBatch([`doc ${i}`]), f.signer);
    const r = spawnSync(process.execPath, [BIN, 'stamp', '--digests', '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NOTAR_STORE: f.dir },
      input: `${Buffer.from(digestOf('other 1')).toString('hex')}\n`,
    });
    expect(r.status, r.stderr.toString()).toBe(0);
    const again = spawnSync(process.execPath, [BIN, 'stamp', '--digests', '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NOTAR_STORE: f.dir },
      input: `${Buffer.from(digestOf('other 2')).toString('hex')}\n`,
    });
    expect(again.status, again.stderr.toString()).toBe(0);
    const next = await sealCounting(store, f, 'mine');
    expect(next).toMatchObject({ lines: 2, signatures: 2, check: 'incremental' });
    expect(next.sealed.record.seq).toBe(6);
    expect(next.sealed.record.prev).toBe(
      Buffer.from(next.sealed.state.blockHashes.subarray(5 * 32, 6 * 32)).toString('hex'),
    );
    expect(auditStore(openStore(f.dir), [f.signer]).ok).toBe(true);
  });

  it('a line from another process that does not verify is refused, even with a tip vouching for it', async () => {
    const f = newStore();
    for (let i = 0; i < 3; i++) await f.store.seal(docBatch([`doc ${i}`]), f.signer);
    // Another Store object seals one block: the chain and the tip now hold block 3.
    const other = openStore(f.dir);
    await other.seal(docBatch(['other']), f.signer);
    // Block 3's checkpoint signed over a wrong root, by the right key, and the tip rewritten to match:
    // only a holder of the key could do this, but the check must still not take the line on trust.
    const text = fs.readFileSync(f.store.paths.chain, 'utf8');
    const lines = text.split('\n');
    const rec = JSON.parse(lines[3]) as chain.ChainRecord;
    const checkpoint = signNote(
      formatCheckpoint({ origin: f.store.origin, size: 4, root: new Uint8Array(32) }),
      f.signer,
    );
    lines[3] = chain.formatChainRecord({ ...rec, checkpoint });
    fs.writeFileSync(f.store.paths.chain, lines.join('\n'));
    const { writeTip, sha256Hex } = await import('../../src/store/tip.js');
    const bytes = fs.readFileSync(f.store.paths.chain);
    writeTip(
      f.store.paths.tip,
      { size: 4, length: bytes.length, sha256: sha256Hex(bytes) },
      f.store.origin,
      f.signer.seed,
    );
    const e = await refusal(f.store, f);
    expect(e.message).toMatch(/block 3: checkpoint root is not the history root/);
  });
});
