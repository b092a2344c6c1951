/**
 * Tamper evidence (issue 4): any change to any byte of a sealed block line,
 * its checkpoint or its stored leaves is found by the audit, which names the
 * block and the kind of fault. Per-byte loops run the audit in-process
 * (src/store/audit.ts); a handful of cases go through `notar chain verify`.
 *
 * Exit code choice: every fault the audit finds exits 1, including a line
 * that no longer parses as JSON. FORMAT.md §10 gives 1 to "checked and found
 * invalid, tampered"; a sealed line that stopped parsing is exactly that.
 * Exit 2 is kept for when the audit cannot run at all (no store, unreadable
 * files, a bad --key argument).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/core/bytes.js';
import { auditStore, type AuditReport } from '../../src/store/audit.js';
import { leavesFile } from '../../src/store/paths.js';
import { openStore, type Store } from '../../src/store/store.js';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { expectOneError } from './helpers.js';
import { nodeCrypto } from '../../src/node/crypto.js';

let s: TestStore;
let store: Store;
let chain: Buffer;
let documents: number;

beforeAll(() => {
  s = makeStore('notary.example.gov/tamper');
  writeDocs(s.dir, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'd.txt': 'd\n', 'e.txt': 'é\n', 'f.txt': '' });
  for (const batch of [['a.txt', 'b.txt'], ['c.txt'], ['d.txt', 'e.txt', 'f.txt']])
    expect(s.run(['stamp', ...batch]).code).toBe(0);
  store = openStore(s.storeDir, nodeCrypto);
  chain = fs.readFileSync(store.paths.chain);
  documents = 6;
  expect(auditStore(store)).toEqual({ ok: true, blocks: 3, documents, checkpoint: expect.anything(), notices: [] });
});

/** Runs `f` with `file` changed to `bytes`, restoring it afterwards. */
function withFile<T>(file: string, bytes: Uint8Array, f: () => T): T {
  const original = fs.readFileSync(file);
  fs.writeFileSync(file, bytes);
  try {
    return f();
  } finally {
    fs.writeFileSync(file, original);
  }
}

/** Which block line (0-based) holds byte `i` of the chain file (its newline included). */
function lineOf(i: number): number {
  let line = 0;
  for (let j = 0; j < i; j++) if (chain[j] === 0x0a) line++;
  return line;
}

function expectFault(report: AuditReport, seq: number, where: string): void {
  expect(report.ok, where).toBe(false);
  expect(report.firstBad?.seq, `${where}: ${report.firstBad?.message}`).toBe(seq);
  expect(report.firstBad?.message.startsWith(`block ${seq}: `), where).toBe(true);
  expect(report.blocks, where).toBe(seq);
}

describe('every byte of the chain file', () => {
  // Every byte with one flip; two more flip patterns (case, high bit) over the middle block's line.
  for (const [mask, lines] of [
    [0x01, [0, 1, 2]],
    [0x20, [1]],
    [0x80, [1]],
  ] as const) {
    it(`flipping any one byte (xor 0x${mask.toString(16)}, lines ${lines.map((l) => l + 1).join(', ')}) is a fault in the block that holds it`, () => {
      const kinds = new Map<string, number>();
      for (let i = 0; i < chain.length; i++) {
        if (!(lines as readonly number[]).includes(lineOf(i))) continue;
        const bad = Buffer.from(chain);
        bad[i] ^= mask;
        const report = withFile(store.paths.chain, bad, () => auditStore(store));
        expectFault(report, lineOf(i), `byte ${i} (${JSON.stringify(String.fromCharCode(chain[i]))})`);
        kinds.set(report.firstBad!.kind, (kinds.get(report.firstBad!.kind) ?? 0) + 1);
      }
      console.log(
        `chain bytes xor 0x${mask.toString(16)}: faults by kind ${JSON.stringify(Object.fromEntries(kinds))}`,
      );
    });
  }
});

describe('stamp over a flipped chain byte (issue 10, item 1)', () => {
  // The same flips as above, now against sealing: every one is refused before anything is
  // written. In-process (store.seal, what `stamp` calls); a few through the real binary below.
  it('refuses every one-byte flip (xor 0x01) of every line, and leaves the chain as it was', async () => {
    const signer = store.signer(() => '');
    for (let i = 0; i < chain.length; i++) {
      const bad = Buffer.from(chain);
      bad[i] ^= 0x01;
      fs.writeFileSync(store.paths.chain, bad);
      let outcome: string | undefined = 'sealed';
      try {
        await openStore(s.storeDir, nodeCrypto).seal({ digests: new Uint8Array(32).fill(9), names: ['x'] }, signer);
      } catch (e) {
        outcome = (e as { code?: string }).code;
        expect(fs.readFileSync(store.paths.chain).equals(bad), `byte ${i}`).toBe(true);
      } finally {
        fs.writeFileSync(store.paths.chain, chain);
      }
      expect(outcome, `byte ${i} (${JSON.stringify(String.fromCharCode(chain[i]))})`).toBe('CHAIN_INVALID');
    }
  });

  it('`notar stamp` exits 1 with one error line and a hint to run `notar chain verify`; no receipt, nothing sealed', () => {
    writeDocs(s.dir, { 'new.txt': 'new\n' });
    for (const at of [
      5,
      Math.floor(chain.length / 3),
      Math.floor(chain.length / 2),
      chain.length - 80,
      chain.length - 1,
    ]) {
      const bad = Buffer.from(chain);
      bad[at] ^= 0x01;
      withFile(store.paths.chain, bad, () => {
        const r = s.run(['stamp', 'new.txt']);
        expectOneError(r, 1, /^notar: error: refusing to sign: /);
        expect(r.stderr).toMatch(/notar: hint: .*`notar chain verify`/);
        expect(fs.existsSync(path.join(s.dir, 'new.txt.notar.json'))).toBe(false);
        expect(fs.readFileSync(store.paths.chain).equals(bad)).toBe(true);
      });
    }
  });
});

