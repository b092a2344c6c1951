// `notar consistency`: append-only evidence between an old checkpoint and the latest (FORMAT.md §9).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromHex } from '../../src/core/bytes.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/core/checkpoint.js';
import { verifyConsistency } from '../../src/core/merkle.js';
import { parseSignerKey, signNote } from '../../src/core/note.js';
import { expectError, expectOk, keyIdOf, readJson } from './expect-cli.js';
import { makeStore, writeDocs, type TestStore } from './helpers.js';

const ORIGIN = 'notary.example.gov/test';
let s: TestStore;
const file = (name: string) => path.join(s.dir, name);

function stampOne(name: string): void {
  writeDocs(s.dir, { [name]: `content of ${name}\n` });
  expectOk(s.run(['stamp', name]));
}

/** A checkpoint signed with the store's own (unencrypted, test-only) key. */
function signWithStoreKey(size: number, root: Uint8Array): string {
  const signer = parseSignerKey(readJson(path.join(s.storeDir, 'key.json')).key);
  return signNote(formatCheckpoint({ origin: ORIGIN, size, root }), signer);
}

beforeAll(() => {
  s = makeStore(ORIGIN);
  stampOne('a.txt');
  fs.writeFileSync(file('cp1.txt'), s.run(['checkpoint']).stdout);
  stampOne('b.txt');
  stampOne('c.txt');
  fs.writeFileSync(file('cp3.txt'), s.run(['checkpoint']).stdout);
  stampOne('d.txt');
  stampOne('e.txt');
});

describe('notar consistency --from (making a proof)', () => {
  it('prints a notar-consistency/1 statement from the old checkpoint to the latest', () => {
    const r = s.run(['consistency', '--from', 'cp1.txt']);
    expectOk(r);
    expect(r.stderr).toBe('');
    const st = JSON.parse(r.stdout);
    expect(Object.keys(st)).toEqual(['format', 'from', 'to', 'path']);
    expect(st.format).toBe('notar-consistency/1');
    expect(st.from).toBe(fs.readFileSync(file('cp1.txt'), 'utf8'));
    expect(st.to).toBe(s.run(['checkpoint']).stdout);
    expect(r.stdout).toBe(JSON.stringify(st, null, 2) + '\n');
    // Checked here with the RFC 9162 verifier directly, from the two checkpoint bodies.
    const body = (note: string) => parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1));
    const from = body(st.from);
    const to = body(st.to);
    expect([from.size, to.size]).toEqual([1, 5]);
    expect(() =>
      verifyConsistency(
        from.size,
        to.size,
        from.root,
        to.root,
        st.path.map((h: string) => fromHex(h)),
      ),
    ).not.toThrow();
    fs.writeFileSync(file('proof-1-5.json'), r.stdout);
  });

  it('from a middle checkpoint, and from the latest itself (empty path)', () => {
    const mid = s.run(['consistency', '--from', 'cp3.txt']);
    expectOk(mid);
    fs.writeFileSync(file('proof-3-5.json'), mid.stdout);
    fs.writeFileSync(file('cp5.txt'), s.run(['checkpoint']).stdout);
    const same = s.run(['consistency', '--from', 'cp5.txt']);
    expectOk(same);
    expect(JSON.parse(same.stdout).path).toEqual([]);
    fs.writeFileSync(file('proof-5-5.json'), same.stdout);
  });

  it('a checkpoint of another log: exit 1', () => {
    const other = makeStore('notary.example.org/other');
    writeDocs(other.dir, { 'x.txt': 'x' });
    expectOk(other.run(['stamp', 'x.txt']));
    fs.writeFileSync(file('foreign.txt'), other.run(['checkpoint']).stdout);
    expectError(
      s.run(['consistency', '--from', 'foreign.txt']),
      1,
      'it is a checkpoint of notary.example.org/other, not of this log',
    );
  });

  it('a checkpoint with our name signed by another key: exit 1', () => {
    const twin = makeStore(ORIGIN);
    writeDocs(twin.dir, { 'x.txt': 'x' });
    expectOk(twin.run(['stamp', 'x.txt']));
    fs.writeFileSync(file('twin.txt'), twin.run(['checkpoint']).stdout);
    expectError(s.run(['consistency', '--from', 'twin.txt']), 1, "it is not signed by this store's key");
  });

  it('a checkpoint our key signed over another history (a rewritten log): exit 1', () => {
    const cp1 = fs.readFileSync(file('cp1.txt'), 'utf8');
    const root = fromBase64(cp1.split('\n')[2]);
    root[0] ^= 1;
    fs.writeFileSync(file('forked.txt'), signWithStoreKey(1, root));
    expectError(
      s.run(['consistency', '--from', 'forked.txt']),
      1,
      "its root is not this log's history root at size 1: the log was rewritten",
    );
  });

  it('a checkpoint larger than the log: exit 1', () => {
    fs.writeFileSync(file('future.txt'), signWithStoreKey(9, new Uint8Array(32)));
    expectError(
      s.run(['consistency', '--from', 'future.txt']),
      1,
      'it is for history size 9, but this log has 5 blocks',
    );
  });

  it('a forged signature: exit 1', () => {
    const cp1 = fs.readFileSync(file('cp1.txt'), 'utf8');
    const sig = / (\S+)\n$/.exec(cp1)![1];
    const forged = cp1.replace(sig, sig.slice(0, 30) + (sig[30] === 'A' ? 'B' : 'A') + sig.slice(31));
    fs.writeFileSync(file('forged.txt'), forged);
    expectError(s.run(['consistency', '--from', 'forged.txt']), 1, 'signature');
  });

  it('input errors: malformed, missing, directory, no option, both options (exit 2)', () => {
    fs.writeFileSync(file('junk.txt'), 'hello\n');
    expectError(s.run(['consistency', '--from', 'junk.txt']), 2, 'junk.txt: not a signed checkpoint');
    expectError(s.run(['consistency', '--from', 'nope.txt']), 2, 'cannot read nope.txt: no such file');
    fs.mkdirSync(file('adir'), { recursive: true });
    expectError(s.run(['consistency', '--from', 'adir']), 2, 'is a directory');
    expectError(s.run(['consistency']), 2, 'give either --from');
    expectError(s.run(['consistency', '--from', 'cp1.txt', '--verify', 'proof-1-5.json']), 2, 'give either --from');
  });
});

