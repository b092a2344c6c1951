// Issue #9 / FORMAT.md §11: receipts written by an INDEPENDENT producer
// (examples/make_receipt.py: Python standard library, its own Ed25519 signing,
// written from the format, not from notar's code) in five JSON spellings —
// pretty with sorted members, compact with every non-ASCII character escaped,
// CRLF, BOM with tabs and reversed members, every character \u-escaped — with
// non-ASCII names, checkpoint extension lines and an unknown witness line.
// All verify with the real CLI, the library and examples/verify_receipt.py;
// a changed value still fails at its step. A second producer
// (test/interop/node-producer.ts: node:crypto/OpenSSL signing, no notar code)
// adds three more spellings.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/core/checkpoint.js';
import { parseNote, parseVerifierKey } from '../../src/core/note.js';
import { parseReceipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { notar, tempDir } from '../cli/helpers.js';
import { NODE_SPELLINGS, produce } from './node-producer.js';

const ROOT = path.resolve(__dirname, '../..');
const PRODUCER = path.join(ROOT, 'examples/make_receipt.py');
const VERIFIER = path.join(ROOT, 'examples/verify_receipt.py');
const SPELLINGS = ['pretty-sorted', 'compact-ascii', 'crlf-indent4', 'bom-tabs', 'escaped-all'];

interface Made {
  key: string;
  receipts: { document: string; receipt: string; spelling: string }[];
}

function python(args: string[]): { code: number; stdout: string; stderr: string } {
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
  const r = spawnSync('python3', args, { encoding: 'utf8', timeout: 120_000, env });
  if (r.error) throw new Error(`python3 could not be run: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Three producer configurations: plain; one extension line and a witness; three extension lines. */
const CONFIGS = [
  {
    label: 'no extension lines',
    seed: '11'.repeat(32),
    name: 'notary.example.org/bürgeramt',
    args: ['--batches', '3,1,4'],
  },
  {
    label: 'one extension line, a witness line, U+FEFF in the name',
    seed: '22'.repeat(32),
    name: 'registry.example\ufeff/civil',
    args: ['--batches', '2,5', '--extensions', '1', '--witness'],
  },
  {
    label: 'three extension lines',
    seed: '33'.repeat(32),
    name: 'log.example.jp/東京',
    args: ['--batches', '1,2,1,3', '--extensions', '3'],
  },
];

const made: Made[] = [];

beforeAll(() => {
  for (const c of CONFIGS) {
    const out = tempDir('notar-producer-');
    const r = python([PRODUCER, out, '--seed', c.seed, '--name', c.name, ...c.args]);
    if (r.code !== 0) throw new Error(`make_receipt.py failed: ${r.stderr}`);
    made.push(JSON.parse(r.stdout) as Made);
  }
});

const digestOf = (file: string) => new Uint8Array(crypto.createHash('sha256').update(fs.readFileSync(file)).digest());
const all = () => made.flatMap((m) => m.receipts.map((r) => ({ ...r, key: m.key })));

describe('receipts from an independent producer', () => {
  it('are written in five different spellings of one JSON value', () => {
    expect(made.map((m) => m.receipts.length)).toEqual([8 * 5, 7 * 5, 7 * 5]);
    const texts = SPELLINGS.map((s) => fs.readFileSync(made[0].receipts.find((r) => r.spelling === s)!.receipt));
    expect(new Set(texts.map((t) => t.toString('hex'))).size).toBe(5);
    const [pretty, compact, crlf, bom, escaped] = texts.map((t) => t.toString('utf8'));
    expect(pretty).toContain('Müller'); // unescaped non-ASCII
    expect(compact).toContain('\\u00fc');
    expect(compact).toContain('\\u2014'); // the em dash of the signature line, escaped
    expect(compact.endsWith('}')).toBe(true); // no final newline
    expect(crlf).toContain('\r\n');
    expect(bom.charCodeAt(0)).toBe(0xfeff);
    expect(escaped).toContain('\\u0066\\u006f\\u0072\\u006d\\u0061\\u0074'); // "format"
  });

  it('every one of them verifies with the library, and reads as the same receipt in every spelling', () => {
    const failures: string[] = [];
    for (const r of all()) {
      const v = verifyReceipt(fs.readFileSync(r.receipt, 'utf8'), digestOf(r.document), [parseVerifierKey(r.key)]);
      if (!v.ok) failures.push(`${r.receipt}: ${v.step}: ${v.reason}`);
    }
    expect(failures).toEqual([]);
    expect(all().length).toBe(110);
    for (const m of made) {
      const byDoc = new Map<string, unknown[]>();
      for (const r of m.receipts)
        byDoc.set(r.document, [...(byDoc.get(r.document) ?? []), parseReceipt(fs.readFileSync(r.receipt, 'utf8'))]);
      for (const parsed of byDoc.values()) for (const p of parsed) expect(p).toEqual(parsed[0]);
    }
  });

  it('extension lines are kept in the checkpoint byte for byte', () => {
    const ext = (m: Made) =>
      parseCheckpoint(parseNote(parseReceipt(fs.readFileSync(m.receipts[0].receipt, 'utf8')).checkpoint).body)
        .extensions;
    expect(made.map((m) => ext(m)!.length)).toEqual([0, 1, 3]);
    expect(ext(made[2])![2]).toBe('extension line 3: \u2603 x=2 \u2014 opaque');
  });

  it('every spelling verifies with the real CLI (two documents per spelling and producer run)', () => {
    const failures: string[] = [];
    let n = 0;
    for (const m of made) {
      for (const s of SPELLINGS) {
        const rs = m.receipts.filter((r) => r.spelling === s);
        for (const r of [rs[0], rs[rs.length - 1]]) {
          const res = notar(['verify', r.document, '--receipt', r.receipt, '--key', m.key]);
          n++;
          if (res.code !== 0 || !res.stdout.startsWith('OK'))
            failures.push(`${r.receipt}: exit ${res.code}: ${res.stdout}${res.stderr}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(n).toBe(30);
  });

  it('every spelling verifies with the independent Python verifier too', () => {
    for (const m of made) {
      for (const s of SPELLINGS) {
        const r = m.receipts.find((x) => x.spelling === s)!;
        const res = python([VERIFIER, r.document, r.receipt, '--key', m.key]);
        expect(res.stdout + res.stderr).toMatch(/^OK: stamped by /);
      }
    }
  });

  it('a changed value in a re-spelled receipt still fails at its step (CLI exit 1)', () => {
    const m = made[1];
    const r = m.receipts.find((x) => x.spelling === 'compact-ascii')!;
    const text = fs.readFileSync(r.receipt, 'utf8');
    const o = JSON.parse(text);
    const dir = tempDir();
    const cases: [string, (x: any) => void, string][] = [
      ['digest', (x) => (x.document.sha256 = '0'.repeat(64)), 'digest'],
      ['batch', (x) => (x.leaf.salt = 'f'.repeat(64)), 'batch'],
      ['history', (x) => (x.block.time = '2020-01-01T00:00:00Z'), 'history'],
      ['trust', (x) => (x.checkpoint = x.checkpoint.replace(/\u2014 registry[^\n]*\n/, '')), 'trust'],
      ['signature', (x) => (x.checkpoint = x.checkpoint.replace('extension line 1', 'extension line 9')), 'signature'],
    ];
    for (const [what, edit, step] of cases) {
      const x = JSON.parse(JSON.stringify(o));
      edit(x);
      const file = path.join(dir, `${what}.json`);
      fs.writeFileSync(file, JSON.stringify(x));
      const v = verifyReceipt(fs.readFileSync(file, 'utf8'), digestOf(r.document), [parseVerifierKey(m.key)]);
      expect(v.ok ? 'ok' : v.step, what).toBe(step);
      const res = notar(['verify', r.document, '--receipt', file, '--key', m.key]);
      expect(res.code, `${what}: ${res.stdout}${res.stderr}`).toBe(1);
    }
  });

  it('duplicate member names in a producer receipt are refused by the CLI as malformed (exit 2)', () => {
    const r = made[0].receipts.find((x) => x.spelling === 'compact-ascii')!;
    const text = fs.readFileSync(r.receipt, 'utf8');
    const file = path.join(tempDir(), 'dup.json');
    fs.writeFileSync(file, text.replace('"leaf":{', '"leaf":{"index":0,'));
    const res = notar(['verify', r.document, '--receipt', file, '--key', made[0].key]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('"index" twice in leaf');
  });
});

