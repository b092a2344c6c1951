/**
 * Byte helpers on Uint8Array only (no Buffer), so the core runs in browsers.
 * Every decoder is strict: it accepts exactly what the matching encoder emits.
 */
import { formatError } from './errors.js';

const HEX = '0123456789abcdef';
const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** Lowercase hex only (FORMAT.md: "Hex is lowercase"). */
export function fromHex(hex: string, what = 'hex value', length?: number): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) throw formatError(`${what} is not lowercase hex`);
  if (length !== undefined && hex.length !== length * 2) {
    throw formatError(`${what} must be ${length} bytes (${length * 2} hex digits)`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}

/**
 * Standard padded base64 (RFC 4648 §4). Non-canonical encodings (non-zero
 * padding bits) are rejected so that every value has exactly one spelling.
 */
export function fromBase64(text: string, what = 'base64 value', length?: number): Uint8Array {
  if (typeof text !== 'string' || !B64_RE.test(text)) throw formatError(`${what} is not standard base64`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n =
      (B64_INDEX[text.charCodeAt(i)] << 18) |
      (B64_INDEX[text.charCodeAt(i + 1)] << 12) |
      ((B64_INDEX[text.charCodeAt(i + 2)] & 63) << 6) |
      (B64_INDEX[text.charCodeAt(i + 3)] & 63);
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  if (toBase64(out) !== text) throw formatError(`${what} is not canonical base64`);
  if (length !== undefined && out.length !== length) throw formatError(`${what} must be ${length} bytes`);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, rejecting malformed sequences instead of inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array, what = 'text'): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw formatError(`${what} is not valid UTF-8`);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Random bytes from the platform CSPRNG (Web Crypto, present in Node 20 and browsers). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}
