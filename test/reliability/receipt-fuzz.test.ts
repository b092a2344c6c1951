/**
 * CLI-level fuzz: random mutations of a real receipt given to `notar verify`
 * never produce a stack trace and never verify (exit 0) — unless the
 * mutation only touched what FORMAT.md §7 leaves unauthenticated (the
 * informational document name, the key hint) or only the JSON spelling
 * (FORMAT.md §11), which may still verify. Pure re-spellings must verify.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { prng, testSeed } from './helpers.js';

const MUTATIONS = 50;
let s: TestStore;
let original: string;
let laterCheckpoint: string;

beforeAll(() => {
  s = makeStore('notary.example.gov/fuzz');
  writeDocs(s.dir, { 'doc.txt': 'the document\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'later.txt': 'later\n' });
  expect(s.run(['stamp', 'doc.txt', 'b.txt', 'c.txt']).code).toBe(0);
  expect(s.run(['stamp', 'later.txt']).code).toBe(0);
  original = fs.readFileSync(path.join(s.dir, 'doc.txt.notar.json'), 'utf8');
  laterCheckpoint = JSON.parse(fs.readFileSync(path.join(s.dir, 'later.txt.notar.json'), 'utf8')).checkpoint;
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
  expect(s.run(['verify', 'doc.txt', '--key-file', 'office.vkey']).code).toBe(0);
});

type Rand = () => number;
const pick = <T>(rand: Rand, xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const WEIRD: unknown[] = [-1, 0, 1, 3, 1e308, 2 ** 53, 2 ** 53 + 2, 0.5, '1', null, true, [], {}, 'x'.repeat(70_000)];

/** Every value in `obj`, as [container, key] pairs, so one can be replaced. */
function slots(obj: any, out: [any, string | number][] = []): [any, string | number][] {
  for (const k of Object.keys(obj)) {
    out.push([obj, Array.isArray(obj) ? Number(k) : k]);
    if (obj[k] && typeof obj[k] === 'object') slots(obj[k], out);
  }
  return out;
}

const textMutations: ((t: Buffer, r: Rand) => Buffer)[] = [
  (t, r) => {
    const b = Buffer.from(t);
    b[Math.floor(r() * b.length)] ^= 1 + Math.floor(r() * 255);
    return b;
  },
  (t, r) => {
    const i = Math.floor(r() * t.length);
    return Buffer.concat([t.subarray(0, i), t.subarray(i + 1 + Math.floor(r() * 20))]);
  },
  (t, r) => {
    const i = Math.floor(r() * t.length);
    return Buffer.concat([
      t.subarray(0, i),
      Buffer.from(pick(r, ['"', '\\', '{', ']', ',', '\u2014', '\n', '\0', '0', 'e9'])),
      t.subarray(i),
    ]);
  },
  (t, r) => {
    const i = Math.floor(r() * t.length);
    const j = i + Math.floor(r() * 200);
    return Buffer.concat([t.subarray(0, j), t.subarray(i, j), t.subarray(j)]);
  },
  (t, r) => t.subarray(0, Math.floor(r() * t.length)),
];

const jsonMutations: ((o: any, r: Rand) => void)[] = [
  (o, r) => {
    const [c, k] = pick(r, slots(o));
    c[k] = pick(r, WEIRD);
  },
  (o, r) => {
    const [c, k] = pick(r, slots(o));
    if (Array.isArray(c)) c.splice(Number(k), 1);
    else delete c[k];
  },
  (o, r) => {
    const [c, k] = pick(
      r,
      slots(o).filter(([c2, k2]) => typeof c2[k2] === 'string' && /^[0-9a-f]{64}$/.test(c2[k2])),
    );
    const v: string = c[k];
    const i = Math.floor(r() * 64);
    c[k] = v.slice(0, i) + (v[i] === '0' ? '1' : '0') + v.slice(i + 1);
  },
  (o) => {
    o.checkpoint = laterCheckpoint;
  },
  (o, r) => {
    const p = o.leaf.path;
    if (p.length > 1) [p[0], p[1]] = [p[1], p[0]];
    else o.history.path.push(pick(r, p));
  },
  (o, r) => {
    o[pick(r, ['extra', 'Format', '__proto__x'])] = 1;
  },
];

