// The log side's client (src/witness/client.ts) against a real witness:
// a 409 from a newer size that another stamp explains is "missed", one the
// log's history cannot explain is reported as a possible fork.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCosignerKey } from '../../src/core/cosignature.js';
import { openStore } from '../../src/store/store.js';
import { askWitnesses } from '../../src/witness/client.js';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeWitness, serve, type Served, type TestWitness } from './helpers.js';
import { nodeCrypto } from '../../src/node/crypto.js';

let log: TestStore;
let w: TestWitness;
let s: Served;

beforeAll(async () => {
  log = makeStore('registry.example.gov/client');
  w = makeWitness();
  expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
  for (const n of ['a', 'b']) {
    writeDocs(log.dir, { [n]: `${n}\n` });
    expect(log.run(['stamp', n, '--no-receipts']).code).toBe(0);
  }
  // The witness has already cosigned size 2 (as if another stamp had asked it first).
  expect(w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request']).stdout).code).toBe(0);
  s = await serve(w);
});
afterAll(async () => {
  await s?.stop();
});

describe('askWitnesses', () => {
  it('asking for an older checkpoint: missed when the log itself is that large, possible fork otherwise', async () => {
    const store = openStore(log.storeDir, nodeCrypto);
    const full = store.readChain();
    const older = { records: full.records.slice(0, 1), blockHashes: full.blockHashes.subarray(0, 32) };
    const witness = { key: parseCosignerKey(w.vkey), url: s.url };
    const [a] = await askWitnesses(store.paths.dir, [witness], older, older.records[0], 5000, () => 2);
    expect(a.result).toBe('missed');
    expect(a.detail).toMatch(/already cosigned a newer checkpoint of this log \(size 2\)/);
    const [b] = await askWitnesses(store.paths.dir, [witness], older, older.records[0], 5000, () => 1);
    expect(b.result).toBe('refused');
    expect(b.detail).toMatch(
      /POSSIBLE FORK OR MISCONFIGURATION: the witness has cosigned size 2, but this log has 1 blocks/,
    );
    // The latest checkpoint is cosigned again (old 2 after the 409), and stored.
    const [c] = await askWitnesses(store.paths.dir, [witness], full, full.records[1], 5000);
    expect(c.result).toBe('cosigned');
  });
});
