// `notar serve` SIGKILLed at random moments under load from several clerks:
// every receipt a clerk received is for a sealed block of this chain (its
// checkpoint is in the chain file, it verifies), the chain verifies after
// each kill, and the next server on the same store just works.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.js';
import { parseVerifierKey } from '../../src/core/note.js';
import { formatReceipt, type Receipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { makeStore } from '../cli/helpers.js';
import { prng, testSeed } from '../reliability/helpers.js';
import { hex, post, startServe, type StampReply } from './server-helpers.js';

const ROUNDS = 8;

it(`survives ${ROUNDS} SIGKILLs of notar serve under load`, { timeout: 240_000 }, async () => {
  const rand = prng(testSeed('serve-kill'));
  const s = makeStore('notary.example.gov/kill');
  const key = parseVerifierKey(s.vkey);
  const token = s.run(['clerk', 'add', 'desk']).stdout.trim();
  let received = 0;
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const srv = await startServe(s, ['--window-ms', String(5 + Math.floor(rand() * 50))]);
    const requests: Promise<StampReply | undefined>[] = [];
    for (let i = 0; i < 6; i++) {
      const docs = Array.from({ length: 1 + Math.floor(rand() * 40) }, (_, j) => ({
        sha256: hex(`r${round} q${i} d${j}`),
      }));
      requests.push(post(srv.url, token, docs).catch(() => undefined));
    }
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 300)));
    srv.child.kill('SIGKILL');
    await srv.exited;
    const replies = await Promise.all(requests);
    // No chain file yet if the first kill came before the first block.
    const chainFile = path.join(s.storeDir, 'chain.jsonl');
    const chain = fs.existsSync(chainFile) ? fs.readFileSync(chainFile, 'utf8') : '';
    const complete = chain
      .slice(0, chain.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    for (const r of replies) {
      if (!r || r.status !== 200) {
        refused++;
        continue;
      }
      for (const x of r.receipts) {
        const receipt = x as unknown as Receipt;
        const v = verifyReceipt(formatReceipt(receipt), fromHex(receipt.document.sha256), [key]);
        expect(v.ok, v.ok ? '' : v.reason).toBe(true);
        // Sealed in THIS chain: its checkpoint is the one the chain file holds for its size.
        expect(complete[receipt.history.size - 1]?.checkpoint).toBe(receipt.checkpoint);
        received++;
      }
    }
    const audit = s.run(['chain', 'verify']);
    expect(audit.code, audit.stderr + audit.stdout).toBe(0);
  }
  // A restart on the same store just works, and says what it recovered if anything.
  const srv = await startServe(s);
  const r = await post(srv.url, token, [{ sha256: hex('after the storm') }]);
  expect(r.status, r.body).toBe(200);
  srv.child.kill('SIGTERM');
  expect(await srv.exited).toEqual({ code: 0, signal: null });
  expect(s.run(['chain', 'verify']).code).toBe(0);
  console.log(`serve-kill: ${received} receipts received and verified, ${refused} requests cut off`);
});
