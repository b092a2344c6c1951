/**
 * A real nginx (Debian's package `nginx`) serving a directory on a random
 * loopback port, started and stopped by the test. If nginx is missing it is
 * installed with apt-get first (the tests run as root in CI; .ci/run does the
 * same up front). Caching headers as docs/server.md recommends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const NGINX = '/usr/sbin/nginx';

export function ensureNginx(): void {
  if (fs.existsSync(NGINX)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'nginx'], { stdio: 'inherit', env });
  if (r.status !== 0 || !fs.existsSync(NGINX))
    throw new Error('nginx is not installed and apt-get install nginx failed');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

function config(prefix: string, root: string, port: number): string {
  const immutable = 'add_header Cache-Control "public, max-age=31536000, immutable" always;';
  return `daemon off;
user root;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /checkpoint { default_type "text/plain; charset=utf-8"; add_header Cache-Control "no-cache" always; }
    location /tile/ { ${immutable} gzip on; gzip_types application/octet-stream; }
    location /notar/leaves/ { ${immutable} }
  }
}
`;
}

export async function startNginx(root: string): Promise<Nginx> {
  ensureNginx();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-nginx-'));
  const port = await freePort();
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), config(prefix, path.resolve(root), port));
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(
        `nginx exited: ${stderr}${fs.existsSync(path.join(prefix, 'error.log')) ? fs.readFileSync(path.join(prefix, 'error.log'), 'utf8') : ''}`,
      );
    try {
      await fetch(`${url}/checkpoint`);
      break;
    } catch {
      if (i > 200) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
