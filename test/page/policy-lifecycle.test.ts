/**
 * The citizens' page with a baked tlog-policy (issue 12) also applies the
 * revocation status (baked or dropped) and key rotation proofs (issue 13):
 * the policy no longer decides alone. Real binary, real Chromium, no network.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { launchChromium, openVerifierPage, verdictOf } from './chromium.js';

let office: TestStore;
let ctx: BrowserContext;
let profile: string;
const problems: string[] = [];
const file = (name: string) => path.join(office.dir, name);

function page(name: string, args: string[]): string {
  const r = office.run(['verifier-page', '--out', file(name), '--policy', file('old.policy'), ...args]);
  expect(r.code, r.stderr).toBe(0);
  return pathToFileURL(file(name)).href;
}

const ok = (r: { code: number; stderr: string }) => expect(r.code, r.stderr).toBe(0);

beforeAll(async () => {
  office = makeStore('notary.example.gov/land-registry');
  writeDocs(office.dir, { 'deed.txt': 'deed\n', 'will.txt': 'will\n', 'after.txt': 'after\n', 'late.txt': 'late\n' });
  ok(office.run(['stamp', 'deed.txt', 'will.txt']));
  ok(office.run(['revoke', 'deed.txt', '--reason', 'issued by mistake']));
  ok(office.run(['status', '--out', file('status-old.txt')]));
  // The policy names only the key in force before the rotation.
  const p = office.run(['policy']);
  ok(p);
  fs.writeFileSync(file('old.policy'), p.stdout);
  ok(office.run(['key', 'rotate']));
  ok(office.run(['stamp', 'after.txt', 'late.txt']));
  ok(office.run(['revoke', 'late.txt', '--reason', 'forged deed']));
  ok(office.run(['status', '--out', file('status-new.txt')]));
  const dir = path.join(office.storeDir, 'rotations');
  fs.copyFileSync(path.join(dir, fs.readdirSync(dir)[0]), file('rotation-proof.json'));
  profile = tempDir('notar-chromium-');
  ctx = await launchChromium(profile);
  await ctx.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
}, 60_000);

afterAll(async () => {
  await ctx?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

function open(url: string): Promise<Page> {
  return openVerifierPage(ctx, url, problems);
}

async function check(p: Page, files: string[]): Promise<{ kind: string; text: string }> {
  await p.click('#reset');
  return verdictOf(p, files);
}

describe('verifier page with a policy, a status and rotation proofs', () => {
  it('a status baked in beside the policy: revoked fails in plain words; a kept document says as of when', async () => {
    const p = await open(page('baked.html', ['--status', file('status-old.txt')]));
    expect(await p.locator('#slot-status').textContent()).toBe('built into this page');
    const revoked = await check(p, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(revoked.kind).toBe('failed');
    expect(revoked.text).toContain('Reason given: issued by mistake');
    const kept = await check(p, [file('will.txt'), file('will.txt.notar.json')]);
    expect(kept.kind).toBe('authentic');
    expect(kept.text).toContain('Not revoked as of');
    expect(problems).toEqual([]);
  }, 60_000);

  it('a policy naming the old key: a new-key receipt fails without the proof, is accepted with it', async () => {
    const p = await open(page('policy.html', []));
    const bare = await check(p, [file('after.txt'), file('after.txt.notar.json')]);
    expect(bare.kind).toBe('failed');
    const proved = await check(p, [file('rotation-proof.json'), file('after.txt'), file('after.txt.notar.json')]);
    expect(proved.kind).toBe('authentic');
    expect(proved.text).toContain('signed by the successor key');
    expect(proved.text).toContain('announced in block 2');
    const old = await check(p, [file('rotation-proof.json'), file('will.txt'), file('will.txt.notar.json')]);
    expect(old.kind).toBe('authentic');
    expect(problems).toEqual([]);
  }, 60_000);

  it('a status dropped with the rotation proof (signed by the new key) revokes under the policy', async () => {
    const p = await open(page('policy2.html', []));
    const files = [file('rotation-proof.json'), file('status-new.txt')];
    const revoked = await check(p, [...files, file('late.txt'), file('late.txt.notar.json')]);
    expect(revoked.kind).toBe('failed');
    expect(revoked.text).toContain('Reason given: forged deed');
    const kept = await check(p, [...files, file('after.txt'), file('after.txt.notar.json')]);
    expect(kept.kind).toBe('authentic');
    expect(kept.text).toContain('Not revoked as of');
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('verifier page with a policy that bounds a retired key (#notar-key-until)', () => {
  it('a receipt beyond the bound fails; receipts within it, and by the new key, are authentic', async () => {
    const s = makeStore('notary.example.gov/registry');
    const f = (name: string) => path.join(s.dir, name);
    writeDocs(s.dir, { 'a.txt': 'A\n', 'b.txt': 'B\n', 'c.txt': 'C\n' });
    ok(s.run(['stamp', 'a.txt']));
    ok(s.run(['stamp', 'b.txt']));
    ok(s.run(['key', 'rotate']));
    ok(s.run(['stamp', 'c.txt']));
    ok(s.run(['key', 'retire', '--compromised', '--after', '1']));
    const policy = s.run(['policy']);
    ok(policy);
    expect(policy.stdout).toContain('#notar-key-until ');
    fs.writeFileSync(f('range.policy'), policy.stdout);
    ok(s.run(['verifier-page', '--out', f('range.html'), '--policy', f('range.policy')]));
    const p = await open(pathToFileURL(f('range.html')).href);
    const beyond = await check(p, [f('b.txt'), f('b.txt.notar.json')]);
    expect(beyond.kind).toBe('failed');
    expect(beyond.text).toContain('Not verified: key no longer valid');
    expect(beyond.text).toContain('Ask the office for a refreshed receipt.');
    for (const doc of ['a.txt', 'c.txt'])
      expect((await check(p, [f(doc), f(`${doc}.notar.json`)])).kind).toBe('authentic');
    expect(problems).toEqual([]);
  }, 60_000);
});
