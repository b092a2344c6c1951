/**
 * The keys the page trusts: baked in by `notar verifier-page` (the office's
 * published keys) or pasted by the visitor. Never taken from a receipt
 * (FORMAT.md §8.4: the receipt's `key` is a hint, not a source of trust).
 */
import { parseVerifierKey, type Verifier } from '../core/note.js';

export interface ParsedKeys {
  readonly keys: Verifier[];
  readonly errors: string[];
}

/** One key per line; blank lines and `#` comments are ignored (like --key-file). */
export function parseKeyList(text: string): ParsedKeys {
  const keys: Verifier[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    try {
      addKey(keys, parseVerifierKey(t));
    } catch (e) {
      errors.push(`Line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return { keys, errors };
}

/** Adds `key` unless the same key string is already in `keys`. */
export function addKey(keys: Verifier[], key: Verifier): void {
  if (!keys.some((k) => k.text === key.text)) keys.push(key);
}

/** The keys baked into the page: a JSON array of verifier key strings. */
export function readBakedKeys(json: string): ParsedKeys {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return { keys: [], errors: ['The keys built into this page are unreadable: the page is damaged.'] };
  }
  if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) {
    return { keys: [], errors: ['The keys built into this page are unreadable: the page is damaged.'] };
  }
  return parseKeyList(list.join('\n'));
}

export function describeKey(key: Verifier): string {
  return `${key.name} (key ID ${key.keyId})`;
}
