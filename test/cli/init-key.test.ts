// `notar init` and `notar key show|export|import`: the signing key at rest and in transit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../../src/core/note.js';
import { expectError, expectOk, readJson, sha256Hex } from './expect-cli.js';
import { baseEnv, makeStore, notar, tempDir, writeDocs, type RunResult } from './helpers.js';

const ORIGIN = 'notary.example.gov/keys';
const PASS = 'correct horse battery staple';

/** A store whose key is encrypted with PASS. */
function encryptedStore(): {
  dir: string;
  storeDir: string;
  vkey: string;
  run: (args: string[], env?: NodeJS.ProcessEnv) => RunResult;
} {
  const dir = tempDir();
  const storeDir = path.join(dir, 'store');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    notar(args, { cwd: dir, env: baseEnv({ NOTAR_STORE: storeDir, ...env }) });
  const init = run(['init', '--name', ORIGIN], { NOTAR_PASSPHRASE: PASS });
  expectOk(init);
  return { dir, storeDir, vkey: init.stdout.trim(), run };
}

describe('notar init', () => {
  it('with NOTAR_PASSPHRASE: encrypted key.json (0600), the verifier key on stdout', () => {
    const s = encryptedStore();
    const key = parseVerifierKey(s.vkey);
    expect(key.name).toBe(ORIGIN);
    const keyFile = path.join(s.storeDir, 'key.json');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const sealed = readJson(keyFile);
    expect(sealed).toMatchObject({ format: 'notar-key/1', kdf: 'scrypt', cipher: 'aes-256-gcm' });
    expect(fs.readFileSync(keyFile, 'utf8')).not.toContain('PRIVATE+KEY');
    expect(fs.readFileSync(path.join(s.storeDir, 'key.pub'), 'utf8')).toBe(s.vkey + '\n');
    expect(s.run(['key', 'show']).stdout).toBe(s.vkey + '\n');
  });

  it('--no-passphrase stores the key in the clear, still mode 0600', () => {
    const s = makeStore(ORIGIN);
    const keyFile = path.join(s.storeDir, 'key.json');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readJson(keyFile).kdf).toBe('none');
  });

  it('with no passphrase and stdin not a terminal: a clear error, no prompt, no store', () => {
    const dir = tempDir();
    const r = notar(['init', '--name', ORIGIN, '--store', path.join(dir, 'store')], { timeout: 20_000 });
    expectError(r, 2, 'a passphrase is needed');
    expect(r.stderr).toContain('NOTAR_PASSPHRASE');
    expect(r.stderr).toContain('--no-passphrase');
    expect(r.stderr).not.toMatch(/Passphrase for|New passphrase/);
    expect(fs.existsSync(path.join(dir, 'store', 'key.json'))).toBe(false);
  });

  it('refuses to overwrite an existing store', () => {
    const s = makeStore(ORIGIN);
    expectError(s.run(['init', '--name', ORIGIN, '--no-passphrase']), 2, 'a notar store already exists');
  });

  it.each(['has space', 'a+b', ''])('refuses the origin %j', (name) => {
    const dir = tempDir();
    expectError(
      notar(['init', '--name', name, '--no-passphrase', '--store', path.join(dir, 's')]),
      2,
      'is not a valid origin',
    );
  });

  it('--import uses an existing signer key', () => {
    const a = makeStore(ORIGIN);
    const secret = a.run(['key', 'export']).stdout;
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'k'), secret);
    const r = notar(['init', '--name', ORIGIN, '--import', 'k', '--no-passphrase', '--store', 'store'], { cwd: dir });
    expectOk(r);
    expect(r.stdout.trim()).toBe(a.vkey);
  });
});

describe('passphrases', () => {
  it('a wrong passphrase: exit 2, one line, nothing sealed', () => {
    const s = encryptedStore();
    writeDocs(s.dir, { 'a.txt': 'A' });
    const r = s.run(['stamp', 'a.txt'], { NOTAR_PASSPHRASE: 'not it' });
    expectError(r, 2, 'wrong passphrase');
    expect(fs.existsSync(path.join(s.dir, 'a.txt.notar.json'))).toBe(false);
    expect(s.run(['log']).stdout).toBe('');

    // No passphrase at all, stdin not a terminal: a clear error instead of a prompt.
    const none = s.run(['stamp', 'a.txt']);
    expectError(none, 2, 'the signing key is encrypted and no passphrase was given');
    expect(none.stderr).toContain('--passphrase-file');

    // --passphrase-file (first line) works; an empty first line is refused.
    fs.writeFileSync(path.join(s.dir, 'pass.txt'), PASS + '\nignored\n');
    expectOk(s.run(['stamp', 'a.txt', '--passphrase-file', 'pass.txt']));
    fs.writeFileSync(path.join(s.dir, 'empty-pass.txt'), '\n');
    expectError(s.run(['key', 'export', '--passphrase-file', 'empty-pass.txt']), 2, 'the first line is empty');
  });
});

