// store.ts: init/open, sealing order, recovery after an interrupted stamp, receipts from the store.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockHashHex, ZERO_HASH_HEX } from '../../src/core/block.js';
import { toHex } from '../../src/core/bytes.js';
import { NotarError } from '../../src/core/errors.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { auditStore } from '../../src/store/audit.js';
import { leavesFile } from '../../src/store/paths.js';
import { sha256Hex, writeTip } from '../../src/store/tip.js';
import { openStore, ReceiptBuilder, storedBatchTree } from '../../src/store/store.js';
import { deadPid, digestOf, docBatch, newStore, ORIGIN, snapshot, tempDir } from './fixtures.js';
import { nodeCrypto } from '../../src/node/crypto.js';

async function errorOf(f: () => unknown): Promise<NotarError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof NotarError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('initStore / openStore', () => {
  it('creates the layout; the secret key is private; open finds the origin', () => {
    const f = newStore();
    expect(fs.statSync(f.store.paths.key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(f.store.paths.verifierKey, 'utf8')).toBe(f.signer.text + '\n');
    expect(fs.statSync(f.store.paths.leaves).isDirectory()).toBe(true);
    const again = openStore(f.dir, nodeCrypto);
    expect(again.origin).toBe(ORIGIN);
    expect(again.verifier().text).toBe(f.signer.text);
    expect(again.signer(() => '').keyId).toBe(f.signer.keyId);
  });

  it('refuses to initialise over an existing store (EXISTS)', async () => {
    const f = newStore();
    const { initStore } = await import('../../src/store/store.js');
    expect((await errorOf(() => initStore(f.dir, f.signer, null, nodeCrypto))).code).toBe('EXISTS');
  });

  it('a missing store, or one under a regular file, is "no notar store"', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    for (const where of [path.join(dir, 'nope'), path.join(dir, 'file', 'store')]) {
      const e = await errorOf(() => openStore(where, nodeCrypto));
      expect(e.code).toBe('STORE');
      expect(e.message).toBe(`no notar store at ${where}`);
    }
  });

  it('a damaged config is a STORE error naming the file', async () => {
    const f = newStore();
    fs.writeFileSync(f.store.paths.config, '{"format":"notar-store/1"}');
    const e = await errorOf(() => openStore(f.dir, nodeCrypto));
    expect(e.code).toBe('STORE');
    expect(e.message).toContain(f.store.paths.config);
  });

  it('a damaged key.json names the file (not just "signer key must look like …")', async () => {
    const f = newStore();
    fs.writeFileSync(f.store.paths.key, JSON.stringify({ format: 'notar-key/1', kdf: 'none', key: 'garbage' }));
    const e = await errorOf(() => f.store.signer(() => ''));
    expect(e.code).toBe('STORE');
    expect(e.message).toContain(f.store.paths.key);
  });
});

