/**
 * Passphrases: --passphrase-file (first line), else NOTAR_PASSPHRASE, else an
 * interactive prompt with no echo. Never a prompt when stdin is not a TTY:
 * a script gets a clear error instead of a hang.
 */
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';
import type { Opts } from './common.js';
import { inputError } from './reading.js';

function fromFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError(e, file);
  }
  const line = text.split(/\r?\n/)[0];
  if (!line) throw new NotarError('PASSPHRASE', `${file}: the first line is empty`, { hint: 'put the passphrase on the first line' });
  return line;
}

/** Reads a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let answer = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new NotarError('PASSPHRASE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const NEED_HINT = 'set NOTAR_PASSPHRASE or use --passphrase-file FILE (stdin is not a terminal, so notar will not prompt)';

/** The passphrase to open an encrypted key. */
export async function passphraseToOpen(opts: Opts): Promise<string> {
  if (typeof opts.passphraseFile === 'string') return fromFile(opts.passphraseFile);
  if (process.env.NOTAR_PASSPHRASE) return process.env.NOTAR_PASSPHRASE;
  if (!process.stdin.isTTY) throw new NotarError('PASSPHRASE', 'the signing key is encrypted and no passphrase was given', { hint: NEED_HINT });
  return prompt('Passphrase for the notar signing key: ');
}

/**
 * The passphrase to seal a new key, or null for --no-passphrase (an explicit
 * choice). Interactive entry is asked twice.
 */
export async function passphraseToSeal(opts: Opts): Promise<string | null> {
  if (opts.passphrase === false) return null;
  if (typeof opts.passphraseFile === 'string') return fromFile(opts.passphraseFile);
  if (process.env.NOTAR_PASSPHRASE) return process.env.NOTAR_PASSPHRASE;
  if (!process.stdin.isTTY) {
    throw new NotarError('PASSPHRASE', 'a passphrase is needed to encrypt the signing key', { hint: NEED_HINT + ', or choose --no-passphrase' });
  }
  const first = await prompt('New passphrase for the signing key: ');
  if (first.length < 8) throw new NotarError('PASSPHRASE', 'the passphrase must be at least 8 characters');
  const again = await prompt('Repeat the passphrase: ');
  if (again !== first) throw new NotarError('PASSPHRASE', 'the passphrases do not match');
  return first;
}

/** Opens the store's signing key, asking for a passphrase only if needed. */
export async function loadSigner(store: import('../store/store.js').Store, opts: Opts): Promise<import('../core/note.js').Signer> {
  const passphrase = store.keyEncrypted() ? await passphraseToOpen(opts) : '';
  return store.signer(() => passphrase);
}