describe('receipts from a second independent producer (node:crypto, test/interop/node-producer.ts)', () => {
  const configs: [string, Buffer, number[], string[]][] = [
    ['archiv.example.at/wien', Buffer.alloc(32, 0x5a), [4, 1, 3], []],
    ['archiv.example.at/graz\u00a7', Buffer.alloc(32, 0x6b), [2, 2], ['one extension line']],
    ['ledger.example.com/x', Buffer.alloc(32, 0x7c), [5], ['ext a', 'ext b \u2014 b', 'ext c']],
  ];
  const produced = configs.map(([name, seed, batches, ext]) => produce(name, seed, batches, ext));

  it('every receipt, in each of three spellings, verifies with the library', () => {
    const failures: string[] = [];
    let n = 0;
    for (const p of produced) {
      for (const d of p.docs) {
        for (const [spelling, write] of Object.entries(NODE_SPELLINGS)) {
          const v = verifyReceipt(
            write(d.receipt),
            new Uint8Array(crypto.createHash('sha256').update(d.content).digest()),
            [parseVerifierKey(p.key)],
          );
          n++;
          if (!v.ok) failures.push(`${spelling}: ${v.step}: ${v.reason}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(n).toBe((8 + 4 + 5) * 3);
  });

  it('and with the real CLI and verify_receipt.py (one document per spelling and configuration)', () => {
    const dir = tempDir();
    for (const [c, p] of produced.entries()) {
      for (const [spelling, write] of Object.entries(NODE_SPELLINGS)) {
        const d = p.docs[p.docs.length - 1];
        const doc = path.join(dir, `${c}-${spelling}.txt`);
        fs.writeFileSync(doc, d.content);
        fs.writeFileSync(`${doc}.notar.json`, write(d.receipt));
        const res = notar(['verify', doc, '--key', p.key]);
        expect(res.code, `${spelling}: ${res.stdout}${res.stderr}`).toBe(0);
        const py = python([VERIFIER, doc, `${doc}.notar.json`, '--key', p.key]);
        expect(py.stdout + py.stderr).toMatch(/^OK: /);
      }
    }
  });
});