describe('notar key export / import', () => {
  it('round trip: export from one store, import into another (needs --force over a key)', () => {
    const a = encryptedStore();
    const exported = a.run(['key', 'export'], { NOTAR_PASSPHRASE: PASS });
    expectOk(exported);
    expect(exported.stdout).toMatch(
      new RegExp(`^PRIVATE\\+KEY\\+${ORIGIN.replace(/\./g, '\\.')}\\+[0-9a-f]{8}\\+\\S+\\n$`),
    );

    const b = makeStore(ORIGIN);
    const keyFile = path.join(b.dir, 'backup.key');
    fs.writeFileSync(keyFile, exported.stdout, { mode: 0o600 });
    const refused = b.run(['key', 'import', 'backup.key', '--no-passphrase']);
    expectError(refused, 2, 'the store already has a key');
    expect(refused.stderr).toContain('--force');
    expect(b.run(['key', 'show']).stdout).toBe(b.vkey + '\n');

    const imported = b.run(['key', 'import', 'backup.key', '--force', '--no-passphrase']);
    expectOk(imported);
    expect(imported.stdout).toBe(a.vkey + '\n');
    expect(b.run(['key', 'show']).stdout).toBe(a.vkey + '\n');
    expect(fs.statSync(path.join(b.storeDir, 'key.json')).mode & 0o777).toBe(0o600);

    // Receipts the store signs now verify with the imported (published) key.
    writeDocs(b.dir, { 'doc.txt': 'doc' });
    expectOk(b.run(['stamp', 'doc.txt']));
    expect(b.run(['verify', 'doc.txt', '--key', a.vkey]).code).toBe(0);

    // Importing the key the store already has changes nothing.
    const same = b.run(['key', 'import', 'backup.key']);
    expectOk(same);
    expect(same.stderr).toContain('already the store key');

    // From stdin, too.
    expectOk(b.run(['key', 'import', '-', '--force', '--no-passphrase'], { input: exported.stdout }));

    // Once blocks exist, another key cannot take over the chain, even with --force.
    const c = makeStore(ORIGIN);
    const otherKey = c.run(['key', 'export']);
    expectOk(otherKey);
    const takeover = b.run(['key', 'import', '-', '--force', '--no-passphrase'], { input: otherKey.stdout });
    expectError(takeover, 2, 'cannot take over its chain');
    expect(takeover.stderr).toContain('notar: hint: to rotate keys, create a new store');
    expect(b.run(['key', 'show']).stdout).toBe(a.vkey + '\n');
  });

  it('a malformed key, a key of another origin, a missing file: exit 2, one line', () => {
    const s = makeStore(ORIGIN);
    fs.writeFileSync(path.join(s.dir, 'junk.key'), 'PRIVATE+KEY+nonsense\n');
    expectError(s.run(['key', 'import', 'junk.key', '--force', '--no-passphrase']), 2, 'signer key');
    const other = makeStore('notary.example.org/elsewhere');
    fs.writeFileSync(path.join(s.dir, 'other.key'), other.run(['key', 'export']).stdout);
    expectError(s.run(['key', 'import', 'other.key', '--force', '--no-passphrase']), 2, 'notary.example.org/elsewhere');
    expectError(s.run(['key', 'import', 'nope.key', '--force']), 2, 'cannot read nope.key: no such file');
    expect(s.run(['key', 'show']).stdout).toBe(s.vkey + '\n');
  });

  it('the secret key never appears in any other command output or file', () => {
    const s = makeStore(ORIGIN);
    const secret = s.run(['key', 'export']).stdout.trim();
    const seed = secret.split('+').slice(4).join('+');
    expect(seed.length).toBeGreaterThan(40);
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n' });
    fs.writeFileSync(path.join(s.dir, 'cp0.txt'), '');
    const outputs: RunResult[] = [
      s.run(['key', 'show']),
      s.run(['stamp', 'a.txt']),
      s.run(['stamp', 'b.txt', '--json', '--out', 'rec']),
      s.run(['stamp', '--digests'], { input: sha256Hex('c') + '\n' }),
      s.run(['verify', 'a.txt', '--key', s.vkey]),
      s.run(['verify', 'a.txt', '--key', s.vkey, '--json']),
      s.run(['verify', 'a.txt']),
      s.run(['prove', 'a.txt']),
      s.run(['prove', 'a.txt', '--out', 'proofs']),
      s.run(['refresh', 'a.txt.notar.json']),
      s.run(['log']),
      s.run(['log', '--json']),
      s.run(['checkpoint']),
      s.run(['consistency', '--from', 'cp0.txt']),
      s.run(['chain', 'verify']),
      s.run(['hash', 'a.txt']),
      s.run(['key', 'import', 'a.txt', '--force', '--no-passphrase']),
      s.run(['init', '--name', ORIGIN, '--no-passphrase']),
      s.run(['--help']),
      s.run(['key', '--help']),
      s.run(['--debug', 'stamp', 'missing.txt']),
    ];
    for (const r of outputs) {
      expect(r.stdout + r.stderr).not.toContain(seed);
      expect(r.stdout + r.stderr).not.toContain(`PRIVATE+KEY+${ORIGIN}`);
    }
    const files = fs.readdirSync(s.dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('store'));
    for (const f of files) {
      const p = path.join(s.dir, f);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p, 'utf8'), f).not.toContain(seed);
    }
  });
});
