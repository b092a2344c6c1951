/**
 * Terminal conventions in one place: stdout carries only results (machine-
 * clean for pipes), stderr carries messages; colour only on a TTY without
 * NO_COLOR; progress (progress.ts) only on a TTY and only for long work.
 */
export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };

export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR === '0') return false;
  return Boolean(stream.isTTY);
}

type Paint = (s: string) => string;
export interface Colors {
  green: Paint;
  red: Paint;
  yellow: Paint;
  bold: Paint;
  dim: Paint;
}

const plain: Colors = { green: (s) => s, red: (s) => s, yellow: (s) => s, bold: (s) => s, dim: (s) => s };

/** chalk, loaded only when colour will actually be shown. */
export async function colors(stream: NodeJS.WriteStream = process.stdout): Promise<Colors> {
  if (!colorEnabled(stream)) return plain;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { green: c.green, red: c.red, yellow: c.yellow, bold: c.bold, dim: c.dim };
}

export function writeOut(text: string): void {
  process.stdout.write(text);
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** `notar: <msg>` on stderr, for notices that are not errors. */
export function notice(msg: string): void {
  process.stderr.write(`notar: ${msg}\n`);
}
