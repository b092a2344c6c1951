// Issue 13 §1: key rotation in the chain (docs/lifecycle.md §3).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { notarAsync, prng, testSeed } from '../reliability/helpers.js';
import { expectError, expectOk, keyIdOf } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

const proofs = (s: TestStore) =>
  fs
    .readdirSync(path.join(s.storeDir, 'rotations'))
    .sort()
    .map((f) => path.join(s.storeDir, 'rotations', f));

describe('notar key rotate', () => {
  let s: TestStore;
  let k0: string;
  let k1: string;
  let k2: string;
  beforeAll(() => {
    s = makeStore();
    k0 = s.vkey;
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    const r = s.run(['key', 'rotate']);
    expectOk(r);
    k1 = r.stdout.trim();
    expect(r.stderr).toContain(`key ${keyIdOf(k0)} handed over to key ${keyIdOf(k1)}`);
    expectOk(s.run(['stamp', 'b.txt']));
  });

  const verify = (doc: string, keys: string[], extra: string[] = []) =>
    s.run(['verify', doc, ...keys.flatMap((k) => ['--key', k]), ...extra]);

  it('the handover block is signed by both keys; key.pub is the new key; log and chain verify show the rotation', () => {
    expect(fs.readFileSync(path.join(s.storeDir, 'key.pub'), 'utf8').trim()).toBe(k1);
    const line = JSON.parse(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').split('\n')[1]);
    const sigs = line.checkpoint.split('\n\n')[1].trim().split('\n');
    expect(sigs).toHaveLength(2);
    for (const k of [k0, k1]) expectOk(s.run(['chain', 'verify', '--key', k]));
    const audit = s.run(['chain', 'verify', '--key', k0]);
    expect(audit.stdout).toContain(`key rotation in block 1 (`);
    expect(audit.stdout).toContain(`key ${keyIdOf(k0)} handed over to key ${keyIdOf(k1)}`);
    expect(s.run(['log']).stdout.split('\n')[1]).toContain(`[key rotation: ${keyIdOf(k0)} -> ${keyIdOf(k1)}]`);
  });

  it('old receipts verify with the old key (and both); new ones with the new key (and both)', () => {
    expectOk(verify('a.txt', [k0]));
    expectOk(verify('a.txt', [k0, k1]));
    expectOk(verify('b.txt', [k1]));
    expectOk(verify('b.txt', [k0, k1]));
    expect(verify('a.txt', [k1]).code).toBe(1);
  });

  it('with only the old key: a clear answer, and acceptance with the rotation proof', () => {
    const bare = verify('b.txt', [k0]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('signed by a successor key if notary.example.gov/test rotated its key');
    expect(bare.stdout).toContain('--rotation FILE');
    const [proof] = proofs(s);
    const ok = verify('b.txt', [k0], ['--rotation', proof]);
    expectOk(ok);
    expect(ok.stdout).toContain(
      `signed by the successor key ${keyIdOf(k1)} announced in block 1 (rotation proof checked with key ${keyIdOf(k0)})`,
    );
  });

  it('a forged rotation proof is refused: another statement, or a handover from a key not trusted', () => {
    const [proof] = proofs(s);
    const genuine = JSON.parse(fs.readFileSync(proof, 'utf8'));
    const thief = makeStore();
    const forged = { ...genuine, statement: genuine.statement.replace(k1, thief.vkey) };
    fs.writeFileSync(path.join(s.dir, 'forged.json'), JSON.stringify(forged));
    expectError(
      verify('b.txt', [k0], ['--rotation', 'forged.json']),
      1,
      'its receipt is not for its statement as a rotation entry',
    );
    // A third key's own rotation (signed only by keys we do not trust).
    writeDocs(thief.dir, { 'x.txt': 'x\n' });
    expectOk(thief.run(['stamp', 'x.txt']));
    expectOk(thief.run(['key', 'rotate']));
    expectError(verify('b.txt', [k0], ['--rotation', proofs(thief)[0]]), 1, 'which is not a key you trust');
  });

  it("refresh moves old receipts to new-key checkpoints; kept receipts still count as this store's", () => {
    const r = s.run(['refresh', 'a.txt.notar.json']);
    expectOk(r);
    expectOk(verify('a.txt', [k1]));
    // Re-stamping keeps a receipt under the old key's checkpoint as this store's.
    expect(s.run(['stamp', 'a.txt']).stdout).toContain('nothing new to stamp: kept 1 existing receipt');
  });

  it('two rotations: chain verify across both; proofs chain in any order; a retired key signs nothing later', () => {
    const r = s.run(['key', 'rotate']);
    expectOk(r);
    k2 = r.stdout.trim();
    expectOk(s.run(['stamp', 'c.txt']));
    const audit = s.run(['chain', 'verify', '--key', k0, '--json']);
    expectOk(audit);
    expect(JSON.parse(audit.stdout).rotations.map((x: { seq: number }) => x.seq)).toEqual([1, 3]);
    expectOk(s.run(['chain', 'verify', '--key', k2]));
    const [p1, p2] = proofs(s);
    const ok = verify('c.txt', [k0], ['--rotation', p2, '--rotation', p1]);
    expectOk(ok);
    expect(ok.stdout).toContain(`successor key ${keyIdOf(k2)} announced in block 3`);
    expect(verify('c.txt', [k0], ['--rotation', p1]).code).toBe(1);
  });

  it('the old key cannot sign on: a stamp with a restored old key.json is refused', () => {
    const t = makeStore();
    writeDocs(t.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    expectOk(t.run(['stamp', 'a.txt']));
    const oldKey = fs.readFileSync(path.join(t.storeDir, 'key.json'));
    const oldPub = fs.readFileSync(path.join(t.storeDir, 'key.pub'));
    expectOk(t.run(['key', 'rotate']));
    fs.writeFileSync(path.join(t.storeDir, 'key.json'), oldKey);
    fs.writeFileSync(path.join(t.storeDir, 'key.pub'), oldPub);
    expectError(t.run(['stamp', 'b.txt']), 1, 'refusing to sign: the key in force since block 1 is');
  });
});

describe('SIGKILL during key rotate', () => {
  it('leaves the old or the new key in force, never neither', async () => {
    const rand = prng(testSeed('rotate-kill'));
    const s = makeStore();
    const keys = [s.vkey];
    const outcomes = { old: 0, new: 0 };
    // Kill points follow the real timing of an unkilled rotation, measured here.
    const t0 = performance.now();
    const calibration = await notarAsync(['key', 'rotate'], { cwd: s.dir, env: s.env });
    expect(calibration.code, calibration.stderr).toBe(0);
    const runMs = performance.now() - t0;
    keys.push(calibration.stdout.trim());
    for (let round = 0; round < 12; round++) {
      writeDocs(s.dir, { [`d${round}.txt`]: `doc ${round}\n` });
      const before = fs.readFileSync(path.join(s.storeDir, 'key.pub'), 'utf8').trim();
      const r = await notarAsync(['key', 'rotate'], {
        cwd: s.dir,
        env: s.env,
        killAfterMs: runMs * (0.5 + 0.7 * rand()),
      });
      // The next command finishes or discards the interrupted rotation; stamping then works.
      const stamp = s.run(['stamp', `d${round}.txt`]);
      expect(stamp.code, `round ${round} (${r.signal ?? 'finished'}): ${stamp.stderr}`).toBe(0);
      const now = fs.readFileSync(path.join(s.storeDir, 'key.pub'), 'utf8').trim();
      if (now === before) outcomes.old++;
      else {
        outcomes.new++;
        keys.push(now);
      }
      for (const k of [keys[0], now]) expectOk(s.run(['chain', 'verify', '--key', k]));
      expectOk(s.run(['verify', `d${round}.txt`, '--key', now]));
    }
    console.log(`rotate kills (an unkilled rotation: ${runMs.toFixed(0)} ms): ${JSON.stringify(outcomes)}`);
  }, 120_000);
});

describe('notar key retire --compromised', () => {
  it('limits the old key to checkpoints up to --after; verify enforces it with the proof; refresh is the remedy', () => {
    const s = makeStore();
    const k0 = s.vkey;
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n' });
    expectError(s.run(['key', 'retire', '--compromised']), 2, 'there is no earlier key to retire: rotate first');
    expectOk(s.run(['stamp', 'a.txt']));
    expectOk(s.run(['stamp', 'b.txt']));
    const k1 = s.run(['key', 'rotate']).stdout.trim();
    expectOk(s.run(['stamp', 'c.txt']));
    expectError(
      s.run(['key', 'retire', '--compromised', '--after', '9']),
      2,
      '--after must be a history size from 0 to 3',
    );
    const r = s.run(['key', 'retire', '--compromised', '--after', '1']);
    expectOk(r);
    expect(r.stdout).toBe(`${k0} valid up to history size 1\n`);
    expectError(s.run(['key', 'retire', '--compromised']), 2, 'is already retired');
    expect(s.run(['chain', 'verify', '--key', k1]).stdout).toContain(
      `key ${keyIdOf(k0)} retired as compromised in block 4`,
    );
    const [rotation, retirement] = proofs(s);
    const withProofs = (doc: string) =>
      s.run(['verify', doc, '--key', k0, '--rotation', retirement, '--rotation', rotation]);
    expectOk(withProofs('a.txt'));
    const b = withProofs('b.txt');
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('FAILED');
    expect(b.stderr).toContain(`retired as compromised in block 4: its signatures count only up to history size 1`);
    // Without the retirement proof the old key still counts: a verifier learns of it only from the proof (or a policy).
    expectOk(s.run(['verify', 'b.txt', '--key', k0]));
    expectOk(s.run(['refresh', 'b.txt.notar.json']));
    expectOk(withProofs('b.txt'));
    expectOk(withProofs('c.txt'));
  });
});
