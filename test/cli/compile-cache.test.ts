// Start-up cache (issues 11, 16): the launcher compiles the bundle with a cache
// in a private directory under ~/.cache (never the shared temp directory):
// Node's own compile cache on Node >= 22.1, V8's code cache on Node 20.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CODE_CACHES } from '../../src/cli/compile-cache.js';
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

  it('a run that fails writes no cache; the first that succeeds does (Node 20)', () => {
    const home = tempDir('notar-home-');
    const env = { HOME: home, XDG_CACHE_HOME: undefined, NODE_COMPILE_CACHE: undefined };
    expect(s.run(['verify', 'missing.txt', '--key-file', 'office.vkey'], { env }).code).toBe(2);
    const verifyCaches = () => filesUnder(cacheDir(home)).filter((f) => f.endsWith('-verify.bin'));
    if (!HAS_NODE_CACHE) expect(verifyCaches()).toEqual([]);
    expect(s.run(['verify', 'doc.txt', '--key-file', 'office.vkey'], { env }).code).toBe(0);
    if (HAS_NODE_CACHE) expect(filesUnder(cacheDir(home)).length).toBeGreaterThan(0);
    else expect(verifyCaches()).toHaveLength(1);
  });

  it(`keeps at most ${MAX_CODE_CACHES} code caches, dropping the oldest (Node 20)`, () => {
    const home = tempDir('notar-home-');
    fs.mkdirSync(cacheDir(home), { recursive: true, mode: 0o700 });
    // Caches left by 70 installations that are gone, the oldest first.
    for (let i = 0; i < 70; i++) {
      const f = path.join(cacheDir(home), `v8-${String(i).padStart(8, '0')}-old-verify.bin`);
      fs.writeFileSync(f, 'x', { mode: 0o600 });
      fs.utimesSync(f, 1_000_000 + i, 1_000_000 + i);
    }
    fs.writeFileSync(path.join(cacheDir(home), 'not-a-cache.txt'), 'kept');
    const r = s.run(['verify', 'doc.txt', '--key-file', 'office.vkey'], {
      env: { HOME: home, XDG_CACHE_HOME: undefined, NODE_COMPILE_CACHE: undefined },
    });
    expect(r.code, r.stderr).toBe(0);
    const files = filesUnder(cacheDir(home));
    expect(files).toContain('not-a-cache.txt');
    if (HAS_NODE_CACHE) return expect(files.filter((f) => f.includes('-old-')).length).toBe(70);
    const old = files.filter((f) => f.includes('-old-')).sort();
    expect(files.filter((f) => f.startsWith('v8-'))).toHaveLength(MAX_CODE_CACHES);
    expect(files.some((f) => f.endsWith('-verify.bin') && !f.includes('-old-'))).toBe(true);
    // The newest 63 old ones stay: numbers 7 … 69.
    expect(old).toHaveLength(MAX_CODE_CACHES - 1);
    expect(old[0]).toBe(`v8-${String(70 - (MAX_CODE_CACHES - 1)).padStart(8, '0')}-old-verify.bin`);
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
