// Issue 13 §2: revoking a document, the signed status, verify --status.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, sha256Hex } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

/** L = SHA-256(0x00 || salt || d), from FORMAT.md §2, computed here. */
function leafHash(receipt: { leaf: { salt: string }; document: { sha256: string } }): string {
  return createHash('sha256')
    .update(
      Buffer.concat([Buffer.of(0), Buffer.from(receipt.leaf.salt, 'hex'), Buffer.from(receipt.document.sha256, 'hex')]),
    )
    .digest('hex');
}

const readReceipt = (s: TestStore, name: string) => JSON.parse(fs.readFileSync(path.join(s.dir, name), 'utf8'));

describe('notar revoke, status, verify --status', () => {
  let s: TestStore;
  beforeAll(() => {
    s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    expectOk(s.run(['stamp', 'a.txt', 'b.txt']));
  });

  it('revoke appends one entry block; twice, or never stamped, is a clear error', () => {
    const r = s.run(['revoke', 'a.txt', '--reason', 'issued by mistake', '--clerk', 'ana']);
    expectOk(r);
    expect(r.stdout).toMatch(/^revoked 1 stamping of 1 document in block 1 of notary\.example\.gov\/test at \S+\n$/);
    expectError(s.run(['revoke', 'a.txt', '--reason', 'again']), 2, 'a.txt is already revoked (block 1, ');
    writeDocs(s.dir, { 'never.txt': 'never\n' });
    expectError(
      s.run(['revoke', 'never.txt', '--reason', 'x']),
      1,
      'never.txt was never stamped in notary.example.gov/test',
    );
    expectError(s.run(['revoke', 'b.txt']), 2, 'revoke needs --reason');
    expectError(s.run(['revoke', '--reason', 'x']), 2, 'revoke needs the documents');
    // The entry is an ordinary block: the chain audits clean, the log shows who revoked.
    expectOk(s.run(['chain', 'verify', '--key', s.vkey]));
    const log = s
      .run(['log', '--json', '--documents'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log[1]).toMatchObject({ seq: 1, size: 1, clerk: 'ana', documents: [{ name: 'notar-revoke/1' }] });
    const found = JSON.parse(s.run(['find', 'a.txt', '--json']).stdout);
    expect(found.revoked).toMatchObject({ reason: 'issued by mistake' });
    expect(JSON.parse(s.run(['find', 'b.txt', '--json']).stdout).revoked).toBeNull();
  });

  it('the entry statement is checkable with SHA-256 alone and names only the salted leaf hash', () => {
    const [file] = fs.readdirSync(path.join(s.storeDir, 'entries'));
    const statement = fs.readFileSync(path.join(s.storeDir, 'entries', file), 'utf8').trimEnd();
    const a = readReceipt(s, 'a.txt.notar.json');
    expect(statement).toMatch(new RegExp(`^notar-revoke/1 ${leafHash(a)} \\S+ "issued by mistake"$`));
    expect(statement).not.toContain(sha256Hex('A\n'));
    const d = createHash('sha256').update(statement).digest();
    const salt = createHash('sha256')
      .update(Buffer.concat([Buffer.from('notar-entry/1 salt\n'), Buffer.from(statement)]))
      .digest();
    const root = createHash('sha256')
      .update(Buffer.concat([Buffer.of(0), salt, d]))
      .digest('hex');
    expect(file).toBe(`${root}.txt`);
    expect(JSON.parse(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').split('\n')[1]).root).toBe(root);
  });

  it('status: signed, bound to the latest checkpoint, no bare digests; verify --status gives the verdicts', () => {
    const st = s.run(['status', '--out', 'status.txt']);
    expectOk(st);
    const text = fs.readFileSync(path.join(s.dir, 'status.txt'), 'utf8');
    const a = readReceipt(s, 'a.txt.notar.json');
    expect(text.split('\n').slice(0, 3)).toEqual(['notar-status/1', 'notary.example.gov/test', '2']);
    expect(text).toContain(`${leafHash(a)} `);
    expect(text).not.toContain(sha256Hex('A\n'));
    expect(text).toMatch(/\n\n\u2014 notary\.example\.gov\/test \S+\n$/);
    // Receipts written before the revocation block: their checkpoint (size 1) is older than the status.
    const revoked = s.run(['verify', 'a.txt', '--key', s.vkey, '--status', 'status.txt']);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(/^FAILED: REVOKED on \S+: issued by mistake \(revoked\)\n$/);
    const ok = s.run(['verify', 'b.txt', '--key', s.vkey, '--status', 'status.txt']);
    expectOk(ok);
    expect(ok.stdout).toMatch(/; not revoked as of \S+ \(history size 2\)\n$/);
    const json = JSON.parse(s.run(['verify', 'a.txt', '--key', s.vkey, '--status', 'status.txt', '--json']).stdout);
    expect(json).toMatchObject({ ok: false, step: 'revoked' });
    // Without --status nothing changes.
    expectOk(s.run(['verify', 'a.txt', '--key', s.vkey]));
  });

  it('a status older than the receipt is refused as stale, with a hint', () => {
    writeDocs(s.dir, { 'c.txt': 'C\n' });
    expectOk(s.run(['stamp', 'c.txt']));
    const r = s.run(['verify', 'c.txt', '--key', s.vkey, '--status', 'status.txt']);
    expectError(r, 2, 'the status file is stale: it is bound to history size 2, older than the receipt');
    expect(r.stderr).toContain('notar: hint: get a newer status');
  });

  it('a tampered status, or one signed by an untrusted key, is refused', () => {
    const text = fs.readFileSync(path.join(s.dir, 'status.txt'), 'utf8');
    fs.writeFileSync(path.join(s.dir, 'tampered.txt'), text.replace('issued by mistake', 'issued by mistakes'));
    expectError(
      s.run(['verify', 'b.txt', '--key', s.vkey, '--status', 'tampered.txt']),
      1,
      'is not valid: it was changed after signing',
    );
    const other = makeStore();
    writeDocs(other.dir, { 'z.txt': 'Z\n' });
    expectOk(other.run(['stamp', 'z.txt']));
    expectOk(other.run(['status', '--out', path.join(s.dir, 'other.txt')]));
    expectError(
      s.run(['verify', 'b.txt', '--key', s.vkey, '--status', 'other.txt']),
      1,
      'is not signed by a key you trust',
    );
    fs.writeFileSync(path.join(s.dir, 'junk.txt'), 'hello\n');
    expectError(s.run(['verify', 'b.txt', '--key', s.vkey, '--status', 'junk.txt']), 2, 'junk.txt');
  });

  it('revocation survives refresh: the refreshed receipt is still revoked under a newer status', () => {
    expectOk(s.run(['refresh', 'a.txt.notar.json']));
    expectOk(s.run(['status', '--out', 'status2.txt']));
    const r = s.run(['verify', 'a.txt', '--key', s.vkey, '--status', 'status2.txt']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('REVOKED on');
    expectOk(s.run(['verify', 'c.txt', '--key', s.vkey, '--status', 'status2.txt']));
  });
});

describe('10,000 revocations', () => {
  it('revoke --digests, status and verify --status handle them in one go', () => {
    const s = makeStore();
    const n = 10_000;
    const lines = Array.from({ length: n }, (_, i) => `${sha256Hex(`doc ${i}`)}  doc-${i}.pdf\n`).join('');
    expectOk(s.run(['stamp', '--digests', '--no-receipts'], { input: lines }));
    writeDocs(s.dir, { 'kept.txt': 'kept\n' });
    expectOk(s.run(['stamp', 'kept.txt']));
    const t0 = Date.now();
    const r = s.run(['revoke', '--digests', '--reason', 'bulk withdrawal'], { input: lines });
    expectOk(r);
    expect(r.stdout).toMatch(/^revoked 10000 stampings of 10000 documents in block 2 /);
    const t1 = Date.now();
    expectOk(s.run(['status', '--out', 'status.txt']));
    const t2 = Date.now();
    expect(fs.readFileSync(path.join(s.dir, 'status.txt'), 'utf8').split('\n')[5]).toBe('10000');
    expectOk(s.run(['refresh', 'kept.txt.notar.json']));
    const ok = s.run(['verify', 'kept.txt', '--key', s.vkey, '--status', 'status.txt']);
    expectOk(ok);
    const t3 = Date.now();
    const proved = s.run(['prove', '--sha256', sha256Hex('doc 123')]);
    fs.writeFileSync(path.join(s.dir, 'doc123.json'), proved.stdout);
    const bad = s.run([
      'verify',
      '--sha256',
      sha256Hex('doc 123'),
      '--receipt',
      'doc123.json',
      '--key',
      s.vkey,
      '--status',
      'status.txt',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('REVOKED on');
    // Figures for the report (no timed assertion): revoke, status, verify.
    console.log(`10,000 revocations: revoke ${t1 - t0} ms, status ${t2 - t1} ms, refresh+verify ${t3 - t2} ms`);
  }, 120_000);
});

describe('entries are audited', () => {
  it('chain verify finds a changed revocation statement', () => {
    const s = makeStore();
    writeDocs(s.dir, { 'a.txt': 'A\n' });
    expectOk(s.run(['stamp', 'a.txt']));
    expectOk(s.run(['revoke', 'a.txt', '--reason', 'mistake']));
    expectOk(s.run(['chain', 'verify']));
    const [file] = fs.readdirSync(path.join(s.storeDir, 'entries'));
    const p = path.join(s.storeDir, 'entries', file);
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('mistake', 'mistakes'));
    expectError(s.run(['chain', 'verify']), 1, 'block 1: entries: ');
  });
});
