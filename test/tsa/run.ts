import { spawn } from 'node:child_process';
import { BIN, type RunResult, type TestStore } from '../cli/helpers.js';

/** Runs bin/notar.js without blocking this process's event loop (the TSA answers from here). */
export function run(s: TestStore, args: string[], input?: Buffer): Promise<RunResult & { raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: s.dir, env: s.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
    child.stdin.end(input ?? '');
  });
}
