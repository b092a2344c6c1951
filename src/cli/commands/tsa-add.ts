/**
 * `notar tsa add URL --cert FILE [--name NAME] [--timeout SECONDS]`: pins a
 * time-stamping authority (its certificate, or the CA that issues its
 * certificates) in the store. URL "offline" means replies come as files
 * (`notar timestamp --request` / `--reply`).
 */
import { NotarError } from '../../core/errors.js';
import type { TsaCertificate } from '../../core/timestamp.js';
import { DEFAULT_TSA_TIMEOUT_MS, readAuthorities, TSA_NAME, writeAuthorities } from '../../store/tsa-store.js';
import { readCertFile, toPem } from '../time/cert-file.js';
import { openStoreFromOpts, type Opts } from '../common.js';

function nameFor(url: string, given: unknown): string {
  const name =
    typeof given === 'string'
      ? given
      : url === 'offline'
        ? 'offline'
        : new URL(url).hostname.replace(/[^A-Za-z0-9._-]/g, '-');
  if (!TSA_NAME.test(name))
    throw new NotarError(
      'USAGE',
      `TSA name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (at most 64)`,
      { hint: 'choose one with --name NAME' },
    );
  return name;
}

function checkUrl(url: string): void {
  if (url === 'offline') return;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new NotarError('USAGE', `${url} is not a URL`, {
      hint: 'e.g. notar tsa add https://freetsa.org/tsr --cert tsa.crt, or URL "offline"',
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new NotarError('USAGE', `TSA URL must be http:// or https:// (RFC 3161 §3.4), or "offline"`);
}

function timeoutMs(v: unknown): number {
  if (v === undefined) return DEFAULT_TSA_TIMEOUT_MS;
  const s = Number(v);
  if (!Number.isFinite(s) || s <= 0 || s > 600)
    throw new NotarError('USAGE', '--timeout must be a number of seconds between 0 and 600');
  return Math.ceil(s * 1000);
}

/**
 * A pinned certificate is either a CA (that issues TSA certificates) or the
 * TSA's own certificate; the latter must carry the critical timeStamping EKU
 * (RFC 3161 §2.3), or no token it signs could ever be accepted.
 */
async function refuseUnusable(certs: TsaCertificate[], file: string): Promise<void> {
  const { checkTimestampingEku, isCa } = await import('../../core/tsa-cert.js');
  for (const c of certs) {
    if (isCa(c)) continue;
    try {
      checkTimestampingEku(c);
    } catch (e) {
      throw new NotarError('FORMAT', `${file}: ${(e as Error).message}; it can be neither a TSA certificate nor a CA`, {
        hint: 'pin the TSA certificate (with extendedKeyUsage critical, timeStamping) or the CA certificate that issues it',
      });
    }
  }
}

export async function run(args: string[], opts: Opts): Promise<number> {
  const url = args[0];
  checkUrl(url);
  const name = nameFor(url, opts.name);
  const certs = await readCertFile(opts.cert as string);
  await refuseUnusable(certs, opts.cert as string);
  // Kept as PEM whatever came in: one readable form in the store.
  const asPem = toPem(certs);
  const store = openStoreFromOpts(opts);
  const list = readAuthorities(store);
  if (list.some((a) => a.name === name))
    throw new NotarError('EXISTS', `this store already has a TSA named ${name}`, {
      hint: 'remove it first with `notar tsa remove NAME`, or choose another --name',
    });
  writeAuthorities(store, [...list, { name, url, timeoutMs: timeoutMs(opts.timeout), certs: asPem }]);
  process.stdout.write(`added TSA ${name} (${url}), pinned ${certs.map((c) => c.subject).join('; ')}\n`);
  return 0;
}
