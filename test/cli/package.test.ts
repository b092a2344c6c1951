// The published package (issue 16): `npm pack`, then `npm install -g` of the
// tarball into a private prefix, gives a working `notar` on PATH on the Node
// running this suite (.ci/run runs it on every supported line), and the
// tarball holds only what notar needs at run time.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki } from '../tsa/openssl-tsa.js';
import { tempDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '../..');
/** What the tarball may hold: the launcher, the CLI bundle, the library, the page template, docs. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^bin\/(notar\.js|package\.json)$/,
  /^dist\/(notar|compile-cache|hash-worker)\.cjs$/,
  /^dist\/core\/[^/]+\.(js|d\.ts)$/,
  /^dist\/page\/verifier\.html$/,
  /^docs\/[^/]+\.md$/,
];
const NEEDED = [
  'bin/notar.js',
  'dist/notar.cjs',
  'dist/compile-cache.cjs',
  'dist/hash-worker.cjs',
  'dist/core/index.js',
  'dist/page/verifier.html',
  'docs/FORMAT.md',
];

let work: string;
let prefix: string;
let files: { path: string; size: number }[];
let tarball: string;

/**
 * npm and node from the Node under test (its directory first on PATH). The rest
 * of the environment is kept: npm may need its registry settings and CA
 * certificates (npm_config_*, NODE_EXTRA_CA_CERTS) to resolve the dependencies.
 */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const bin = [path.join(prefix, 'bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NOTAR_')));
  return { ...inherited, PATH: bin, LANG: 'C.UTF-8', npm_config_update_notifier: 'false', ...extra };
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? work,
    env: opts.env ?? env(),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw new Error(`${r.error.message}\n${r.stdout}\n${r.stderr}`);
  return r;
}

beforeAll(() => {
  work = tempDir('notar-pack-');
  prefix = path.join(work, 'prefix');
  // dist/ is the one the suite's global setup just built; the prepare script
  // (a rebuild) would swap it under the other tests' feet.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string; size: number }[] }];
  files = info.files;
  tarball = path.join(work, info.filename);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs only what notar needs at run time', () => {
    const stray = files.map((f) => f.path).filter((p) => !ALLOWED.some((re) => re.test(p)));
    expect(stray, 'files the package does not need').toEqual([]);
    for (const p of NEEDED) expect(files.map((f) => f.path)).toContain(p);
  });

  it('declares the supported Node lines and only the library dependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toMatch(/22/);
    expect(pkg.engines.node).toMatch(/24/);
    // The CLI bundle is self-contained but for the RFC 3161 ASN.1 libraries, which it requires
    // only when a timestamp command runs (docs/timestamps.md); the library (dist/core) imports all.
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@noble/ed25519',
      '@noble/hashes',
      '@peculiar/asn1-cms',
      '@peculiar/asn1-schema',
      '@peculiar/asn1-tsp',
      '@peculiar/asn1-x509',
      'asn1js',
    ]);
  });
});

describe('npm install -g of the tarball (private prefix)', () => {
  beforeAll(() => {
    const r = run('npm', [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=http',
      tarball,
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  it('puts a notar on PATH that runs on this Node', () => {
    const which = run('sh', ['-c', 'command -v notar']);
    expect(which.stdout.trim()).toBe(path.join(prefix, 'bin', 'notar'));
    const v = run('notar', ['--version']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('inits, stamps, verifies and rejects an altered copy', () => {
    const dir = path.join(work, 'office');
    fs.mkdirSync(dir);
    const e = env({ NOTAR_STORE: path.join(dir, 'store') });
    const init = run('notar', ['init', '--name', 'notary.example.gov/packaged', '--no-passphrase'], {
      cwd: dir,
      env: e,
    });
    expect(init.status, init.stderr).toBe(0);
    fs.writeFileSync(path.join(dir, 'office.vkey'), init.stdout);
    fs.writeFileSync(path.join(dir, 'deed.txt'), 'Deed of sale\n');
    expect(run('notar', ['stamp', 'deed.txt'], { cwd: dir, env: e }).status).toBe(0);
    const ok = run('notar', ['verify', 'deed.txt', '--key-file', 'office.vkey'], { cwd: dir, env: e });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('notary.example.gov/packaged');
    fs.writeFileSync(path.join(dir, 'deed.txt'), 'Deed of sale (altered)\n');
    expect(run('notar', ['verify', 'deed.txt', '--key-file', 'office.vkey'], { cwd: dir, env: e }).status).toBe(1);
    const page = run('notar', ['verifier-page', '--out', 'verify.html', '--key-file', 'office.vkey'], {
      cwd: dir,
      env: e,
    });
    expect(page.status, page.stderr).toBe(0);
  });

  it('timestamp commands find the ASN.1 libraries the bundle leaves out (installed dependencies)', () => {
    const dir = path.join(work, 'tsa-office');
    fs.mkdirSync(dir);
    const e = env({ NOTAR_STORE: path.join(dir, 'store') });
    expect(
      run('notar', ['init', '--name', 'notary.example.gov/packaged-tsa', '--no-passphrase'], { cwd: dir, env: e })
        .status,
    ).toBe(0);
    const add = run('notar', ['tsa', 'add', 'offline', '--cert', makeTestPki().caCert], { cwd: dir, env: e });
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toContain('CN=Test Root CA');
  });

  it('the library entry imports and verifies with the installed dependencies', () => {
    const pkgDir = path.join(prefix, 'lib', 'node_modules', 'notar');
    const script = "import * as n from 'notar'; console.log(typeof n.verifyReceipt, typeof n.parseVerifierKey);";
    const r = run(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function function');
  });
});
