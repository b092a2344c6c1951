/**
 * The figures of issue 5: each runs notar and its reference on the same
 * files in the same run and returns table rows. Ratios are notar ÷ reference
 * wall time (medians of interleaved runs after a warm-up).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestLines, largeFiles, removeAll, smallFiles, sparseFile } from './data.mjs';
import { fmtMiB, fmtMs, have, must, series } from './lib.mjs';
import { atomicFiles, minisign, openSslTs } from './references.mjs';

const RECEIPT = '.notar.json';

/** Rows: figure | notar | reference | ratio | target | result. */
function ratioRow(figure, n, r, refName, max) {
  const row = {
    figure,
    notar: fmtMs(n.ms),
    reference: r ? `${fmtMs(r.ms)} ${refName}` : `n/a (${refName} not installed)`,
    target: max ? `≤ ${max}x` : 'report',
    data: { notar: n, reference: r },
  };
  if (n.error) return { ...row, notar: 'error', ratio: '—', result: `ERROR: ${n.error}` };
  if (!r) return { ...row, ratio: 'n/a', result: 'n/a' };
  if (r.error) return { ...row, reference: `error ${refName}`, ratio: '—', result: `ERROR (reference): ${r.error}` };
  const ratio = n.ms / r.ms;
  return { ...row, ratio: `${ratio.toFixed(2)}x`, result: max ? (ratio <= max ? 'pass' : 'FAIL') : '—' };
}

function absRow(figure, value, target, pass, data) {
  return {
    figure,
    notar: value,
    reference: '—',
    ratio: '—',
    target,
    result: pass === undefined ? '—' : pass ? 'pass' : 'FAIL',
    data,
  };
}

function errorRow(figure, n, target) {
  return { figure, notar: 'error', reference: '—', ratio: '—', target, result: `ERROR: ${n.error}`, data: n };
}