describe('every byte of the stored leaves', () => {
  it('flipping any one byte of any leaves file is a fault in its block (signature)', () => {
    for (let seq = 0; seq < 3; seq++) {
      const file = leavesFile(store.paths, seq);
      const data = fs.readFileSync(file);
      for (let i = 0; i < data.length; i++) {
        const bad = Buffer.from(data);
        bad[i] ^= 0x01;
        const report = withFile(file, bad, () => auditStore(store));
        expectFault(report, seq, `leaves ${seq} byte ${i}`);
        expect(report.firstBad?.kind).toBe('leaves-damaged');
        expect(report.firstBad?.message).toMatch(
          new RegExp(
            `^block ${seq}: leaves/${String(seq).padStart(10, '0')}\\.bin is damaged \\((signature does not match the contents|bad header)\\)$`,
          ),
        );
      }
    }
  });

  it('a truncated, emptied, swapped or missing leaves file is a fault in its block', () => {
    const file = leavesFile(store.paths, 1);
    const data = fs.readFileSync(file);
    expect(withFile(file, data.subarray(0, data.length - 1), () => auditStore(store)).firstBad?.kind).toBe(
      'leaves-damaged',
    );
    expect(withFile(file, new Uint8Array(0), () => auditStore(store)).firstBad?.message).toBe(
      'block 1: leaves/0000000001.bin is damaged (too short)',
    );
    const swapped = withFile(file, fs.readFileSync(leavesFile(store.paths, 2)), () => auditStore(store));
    expect(swapped.firstBad).toEqual({
      seq: 1,
      kind: 'leaves-mismatch',
      message: 'block 1: leaves/0000000001.bin holds the leaves of block 2',
    });
    fs.renameSync(file, file + '.away');
    try {
      expect(auditStore(store).firstBad).toEqual({
        seq: 1,
        kind: 'leaves-missing',
        message: 'block 1: leaves/0000000001.bin is missing',
      });
    } finally {
      fs.renameSync(file + '.away', file);
    }
  });
});

describe('whole-line changes', () => {
  const lines = () => chain.toString('utf8').split('\n').slice(0, -1);
  const audit = (text: string) => withFile(store.paths.chain, Buffer.from(text), () => auditStore(store));

  it('a deleted block is a seq fault where it was', () => {
    const l = lines();
    expect(audit([l[0], l[2]].join('\n') + '\n').firstBad).toMatchObject({ seq: 1, kind: 'seq' });
  });

  it('swapped blocks are a fault at the first swapped place', () => {
    const l = lines();
    expect(audit([l[1], l[0], l[2]].join('\n') + '\n').firstBad).toMatchObject({ seq: 0, kind: 'seq' });
  });

  it('a duplicated block is a fault', () => {
    const l = lines();
    expect(audit([l[0], l[1], l[1], l[2]].join('\n') + '\n').firstBad).toMatchObject({ seq: 2, kind: 'seq' });
  });

  it('a torn last line (an interrupted append) is a notice, not a fault', () => {
    const l = lines();
    const report = audit(l.join('\n') + '\n' + '{"seq":3,"ti');
    expect(report.ok).toBe(true);
    expect(report.blocks).toBe(3);
    expect(report.notices).toEqual([
      'chain.jsonl ends with 12 bytes of an incomplete line (an interrupted stamp): not read as a block; the next stamp removes it',
    ]);
  });

  it('a last line whose newline was lost is a notice; the block is not counted yet', () => {
    const report = audit(lines().join('\n'));
    expect(report.ok).toBe(true);
    expect(report.blocks).toBe(2);
    expect(report.notices[0]).toMatch(/^the last line \(block 2\) lacks its final newline/);
  });
});