/** Re-spellings of the same JSON value (FORMAT.md §11): each must still verify. */
const respellings: ((o: any, r: Rand) => string)[] = [
  (o) => JSON.stringify(o),
  (o) => JSON.stringify(o, null, '\t').replace(/\n/g, '\r\n'),
  (o) => '\ufeff' + JSON.stringify(o, null, 4) + '\n',
  (o) => JSON.stringify(Object.fromEntries(Object.entries(o).reverse()), null, 1),
  (o, r) =>
    JSON.stringify(o, null, 2).replace(/[\u0080-\uffff]/g, (c) =>
      r() < 0.5 ? c : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
    ),
  (o) =>
    JSON.stringify(o, null, 2).replace(
      /"([a-z]+)":/g,
      (_m, k: string) => '"' + k.replace(/[aeiou]/g, (v) => '\\u00' + v.charCodeAt(0).toString(16)) + '" :',
    ),
];

/** What the verifier authenticates: everything but the name and the key hint. */
function authenticated(text: Buffer): string | undefined {
  try {
    const o = JSON.parse(text.toString('utf8'));
    if (o?.document) delete o.document.name;
    delete o.key;
    // Signature base64 is read as Go reads it: unused low bits do not count (FORMAT.md §11).
    if (typeof o.checkpoint === 'string') {
      o.checkpoint = o.checkpoint.replace(
        /^(\u2014 \S+ )((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/gm,
        (_m: string, head: string, b64: string) => head + Buffer.from(b64, 'base64').toString('base64'),
      );
    }
    return JSON.stringify(o);
  } catch {
    return undefined;
  }
}

it(`${MUTATIONS} random mutations of a real receipt: never a stack trace, never verified`, () => {
  const rand = prng(testSeed('receipt fuzz'));
  const base = authenticated(Buffer.from(original));
  let benign = 0;
  let respelled = 0;
  for (let n = 0; n < MUTATIONS; n++) {
    let mutated: Buffer;
    const dice = rand();
    if (dice < 0.2) {
      mutated = Buffer.from(pick(rand, respellings)(JSON.parse(original), rand));
      const file = path.join(s.dir, 'respelled.notar.json');
      fs.writeFileSync(file, mutated);
      const r = s.run(['verify', 'doc.txt', '--receipt', 'respelled.notar.json', '--key-file', 'office.vkey']);
      expect(r.code, `respelling ${n}: ${mutated.toString('utf8').slice(0, 300)}\n${r.stderr}`).toBe(0);
      respelled++;
      continue;
    }
    if (dice < 0.6) mutated = pick(rand, textMutations)(Buffer.from(original), rand);
    else {
      const obj = JSON.parse(original);
      pick(rand, jsonMutations)(obj, rand);
      mutated = Buffer.from(JSON.stringify(obj, null, 2));
    }
    if (mutated.equals(Buffer.from(original))) continue;
    const file = path.join(s.dir, 'fuzzed.notar.json');
    fs.writeFileSync(file, mutated);
    const r = s.run(['verify', 'doc.txt', '--receipt', 'fuzzed.notar.json', '--key-file', 'office.vkey']);
    const where = `mutation ${n}: ${JSON.stringify(mutated.toString('utf8').slice(0, 2000))}\n${r.stderr}`;
    expect(r.stderr, where).not.toContain('    at ');
    expect(r.stderr, where).not.toContain('unexpected failure');
    expect([0, 1, 2], where).toContain(r.code);
    if (authenticated(mutated) === base) benign++;
    else expect(r.code, where).not.toBe(0);
  }
  console.log(
    `receipt fuzz: ${MUTATIONS} mutations, ${respelled} pure re-spellings (all verified), ${benign} touched only unauthenticated fields or spelling`,
  );
}, 120_000);
