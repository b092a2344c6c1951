/**
 * Runs the real `notar serve` as a child process on a random loopback port
 * (--listen 127.0.0.1:0; the URL is read from its start-up line), and talks
 * to it with fetch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import { BIN, type TestStore } from '../cli/helpers.js';

export interface ServerProc {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServe(s: TestStore, extra: string[] = []): Promise<ServerProc> {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...extra], {
    cwd: s.dir,
    env: s.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /serving \S+ at (https?:\/\/\S+) /.exec(err);
      if (m) {
        child.stderr.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', onData);
    exited.then(({ code }) => reject(new Error(`notar serve exited (${code}): ${err}`)));
  });
  return { url, child, stderr: () => err, exited };
}

export const hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export interface StampReply {
  status: number;
  body: string;
  receipts: Record<string, unknown>[];
}

export async function post(
  url: string,
  token: string | undefined,
  docs: { sha256: string; name?: string }[],
  ndjson = false,
): Promise<StampReply> {
  const body = ndjson ? docs.map((d) => JSON.stringify(d)).join('\n') + '\n' : JSON.stringify(docs);
  const res = await fetch(`${url}/v1/stamp`, {
    method: 'POST',
    headers: {
      'content-type': ndjson ? 'application/x-ndjson' : 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text,
    receipts:
      res.status === 200
        ? text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
  };
}
