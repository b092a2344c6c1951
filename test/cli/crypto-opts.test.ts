// The CLI's Crypto is a value passed down (issue 11 item 3): main.ts attaches
// node:crypto to each command's options, commands hand cryptoOf(opts) to the
// store and the core. In process: a counting Crypto shows it is really used.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nobleCrypto } from '../../src/core/crypto.js';
import { formatReceipt } from '../../src/core/receipt.js';
import { nodeCrypto } from '../../src/node/crypto.js';
import { openStoreFromOpts } from '../../src/cli/common.js';
import { cryptoOf, optsWithCrypto } from '../../src/cli/crypto-opts.js';
import { run as verify } from '../../src/cli/commands/verify.js';
import { ReceiptBuilder } from '../../src/store/store.js';
import { countingCrypto } from '../core/helpers.js';
import { docBatch, newStore, tempDir } from '../store/fixtures.js';

afterEach(() => vi.restoreAllMocks());

describe('the Crypto travels with the options', () => {
  it('cryptoOf gives what optsWithCrypto attached; noble without it; the options stay as they were', () => {
    const opts = { store: '/x', json: true };
    const withIt = optsWithCrypto(opts, nodeCrypto);
    expect(cryptoOf(withIt)).toBe(nodeCrypto);
    expect(cryptoOf(opts)).toBe(nobleCrypto);
    expect(Object.keys(withIt)).toEqual(['store', 'json']);
    expect(JSON.stringify(withIt)).toBe(JSON.stringify(opts));
    expect(cryptoOf({ ...withIt })).toBe(nodeCrypto);
  });

  it('a store opened from the options seals with that Crypto', async () => {
    const f = newStore();
    const counted = countingCrypto(nodeCrypto);
    const store = openStoreFromOpts(optsWithCrypto({ store: f.dir }, counted.crypto));
    expect(store.crypto).toBe(counted.crypto);
    await store.seal(docBatch(['a', 'b', 'c']), f.signer);
    expect(counted.calls.sha256Into).toBeGreaterThanOrEqual(3);
    expect(counted.calls.createSha256).toBe(1); // the leaves file's signed hash
    expect(counted.calls.sign).toBe(2); // the leaves file and the checkpoint
    expect(counted.calls.verify).toBe(0); // a fresh store: nothing to check yet
  });

  it('`verify` checks the receipt with the Crypto it was given', async () => {
    const f = newStore();
    const sealed = await f.store.seal(docBatch(['a', 'b']), f.signer);
    const receipt = new ReceiptBuilder(sealed.state, f.signer.text).forBatch(0, sealed.batch, ['a'])(0);
    const dir = tempDir();
    const doc = path.join(dir, 'a');
    fs.writeFileSync(doc, 'a');
    fs.writeFileSync(doc + '.notar.json', formatReceipt(receipt));
    fs.writeFileSync(path.join(dir, 'office.vkey'), f.signer.text + '\n');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const counted = countingCrypto(nodeCrypto);
    const code = await verify([doc], optsWithCrypto({ keyFile: [path.join(dir, 'office.vkey')] }, counted.crypto));
    expect(code).toBe(0);
    expect(String(out.mock.calls[0]?.[0])).toMatch(/OK/);
    expect(counted.calls.verify).toBe(1);
    expect(counted.calls.sha256Into + counted.calls.sha256).toBeGreaterThan(0);
  });
});
