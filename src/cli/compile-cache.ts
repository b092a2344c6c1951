/**
 * Node's own compile cache (module.enableCompileCache, Node >= 22.1) for the
 * CLI bundle, in a private directory under ~/.cache (issue 16): never Node's
 * default in the shared temp directory, where another local user could plant
 * code cache for notar to run. Off where unavailable or unsafe (a directory
 * others can write, NODE_DISABLE_COMPILE_CACHE): start-up is then only slower.
 * bin/notar.js calls this before it loads dist/notar.cjs, so the bundle itself
 * is cached; it loads nothing else.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface ModuleWithCache {
  enableCompileCache?: (dir?: string) => { status: number };
  constants?: { compileCacheStatus?: Record<string, number> };
}

export function enableNodeCompileCache(mod: ModuleWithCache): boolean {
  const statuses = mod.constants?.compileCacheStatus;
  if (typeof mod.enableCompileCache !== 'function' || !statuses || process.env.NODE_DISABLE_COMPILE_CACHE) return false;
  let dir = process.env.NODE_COMPILE_CACHE;
  if (!dir) {
    dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'notar', 'node-compile-cache');
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const st = fs.statSync(dir);
      if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return false;
    } catch {
      return false;
    }
  }
  const { status } = mod.enableCompileCache(dir);
  return status === statuses.ENABLED || status === statuses.ALREADY_ENABLED;
}
