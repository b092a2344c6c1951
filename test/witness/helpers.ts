// Witness stores and witness servers for tests, run through the real binary.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { BIN, baseEnv, notar, tempDir, type RunResult } from '../cli/helpers.js';

export interface TestWitness {
  dir: string;
  name: string;
  vkey: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], input?: string): RunResult;
}

export function makeWitness(name = 'witness.example.gov/w1', root = tempDir('notar-witness-')): TestWitness {
  const dir = path.join(root, name.replace(/[^a-z0-9]/gi, '_'));
  const env = baseEnv({ NOTAR_WITNESS_STORE: dir });
  const init = notar(['witness', 'init', '--name', name, '--no-passphrase'], { env });
  if (init.code !== 0) throw new Error(`witness init failed: ${init.stderr}`);
  return { dir, name, vkey: init.stdout.trim(), env, run: (args, input) => notar(args, { env, input }) };
}

export interface Served {
  url: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `notar witness serve` on an ephemeral loopback port and waits until it listens. */
export function serve(w: TestWitness, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'witness', 'serve', '--listen', '127.0.0.1:0', ...extra], {
    env: w.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`witness did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))\/add-checkpoint/.exec(err);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          port: Number(m[2]),
          child,
          stderr: () => err,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`witness exited (${code}): ${err}`)));
  });
}

/** POSTs a body; returns status, content type and text. */
export async function post(url: string, body: string | Buffer, pathName = '/add-checkpoint', method = 'POST') {
  const payload = typeof body === 'string' ? body : new Uint8Array(body);
  const res = await fetch(url + pathName, { method, body: method === 'GET' ? undefined : payload });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