export function makeFigures(ctx) {
  const { root, quick } = ctx;
  const opts = { warmup: ctx.warmup, runs: ctx.runs, tmp: ctx.tmp };
  const notar = (...args) => [...ctx.notar, ...args];
  // Stamp figures repeat a stamp of the same documents into one store: `--again`, or every run
  // after the warm-up would only hash them and skip them as already stamped (lifecycle/stamp-again.ts).
  const xargs = (...cmd) => ['xargs', '-0', '-s', String(ctx.xargsSize), ...cmd];
  const spec = (argv, more = {}) => ({ argv, cwd: root, env: ctx.env(more.store), ...more });
  const memo = (fn) => {
    let v;
    return () => (v ??= fn());
  };
  const small = memo(() => smallFiles(root, 's', ctx.sizes.small, 1024));
  const large = memo(() => largeFiles(root, 'l', ctx.sizes.large.count, ctx.sizes.large.mib));
  const digests = memo(() => digestLines(path.join(root, 'digests.txt'), ctx.sizes.seal));
  const newStore = (name) => {
    const dir = path.join(root, 'stores', name);
    const vkey = must(notar('init', '--name', `bench.notar.example/${name}`, '--no-passphrase'), {
      env: ctx.env(dir),
    }).trim();
    fs.writeFileSync(dir + '.vkey', vkey + '\n');
    return dir;
  };
  const openssl = have('openssl');
  const label = (n) => `${n.toLocaleString('en-US')}`;

  function hashSmall() {
    const s = small();
    const [n, o, h] = series(
      [
        spec(xargs(...notar('hash')), { stdin: s.list0 }),
        openssl ? spec(xargs('openssl', 'dgst', '-sha256'), { stdin: s.list0 }) : undefined,
        have('sha256sum') ? spec(xargs('sha256sum'), { stdin: s.list0 }) : undefined,
      ].filter(Boolean),
      opts,
    );
    const fig = `hash ${label(ctx.sizes.small)} × 1 KiB (xargs)`;
    return [
      ratioRow(fig, n, openssl ? o : undefined, 'openssl dgst', 1.1),
      ratioRow(fig, n, openssl ? h : o, 'sha256sum', undefined),
    ];
  }

  function hashLarge() {
    const l = large();
    const [n, o, h] = series(
      [
        spec(notar('hash', ...l.names)),
        openssl ? spec(['openssl', 'dgst', '-sha256', ...l.names]) : undefined,
        have('sha256sum') ? spec(['sha256sum', ...l.names]) : undefined,
      ].filter(Boolean),
      { ...opts, runs: quick ? opts.runs : 3 },
    );
    const fig = `hash ${ctx.sizes.large.count} × ${ctx.sizes.large.mib} MiB`;
    return [
      ratioRow(fig, n, openssl ? o : undefined, 'openssl dgst', 1.1),
      ratioRow(fig, n, openssl ? h : o, 'sha256sum', undefined),
    ];
  }

  function stampSmall() {
    const s = small();
    const store = newStore('stamp-small');
    // Receipts go to a fresh --out directory per run, removed only after the
    // series: deleting 100,000 receipts between runs makes the next run's file
    // creations wait on the file system's journal (ext4 here: 3 s became 20 s).
    const withFiles = freshOut('receipts', (dir) => ({
      argv: notar('stamp', '--again', '--files-from', s.list0, '-0', '--out', dir),
      env: ctx.env(store),
    }));
    const floor = atomicFiles(path.join(root, 'atomic-files'));
    const [files, json, o, f] = series(
      [
        withFiles,
        spec(notar('stamp', '--again', '--files-from', s.list0, '-0', '--json'), { store }),
        openssl ? spec(xargs('openssl', 'dgst', '-sha256'), { stdin: s.list0 }) : undefined,
        floor ? freshOut('floor', (dir) => ({ argv: floor.argv(s.list0, dir) })) : undefined,
      ].filter(Boolean),
      opts,
    );
    const fig = `stamp ${label(ctx.sizes.small)} × 1 KiB`;
    return [
      ratioRow(`${fig}, receipt files (--out)`, files, openssl ? o : undefined, 'openssl dgst', 2),
      // How far the receipt files are from the file system's floor: as many files, created atomically, by C.
      ratioRow(
        `${fig}, receipt files (--out) vs file creation alone`,
        files,
        floor ? (openssl ? f : o) : undefined,
        'C temp+rename',
        undefined,
      ),
      ratioRow(`${fig}, --json > /dev/null`, json, openssl ? o : undefined, 'openssl dgst', 1.3),
    ];
  }

  function stampLarge() {
    const l = large();
    const store = newStore('stamp-large');
    const clean = () => removeAll(root, l.names, RECEIPT);
    const [n, o] = series(
      [
        spec(notar('stamp', '--again', ...l.names), { store, before: clean }),
        openssl ? spec(['openssl', 'dgst', '-sha256', ...l.names]) : undefined,
      ].filter(Boolean),
      { ...opts, runs: quick ? opts.runs : 3 },
    );
    clean();
    return [
      ratioRow(
        `stamp ${ctx.sizes.large.count} × ${ctx.sizes.large.mib} MiB, receipt files`,
        n,
        openssl ? o : undefined,
        'openssl dgst',
        1.15,
      ),
    ];
  }

  function seal() {
    const d = digests();
    const store = newStore('seal');
    const count = label(ctx.sizes.seal);
    const [n] = series(
      [spec(notar('stamp', '--again', '--digests', '--no-receipts'), { store, stdin: d.file, rss: true })],
      opts,
    );
    const [j] = series([spec(notar('stamp', '--again', '--digests', '--json'), { store, stdin: d.file, rss: true })], {
      ...opts,
      warmup: 0,
      runs: quick ? 1 : 2,
    });
    const full = !quick;
    const rows = [];
    if (n.error) rows.push(errorRow(`seal ${count} digests --no-receipts`, n, '≤ 3 s'));
    else {
      rows.push(
        absRow(
          `seal ${count} digests (--digests --no-receipts): time`,
          fmtMs(n.ms),
          full ? '≤ 3 s' : '≤ 3 s at 1M (full run)',
          full ? n.ms <= 3000 : undefined,
          n,
        ),
      );
      rows.push(
        absRow(
          `seal ${count} digests (--digests --no-receipts): peak RSS`,
          fmtMiB(n.rssKiB),
          '≤ 300 MiB',
          n.rssKiB === undefined ? undefined : n.rssKiB <= 300 * 1024,
          n,
        ),
      );
    }
    if (j.error) rows.push(errorRow(`seal ${count} digests, NDJSON receipts > /dev/null`, j, 'report'));
    else
      rows.push(
        absRow(
          `seal ${count} digests, NDJSON receipts > /dev/null`,
          `${fmtMs(j.ms)}, ${fmtMiB(j.rssKiB)}`,
          'report',
          undefined,
          j,
        ),
      );
    return rows;
  }

  /**
   * Start-up figures, in two environments: the clean one every figure uses
   * (PATH, HOME, LANG) and the one the bench was started in (NOTAR_* removed).
   * They differ when e.g. NODE_EXTRA_CA_CERTS is set: Node then reads a CA
   * bundle at every start (~35 ms here), for notar and `node -e ''` alike.
   */
  function startupRows(figure, argv, store, target) {
    const rows = [];
    for (const [label, env] of ctx.envs(store)) {
      const [n, e] = series(
        [
          { argv, cwd: root, env },
          { argv: [ctx.node, '-e', ''], cwd: root, env },
        ],
        { ...opts, warmup: 3, runs: ctx.startupRuns },
      );
      rows.push(ratioRow(`${figure} (${label})`, n, e, "node -e ''", target));
    }
    return rows;
  }

  function startup() {
    return startupRows('start-up: notar --version', notar('--version'), undefined, undefined);
  }

  function verify() {
    const store = newStore('verify');
    fs.mkdirSync(path.join(root, 'v'), { recursive: true });
    fs.writeFileSync(path.join(root, 'v', 'deed.txt'), 'a deed to verify\n');
    must(notar('stamp', 'v/deed.txt'), { cwd: root, env: ctx.env(store) });
    return startupRows('verify one receipt', notar('verify', 'v/deed.txt', '--key-file', store + '.vkey'), store, 1.5);
  }

  function prove() {
    const d = digests();
    const { batches, batchSize } = ctx.sizes.prove;
    const store = newStore('prove');
    const lines = fs.readFileSync(d.file);
    for (let b = 0; b < batches; b++) {
      // Digests are fixed-width lines (64 hex + \n): batch b is a byte range.
      must(notar('stamp', '--digests', '--no-receipts'), {
        env: ctx.env(store),
        input: lines.subarray(b * batchSize * 65, (b + 1) * batchSize * 65),
      });
    }
    const target = d.sample[Math.min(d.sample.length - 1, Math.floor(batches / 2))];
    return startupRows(
      `prove in a store of ${label(batches * batchSize)} documents / ${batches} batches`,
      notar('prove', '--sha256', target),
      store,
      2,
    );
  }

  function chainVerify() {
    const store = path.join(root, 'stores', 'chain');
    const blocks = ctx.sizes.chainBlocks;
    must([ctx.node, path.join(ctx.benchDir, 'make-chain.mjs'), store, String(blocks), '1', '--dist', ctx.dist]);
    const [n] = series([spec(notar('chain', 'verify'), { store })], { ...opts, runs: quick ? 1 : 3 });
    const fig = `chain verify, ${label(blocks)} blocks`;
    if (n.error) return [errorRow(fig, n, '≤ 5 s')];
    return [
      absRow(fig, fmtMs(n.ms), quick ? '≤ 5 s at 10,000 (full run)' : '≤ 5 s', quick ? undefined : n.ms <= 5000, n),
    ];
  }

  function hugeFile() {
    sparseFile(path.join(root, 'huge.bin'), ctx.sizes.hugeBytes);
    const gib = `${(ctx.sizes.hugeBytes / 2 ** 30).toFixed(ctx.sizes.hugeBytes < 2 ** 30 ? 2 : 0)} GiB`;
    // One warm-up each: the first read of a hole allocates zeroed page-cache
    // pages, and whichever tool read first would pay for both.
    const [n, o] = series(
      [
        spec(notar('hash', 'huge.bin'), { rss: true }),
        openssl ? spec(['openssl', 'dgst', '-sha256', 'huge.bin']) : undefined,
      ].filter(Boolean),
      { ...opts, warmup: 1, runs: quick ? 1 : 3 },
    );
    if (n.error) return [errorRow(`hash a ${gib} file`, n, '≤ 100 MiB')];
    return [
      absRow(
        `hash a ${gib} file (sparse): peak RSS`,
        fmtMiB(n.rssKiB),
        '≤ 100 MiB',
        n.rssKiB === undefined ? undefined : n.rssKiB <= 100 * 1024,
        n,
      ),
      ratioRow(`hash a ${gib} file (sparse): time`, n, openssl ? o : undefined, 'openssl dgst', undefined),
    ];
  }

  /**
   * A spec whose output goes to a fresh directory per run (see stampSmall).
   * Nothing is deleted until the whole bench ends: removing gigabytes midway
   * (ext4 mounted with `discard` here) slowed the file creations of the next
   * figures for a minute, 1,000 receipts from 0.2 s to 0.6 s.
   */
  function freshOut(name, make) {
    const base = path.join(root, 'out-' + name);
    let run = 0;
    const spec = { cwd: root, env: ctx.env() };
    spec.before = () => {
      const dir = path.join(base, String(run++));
      fs.mkdirSync(dir, { recursive: true });
      Object.assign(spec, make(dir));
      spec.last = dir;
    };
    return spec;
  }

  function versusSigners() {
    const docs = smallFiles(root, 'd', ctx.sizes.docs, 4096);
    const store = newStore('docs');
    const tsa = openSslTs(path.join(root, 'tsa'));
    const refs = [
      ['openssl ts (RFC 3161, query + reply per doc)', tsa],
      ['minisign -S per doc', minisign(path.join(root, 'minisign'))],
    ];
    const mine = freshOut('notar', (dir) => ({
      argv: notar('stamp', '--again', '--files-from', docs.list, '--out', dir),
      env: ctx.env(store),
    }));
    const [n] = series([mine], opts);
    const rows = [];
    for (const [name, ref] of refs) {
      const fig = `stamp ${label(ctx.sizes.docs)} docs vs ${name}`;
      if (!ref) {
        rows.push(ratioRow(fig, n, undefined, name.split(' ')[0]));
        continue;
      }
      const theirs = freshOut(name.split(' ')[0], (dir) => ({ sh: ref.script(docs.list, dir) }));
      const [r] = series([theirs], { ...opts, warmup: 0, runs: quick ? 1 : 3 });
      if (!r.error) {
        try {
          ref.check(path.join(root, docs.names[0]), theirs.last);
        } catch (e) {
          r.error = `its output does not verify: ${e.message}`;
        }
      }
      const row = ratioRow(fig, n, r, '', undefined);
      if (!n.error && !r.error)
        Object.assign(row, {
          ratio: `${(n.ms / r.ms).toFixed(4)}x (${(r.ms / n.ms).toFixed(0)}x faster)`,
          target: ref === tsa ? 'report (expect ≥ 100x faster)' : 'report',
        });
      rows.push(row);
    }
    return rows;
  }

  return [
    ['startup', startup],
    ['hash-small', hashSmall],
    ['stamp-small', stampSmall],
    ['hash-large', hashLarge],
    ['stamp-large', stampLarge],
    ['seal', seal],
    ['verify', verify],
    ['prove', prove],
    ['chain', chainVerify],
    ['huge', hugeFile],
    ['signers', versusSigners],
  ];
}
