// Issue 10, items 1, 4 and 6: a seal signs only on top of exactly what this key signed last,
// and never overwrites or drops signed material. In-process, against the store layer.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockHash, blockHashHex, formatTime, nextBlock } from '../../src/core/block.js';
import { concatBytes } from '../../src/core/bytes.js';
import { formatChainRecord, type ChainRecord } from '../../src/core/chain.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import type { Crypto } from '../../src/core/crypto.js';
import { NotarError } from '../../src/core/errors.js';
import { leafHash, MerkleTree } from '../../src/core/merkle.js';
import { generateSigner, signNote, type Signer } from '../../src/core/note.js';
import { auditStore } from '../../src/store/audit.js';
import { sealKey } from '../../src/store/keyfile.js';
import { leavesFile } from '../../src/store/paths.js';
import { openStore, type Store } from '../../src/store/store.js';
import { digestOf, docBatch, newStore, ORIGIN, snapshot, type Fixture } from './fixtures.js';
import { nodeCrypto } from '../../src/node/crypto.js';

async function refusal(store: Store, signer: Signer): Promise<NotarError> {
  try {
    await store.seal(docBatch(['new document']), signer);
  } catch (e) {
    if (e instanceof NotarError) return e;
    throw e;
  }
  throw new Error('the seal was not refused');
}

/** A store with three blocks, sealed through the store layer. */
async function threeBlocks(): Promise<Fixture & { chain: Buffer }> {
  const f = newStore();
  for (const docs of [['a', 'b'], ['c'], ['d', 'e', 'f']]) await f.store.seal(docBatch(docs), f.signer);
  return { ...f, chain: fs.readFileSync(f.store.paths.chain) };
}

/** Expects the seal to be refused with CHAIN_INVALID and nothing in the store to change. */
async function expectRefused(f: Fixture, message?: RegExp): Promise<NotarError> {
  const before = snapshot(f.dir);
  const e = await refusal(openStore(f.dir, nodeCrypto), f.signer);
  expect(e.code, e.message).toBe('CHAIN_INVALID');
  expect(e.message.startsWith('refusing to sign: '), e.message).toBe(true);
  expect(e.hint).toMatch(/backup/);
  if (message) expect(e.message).toMatch(message);
  expect(snapshot(f.dir)).toEqual(before);
  return e;
}

const lines = (chain: Buffer) => chain.toString('utf8').split('\n').slice(0, -1);

describe('item 1: an invented block appended to chain.jsonl', () => {
  // The issue's attack: a block for forged.txt, backdated to 2019, linked to the last block.
  function forgedLine(f: Fixture & { chain: Buffer }): string {
    const last = JSON.parse(lines(f.chain)[2]) as ChainRecord;
    const salt = new Uint8Array(32).fill(7);
    const root = leafHash(concatBytes(salt, digestOf('forged.txt')));
    const block = nextBlock(last, 1, root, '2019-01-01T00:00:00Z');
    return formatChainRecord({ ...block, checkpoint: last.checkpoint });
  }

  it('is refused: the last checkpoint is not for this history', async () => {
    const f = await threeBlocks();
    fs.appendFileSync(f.store.paths.chain, forgedLine(f) + '\n');
    await expectRefused(f, /block 3: (checkpoint is for history size 3, expected 4|time)/);
  });

  it('is refused with tip.json removed too (the cheap checks alone find it)', async () => {
    const f = await threeBlocks();
    fs.appendFileSync(f.store.paths.chain, forgedLine(f) + '\n');
    fs.rmSync(f.store.paths.tip);
    await expectRefused(f, /block 3: /);
  });

  it('is refused when it carries a checkpoint signed by another key for the forged history', async () => {
    const f = await threeBlocks();
    const impostor = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    const state = f.store.readChain();
    const last = state.records[2];
    const block = nextBlock(last, 1, leafHash(digestOf('forged')), last.time);
    const history = MerkleTree.fromLeafHashes(concatBytes(state.blockHashes, blockHash(block)));
    const checkpoint = signNote(formatCheckpoint({ origin: ORIGIN, size: 4, root: history.root() }), impostor);
    fs.appendFileSync(f.store.paths.chain, formatChainRecord({ ...block, checkpoint }) + '\n');
    await expectRefused(
      f,
      /block 3: checkpoint is signed by key ID [0-9a-f]{8}, not by this store's key .* \(replaced or damaged\)/,
    );
  });
});