describe('notar chain verify', () => {
  const rootOfLatest = () => {
    const cp = JSON.parse(chain.toString('utf8').split('\n')[2]).checkpoint as string;
    return toHex(fromBase64(cp.split('\n')[2]));
  };

  it('clean: one summary line, exit 0, nothing on stderr', () => {
    const r = s.run(['chain', 'verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `chain OK: 3 blocks, ${documents} documents, latest checkpoint size 3, root ${rootOfLatest()}\n`,
    );
  });

  it('--json, clean', () => {
    const r = s.run(['chain', 'verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      blocks: 3,
      documents,
      checkpoint: { size: 3, root: rootOfLatest() },
      notices: [],
    });
  });

  it('a changed batch root: one line naming the block and the fault, exit 1; --json says the same', () => {
    const line = chain.toString('utf8').split('\n')[1];
    const root = JSON.parse(line).root as string;
    const bad = chain.toString('utf8').replace(root, (root[0] === 'a' ? 'b' : 'a') + root.slice(1));
    withFile(store.paths.chain, Buffer.from(bad), () => {
      const r = s.run(['chain', 'verify']);
      expectOneError(r, 1, 'block 1: batch root does not match the stored leaves');
      expect(r.stderr).toBe('notar: error: block 1: batch root does not match the stored leaves\n');
      expect(r.stdout).toBe('');
      const j = s.run(['chain', 'verify', '--json']);
      expect(j.code).toBe(1);
      expect(JSON.parse(j.stdout)).toEqual({
        ok: false,
        blocks: 1,
        documents: 2,
        checkpoint: expect.anything(),
        firstBad: { seq: 1, kind: 'batch-root', message: 'block 1: batch root does not match the stored leaves' },
        notices: [],
      });
    });
  });

  it('a damaged leaves file is named', () => {
    const file = leavesFile(store.paths, 2);
    const bad = Buffer.from(fs.readFileSync(file));
    bad[bad.length - 70] ^= 0x40; // a name byte
    withFile(file, bad, () =>
      expectOneError(
        s.run(['chain', 'verify']),
        1,
        'block 2: leaves/0000000002.bin is damaged (signature does not match the contents)',
      ),
    );
  });

  it('a line that is no longer JSON is a fault (exit 1) naming the line', () => {
    const bad = Buffer.from(chain);
    bad[chain.indexOf('{"seq":1')] = 0x5b; // '[' where the object opened
    withFile(store.paths.chain, bad, () =>
      expectOneError(s.run(['chain', 'verify']), 1, /^notar: error: block 1: line 2 is not a valid block line/),
    );
  });

  it('a replaced key.pub fails the audit; --key with the published key passes and says key.pub differs', () => {
    const other = makeStore('notary.example.gov/tamper');
    withFile(store.paths.verifierKey, Buffer.from(other.vkey + '\n'), () => {
      expectOneError(s.run(['chain', 'verify']), 1, 'block 0: checkpoint is not signed by the trusted key');
      const r = s.run(['chain', 'verify', '--key', s.vkey]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`notar: the store's key.pub (${other.vkey}) is not among the given keys\n`);
    });
  });

  it('--key of an impostor with the same origin: the audit fails at block 0', () => {
    const other = makeStore('notary.example.gov/tamper');
    expectOneError(
      s.run(['chain', 'verify', '--key', other.vkey]),
      1,
      'block 0: checkpoint is not signed by the trusted key',
    );
  });

  it('--key for another origin is refused (exit 1: untrusted)', () => {
    const other = makeStore('notary.example.org/elsewhere');
    expectOneError(
      s.run(['chain', 'verify', '--key', other.vkey]),
      1,
      "none of the given keys is for this store's origin notary.example.gov/tamper",
    );
  });

  it('leftovers of an interrupted stamp are notices, exit 0', () => {
    const extra = leavesFile(store.paths, 3);
    fs.copyFileSync(leavesFile(store.paths, 2), extra);
    try {
      withFile(store.paths.chain, Buffer.concat([chain, Buffer.from('{"seq":3,"time":"2')]), () => {
        const r = s.run(['chain', 'verify']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^chain OK: 3 blocks/);
        expect(r.stderr).toContain('notar: chain.jsonl ends with 18 bytes of an incomplete line');
        expect(r.stderr).toContain('notar: leaves/0000000003.bin has no block');
      });
    } finally {
      fs.rmSync(extra);
    }
  });
});

it('an empty store verifies: nothing stamped yet', () => {
  const empty = makeStore('notary.example.gov/empty');
  const r = empty.run(['chain', 'verify']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('chain OK: 0 blocks, 0 documents (nothing stamped yet)\n');
  expect(JSON.parse(empty.run(['chain', 'verify', '--json']).stdout)).toEqual({
    ok: true,
    blocks: 0,
    documents: 0,
    notices: [],
  });
});

it('the audit reads the store only', () => {
  const before = fs.readdirSync(s.storeDir).concat(fs.readdirSync(path.join(s.storeDir, 'leaves')));
  auditStore(store);
  expect(fs.readdirSync(s.storeDir).concat(fs.readdirSync(path.join(s.storeDir, 'leaves')))).toEqual(before);
  expect(fs.readFileSync(store.paths.chain).equals(chain)).toBe(true);
});
