// A real redis-server for the queue tests: on a free 127.0.0.1 port, with a password, its files
// in a temp dir; stop() kills it and removes the dir. With `tls`, it listens for TLS only, with a
// self-signed certificate made by openssl (`ca`: the file a client must trust). Tests skip when
// redis-server is missing (.ci/setup installs it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

export interface TestRedis { url: string; port: number; password: string; ca?: string; stop(): Promise<void> }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(o: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const password = o.password ?? `pw-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-redis-'));
  const port = await freePort();
  let listen = ['--port', String(port)];
  const ca = join(dir, 'cert.pem');
  if (o.tls) {
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', ca, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    listen = ['--port', '0', '--tls-port', String(port), '--tls-cert-file', ca, '--tls-key-file', key, '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no'];
  }
  const child: ChildProcess = spawn(REDIS_SERVER, [...listen, '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  child.stdout!.resume();
  return {
    url: `${o.tls ? 'rediss' : 'redis'}://:${password}@127.0.0.1:${port}`,
    ...(o.tls ? { ca } : {}),
    port,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
