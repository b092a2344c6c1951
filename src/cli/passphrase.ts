/**
 * Passphrases: --passphrase-file (first line), else NOTAR_PASSPHRASE, else a
 * prompt with no echo on the controlling terminal (/dev/tty), like ssh and
 * gpg, so `find … -print0 | notar stamp --files-from - -0` can still ask.
 * No terminal at all (cron, CI, a detached session): a clear error instead.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { NotarError } from '../core/errors.js';
import type { Signer } from '../core/note.js';
import { readCapped } from '../store/capped-read.js';
import type { Store } from '../store/store.js';
import type { Opts } from './common.js';
import { interruptedError, onInterrupt } from './interrupt.js';
import { inputError } from './reading.js';

function fromFile(file: string): string {
  let text: string;
  try {
    // Capped while reading: a passphrase file is a line, not /dev/zero.
    text = readCapped(file, 64 * 1024, file, 'a passphrase file').toString('utf8');
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, file);
  }
  const line = text.split(/\r?\n/)[0];
  if (!line)
    throw new NotarError('PASSPHRASE', `${file}: the first line is empty`, {
      hint: 'put the passphrase on the first line',
    });
  return line;
}

/** The controlling terminal, open for reading and writing, or undefined when there is none. */
function openTerminal(): number | undefined {
  try {
    return fs.openSync('/dev/tty', fs.constants.O_RDWR);
  } catch {
    return undefined; // ENXIO: no controlling terminal
  }
}

function hasTerminal(): boolean {
  const fd = openTerminal();
  if (fd === undefined) return false;
  fs.closeSync(fd);
  return true;
}

/** Reads a line from the controlling terminal without echoing it (stdin may be a pipe). */
function prompt(question: string): Promise<string> {
  const fd = openTerminal();
  if (fd === undefined)
    return Promise.reject(
      new NotarError('PASSPHRASE', 'no terminal to ask for the passphrase on', { hint: NEED_HINT }),
    );
  const input = new tty.ReadStream(fd);
  return new Promise((resolve, reject) => {
    // Raw (no echo) before the question shows: an answer typed at once is never echoed.
    input.setRawMode(true);
    fs.writeSync(fd, question);
    // SIGTERM while asking: the terminal gets its echo back before the process ends.
    const offInterrupt = onInterrupt(() => input.setRawMode(false));
    let answer = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.removeListener('data', onData);
      offInterrupt();
      fs.writeSync(fd, '\n');
      input.destroy(); // closes fd
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        // Raw mode turns Ctrl-C into a byte: end as the signal would have (exit 130).
        if (ch === '\u0003') return done(interruptedError('SIGINT'));
        if (ch === '\u0004') return done(new NotarError('PASSPHRASE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    input.on('data', onData);
  });
}

const NEED_HINT = 'set NOTAR_PASSPHRASE or use --passphrase-file FILE (there is no terminal to ask on)';

interface Source {
  get(): Promise<string>;
  /** Typed on the terminal (a wrong one may be typed again). */
  typed?: boolean;
}

/**
 * Where the passphrase to open the key comes from, settled now (a
 * --passphrase-file is read, a missing terminal is an error) while the
 * prompt itself waits until the caller asks: `stamp` checks its inputs first.
 */
function passphraseSource(opts: Opts): Source {
  if (typeof opts.passphraseFile === 'string') {
    const p = fromFile(opts.passphraseFile);
    return { get: async () => p };
  }
  const env = process.env.NOTAR_PASSPHRASE;
  if (env) return { get: async () => env };
  if (!hasTerminal())
    throw new NotarError('PASSPHRASE', 'the signing key is encrypted and no passphrase was given', { hint: NEED_HINT });
  return { get: () => prompt('Passphrase for the notar signing key: '), typed: true };
}

/** The passphrase to open an encrypted key. */
export async function passphraseToOpen(opts: Opts): Promise<string> {
  return passphraseSource(opts).get();
}

/**
 * The passphrase to seal a new key, or null for --no-passphrase (an explicit
 * choice). Interactive entry is asked twice.
 */
export async function passphraseToSeal(opts: Opts): Promise<string | null> {
  if (opts.passphrase === false) return null;
  if (typeof opts.passphraseFile === 'string') return fromFile(opts.passphraseFile);
  if (process.env.NOTAR_PASSPHRASE) return process.env.NOTAR_PASSPHRASE;
  if (!hasTerminal()) {
    throw new NotarError('PASSPHRASE', 'a passphrase is needed to encrypt the signing key', {
      hint: NEED_HINT + ', or choose --no-passphrase',
    });
  }
  const first = await prompt('New passphrase for the signing key: ');
  if (first.length < 8) throw new NotarError('PASSPHRASE', 'the passphrase must be at least 8 characters');
  const again = await prompt('Repeat the passphrase: ');
  if (again !== first) throw new NotarError('PASSPHRASE', 'the passphrases do not match');
  return first;
}

/**
 * Checks the key file and settles where its passphrase comes from now;
 * the returned function asks (if it must) and opens the key later.
 */
export function signerUnlocker(store: Store, opts: Opts): () => Promise<Signer> {
  const source: Source = store.keyEncrypted() ? passphraseSource(opts) : { get: async () => '' };
  return async () => {
    // Typed on the terminal: three tries, like ssh and sudo (the inputs were already read; a typo should not cost a rerun).
    for (let attempt = 1; ; attempt++) {
      const p = await source.get();
      try {
        return store.signer(() => p);
      } catch (e) {
        if (!source.typed || attempt === 3 || !(e instanceof NotarError && e.code === 'PASSPHRASE')) throw e;
        process.stderr.write('notar: wrong passphrase, try again\n');
      }
    }
  };
}

/** Opens the store's signing key, asking for a passphrase only if needed. */
export async function loadSigner(store: Store, opts: Opts): Promise<Signer> {
  return signerUnlocker(store, opts)();
}
