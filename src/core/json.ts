/**
 * Defensive JSON for attacker-supplied text: size and depth caps, typed
 * errors instead of SyntaxError, and duplicate member names refused.
 *
 * FORMAT.md §11: a receipt is a JSON value (RFC 8259), not a byte string, so
 * whitespace, member order and escapes are free. JSON.parse silently keeps
 * the last of two equal member names; RFC 7493 (I-JSON) §2.3 forbids them,
 * and two readers could otherwise see two different receipts in one file.
 * Hence this small strict parser (pure, runs in a browser).
 */
import { formatError } from './errors.js';

/** Nesting beyond this is never a notar value; the cap keeps recursion shallow. */
export const MAX_JSON_DEPTH = 64;

export function parseJson(text: string, what: string, maxBytes: number): unknown {
  if (typeof text !== 'string') throw formatError(`${what} is not text`);
  if (text.length > maxBytes) throw formatError(`${what} is too large (over ${maxBytes} bytes)`);
  // RFC 8259 §8.1: a parser MAY ignore a leading byte order mark. Editors on
  // Windows add one; it carries no meaning, so one is skipped.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return new JsonParser(text, what, start).document();
}

/**
 * JSON.parse with the size cap and typed errors, for notar's own one-spelling
 * texts only (chain lines, consistency statements): their callers compare the
 * value's canonical JSON.stringify form with the text, which a text holding a
 * duplicate name can never pass. About 5x faster than parseJson, which matters
 * when a store of 10,000 blocks is read.
 */
export function parseCanonicalJson(text: string, what: string, maxBytes: number): unknown {
  if (typeof text !== 'string') throw formatError(`${what} is not text`);
  if (text.length > maxBytes) throw formatError(`${what} is too large (over ${maxBytes} bytes)`);
  try {
    return JSON.parse(text);
  } catch {
    throw formatError(`${what} is not valid JSON`);
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

class JsonParser {
  private pos: number;

  constructor(
    private readonly text: string,
    private readonly what: string,
    start: number,
  ) {
    this.pos = start;
  }

  document(): unknown {
    const v = this.value(0, '');
    this.ws();
    if (this.pos < this.text.length) this.fail('has text after the JSON value');
    return v;
  }

  private fail(why: string): never {
    throw formatError(`${this.what} is not valid JSON: it ${why} (at character ${this.pos + 1})`);
  }

  private ws(): void {
    while (this.pos < this.text.length && WS.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private value(depth: number, at: string): unknown {
    if (depth > MAX_JSON_DEPTH) this.fail(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth, at);
    if (c === '[') return this.array(depth, at);
    if (c === '"') return this.string();
    for (const [word, v] of LITERALS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.number();
  }

  private object(depth: number, at: string): Record<string, unknown> {
    this.pos++;
    const obj: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.eat('}')) return obj;
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('has an object member without a quoted name');
      const name = this.string();
      if (seen.has(name)) {
        throw formatError(
          `${this.what} has the member ${JSON.stringify(name)} twice${at ? ` in ${at}` : ''} (duplicate names are not allowed, RFC 7493)`,
        );
      }
      seen.add(name);
      this.ws();
      if (!this.eat(':')) this.fail('lacks a ":" after a member name');
      // defineProperty: a member named "__proto__" is data, never the prototype.
      Object.defineProperty(obj, name, {
        value: this.value(depth + 1, at ? `${at}.${name}` : name),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      if (this.eat('}')) return obj;
      if (!this.eat(',')) this.fail('lacks a "," or "}" in an object');
    }
  }

  private array(depth: number, at: string): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.eat(']')) return out;
    for (;;) {
      out.push(this.value(depth + 1, `${at}[${out.length}]`));
      this.ws();
      if (this.eat(']')) return out;
      if (!this.eat(',')) this.fail('lacks a "," or "]" in an array');
    }
  }

  private eat(c: string): boolean {
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0].length === 0) this.fail('has an unexpected character');
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail('has a number out of range');
    return n;
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      PLAIN.lastIndex = this.pos;
      const run = PLAIN.exec(this.text)![0];
      out += run;
      this.pos += run.length;
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c === 0x5c) out += this.escape();
      else if (c >= 0xd800 && c <= 0xdfff) out += this.surrogatePair();
      else
        this.fail(
          this.pos >= this.text.length ? 'has an unterminated string' : 'has a control character inside a string',
        );
    }
  }

  private escape(): string {
    const e = this.text[this.pos + 1];
    if (e !== 'u') {
      if (e === undefined || !Object.prototype.hasOwnProperty.call(ESCAPES, e))
        this.fail('has an invalid escape in a string');
      this.pos += 2;
      return ESCAPES[e];
    }
    const unit = this.hex4(this.pos + 2);
    if (unit < 0xd800 || unit > 0xdfff) {
      this.pos += 6;
      return String.fromCharCode(unit);
    }
    // RFC 7493 §2.1: no lone surrogates; a pair may be escaped as two \u.
    if (unit <= 0xdbff && this.text.startsWith('\\u', this.pos + 6)) {
      const low = this.hex4(this.pos + 8);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.pos += 12;
        return String.fromCharCode(unit, low);
      }
    }
    this.fail('has a lone surrogate escape in a string');
  }

  private hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('has an invalid \\u escape in a string');
    return parseInt(h, 16);
  }

  /** An unescaped surrogate is fine only as a well-formed pair (text decoded from UTF-8 has no other). */
  private surrogatePair(): string {
    const at = this.pos;
    const hi = this.text.charCodeAt(at);
    const lo = this.text.charCodeAt(at + 1);
    if (hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
      this.pos += 2;
      return this.text.slice(at, at + 2);
    }
    this.fail('is not valid Unicode (a lone surrogate)');
  }
}

const LITERALS: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws unless `obj` has exactly the required keys plus any of the optional ones. */
export function checkKeys(
  obj: unknown,
  what: string,
  required: string[],
  optional: string[] = [],
): Record<string, unknown> {
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
