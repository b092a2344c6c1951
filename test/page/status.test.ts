/**
 * The revocation status on the citizens' page (issue 13 §2): baked in with
 * `verifier-page --status`, or a status file the visitor adds; revocation is
 * shown in plain words. Real binary, real Chromium, no network.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../cli/expect-cli.js';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { launchChromium, openVerifierPage, verdictOf } from './chromium.js';

let office: TestStore;
let ctx: BrowserContext;
let profile: string;
const problems: string[] = [];
const file = (name: string) => path.join(office.dir, name);

function page(name: string, args: string[]): string {
  const r = office.run(['verifier-page', '--out', file(name), '--key', office.vkey, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return pathToFileURL(file(name)).href;
}

beforeAll(async () => {
  office = makeStore('notary.example.gov/land-registry');
  writeDocs(office.dir, { 'deed.txt': 'deed\n', 'will.txt': 'will\n' });
  expect(office.run(['stamp', 'deed.txt', 'will.txt']).code).toBe(0);
  expect(office.run(['revoke', 'deed.txt', '--reason', 'issued by mistake']).code).toBe(0);
  expect(office.run(['status', '--out', file('status.txt')]).code).toBe(0);
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

function check(p: Page, files: string[]): Promise<{ kind: string; text: string }> {
  return verdictOf(p, files);
}

describe('verifier page with a revocation status', () => {
  it('a baked-in status: revoked in plain words; not revoked says as of when', async () => {
    const url = page('baked.html', ['--status', file('status.txt')]);
    const p = await open(url);
    expect(await p.locator('#slot-status').textContent()).toBe('built into this page');
    const revoked = await check(p, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(revoked.kind).toBe('failed');
    expect(revoked.text).toContain('Revoked');
    expect(revoked.text).toContain('Reason given: issued by mistake');
    await p.click('#reset');
    const ok = await check(p, [file('will.txt'), file('will.txt.notar.json')]);
    expect(ok.kind).toBe('authentic');
    expect(ok.text).toContain('Not revoked as of');
    expect(problems).toEqual([]);
  }, 60_000);

  it('a status file dropped by the visitor is used; a tampered one is not', async () => {
    const p = await open(page('plain.html', []));
    expect(await p.locator('#slot-status').textContent()).toBe('none (optional)');
    const before = await check(p, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(before.kind).toBe('authentic');
    await p.click('#reset');
    const dropped = await check(p, [file('status.txt'), file('deed.txt'), file('deed.txt.notar.json')]);
    expect(dropped.kind).toBe('failed');
    expect(dropped.text).toContain('Reason given: issued by mistake');
    const tampered = fs.readFileSync(file('status.txt'), 'utf8').replace('issued by mistake', 'issued by mistakes');
    fs.writeFileSync(file('tampered-status.txt'), tampered);
    const p2 = await open(page('plain2.html', []));
    const t = await check(p2, [file('tampered-status.txt'), file('deed.txt'), file('deed.txt.notar.json')]);
    expect(t.kind).toBe('authentic');
    expect(t.text).toContain('The revocation status could not be used');
    expect(problems).toEqual([]);
  }, 60_000);

  it('an old page (old key only) with the rotation proof accepts a new-key receipt; without it, says so', async () => {
    const oldKey = office.vkey;
    const url = page('old-key.html', []);
    writeDocs(office.dir, { 'after.txt': 'after the rotation\n' });
    const rotated = office.run(['key', 'rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = rotated.stdout.trim();
    expect(office.run(['stamp', 'after.txt']).code).toBe(0);
    const proof = path.join(office.storeDir, 'rotations', fs.readdirSync(path.join(office.storeDir, 'rotations'))[0]);
    fs.copyFileSync(proof, file('rotation-proof.json'));
    expect(oldKey).not.toBe(newKey);
    const p = await open(url);
    const bare = await check(p, [file('after.txt'), file('after.txt.notar.json')]);
    expect(bare.kind).toBe('failed');
    expect(bare.text).toContain('unless the office has changed its key: then add its key rotation proof');
    await p.click('#reset');
    const withProof = await check(p, [file('rotation-proof.json'), file('after.txt'), file('after.txt.notar.json')]);
    expect(withProof.kind).toBe('authentic');
    expect(withProof.text).toContain(`signed by the successor key ${newKey.split('+')[1]} announced in block 2`);
    expect(await p.locator('#slot-proofs').textContent()).toBe('rotation-proof.json');
    expect(problems).toEqual([]);
  }, 60_000);

  it('verifier-page refuses to bake a status its keys do not verify', () => {
    const other = makeStore('notary.example.gov/land-registry');
    expectError(
      office.run(['verifier-page', '--out', file('bad.html'), '--key', other.vkey, '--status', file('status.txt')]),
      1,
      'is not signed by a key you trust',
    );
    expect(fs.existsSync(file('bad.html'))).toBe(false);
  });
});
