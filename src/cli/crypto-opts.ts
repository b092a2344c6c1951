/**
 * How a command receives the Crypto (core/crypto.ts) main.ts built for the
 * run: with its options, under a symbol key (never an option name, not seen
 * by anything that lists the options). One value passed down, no module
 * state: a command gives cryptoOf(opts) to the store and the core.
 */
import { nobleCrypto, type Crypto } from '../core/crypto.js';

export type Opts = Record<string, unknown>;

const CRYPTO = Symbol('notar crypto');

/** `opts` with `c` attached (main.ts, once per command run). */
export function optsWithCrypto(opts: Opts, c: Crypto): Opts {
  return Object.assign({}, opts, { [CRYPTO]: c });
}

/** The Crypto main.ts passed with `opts` (noble when a command runs without main.ts). */
export function cryptoOf(opts: Opts): Crypto {
  return (opts as { [CRYPTO]?: Crypto })[CRYPTO] ?? nobleCrypto;
}