describe('item 1: one flipped byte anywhere in chain.jsonl', () => {
  const KINDS = [
    'is not a valid block',
    'has seq',
    'prev',
    'origin',
    'malformed',
    'history size',
    'history root',
    'signed by key ID',
    'signature is not valid',
    'time',
    'complete block',
  ];
  for (const withTip of [true, false]) {
    it(`every position, xor 0x01 (${withTip ? 'with' : 'without'} tip.json): the seal is refused and nothing changes`, async () => {
      const f = await threeBlocks();
      if (!withTip) fs.rmSync(f.store.paths.tip);
      const before = snapshot(f.dir);
      const store = openStore(f.dir, nodeCrypto);
      const kinds = new Map<string, number>();
      for (let i = 0; i < f.chain.length; i++) {
        const bad = Buffer.from(f.chain);
        bad[i] ^= 0x01;
        fs.writeFileSync(f.store.paths.chain, bad);
        const e = await refusal(store, f.signer);
        expect(e.code, `byte ${i}: ${e.message}`).toBe('CHAIN_INVALID');
        expect(fs.readFileSync(f.store.paths.chain).equals(bad), `byte ${i}`).toBe(true);
        const kind = KINDS.find((k) => e.message.includes(k)) ?? e.message;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      fs.writeFileSync(f.store.paths.chain, f.chain);
      expect(snapshot(f.dir)).toEqual(before);
      console.log(
        `seal over ${f.chain.length} flipped chain bytes (${withTip ? 'tip' : 'no tip'}): refusals by kind ${JSON.stringify(Object.fromEntries(kinds))}`,
      );
    });
  }

  it('a flip in an older checkpoint (not covered by the new signature) is found through the tip', async () => {
    const f = await threeBlocks();
    const text = f.chain.toString('utf8');
    const at = text.indexOf('— ' + ORIGIN); // block 0's signature line
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(f.chain);
    bad[Buffer.byteLength(text.slice(0, at)) + 20] ^= 0x01; // inside block 0's signature line
    fs.writeFileSync(f.store.paths.chain, bad);
    await expectRefused(f, /block 0: checkpoint/);
  });
});

describe('item 1: a checkpoint swapped for another store’s', () => {
  async function otherStoreLine(seq: number): Promise<ChainRecord> {
    const g = newStore(); // the same origin, another key
    for (let i = 0; i <= seq; i++) await g.store.seal(docBatch([`other ${i}`]), g.signer);
    return g.store.readChain().records[seq];
  }

  for (const seq of [0, 1, 2]) {
    it(`in block ${seq}: refused`, async () => {
      const f = await threeBlocks();
      const l = lines(f.chain);
      const rec = JSON.parse(l[seq]) as ChainRecord;
      l[seq] = formatChainRecord({ ...rec, checkpoint: (await otherStoreLine(seq)).checkpoint });
      fs.writeFileSync(f.store.paths.chain, l.join('\n') + '\n');
      await expectRefused(
        f,
        new RegExp(`block ${seq}: checkpoint is signed by key ID [0-9a-f]{8}, not by this store's key`),
      );
    });
  }
});

describe('item 1: damaged leaves of earlier blocks', () => {
  // Decision (docs/store.md): the new checkpoint does not cover leaves files (the batch roots in
  // the lines do, and those are checked); reading every batch would cost O(all documents) per
  // stamp. A seal goes on; `notar chain verify` names the damage, and the new block is sound.
  it('do not stop the seal; the audit still names them, and the new block verifies', async () => {
    const f = await threeBlocks();
    const file = leavesFile(f.store.paths, 1);
    const bad = fs.readFileSync(file);
    bad[bad.length - 70] ^= 0x01;
    fs.writeFileSync(file, bad);
    const r = await f.store.seal(docBatch(['g']), f.signer);
    expect(r.record.seq).toBe(3);
    expect(auditStore(f.store).firstBad).toMatchObject({ seq: 1, kind: 'leaves-damaged' });
    fs.writeFileSync(file, Buffer.from(bad.map((b, i) => (i === bad.length - 70 ? b ^ 0x01 : b))));
    expect(auditStore(f.store).ok).toBe(true);
  });
});

describe('item 4: the key about to sign', () => {
  it('key.json holding another key of the same name than key.pub: refused, naming both key IDs', async () => {
    const f = await threeBlocks();
    const other = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    fs.writeFileSync(f.store.paths.key, sealKey(other, null));
    const before = snapshot(f.dir);
    const e = await refusal(
      openStore(f.dir, nodeCrypto),
      openStore(f.dir, nodeCrypto).signer(() => ''),
    );
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toBe(
      `refusing to sign: key.json holds key ${other.keyId}, but key.pub (the published verifier key) is key ${f.signer.keyId}: they are not the same key`,
    );
    expect(snapshot(f.dir)).toEqual(before);
  });

  it('key.json and key.pub both of another key (a wrong backup): refused, the chain was signed by another key', async () => {
    const f = await threeBlocks();
    const other = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    fs.writeFileSync(f.store.paths.key, sealKey(other, null));
    fs.writeFileSync(f.store.paths.verifierKey, other.text + '\n');
    const before = snapshot(f.dir);
    const e = await refusal(openStore(f.dir, nodeCrypto), other);
    expect(e.message).toBe(
      `refusing to sign: the signing key in key.json (key ID ${other.keyId}) is not the key that signed this chain: block 2's checkpoint is signed by key ID ${f.signer.keyId}`,
    );
    expect(snapshot(f.dir)).toEqual(before);
  });

  it('an empty store with a wrong key.json is refused too (nothing to compare but key.pub)', async () => {
    const f = newStore();
    const other = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
    expect((await refusal(f.store, other)).message).toMatch(/^refusing to sign: key.json holds key /);
  });
});

describe('item 6: removed block lines (rollback)', () => {
  it('the newest line deleted: refused; its signed leaves stay in place', async () => {
    const f = await threeBlocks();
    const l = lines(f.chain);
    fs.writeFileSync(f.store.paths.chain, l.slice(0, 2).join('\n') + '\n');
    const leaves = fs.readFileSync(leavesFile(f.store.paths, 2));
    const e = await expectRefused(
      f,
      /has 2 blocks, but this key already signed 3: the newest block lines were removed/,
    );
    expect(e.hint).toMatch(/move tip\.json out of the store/);
    expect(fs.readFileSync(leavesFile(f.store.paths, 2)).equals(leaves)).toBe(true);
  });

  it('after the operator moves tip.json away, the next seal keeps the old leaves in quarantine/ and says so', async () => {
    const f = await threeBlocks();
    fs.writeFileSync(f.store.paths.chain, lines(f.chain).slice(0, 2).join('\n') + '\n');
    const leaves = fs.readFileSync(leavesFile(f.store.paths, 2));
    fs.renameSync(f.store.paths.tip, path.join(path.dirname(f.dir), 'tip.json.aside'));
    const r = await f.store.seal(docBatch(['g']), f.signer);
    expect(r.record.seq).toBe(2);
    const [moved] = fs.readdirSync(f.store.paths.quarantine);
    expect(moved).toMatch(/^\d{8}T\d{6}Z-\d+-0000000002\.bin$/);
    expect(fs.readFileSync(path.join(f.store.paths.quarantine, moved)).equals(leaves)).toBe(true);
    expect(r.recovered).toEqual([
      'checked the checkpoints of all 2 blocks: there was no record (tip.json) of what this key signed last',
      `WARNING: leaves/0000000002.bin holds leaves this key signed for block 2, but chain.jsonl has no block 2 (its line was removed, or an older notar was interrupted): moved it to quarantine/${moved} instead of overwriting it; run \`notar chain verify\``,
    ]);
    const audit = auditStore(f.store);
    expect(audit.ok).toBe(true);
    expect(audit.notices).toEqual([expect.stringMatching(/^quarantine\/ holds 1 file that stamps moved aside/)]);
  });

  it('a quarantine/ that is a symbolic link is refused, and nothing is written where it points', async () => {
    const f = await threeBlocks();
    fs.writeFileSync(f.store.paths.chain, lines(f.chain).slice(0, 2).join('\n') + '\n');
    fs.rmSync(f.store.paths.tip);
    const elsewhere = path.join(path.dirname(f.dir), 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, f.store.paths.quarantine);
    const e = await refusal(f.store, f.signer);
    expect(e.code).toBe('STORE');
    expect(e.message).toBe(`${f.store.paths.quarantine} is not a directory (a symbolic link?)`);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.existsSync(leavesFile(f.store.paths, 2))).toBe(true);
  });

  it('the whole chain emptied: refused', async () => {
    const f = await threeBlocks();
    fs.writeFileSync(f.store.paths.chain, '');
    await expectRefused(f, /has 0 blocks, but this key already signed 3/);
  });
});

