// Issue 13 with issue 12: verify --policy applies rotation proofs (--rotation) and the revocation status (--status).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, keyIdOf } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

describe('verify --policy with --rotation and --status', () => {
  let s: TestStore;
  let k0: string;
  let k1: string;
  let proof: string;
  beforeAll(() => {
    s = makeStore();
    k0 = s.vkey;
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n', 'd.txt': 'D\n' });
    expectOk(s.run(['stamp', 'a.txt', 'c.txt']));
    // The policy is written before the rotation: it names only the old key.
    const p = s.run(['policy']);
    expectOk(p);
    expect(p.stdout).toContain(`log ${k0}\n`);
    fs.writeFileSync(path.join(s.dir, 'old.policy'), p.stdout);
    const r = s.run(['key', 'rotate']);
    expectOk(r);
    k1 = r.stdout.trim();
    expectOk(s.run(['stamp', 'b.txt', 'd.txt']));
    const dir = path.join(s.storeDir, 'rotations');
    proof = path.join(dir, fs.readdirSync(dir)[0]);
  });

  const verify = (doc: string, extra: string[] = []) => s.run(['verify', doc, '--policy', 'old.policy', ...extra]);

  it('a receipt from before the rotation verifies under the policy naming the old key, with or without the proof', () => {
    expectOk(verify('a.txt'));
    expectOk(verify('a.txt', ['--rotation', proof]));
  });

  it('a receipt after the rotation: refused without the proof (trust), accepted with it, naming the rotation', () => {
    const bare = verify('b.txt');
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('(trust)');
    const ok = verify('b.txt', ['--rotation', proof]);
    expectOk(ok);
    expect(ok.stdout).toContain('no witnesses in the policy (quorum none)');
    expect(ok.stdout).toContain(
      `signed by the successor key ${keyIdOf(k1)} announced in block 1 (rotation proof checked with key ${keyIdOf(k0)})`,
    );
    const j = JSON.parse(verify('b.txt', ['--rotation', proof, '--json']).stdout);
    expect(j).toMatchObject({ ok: true, keyId: keyIdOf(k1), status: expect.stringContaining('successor key') });
  });

  it('a rotation proof from a key the policy does not name is refused', () => {
    const other = makeStore();
    writeDocs(other.dir, { 'x.txt': 'x\n' });
    expectOk(other.run(['stamp', 'x.txt']));
    expectOk(other.run(['key', 'rotate']));
    const dir = path.join(other.storeDir, 'rotations');
    const foreign = path.join(dir, fs.readdirSync(dir)[0]);
    const r = verify('b.txt', ['--rotation', foreign]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('OK');
  });

  it('a revoked receipt fails at `revoked` under the policy; a kept one is OK, not revoked as of the status', () => {
    expectOk(s.run(['revoke', 'c.txt', 'd.txt', '--reason', 'issued by mistake']));
    expectOk(s.run(['status', '--out', 'status.txt']));
    const extra = ['--rotation', proof, '--status', 'status.txt'];
    for (const doc of ['c.txt', 'd.txt']) {
      const r = verify(doc, extra);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAILED: REVOKED on \S+: issued by mistake \(revoked\)\n$/);
      const j = JSON.parse(verify(doc, [...extra, '--json']).stdout);
      expect(j).toMatchObject({ ok: false, step: 'revoked' });
    }
    for (const doc of ['a.txt', 'b.txt']) {
      const r = verify(doc, extra);
      expectOk(r);
      expect(r.stdout).toMatch(/not revoked as of \S+ \(history size 4\)\n$/);
    }
  });

  it('the status is checked with the policy keys: a status signed by another log is refused', () => {
    const other = makeStore();
    writeDocs(other.dir, { 'x.txt': 'x\n' });
    expectOk(other.run(['stamp', 'x.txt']));
    expectOk(other.run(['status', '--out', path.join(s.dir, 'foreign-status.txt')]));
    const r = verify('a.txt', ['--status', 'foreign-status.txt']);
    expectError(r, 1, 'foreign-status.txt');
  });
});

describe('key validity ranges in a policy (#notar-key-until)', () => {
  it('notar policy prints the retired key bounded; verify --policy enforces the bound; refresh is the remedy', () => {
    const s = makeStore();
    const k0 = s.vkey;
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    expectOk(s.run(['stamp', 'b.txt']));
    const k1 = s.run(['key', 'rotate']).stdout.trim();
    expectOk(s.run(['stamp', 'c.txt']));
    expect(s.run(['policy']).stdout).not.toContain('#notar-key-until');
    expectOk(s.run(['key', 'retire', '--compromised', '--after', '1']));
    const p = s.run(['policy']);
    expectOk(p);
    expect(p.stdout).toContain(`\nlog ${k1}\nlog ${k0}\n`);
    expect(p.stdout).toContain(`\n#notar-key-until ${k0} 1\n`);
    fs.writeFileSync(path.join(s.dir, 'range.policy'), p.stdout);
    const verify = (doc: string) => s.run(['verify', doc, '--policy', 'range.policy']);
    expectOk(verify('a.txt'));
    expectOk(verify('c.txt'));
    const b = verify('b.txt');
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/^FAILED: .* \(trust\)\n$/);
    expect(b.stderr).toContain(
      `checkpoint of size 2 is signed by key ${keyIdOf(k0)}, which the policy trusts only up to history size 1`,
    );
    // The same file with the notar line removed (what another tlog-policy parser sees) trusts k0 throughout.
    const plain = p.stdout
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    fs.writeFileSync(path.join(s.dir, 'plain.policy'), plain);
    expectOk(s.run(['verify', 'b.txt', '--policy', 'plain.policy']));
    expectOk(s.run(['refresh', 'b.txt.notar.json']));
    expectOk(verify('b.txt'));
  });

  it('a malformed range line, or one for a key that is not a log key, is a policy format error', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    const other = makeStore();
    const base = `log ${s.vkey}\nquorum none\n`;
    const cases: [string, string][] = [
      [`#notar-key-until ${s.vkey} x`, 'expected `#notar-key-until <vkey> <history size>`'],
      [`#notar-key-until ${s.vkey}`, 'expected `#notar-key-until <vkey> <history size>`'],
      [`#notar-key-until ${other.vkey} 3`, 'which is not a log key'],
    ];
    for (const [line, message] of cases) {
      fs.writeFileSync(path.join(s.dir, 'bad.policy'), base + line + '\n');
      expectError(s.run(['verify', 'a.txt', '--policy', 'bad.policy']), 2, message);
    }
  });
});
