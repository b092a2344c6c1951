// The strict JSON reader (src/core/json.ts): RFC 8259 grammar, duplicate
// names refused at any depth (RFC 7493 §2.3), typed errors only.
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { MAX_JSON_DEPTH, parseCanonicalJson, parseJson } from '../../src/core/json.js';

const read = (t: string) => parseJson(t, 'input', 1 << 20);

describe('parseJson', () => {
  it('names where a duplicate is, at any depth, also inside arrays', () => {
    expect(() => read('{"a":1,"a":2}')).toThrow('input has the member "a" twice (duplicate');
    expect(() => read('{"x":{"y":[{"z":1},{"z":1,"z":1}]}}')).toThrow('"z" twice in x.y[1]');
    expect(() => read('{"a":1,"\\u0061":1}')).toThrow('"a" twice');
    expect(read('{"a":{"a":1},"b":[{"a":1},{"a":2}]}')).toEqual({ a: { a: 1 }, b: [{ a: 1 }, { a: 2 }] });
  });

  it('keeps a member named __proto__ as data, never as the prototype', () => {
    const o = read('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => read('{"__proto__":1,"__proto__":2}')).toThrow('twice');
  });

  it('reads every RFC 8259 form', () => {
    expect(
      read(' \t\r\n[1,-0.5,2e3,1E-2,true,false,null,"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\udcdc",{}]\r\n'),
    ).toEqual([1, -0.5, 2000, 0.01, true, false, null, '"\\/\b\f\n\r\té\u{1f4dc}', {}]);
    expect(read('\ufeff{"a":[]}')).toEqual({ a: [] });
  });

  it.each([
    ['', 'empty'],
    ['{', 'open'],
    ['{"a":1,}', 'trailing comma'],
    ['[1,]', 'trailing comma'],
    ['{a:1}', 'bare name'],
    ["{'a':1}", 'single quotes'],
    ['NaN', 'NaN'],
    ['[01]', 'leading zero'],
    ['[1.]', 'bare point'],
    ['[.5]', 'no integer part'],
    ['[+1]', 'plus sign'],
    ['"\t"', 'raw tab'],
    ['"\\x41"', 'bad escape'],
    ['"\\u12"', 'short \\u'],
    ['"\\ud800"', 'lone high'],
    ['"\\udc00x"', 'lone low'],
    ['"\ud800"', 'raw lone surrogate'],
    ['[1] [2]', 'two values'],
    ['\ufeff\ufeff1', 'two BOMs'],
    ['[1e999]', 'infinite'],
    ['/*c*/1', 'comment'],
    ['tru', 'cut literal'],
  ])('refuses %j (%s) as FORMAT', (text) => {
    let err: unknown;
    try {
      read(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotarError);
    expect((err as NotarError).code).toBe('FORMAT');
  });

  it(`caps nesting at ${MAX_JSON_DEPTH} levels and size before parsing`, () => {
    expect(read('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeDefined();
    expect(() => read('['.repeat(MAX_JSON_DEPTH + 2) + ']'.repeat(MAX_JSON_DEPTH + 2))).toThrow('nests deeper');
    expect(() => parseJson('[1]', 'small', 2)).toThrow('too large');
  });

  it('parseCanonicalJson (for one-spelling texts) still types its errors', () => {
    expect(() => parseCanonicalJson('{', 'chain line', 100)).toThrow(NotarError);
    expect(parseCanonicalJson('{"a":1}', 'chain line', 100)).toEqual({ a: 1 });
  });
});