describe('item 6: a damaged last line is never removed as "torn"', () => {
  // The newline is gone and a byte in the middle flipped: classifyTail alone would call many of these
  // an incomplete write (a quote flipped hides the closing brace).
  it('with the tip: refused at every position of the last line, nothing changes', async () => {
    const f = await threeBlocks();
    const start = f.chain.lastIndexOf(0x0a, f.chain.length - 2) + 1;
    const store = openStore(f.dir, nodeCrypto);
    for (let i = start; i < f.chain.length - 1; i += 7) {
      const bad = Buffer.from(f.chain.subarray(0, -1));
      bad[i] ^= 0x01;
      fs.writeFileSync(f.store.paths.chain, bad);
      const e = await refusal(store, f.signer);
      expect(e.code, `byte ${i}: ${e.message}`).toBe('CHAIN_INVALID');
      expect(fs.readFileSync(f.store.paths.chain).equals(bad), `byte ${i}`).toBe(true);
    }
  });

  it('without a tip (an older store): the bytes are kept in quarantine/ before they are removed, and the message says where', async () => {
    const f = await threeBlocks();
    fs.rmSync(f.store.paths.tip);
    const l = lines(f.chain);
    const damaged = Buffer.from(l[2]);
    damaged[damaged.indexOf('"root":"') + 5] ^= 0x01; // a quote: the rest reads as inside a string
    fs.writeFileSync(f.store.paths.chain, Buffer.concat([Buffer.from(l.slice(0, 2).join('\n') + '\n'), damaged]));
    const r = await f.store.seal(docBatch(['g']), f.signer);
    const kept = fs.readdirSync(f.store.paths.quarantine).find((n) => n.endsWith('-chain-tail-2.bin'))!;
    expect(fs.readFileSync(path.join(f.store.paths.quarantine, kept)).equals(damaged)).toBe(true);
    expect(r.recovered).toContain(
      `removed ${damaged.length} bytes of an incomplete block line left by an interrupted stamp (not the line this key was writing, so kept in quarantine/${kept})`,
    );
    // Its leaves (signed for block 2) were in the way of the new block 2: kept as well.
    expect(fs.readdirSync(f.store.paths.quarantine)).toHaveLength(2);
  });
});

