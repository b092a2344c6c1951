/**
 * The one place errors become messages and exit codes (FORMAT.md §10);
 * main.ts calls it for every command.
 */
import { CHECK_FAILED_CODES, NotarError } from '../../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

let debug = false;

/** --debug: print stack traces with errors. */
export function setDebug(on: boolean): void {
  debug = on;
}

export function report(e: unknown): number {
  // A CommanderError (commander already printed its message), known by its code
  // so that commander need not be loaded to recognise one.
  if (e instanceof Error && String((e as { code?: unknown }).code).startsWith('commander.')) {
    const err = e as Error & { code: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
    // Help asked for is success; help shown because no command was given (`notar`, `notar key`) is a usage error.
    if (err.code === 'commander.help') return (e as { exitCode?: number }).exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return EXIT_USAGE;
  }
  if (e instanceof NotarError) {
    process.stderr.write(`notar: error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`notar: hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    // An interruption (interrupt.ts) carries the shell's 128 + signal number.
    const exitCode = (e as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === 'number') return exitCode;
    return CHECK_FAILED_CODES.has(e.code) ? EXIT_FAILED : EXIT_USAGE;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'EPIPE') return EXIT_OK;
  process.stderr.write(`notar: error: unexpected failure: ${err?.message ?? String(e)}\n`);
  process.stderr.write(
    debug && err?.stack ? err.stack + '\n' : 'notar: hint: run again with --debug for details, and report it\n',
  );
  return EXIT_USAGE;
}

/** A closed stdout (`notar … | head`) ends the process quietly. */
export function quietOnEpipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
