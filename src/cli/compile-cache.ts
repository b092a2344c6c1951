/**
 * Loads the CLI bundle (dist/notar.cjs) with a compile cache, in a private
 * directory under ~/.cache (issue 16): never Node's default in the shared
 * temp directory, where another local user could plant code cache for notar
 * to run. Two mechanisms, one directory:
 *
 * - Node >= 22.1: Node's own compile cache (module.enableCompileCache).
 * - Node 20, which lacks it: V8's code cache for the one bundle (vm.Script
 *   cachedData), one per command, written at exit after a run of that command
 *   without a usable cache, so it holds every function the command compiled
 *   (one cache for all would hold only what the first command ever run
 *   needed). V8 rejects a cache made by another V8 or for other source, and it
 *   is then rewritten. Measured on `prove` in a store of 10^6 documents:
 *   ~14 ms of ~65 ms (the bundle's compilation).
 *
 * Off where unsafe (a directory others can write) or NODE_DISABLE_COMPILE_CACHE
 * is set: start-up is then only slower. This file is bundled on its own, so it
 * runs before the bundle is compiled; it loads nothing else.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import NodeModule from 'node:module';

interface ModuleWithCache {
  enableCompileCache?: (dir?: string) => { status: number };
  constants?: { compileCacheStatus?: Record<string, number> };
}

/** The private cache directory (created 0700), or undefined if it cannot be made safe. */
function cacheDir(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir =
    process.env.NODE_COMPILE_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'notar', 'node-compile-cache');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return dir;
}

/** Node's own compile cache (Node >= 22.1) in `dir`; false where Node lacks it. */
export function enableNodeCompileCache(mod: ModuleWithCache, dir: string | undefined = cacheDir()): boolean {
  const statuses = mod.constants?.compileCacheStatus;
  if (typeof mod.enableCompileCache !== 'function' || !statuses || !dir) return false;
  const { status } = mod.enableCompileCache(dir);
  return status === statuses.ENABLED || status === statuses.ALREADY_ENABLED;
}

/** The bundle's exports: main() runs the command line. */
export interface Bundle {
  main(argv: string[]): Promise<void>;
}

/** Requires the bundle `file`, compiled with a cache where one is available and safe. */
export function loadBundle(bundle: string): Bundle {
  const file = path.resolve(bundle);
  const mod = NodeModule as unknown as ModuleWithCache;
  if (typeof mod.enableCompileCache === 'function') {
    enableNodeCompileCache(mod);
    return NodeModule.createRequire(file)(file) as Bundle;
  }
  const dir = cacheDir();
  return dir ? loadWithCodeCache(file, dir) : (NodeModule.createRequire(file)(file) as Bundle);
}

/** Node 20: the bundle compiled from V8 code cache kept in `dir`, as CommonJS. */
function loadWithCodeCache(file: string, dir: string): Bundle {
  const source = fs.readFileSync(file, 'utf8');
  const st = fs.statSync(file);
  // Named for the bundle's path, the build (Node, size, time) and the command: a rebuild
  // starts new caches, and two installations of notar keep theirs.
  const build = `v8-${fnv1a(file)}-${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}-`;
  const arg = process.argv[2] ?? '';
  const name = `${build}${/^[a-z][a-z-]{0,31}$/.test(arg) ? arg : 'other'}.bin`;
  const cacheFile = path.join(dir, name);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* none yet */
  }
  const script = new vm.Script(NodeModule.wrap(source), { filename: file, cachedData });
  const m = new NodeModule(file);
  m.filename = file;
  m.paths = (NodeModule as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(m.exports, m.exports, NodeModule.createRequire(file), m, file, path.dirname(file));
  // Written once per build and command, after a run that succeeded: a failing run (a missing file,
  // a bad receipt) compiles its error path instead, and its cache left `prove` ~10% slower.
  if (!cachedData || script.cachedDataRejected)
    process.once('exit', (code) => {
      if (code === 0) saveCodeCache(script, dir, name, build);
    });
  return m.exports as Bundle;
}

/** 32-bit FNV-1a of a string, in hex (a name, not a secret: node:crypto is not loaded yet). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** At most this many caches are kept: installations that are gone (a removed checkout) leave theirs. */
export const MAX_CODE_CACHES = 64;

/**
 * Writes the code cache atomically (owner-only), then removes this bundle
 * path's caches of other builds, and the oldest caches beyond the cap.
 */
function saveCodeCache(script: vm.Script, dir: string, name: string, build: string): void {
  try {
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, name));
    const bundle = build.slice(0, 'v8-12345678-'.length);
    const kept: { file: string; mtime: number }[] = [];
    for (const f of fs.readdirSync(dir)) {
      if (!/^v8-.*\.bin$/.test(f)) continue;
      if (f.startsWith(bundle) && !f.startsWith(build)) fs.rmSync(path.join(dir, f), { force: true });
      else kept.push({ file: f, mtime: fs.statSync(path.join(dir, f)).mtimeMs });
    }
    kept.sort((a, b) => b.mtime - a.mtime);
    for (const { file } of kept.slice(MAX_CODE_CACHES))
      if (file !== name) fs.rmSync(path.join(dir, file), { force: true });
  } catch {
    /* only start-up speed is lost */
  }
}
