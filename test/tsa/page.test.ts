/**
 * Trusted time on the citizens' page, in Debian's Chromium (as
 * test/page/page.test.ts): a page made with `verifier-page --tsa-cert`
 * confirms a receipt's RFC 3161 timestamp in plain words, refuses an altered
 * token and a token by a TSA it does not trust, and a page without TSA
 * certificates reports the token as not checked. No network request at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { launchChromium } from '../page/chromium.js';
import { makeTestPki, type TestPki } from './openssl-tsa.js';

const OFFICE = 'notary.example.gov/land-registry';
let office: TestStore;
let pki: TestPki;
let ctx: BrowserContext;
let profile: string;
const pages: Record<string, string> = {};
const problems: string[] = [];
const file = (name: string) => path.join(office.dir, name);

function writePage(name: string, args: string[]): void {
  const out = file(name);
  const r = office.run(['verifier-page', '--out', out, '--key', office.vkey, ...args]);
  expect(r.code, r.stderr).toBe(0);
  pages[name] = pathToFileURL(out).href;
}

/** A store whose checkpoint got its token offline: --request, openssl ts -reply, --reply; then refresh. */
function setUp(): void {
  pki = makeTestPki();
  office = makeStore(OFFICE);
  writeDocs(office.dir, { 'deed.txt': 'Deed of sale: parcel 42.\n' });
  expect(office.run(['tsa', 'add', 'offline', '--cert', pki.caCert, '--name', 'test-tsa']).code).toBe(0);
  expect(office.run(['stamp', 'deed.txt']).code).toBe(0);
  const q = office.run(['timestamp', '--request']);
  expect(q.code, q.stderr).toBe(0);
  const query = execQuery();
  fs.writeFileSync(file('cp.tsr'), pki.reply(query));
  const a = office.run(['timestamp', '--reply', 'cp.tsr']);
  expect(a.code, a.stderr).toBe(0);
  expect(office.run(['refresh', 'deed.txt.notar.json']).code).toBe(0);
  const r = JSON.parse(fs.readFileSync(file('deed.txt.notar.json'), 'utf8'));
  expect(r.timestamps).toHaveLength(1);
  const der = Buffer.from(r.timestamps[0], 'base64');
  der[Math.floor(der.length / 3)] ^= 0x04;
  writeDocs(path.join(office.dir, 'altered'), {
    'deed.txt': fs.readFileSync(file('deed.txt')),
    'deed.txt.notar.json': JSON.stringify({ ...r, timestamps: [der.toString('base64')] }, null, 2) + '\n',
  });
  writePage('with-tsa.html', ['--tsa-cert', pki.caCert]);
  writePage('other-tsa.html', ['--tsa-cert', pki.otherCaCert]);
  writePage('no-tsa.html', []);
}

/** The query `notar timestamp --request` wrote (stdout of a spawnSync run is text; take the store's copy). */
function execQuery(): Buffer {
  const dir = path.join(office.storeDir, 'tsa', 'pending');
  return fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]));
}

beforeAll(async () => {
  setUp();
  profile = tempDir('notar-chromium-');
  ctx = await launchChromium(profile);
  await ctx.route('**/*', (route) => {
    if (Object.values(pages).includes(route.request().url())) return route.continue();
    problems.push(`request: ${route.request().url()}`);
    return route.abort();
  });
});

afterAll(async () => {
  await ctx?.close();
  for (const dir of [office?.dir, profile]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(pages[name]);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

async function check(name: string, files: string[]): Promise<{ kind: string; text: string; details: string }> {
  const page = await open(name);
  await page.setInputFiles('#files', files);
  const box = page.locator('#verdict[data-verdict="authentic"], #verdict[data-verdict="failed"]');
  await box.waitFor();
  const shown = {
    kind: (await box.getAttribute('data-verdict')) ?? '',
    text: (await box.textContent()) ?? '',
    details: (await page.locator('#detail-list').textContent()) ?? '',
  };
  await page.close();
  return shown;
}

describe('verifier page with trusted time', () => {
  it('says "Time confirmed by <TSA>" for a timestamped receipt', async () => {
    const shown = await check('with-tsa.html', [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('authentic');
    expect(shown.text).toMatch(
      /Time confirmed by Test TSA: the document existed on \d+ \w+ \d{4} at \d\d:\d\d:\d\d UTC\./,
    );
    expect(shown.details).toContain('CN=Test TSA, O=notar tests at ');
    expect(shown.details).toContain('trusted through CN=Test Root CA, O=notar tests');
    expect(problems).toEqual([]);
  });

  it('does not confirm the time when the TSA is not one the page trusts', async () => {
    const shown = await check('other-tsa.html', [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('Not verified: time not confirmed');
    expect(shown.text).not.toContain('Time confirmed by');
    expect(shown.details).toContain('not a pinned TSA');
    expect(problems).toEqual([]);
  });

  it('refuses an altered token', async () => {
    const shown = await check('with-tsa.html', [
      path.join(office.dir, 'altered', 'deed.txt'),
      path.join(office.dir, 'altered', 'deed.txt.notar.json'),
    ]);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('time not confirmed');
    expect(shown.details).toContain('Technical reasontime: ');
    expect(problems).toEqual([]);
  });

  it('without TSA certificates: Authentic, the token reported as not checked', async () => {
    const shown = await check('no-tsa.html', [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('authentic');
    expect(shown.text).not.toContain('Time confirmed');
    expect(shown.details).toContain('this page trusts no time-stamping authority, so it was not checked');
    expect(problems).toEqual([]);
  });
});
