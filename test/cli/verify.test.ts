// `notar verify`: every verdict of FORMAT.md §8, its exit code (§10) and its output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, keyIdOf, readJson, sha256Hex } from './expect-cli.js';
import { makeStore, notar, tempDir, writeDocs, type TestStore } from './helpers.js';

const ORIGIN = 'notary.example.gov/test';
let s: TestStore;
let other: TestStore;
/** A store with the same origin name but its own key: an impostor. */
let impostor: TestStore;

beforeAll(() => {
  s = makeStore(ORIGIN);
  other = makeStore('notary.example.org/other');
  impostor = makeStore(ORIGIN);
  writeDocs(s.dir, { 'a.txt': 'document A\n', 'b.txt': 'document B\n', 'sub/c.txt': 'document C\n' });
  expectOk(s.run(['stamp', 'a.txt', 'b.txt']));
  expectOk(s.run(['stamp', 'sub/c.txt']));
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), `# the office key\n\n${s.vkey}\n`);
});

/** A copy of a.txt's receipt in a fresh file, edited by `edit`. */
function editedReceipt(edit: (text: string) => string, from = 'a.txt.notar.json'): string {
  const file = path.join(s.dir, `edited-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, edit(fs.readFileSync(path.join(s.dir, from), 'utf8')));
  return file;
}

/** Flips one hex digit of the first occurrence of `value`. */
function flipHex(text: string, value: string): string {
  const flipped = value[10] === '0' ? '1' : '0';
  return text.replace(value, value.slice(0, 10) + flipped + value.slice(11));
}

describe('notar verify: genuine documents', () => {
  it('verifies with --key-file: exit 0, one OK line naming origin, time, block, position and key', () => {
    const r = s.run(['verify', 'a.txt', '--key-file', 'office.vkey']);
    expectOk(r);
    expect(r.stderr).toBe('');
    const receipt = readJson(path.join(s.dir, 'a.txt.notar.json'));
    const time = receipt.block.time.replace('T', ' ').replace('Z', ' UTC');
    expect(r.stdout).toBe(
      `OK: a.txt was stamped by ${ORIGIN} on ${time} (block 0, document 1 of 2; key ${keyIdOf(s.vkey)})\n`,
    );
  });

  it('verifies with --key, in a subdirectory, with --receipt elsewhere', () => {
    fs.copyFileSync(path.join(s.dir, 'sub/c.txt.notar.json'), path.join(s.dir, 'c-receipt.json'));
    const r = s.run(['verify', 'sub/c.txt', '--receipt', 'c-receipt.json', '--key', s.vkey]);
    expectOk(r);
    expect(r.stdout).toMatch(/^OK: sub\/c\.txt was stamped by .* \(block 1, document 1 of 1; key [0-9a-f]{8}\)\n$/);
  });

  it('accepts the document on stdin (-) with --receipt', () => {
    const r = s.run(['verify', '-', '--receipt', 'b.txt.notar.json', '--key', s.vkey], { input: 'document B\n' });
    expectOk(r);
    expect(r.stdout).toMatch(/^OK: the document on standard input was stamped by /);
  });

  it('--sha256 replaces the file; the recorded name is labelled as unverified', () => {
    const r = s.run([
      'verify',
      '--sha256',
      sha256Hex('document A\n'),
      '--receipt',
      'a.txt.notar.json',
      '--key',
      s.vkey,
    ]);
    expectOk(r);
    expect(r.stdout).toContain(`OK: the document with SHA-256 ${sha256Hex('document A\n').slice(0, 16)}`);
    expect(r.stdout).toContain('("a.txt": name as recorded, not verified)');
  });

  it('--json prints one object with the verdict and where the document is', () => {
    const r = s.run(['verify', 'b.txt', '--key', s.vkey, '--json']);
    expectOk(r);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const v = JSON.parse(lines[0]);
    const receipt = readJson(path.join(s.dir, 'b.txt.notar.json'));
    expect(v).toMatchObject({
      ok: true,
      origin: ORIGIN,
      time: receipt.block.time,
      seq: 0,
      index: 1,
      size: 2,
      sha256: sha256Hex('document B\n'),
      keyId: keyIdOf(s.vkey),
      document: 'b.txt',
      receipt: 'b.txt.notar.json',
      recordedName: 'b.txt',
    });
    expect(v.step).toBeUndefined();
  });

  it('prints no colour codes when stdout is not a terminal', () => {
    const r = s.run(['verify', 'a.txt', '--key', s.vkey], { env: { FORCE_COLOR: '1' } });
    expect(r.stdout).not.toContain('\x1b[');
  });
});

describe('notar verify: documents and receipts that fail (exit 1)', () => {
  it('an altered document fails at the digest step', () => {
    writeDocs(s.dir, { 'altered.txt': 'document A, amended\n' });
    fs.copyFileSync(path.join(s.dir, 'a.txt.notar.json'), path.join(s.dir, 'altered.txt.notar.json'));
    const r = s.run(['verify', 'altered.txt', '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'FAILED: the document does not match the receipt: it was altered, or it is not the stamped document (digest)\n',
    );
    expect(r.stderr).toContain(sha256Hex('document A, amended\n'));
    expect(r.stderr).not.toContain('notar: error:');
  });

  it('an altered document fails in --json too, with step and reason', () => {
    const r = s.run(['verify', 'altered.txt', '--key', s.vkey, '--json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({
      ok: false,
      step: 'digest',
      sha256: sha256Hex('document A, amended\n'),
      origin: ORIGIN,
      seq: 0,
      index: 0,
    });
    expect(v.reason).toContain(sha256Hex('document A, amended\n'));
  });

  it('an edited batch root fails at the batch step', () => {
    const root = readJson(path.join(s.dir, 'a.txt.notar.json')).block.root;
    const file = editedReceipt((t) => flipHex(t, root));
    const r = s.run(['verify', 'a.txt', '--receipt', file, '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "FAILED: the receipt is damaged: its batch proof does not lead to the block's root (batch)\n",
    );
  });

  it('an edited salt fails at the batch step', () => {
    const salt = readJson(path.join(s.dir, 'a.txt.notar.json')).leaf.salt;
    const r = s.run([
      'verify',
      'a.txt',
      '--receipt',
      editedReceipt((t) => flipHex(t, salt)),
      '--key',
      s.vkey,
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, step: 'batch' });
  });

  it('an edited history path fails at the history step', () => {
    const receipt = readJson(path.join(s.dir, 'sub/c.txt.notar.json'));
    expect(receipt.history.path.length).toBeGreaterThan(0);
    const file = editedReceipt((t) => flipHex(t, receipt.history.path[0]), 'sub/c.txt.notar.json');
    const r = s.run(['verify', 'sub/c.txt', '--receipt', file, '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "FAILED: the receipt is damaged: its history proof does not lead to its checkpoint's root (history)\n",
    );
  });

  it('a forged checkpoint signature fails at the signature step', () => {
    const receipt = readJson(path.join(s.dir, 'a.txt.notar.json'));
    const sig = / (\S+)\n$/.exec(receipt.checkpoint)![1];
    // A character well inside the signature (past the 4-byte key ID), still canonical base64.
    const c = sig[30] === 'A' ? 'B' : 'A';
    const forged = sig.slice(0, 30) + c + sig.slice(31);
    const r = s.run(['verify', 'a.txt', '--receipt', editedReceipt((t) => t.replace(sig, forged)), '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('FAILED: the checkpoint signature is invalid (signature)\n');
  });

  it('a key of another log: not signed by a key you trust (trust)', () => {
    const r = s.run(['verify', 'a.txt', '--key', other.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `FAILED: not signed by a key you trust: the receipt says it is from ${ORIGIN} (key ${keyIdOf(s.vkey)}), and you trust no key of ${ORIGIN} (trust)\n`,
    );
  });

  it('another key with the same name is not trusted either', () => {
    const r = s.run(['verify', 'a.txt', '--key', impostor.vkey, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, step: 'trust' });
  });

  it('a receipt posing as the trusted office (issue 10 item 11): it only claims the name, is not signed by its key, may be forged', () => {
    // Here the key given is the "office" and the receipt comes from another key of the same name.
    const [yours, theirs] = [keyIdOf(impostor.vkey), keyIdOf(s.vkey)];
    const want = `not signed by a key you trust: the receipt claims to be from ${ORIGIN}, but is not signed by the key you trust for ${ORIGIN} (key ${yours}): it is signed by another key (key ${theirs}) and may be forged, or signed by a successor key if ${ORIGIN} rotated its key: verify with the office's rotation proof (--rotation FILE), or update your key or page`;
    const r = s.run(['verify', 'a.txt', '--key', impostor.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`FAILED: ${want} (trust)\n`);
    // Never "signed by <office> (key <impostor>)": the impostor is not called by the office's name.
    expect(r.stdout).not.toContain(`${ORIGIN} (key ${theirs})`);
    const j = s.run(['verify', 'a.txt', '--key', impostor.vkey, '--json']);
    expect(JSON.parse(j.stdout).message).toBe(want);
  });

  it("never trusts the receipt's own key field: an impostor's receipt fails against the real key", () => {
    writeDocs(impostor.dir, { 'deed.pdf': 'a forged deed\n' });
    expectOk(impostor.run(['stamp', 'deed.pdf']));
    const receipt = readJson(path.join(impostor.dir, 'deed.pdf.notar.json'));
    expect(receipt.key).toBe(impostor.vkey);
    const r = notar(['verify', path.join(impostor.dir, 'deed.pdf'), '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: not signed by a key you trust: .*\(trust\)\n$/);
  });

  it('a receipt whose key field names the trusted key is still checked against the signature', () => {
    // The impostor's receipt, relabelled with the real key: the key field changes nothing.
    const text = fs.readFileSync(path.join(impostor.dir, 'deed.pdf.notar.json'), 'utf8').replace(impostor.vkey, s.vkey);
    const file = path.join(impostor.dir, 'relabelled.json');
    fs.writeFileSync(file, text);
    const r = notar(['verify', path.join(impostor.dir, 'deed.pdf'), '--receipt', file, '--key', s.vkey]);
    // Rejected (the core calls a hint that did not sign the checkpoint an edit), never OK.
    expect([1, 2]).toContain(r.code);
    expect(r.stdout).not.toMatch(/^OK/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('notar verify: input errors (exit 2, one line)', () => {
  it('without a trusted key it refuses to report success', () => {
    const r = s.run(['verify', 'a.txt']);
    expectError(r, 2, 'no trusted key given');
    expect(r.stderr).toContain('notar: hint: pass the notary');
  });

  it('a key file with no keys counts as no key', () => {
    fs.writeFileSync(path.join(s.dir, 'empty.vkey'), '# nothing here\n');
    expectError(s.run(['verify', 'a.txt', '--key-file', 'empty.vkey']), 2, 'no trusted key given');
  });

  it('a malformed --key', () => {
    expectError(s.run(['verify', 'a.txt', '--key', 'not-a-key']), 2, '--key');
  });

  it('a malformed line in --key-file names the file and line', () => {
    fs.writeFileSync(path.join(s.dir, 'bad.vkey'), `${s.vkey}\nnotary+zz+AAAA\n`);
    expectError(s.run(['verify', 'a.txt', '--key-file', 'bad.vkey']), 2, 'bad.vkey line 2');
  });

  it('a missing --key-file', () => {
    expectError(s.run(['verify', 'a.txt', '--key-file', 'nope.vkey']), 2, 'cannot read nope.vkey: no such file');
  });

  it('a missing document', () => {
    expectError(
      s.run(['verify', 'missing.txt', '--receipt', 'a.txt.notar.json', '--key', s.vkey]),
      2,
      'cannot read missing.txt: no such file',
    );
  });

  it('a directory as the document', () => {
    expectError(s.run(['verify', 'sub', '--receipt', 'a.txt.notar.json', '--key', s.vkey]), 2, 'sub: is a directory');
  });

  it('a missing default receipt names the file it looked for', () => {
    writeDocs(s.dir, { 'unstamped.txt': 'never stamped\n' });
    expectError(
      s.run(['verify', 'unstamped.txt', '--key', s.vkey]),
      2,
      'cannot read unstamped.txt.notar.json: no such file',
    );
  });

  it('a directory as the receipt', () => {
    expectError(s.run(['verify', 'a.txt', '--receipt', 'sub', '--key', s.vkey]), 2, 'cannot read sub: is a directory');
  });

  it.each([
    ['not JSON', () => 'hello\n'],
    ['empty', () => ''],
    // Re-indenting is free (FORMAT.md §11, test/interop); a duplicate member name is not (RFC 7493).
    [
      'holding a duplicate member',
      () =>
        fs
          .readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8')
          .replace('"format"', '"format": "notar-receipt/1",\n  "format"'),
    ],
    [
      'an unknown field',
      () =>
        fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8').replace('"format"', '"extra": 1,\n  "format"'),
    ],
    [
      'a wrong format tag',
      () => fs.readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8').replace('notar-receipt/1', 'notar-receipt/9'),
    ],
    [
      'a short leaf path',
      () =>
        fs
          .readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8')
          .replace(/"path": \[\n\s+"[0-9a-f]{64}"\n\s+\]/, '"path": []'),
    ],
    [
      'a malformed checkpoint',
      () =>
        fs
          .readFileSync(path.join(s.dir, 'a.txt.notar.json'), 'utf8')
          .replace(/"checkpoint": "[^"]*"/, '"checkpoint": "junk"'),
    ],
  ])('a receipt that is %s is malformed: exit 2 naming the receipt', (_what, make) => {
    const file = path.join(s.dir, `malformed-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, make());
    const r = s.run(['verify', 'a.txt', '--receipt', file, '--key', s.vkey]);
    expectError(r, 2, `notar: error: ${file}: `);
  });

  it('a malformed receipt is exit 2 with --json as well, and stdout stays empty', () => {
    const file = path.join(s.dir, 'junk.json');
    fs.writeFileSync(file, '{"format":"notar-receipt/1"}');
    expectError(s.run(['verify', 'a.txt', '--receipt', file, '--key', s.vkey, '--json']), 2, file);
  });

  it('usage: no document, --sha256 without --receipt, both, a bad digest', () => {
    expectError(s.run(['verify', '--key', s.vkey]), 2, 'name the document');
    expectError(s.run(['verify', '--sha256', sha256Hex('x'), '--key', s.vkey]), 2, '--sha256 needs --receipt');
    expectError(
      s.run(['verify', 'a.txt', '--sha256', sha256Hex('x'), '--receipt', 'a.txt.notar.json', '--key', s.vkey]),
      2,
      'not both',
    );
    expectError(
      s.run(['verify', '--sha256', 'abc', '--receipt', 'a.txt.notar.json', '--key', s.vkey]),
      2,
      'not a SHA-256 digest',
    );
  });

  it('verify needs no store', () => {
    const dir = tempDir();
    writeDocs(dir, { 'a.txt': 'document A\n' });
    fs.copyFileSync(path.join(s.dir, 'a.txt.notar.json'), path.join(dir, 'a.txt.notar.json'));
    const r = notar(['verify', 'a.txt', '--key', s.vkey, '--store', path.join(dir, 'no-store-here')], { cwd: dir });
    expectOk(r);
    expect(r.stdout).toMatch(/^OK: a\.txt/);
  });
});
