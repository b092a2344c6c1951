/**
 * Runs the real built binary (bin/notar.js) in a temporary directory, as a
 * user would. The suite's global setup builds dist/ first.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BIN = path.resolve(__dirname, '../../bin/notar.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeout?: number;
}

/** A clean environment: no colour forcing, no inherited store or passphrase. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
  return { ...env, ...extra };
}

export function notar(args: (string | Buffer)[], opts: RunOptions = {}): RunResult {
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd,
    env: opts.env ?? baseEnv(),
    input: opts.input ?? '',
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 1 << 30,
    // A new session: no controlling terminal, so notar never prompts on the tester's /dev/tty.
    detached: true,
  } as SpawnSyncOptions;
  const r = spawnSync(process.execPath, [BIN, ...(args as string[])], spawnOpts);
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

export function tempDir(prefix = 'notar-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestStore {
  /** A temp working directory holding the store in `store/`. */
  dir: string;
  storeDir: string;
  env: NodeJS.ProcessEnv;
  /** The verifier key printed by init. */
  vkey: string;
  run(args: (string | Buffer)[], opts?: Omit<RunOptions, 'env'> & { env?: NodeJS.ProcessEnv }): RunResult;
}

/** A fresh store (unencrypted key, for speed) in a temp dir; run() defaults cwd to it. */
export function makeStore(origin = 'notary.example.gov/test', initArgs: string[] = ['--no-passphrase']): TestStore {
  const dir = tempDir();
  const storeDir = path.join(dir, 'store');
  const env = baseEnv({ NOTAR_STORE: storeDir });
  const init = notar(['init', '--name', origin, ...initArgs], { cwd: dir, env });
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const vkey = init.stdout.trim();
  return {
    dir,
    storeDir,
    env,
    vkey,
    run: (args, opts = {}) => notar(args, { cwd: dir, ...opts, env: { ...env, ...(opts.env ?? {}) } }),
  };
}

/** Writes files into `dir`; returns their paths. */
export function writeDocs(dir: string, docs: Record<string, string | Buffer>): string[] {
  return Object.entries(docs).map(([name, content]) => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  });
}