describe('seal', () => {
  it('appends linked blocks, stores the leaves first, and receipts verify', async () => {
    const f = newStore();
    const a = await f.store.seal(docBatch(['a', 'b', 'c']), f.signer);
    const b = await f.store.seal(docBatch(['d']), f.signer);
    expect(a.record.seq).toBe(0);
    expect(a.record.prev).toBe(ZERO_HASH_HEX);
    expect(b.record.prev).toBe(blockHashHex(a.record));
    expect(a.recovered).toEqual([]);
    const state = f.store.readChain();
    expect(state.records).toEqual([a.record, b.record]);
    const leaves = f.store.readLeaves(0, f.signer);
    expect(toHex(storedBatchTree(leaves).root())).toBe(a.record.root);
    const receipt = new ReceiptBuilder(state, f.signer.text).forStoredBlock(leaves)(1);
    expect(verifyReceipt(receipt, digestOf('b'), [f.signer]).ok).toBe(true);
    expect(fs.readdirSync(f.dir).sort()).toEqual([
      'chain.jsonl',
      'index',
      'key.json',
      'key.pub',
      'leaves',
      'notar-store.json',
      'tip.json',
    ]);
  });

  it('block times never go backwards, even if the clock does', async () => {
    const f = newStore();
    await f.store.seal(docBatch(['a']), f.signer, { now: new Date('2030-01-01T00:00:05Z') });
    const b = await f.store.seal(docBatch(['b']), f.signer, { now: new Date('2030-01-01T00:00:01Z') });
    expect(b.record.time).toBe('2030-01-01T00:00:05Z');
  });

  it('removes a stale lock left by a killed stamp, and says so', async () => {
    const f = newStore();
    const pid = deadPid();
    fs.writeFileSync(path.join(f.dir, 'lock'), `${pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
    const r = await f.store.seal(docBatch(['a']), f.signer, { lockTimeoutMs: 5000 });
    expect(r.recovered).toEqual([`removed a stale lock left by process ${pid} (no longer running)`]);
    expect(fs.existsSync(path.join(f.dir, 'lock'))).toBe(false);
  });

  it('removes old temp files of dead writers in the store directory', async () => {
    const f = newStore();
    const temp = path.join(f.dir, `.key.json.tmp-${deadPid()}-1700000000000-0`);
    fs.writeFileSync(temp, 'partial');
    const t = new Date(Date.now() - 3600_000);
    fs.utimesSync(temp, t, t);
    const r = await f.store.seal(docBatch(['a']), f.signer);
    expect(r.recovered).toEqual(['removed 1 temporary file left by interrupted writes']);
    expect(fs.existsSync(temp)).toBe(false);
  });

  it('after a crash (stale lock), removes the leaves temp file the dead holder left', async () => {
    const f = newStore();
    const pid = deadPid();
    const temp = path.join(f.store.paths.leaves, `.0000000000.bin.tmp-${pid}-1700000000000-0`);
    fs.writeFileSync(temp, 'partial');
    fs.writeFileSync(path.join(f.dir, 'lock'), `${pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
    const r = await f.store.seal(docBatch(['a']), f.signer);
    expect(r.recovered).toEqual([
      `removed a stale lock left by process ${pid} (no longer running)`,
      'removed 1 temporary file left by interrupted writes',
    ]);
    expect(fs.readdirSync(f.store.paths.leaves)).toEqual(['0000000000.bin']);
  });

  it('without a crash, leaves/ is not scanned (a temp there is left for the next recovery)', async () => {
    const f = newStore();
    const temp = path.join(f.store.paths.leaves, `.0000000009.bin.tmp-${deadPid()}-1700000000000-0`);
    fs.writeFileSync(temp, 'partial');
    const r = await f.store.seal(docBatch(['a']), f.signer);
    expect(r.recovered).toEqual([]);
    expect(fs.existsSync(temp)).toBe(true);
  });

  it('replaces leaves written by a stamp killed before its block line', async () => {
    const f = newStore();
    await f.store.seal(docBatch(['a']), f.signer);
    fs.writeFileSync(leavesFile(f.store.paths, 1), 'leftover from a killed stamp');
    const r = await f.store.seal(docBatch(['b']), f.signer);
    expect(r.record.seq).toBe(1);
    expect(auditStore(f.store).ok).toBe(true);
  });
});

describe('recovery of the chain tail', () => {
  async function storeWithTail(tail: (line: string) => string) {
    const f = newStore();
    await f.store.seal(docBatch(['a']), f.signer);
    const second = await f.store.seal(docBatch(['b', 'c']), f.signer);
    const text = fs.readFileSync(f.store.paths.chain, 'utf8');
    const [first, line] = text.split('\n');
    fs.writeFileSync(f.store.paths.chain, first + '\n' + tail(line));
    return { f, first, line, second };
  }

  it('a torn last line is removed by the next seal, which says so; earlier blocks stay', async () => {
    const { f, first, line } = await storeWithTail((l) => l.slice(0, 57));
    // As a seal killed during its append leaves it: the tip names the line being written.
    const prefix = Buffer.from(first + '\n');
    writeTip(
      f.store.paths.tip,
      { size: 1, length: prefix.length, sha256: sha256Hex(prefix), pending: line },
      ORIGIN,
      f.signer.seed,
    );
    expect(f.store.readChain().records).toHaveLength(1);
    const r = await f.store.seal(docBatch(['d']), f.signer);
    expect(r.recovered).toEqual(['removed 57 bytes of an incomplete block line left by an interrupted stamp']);
    expect(r.record.seq).toBe(1);
    expect(fs.readFileSync(f.store.paths.chain, 'utf8').startsWith(first + '\n')).toBe(true);
    expect(auditStore(f.store).ok).toBe(true);
  });

  it('a complete block missing only its newline is kept and completed, never dropped', async () => {
    const { f, line, second } = await storeWithTail((l) => l);
    const r = await f.store.seal(docBatch(['d']), f.signer);
    expect(r.recovered).toEqual(['completed block 1, whose final newline was lost in an interrupted stamp']);
    expect(r.record.seq).toBe(2);
    expect(fs.readFileSync(f.store.paths.chain, 'utf8').split('\n')[1]).toBe(line);
    // A document sealed in the interrupted stamp is still provable from the store.
    const state = f.store.readChain();
    const [hit] = f.store.findDocument(digestOf('c'), state);
    expect(hit.seq).toBe(1);
    const receipt = new ReceiptBuilder(state, f.signer.text).forStoredBlock(hit.leaves)(hit.index);
    expect(verifyReceipt(receipt, digestOf('c'), [f.signer]).ok).toBe(true);
    expect(receipt.block).toEqual({
      seq: 1,
      time: second.record.time,
      size: 2,
      root: second.record.root,
      prev: second.record.prev,
    });
  });

  it('a sealed line whose newline was overwritten is refused (CHAIN_INVALID), and nothing is written', async () => {
    const { f } = await storeWithTail((l) => l + 'x');
    const before = snapshot(f.dir);
    const e = await errorOf(() => f.store.seal(docBatch(['d']), f.signer));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toContain('complete block');
    expect(snapshot(f.dir)).toEqual(before);
  });
});

describe('documents sealed before a crash are recoverable', () => {
  it('every document of a sealed block yields a verifying receipt from the store alone', async () => {
    const f = newStore();
    const docs = Array.from({ length: 9 }, (_, i) => `document ${i}`);
    await f.store.seal(docBatch(docs.slice(0, 4)), f.signer);
    await f.store.seal(docBatch(docs.slice(4)), f.signer);
    const store = openStore(f.dir, nodeCrypto);
    const state = store.readChain();
    const builder = new ReceiptBuilder(state, store.verifier().text);
    for (const doc of docs) {
      const hits = store.findDocument(digestOf(doc), state);
      expect(hits, doc).toHaveLength(1);
      const receipt = builder.forStoredBlock(hits[0].leaves)(hits[0].index);
      expect(verifyReceipt(receipt, digestOf(doc), [store.verifier()]).ok, doc).toBe(true);
    }
    expect(store.findDocument(digestOf('never stamped'), state)).toEqual([]);
  });
});
