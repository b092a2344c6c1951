// Start-up cache (issues 11, 16): the launcher compiles the bundle with a cache
// in a private directory under ~/.cache (never the shared temp directory):
// Node's own compile cache on Node >= 22.1, V8's code cache on Node 20.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, tempDir, type TestStore } from './helpers.js';

const [major, minor] = process.versions.node.split('.').map(Number);
const HAS_NODE_CACHE = major > 22 || (major === 22 && minor >= 1);

let s: TestStore;
beforeAll(() => {
  s = makeStore('notary.example.gov/compile-cache');
  fs.writeFileSync(path.join(s.dir, 'doc.txt'), 'doc\n');
  expect(s.run(['stamp', 'doc.txt']).code).toBe(0);
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
});
afterAll(() => fs.rmSync(s.dir, { recursive: true, force: true }));

/** verify, then prove, with HOME in a fresh directory; returns that HOME. */
function runWithHome(prepare?: (home: string) => void, extra: NodeJS.ProcessEnv = {}): string {
  const home = tempDir('notar-home-');
  prepare?.(home);
  for (const args of [['verify', 'doc.txt', '--key-file', 'office.vkey'], ['--version']]) {
    const r = s.run(args, { env: { HOME: home, XDG_CACHE_HOME: undefined, NODE_COMPILE_CACHE: undefined, ...extra } });
    expect(r.code, r.stderr).toBe(0);
  }
  return home;
}

const cacheDir = (home: string) => path.join(home, '.cache', 'notar', 'node-compile-cache');
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [];

describe(`compile cache on Node ${process.versions.node}`, () => {
  it(`fills ${HAS_NODE_CACHE ? "Node's compile cache" : "V8's code cache"} in ~/.cache/notar, owner-only`, () => {
    const home = runWithHome();
    expect(fs.statSync(cacheDir(home)).mode & 0o777).toBe(0o700);
    if (HAS_NODE_CACHE) {
      expect(filesUnder(cacheDir(home)).length).toBeGreaterThan(1);
      return;
    }
    // One cache per command: `verify` and `--version` (named 'other').
    const files = filesUnder(cacheDir(home)).sort();
    const build = `v8-[0-9a-f]{8}-${process.version}-${process.arch}-\\d+-\\d+`;
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(new RegExp(`^${build}-other\\.bin$`));
    expect(files[1]).toMatch(new RegExp(`^${build}-verify\\.bin$`));
    for (const file of files) {
      expect(fs.statSync(path.join(cacheDir(home), file)).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(cacheDir(home), file)).size).toBeGreaterThan(10_000);
    }
  });

  it('a damaged cache is rejected and rewritten; the command still works', () => {
    const home = runWithHome();
    const files = filesUnder(cacheDir(home))
      .map((f) => path.join(cacheDir(home), f))
      .filter((f) => fs.statSync(f).isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) fs.writeFileSync(f, 'not a code cache');
    const r = s.run(['verify', 'doc.txt', '--key-file', 'office.vkey'], {
      env: { HOME: home, XDG_CACHE_HOME: undefined, NODE_COMPILE_CACHE: undefined },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('doc.txt');
    // Node 20: verify's own cache was rejected and written again.
    if (!HAS_NODE_CACHE)
      expect(fs.statSync(files.find((f) => f.endsWith('-verify.bin'))!).size).toBeGreaterThan(10_000);
  });

  it('never uses a cache directory that others can write', () => {
    const home = runWithHome((h) => {
      fs.mkdirSync(cacheDir(h), { recursive: true });
      fs.chmodSync(cacheDir(h), 0o777);
    });
    expect(filesUnder(cacheDir(home))).toEqual([]);
  });

  it('NODE_DISABLE_COMPILE_CACHE turns it off', () => {
    const home = runWithHome(undefined, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(filesUnder(cacheDir(home))).toEqual([]);
  });
});
