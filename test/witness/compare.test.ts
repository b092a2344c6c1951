// `notar checkpoint compare A B`: can two signed checkpoints of one log both
// be true? Same size and root, a proof given, or the store's own history.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeStore, notar, baseEnv, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';

let log: TestStore;
let fork: TestStore;
const ORIGIN = 'registry.example.gov/compare';
const f = (n: string) => path.join(log.dir, n);

function stamp(store: TestStore, name: string) {
  writeDocs(store.dir, { [name]: `${name} ${store.dir}\n` });
  expect(store.run(['stamp', name, '--no-receipts']).code).toBe(0);
}

beforeAll(() => {
  log = makeStore(ORIGIN);
  fs.writeFileSync(f('secret.key'), log.run(['key', 'export']).stdout, { mode: 0o600 });
  fork = makeStore(ORIGIN, ['--no-passphrase', '--import', f('secret.key')]);
  stamp(log, 'a');
  fs.writeFileSync(f('c1.txt'), log.run(['checkpoint']).stdout);
  stamp(log, 'b');
  stamp(log, 'c');
  fs.writeFileSync(f('c3.txt'), log.run(['checkpoint']).stdout);
  fs.writeFileSync(
    f('proof-1-3.txt'),
    log.run(['checkpoint', '--request', '--old', '1']).stdout.split('\n\n')[0].split('\n').slice(1).join('\n') + '\n',
  );
  for (const n of ['x', 'y', 'z']) stamp(fork, n);
  fs.writeFileSync(f('fork3.txt'), fork.run(['checkpoint']).stdout);
});

describe('checkpoint compare', () => {
  it('consistent: a prefix of the store history, or the same checkpoint', () => {
    const r = log.run(['checkpoint', 'compare', 'c1.txt', 'c3.txt']);
    expect([r.code, r.stdout]).toEqual([0, "CONSISTENT: both are prefixes of this store's history (3 blocks)\n"]);
    expect(log.run(['checkpoint', 'compare', 'c3.txt', 'c3.txt']).stdout).toBe('CONSISTENT: both are of size 3\n');
  });

  it('same size, other root: exit 1 with both signed notes as fork evidence', () => {
    const r = log.run(['checkpoint', 'compare', 'c3.txt', 'fork3.txt']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FORK EVIDENCE: registry\.example\.gov\/compare: both are of size 3; both are validly signed:/,
    );
    expect(r.stdout).toContain(fs.readFileSync(f('c3.txt'), 'utf8'));
    expect(r.stdout).toContain(fs.readFileSync(f('fork3.txt'), 'utf8'));
  });

  it('another size not in the store history: exit 1', () => {
    expect(log.run(['checkpoint', 'compare', 'c1.txt', 'fork3.txt']).stdout).toMatch(
      /fork3\.txt is not part of this store's history/,
    );
  });

  it('away from the store: a proof decides; without one it is a usage error; keys are required', () => {
    const away = tempDir();
    const env = baseEnv({ NOTAR_STORE: path.join(away, 'none') });
    const run = (args: string[]) => notar(['checkpoint', 'compare', ...args], { cwd: log.dir, env });
    expect(run(['c1.txt', 'c3.txt', '--key', log.vkey, '--proof', 'proof-1-3.txt']).code).toBe(0);
    const bad = run(['c1.txt', 'fork3.txt', '--key', log.vkey, '--proof', 'proof-1-3.txt']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/does not verify/);
    expect(run(['c1.txt', 'c3.txt', '--key', log.vkey]).code).toBe(2);
    expect(run(['c1.txt', 'c3.txt']).code).toBe(2);
    const other = makeStore('other.example/log');
    const untrusted = run(['c1.txt', 'c3.txt', '--key', other.vkey, '--proof', 'proof-1-3.txt']);
    expect(untrusted.code).toBe(1);
    expect(log.run(['checkpoint', 'nonsense']).code).toBe(2);
  });
});
