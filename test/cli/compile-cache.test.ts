// Start-up cache (issue 16): on Node >= 22.1 the launcher turns on Node's own
// compile cache, in a private directory under ~/.cache (never the shared temp
// directory); on Node 20 it keeps the build-time V8 code cache and writes nothing.
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
  it(
    HAS_NODE_CACHE
      ? "fills Node's compile cache in ~/.cache/notar, owner-only"
      : 'writes no cache directory (Node 20: build-time code cache)',
    () => {
      const home = runWithHome();
      if (!HAS_NODE_CACHE) {
        expect(fs.existsSync(path.join(home, '.cache'))).toBe(false);
        return;
      }
      expect(fs.statSync(cacheDir(home)).mode & 0o777).toBe(0o700);
      expect(filesUnder(cacheDir(home)).length).toBeGreaterThan(1);
    },
  );

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
