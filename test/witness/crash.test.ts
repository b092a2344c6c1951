// The safety property across crashes: a witness SIGKILLed at random moments
// while two forks of one log race for cosignatures never, across restarts,
// cosigns two different trees of one size, and never answers with a
// cosignature it had not saved first (its state after restart is at least
// as large as every size it answered 200 for).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.js';
import { parseNote } from '../../src/core/note.js';
import { parseCheckpointBody } from '../../src/core/witness-protocol.js';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeWitness, post, serve } from './helpers.js';

const ORIGIN = 'registry.example.gov/crash';

function stampN(store: TestStore, prefix: string, n: number) {
  for (let i = 0; i < n; i++) {
    writeDocs(store.dir, { [`${prefix}${i}`]: `${prefix} ${i}\n` });
    expect(store.run(['stamp', `${prefix}${i}`, '--no-receipts']).code).toBe(0);
  }
}

describe('witness under SIGKILL', () => {
  it('never cosigns two roots for one size, and never answers before saving', async () => {
    const log = makeStore(ORIGIN);
    fs.writeFileSync(path.join(log.dir, 'secret.key'), log.run(['key', 'export']).stdout, { mode: 0o600 });
    const fork = makeStore(ORIGIN, ['--no-passphrase', '--import', path.join(log.dir, 'secret.key')]);
    // After each block of each fork: requests for that size from every older size.
    const requests: string[] = [];
    for (let n = 1; n <= 6; n++) {
      for (const [st, p] of [
        [log, 'a'],
        [fork, 'b'],
      ] as const) {
        stampN(st, `${p}${n}-`, 1);
        for (let o = 0; o <= n; o++) requests.push(st.run(['checkpoint', '--request', '--old', String(o)]).stdout);
      }
    }
    const oldOf = (b: string) => Number(b.slice(4, b.indexOf('\n')));
    for (const wi of [1, 2]) {
      const w = makeWitness(`witness.example.gov/crash${wi}`);
      expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
      let known = 0;
      let cosignedCount = 0;
      const answered = new Map<number, Set<string>>();
      let maxAnswered = 0;
      let seed = 99;
      const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      for (let round = 0; round < 3; round++) {
        const s = await serve(w);
        const inflight: Promise<void>[] = [];
        let stop = false;
        for (let c = 0; c < 8; c++) {
          inflight.push(
            (async () => {
              while (!stop) {
                // Half the time, what a log would send: a proof from the size the witness last reported.
                const fitting = requests.filter((x) => oldOf(x) === known);
                const b = rnd(2) && fitting.length ? fitting[rnd(fitting.length)] : requests[rnd(requests.length)];
                let r;
                try {
                  r = await post(s.url, b);
                } catch {
                  return; // killed mid-request
                }
                if (r.status === 409) known = Number(r.text.trim());
                if (r.status !== 200) continue;
                const cp = parseCheckpointBody(parseNote(b.slice(b.indexOf('\n\n') + 2)).body);
                if (!answered.has(cp.size)) answered.set(cp.size, new Set());
                answered.get(cp.size)!.add(toBase64(cp.root));
                maxAnswered = Math.max(maxAnswered, cp.size);
                cosignedCount++;
                known = Math.max(known, cp.size);
              }
            })(),
          );
        }
        // Let each round make progress (however loaded the machine), then kill at a random moment.
        const before = cosignedCount;
        for (let i = 0; i < 400 && cosignedCount === before; i++) await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, rnd(150)));
        s.child.kill('SIGKILL');
        stop = true;
        await Promise.all(inflight);
        if (s.child.exitCode === null && s.child.signalCode === null) await new Promise((r) => s.child.once('exit', r));
        // After the crash the saved state covers every answer given.
        const listed = JSON.parse(w.run(['witness', 'list', '--json']).stdout.trim());
        expect(listed.size).toBeGreaterThanOrEqual(maxAnswered);
      }
      expect(cosignedCount).toBeGreaterThanOrEqual(3);
      for (const roots of answered.values()) expect(roots.size).toBe(1);
      // Then a restarted witness keeps refusing the other fork at the size it cosigned.
      const s = await serve(w);
      try {
        const size = JSON.parse(w.run(['witness', 'list', '--json']).stdout.trim()).size;
        if (size === 6) {
          const statuses = await Promise.all(requests.map((b) => post(s.url, b).then((r) => r.status)));
          expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(requests.length / 2);
        }
      } finally {
        await s.stop();
      }
    }
  }, 180_000);
});
