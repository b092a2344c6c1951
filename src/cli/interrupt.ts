/**
 * Ctrl-C and SIGTERM during `stamp`: the process ends at once with one
 * message and exit 130 (SIGINT) or 143 (SIGTERM), like a shell reports a
 * killed command, saying what the interruption left behind.
 *
 * Why ending from the handler is safe: a handler runs only between event-
 * loop turns, and everything that writes the store (the lock, leaves, the
 * chain line, each receipt) is written synchronously, so no write is ever
 * half done when it runs, and the store lock is held only inside one such
 * synchronous stretch (store.seal after the lock is taken). The long loops
 * (hashing, receipts) yield to the event loop about ten times a second
 * (progress.ts), so a signal is handled within ~0.1 s.
 */
import { NotarError } from '../core/errors.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Sig = keyof typeof EXIT_CODES;

/** An interruption reported as an error (Ctrl-C typed at a prompt in raw mode). */
export class Interrupted extends NotarError {
  readonly exitCode: number;
  constructor(signal: Sig, what: string, hint?: string) {
    super('USAGE', `interrupted (${signal}); ${what}`, { hint });
    this.exitCode = EXIT_CODES[signal];
  }
}

const cleanups = new Set<() => void>();
let context: { what: string; hint?: string } = { what: 'nothing was changed' };
let installed = false;

/** Runs `fn` (restore the terminal, clear the progress line) before an interrupted exit; returns its removal. */
export function onInterrupt(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** What an interruption from now on leaves behind (said in the message). */
export function setInterruptContext(what: string, hint?: string): void {
  context = { what, hint };
}

/** An Interrupted error in the current context (for Ctrl-C read as a key press). */
export function interruptedError(signal: Sig = 'SIGINT'): Interrupted {
  return new Interrupted(signal, context.what, context.hint);
}

/** Installs the SIGINT and SIGTERM handlers (once). */
export function handleInterrupts(what = 'nothing was changed'): void {
  context = { what };
  if (installed) return;
  installed = true;
  for (const sig of Object.keys(EXIT_CODES) as Sig[]) process.on(sig, () => exitInterrupted(sig));
}

function exitInterrupted(sig: Sig): never {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      /* the message and the exit code matter more */
    }
  }
  const e = interruptedError(sig);
  // Synchronous on Linux for TTYs, pipes and files: written before exit.
  process.stderr.write(`notar: error: ${e.message}\n` + (e.hint ? `notar: hint: ${e.hint}\n` : ''));
  process.exit(e.exitCode);
}