describe('cost: a 10,000-block store', () => {
  /** Writes a valid 10,000-block chain signed by f.signer straight into chain.jsonl (no leaves: a seal does not read them). */
  function bigChain(f: Fixture, n: number): void {
    const blocks = [];
    const hashes = new Uint8Array(n * 32);
    let prev;
    for (let i = 0; i < n; i++) {
      prev = nextBlock(prev, 1, digestOf(`block ${i}`), formatTime(new Date(Date.UTC(2030, 0, 1, 0, 0, i))));
      blocks.push(prev);
      hashes.set(blockHash(prev, nodeCrypto), i * 32);
    }
    const history = MerkleTree.fromLeafHashes(hashes, nodeCrypto);
    const text = blocks.map(
      (b, i) =>
        formatChainRecord({
          ...b,
          checkpoint: signNote(
            formatCheckpoint({ origin: ORIGIN, size: i + 1, root: history.rootAt(i + 1) }),
            f.signer,
            nodeCrypto,
          ),
        }) + '\n',
    );
    fs.writeFileSync(f.store.paths.chain, text.join(''));
    expect(blocks[1].prev).toBe(blockHashHex(blocks[0]));
  }

  it('the first seal without a tip checks every checkpoint once; later seals verify one signature, none in the same process', async () => {
    const f = newStore();
    bigChain(f, 10_000);
    let verifications = 0;
    const fast = nodeCrypto.ed25519;
    // The store computes with the Crypto it was opened with: count its verifications.
    const counted: Crypto = {
      ...nodeCrypto,
      ed25519: { ...fast, verify: (s, m, k) => (verifications++, fast.verify(s, m, k)) },
    };
    const store = openStore(f.dir, counted);
    const t0 = performance.now();
    const first = await store.seal(docBatch(['x']), f.signer);
    const t1 = performance.now();
    expect(first.record.seq).toBe(10_000);
    expect(verifications).toBe(10_000);
    verifications = 0;
    // Another process (a new Store object): the tip vouches for the chain, the last checkpoint is verified.
    const second = await openStore(f.dir, counted).seal(docBatch(['y']), f.signer);
    const t2 = performance.now();
    expect(second.record.seq).toBe(10_001);
    expect(verifications).toBe(1);
    verifications = 0;
    // The first Store again: it checks the line the other one appended, in full (one signature), and nothing older.
    const third = await store.seal(docBatch(['z']), f.signer);
    expect(third.record.seq).toBe(10_002);
    expect(store.lastCheck).toBe('incremental');
    expect(verifications).toBe(1);
    verifications = 0;
    const t3 = performance.now();
    const fourth = await store.seal(docBatch(['w']), f.signer);
    const t4 = performance.now();
    expect(fourth.record.seq).toBe(10_003);
    expect(verifications).toBe(0);
    console.log(
      `10,000-block store: first seal without a tip ${(t1 - t0).toFixed(0)} ms (10,000 checkpoints checked), next seal by another Store ${(t2 - t1).toFixed(0)} ms (1 checkpoint), next by the same Store ${(t4 - t3).toFixed(0)} ms (none)`,
    );
  });
});