describe('notar consistency --verify (checking a proof)', () => {
  it('a valid proof: exit 0, "consistent: <origin> grew from size m to n"', () => {
    for (const [name, m, n] of [
      ['proof-1-5.json', 1, 5],
      ['proof-3-5.json', 3, 5],
    ] as const) {
      const r = s.run(['consistency', '--verify', name, '--key', s.vkey]);
      expectOk(r);
      expect(r.stdout).toBe(`consistent: ${ORIGIN} grew from size ${m} to ${n}\n`);
    }
  });

  it('the same checkpoint twice (issue 10 item 13): "unchanged", never "grew from size 5 to 5"', () => {
    const r = s.run(['consistency', '--verify', 'proof-5-5.json', '--key', s.vkey]);
    expectOk(r);
    expect(r.stdout).toBe(`consistent: ${ORIGIN} is unchanged: both checkpoints are at size 5, with the same root\n`);
  });

  it('needs no store', () => {
    const r = s.run(['consistency', '--verify', 'proof-1-5.json', '--key', s.vkey, '--store', file('nowhere')]);
    expectOk(r);
  });

  it('without a trusted key: exit 2', () => {
    const r = s.run(['consistency', '--verify', 'proof-1-5.json']);
    // About the proof, not receipts (issue 10 item 13).
    expectError(r, 2, 'no trusted key given: a consistency proof can only be checked against a key you trust');
    expect(r.stderr).not.toContain('receipt');
  });

  it('with a key of another log: exit 1, FAILED, not trusted', () => {
    const other = makeStore('notary.example.org/third');
    const r = s.run(['consistency', '--verify', 'proof-1-5.json', '--key', other.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAILED: not signed by a key you trust: both checkpoints say they are from notary\.example\.gov\/test \(key [0-9a-f]{8}\), and you trust no key of notary\.example\.gov\/test\n$/,
    );
  });

  it('with another key of the same name (issue 10 item 11): the checkpoints only claim to be that log, and may be forged', () => {
    const impostor = makeStore(ORIGIN);
    const r = s.run(['consistency', '--verify', 'proof-1-5.json', '--key', impostor.vkey]);
    expect(r.code).toBe(1);
    const [yours, theirs] = [keyIdOf(impostor.vkey), keyIdOf(s.vkey)];
    expect(r.stdout).toBe(
      `FAILED: not signed by a key you trust: both checkpoints claim to be from ${ORIGIN}, but are not signed by the key you trust for ${ORIGIN} (key ${yours}): they are signed by another key (key ${theirs}) and may be forged\n`,
    );
  });

  it('an edited path hash: exit 1, FAILED', () => {
    const text = fs.readFileSync(file('proof-1-5.json'), 'utf8');
    const h = JSON.parse(text).path[0];
    fs.writeFileSync(file('bad-path.json'), text.replace(h, (h[0] === 'a' ? 'b' : 'a') + h.slice(1)));
    const r = s.run(['consistency', '--verify', 'bad-path.json', '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: the later checkpoint does not extend the earlier one/);
  });

  it('from and to swapped: exit 1', () => {
    const st = readJson(file('proof-1-5.json'));
    fs.writeFileSync(file('swapped.json'), JSON.stringify({ ...st, from: st.to, to: st.from }, null, 2) + '\n');
    const r = s.run(['consistency', '--verify', 'swapped.json', '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: /);
  });

  it('a proof that shows a rewritten log is rejected', () => {
    const st = readJson(file('proof-1-5.json'));
    fs.writeFileSync(
      file('fork-proof.json'),
      JSON.stringify({ ...st, from: fs.readFileSync(file('forked.txt'), 'utf8') }, null, 2) + '\n',
    );
    const r = s.run(['consistency', '--verify', 'fork-proof.json', '--key', s.vkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: the later checkpoint does not extend the earlier one/);
  });

  it('malformed or missing proof files: exit 2, one line', () => {
    fs.writeFileSync(file('not-json.json'), 'nope');
    expectError(s.run(['consistency', '--verify', 'not-json.json', '--key', s.vkey]), 2, 'not-json.json: ');
    const st = readJson(file('proof-1-5.json'));
    fs.writeFileSync(file('compact.json'), JSON.stringify(st));
    expectError(s.run(['consistency', '--verify', 'compact.json', '--key', s.vkey]), 2, 'not in canonical form');
    expectError(
      s.run(['consistency', '--verify', 'missing.json', '--key', s.vkey]),
      2,
      'cannot read missing.json: no such file',
    );
    expectError(s.run(['consistency', '--verify', 'proof-1-5.json', '--key', 'garbage']), 2, '--key');
  });
});
