/**
 * Where the store lives: --store DIR, else $NOTAR_STORE, else the XDG data
 * directory ($XDG_DATA_HOME/notar, default ~/.local/share/notar).
 */
import * as os from 'node:os';
import * as path from 'node:path';

export function resolveStoreDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return path.resolve(option);
  if (env.NOTAR_STORE) return path.resolve(env.NOTAR_STORE);
  const xdg =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'notar');
}

export interface StorePaths {
  readonly dir: string;
  readonly config: string;
  readonly key: string;
  readonly verifierKey: string;
  readonly chain: string;
  readonly leaves: string;
  /** What this key signed last, authenticated (tip.ts). */
  readonly tip: string;
  /** A key import in progress: both key files, applied together (Store.replaceKey). */
  readonly keyImport: string;
  /** Material a seal moved aside instead of overwriting or dropping it. */
  readonly quarantine: string;
}

export function storePaths(dir: string): StorePaths {
  return {
    dir,
    config: path.join(dir, 'notar-store.json'),
    key: path.join(dir, 'key.json'),
    verifierKey: path.join(dir, 'key.pub'),
    chain: path.join(dir, 'chain.jsonl'),
    leaves: path.join(dir, 'leaves'),
    tip: path.join(dir, 'tip.json'),
    keyImport: path.join(dir, 'key-import.json'),
    quarantine: path.join(dir, 'quarantine'),
  };
}

export function leavesFile(paths: StorePaths, seq: number): string {
  return path.join(paths.leaves, `${String(seq).padStart(10, '0')}.bin`);
}
