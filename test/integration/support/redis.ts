import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { makeTlsFiles } from './tls';

/** Path of a `redis-server` binary on the PATH, or undefined (Debian package `redis-server`). */
export function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface TestRedis {
  readonly port: number;
  readonly ca: string;
  stop(): Promise<void>;
}

/**
 * Starts redis-server the way ElastiCache runs the cache: TLS only (no plain port) and AUTH
 * required, with a certificate of a throwaway CA; no persistence.
 */
export async function startRedis(binary: string, port: number, authToken: string): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-redis-'));
  const files = makeTlsFiles(dir, 'localhost');
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      files.certFile,
      '--tls-key-file',
      files.keyFile,
      '--tls-ca-cert-file',
      files.caFile,
      '--tls-auth-clients',
      'no',
      '--requirepass',
      authToken,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  return {
    port,
    ca: fs.readFileSync(files.caFile, 'utf8'),
    async stop() {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One RESP command over a connected socket; returns the raw reply line(s). */
export function command(socket: tls.TLSSocket, ...args: string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    let reply = '';
    const onData = (chunk: Buffer) => {
      reply += chunk.toString();
      // Simple replies end with one CRLF; bulk strings ($n) with a second line.
      const complete = /^[+\-:]/.test(reply)
        ? reply.endsWith('\r\n')
        : /^\$-1\r\n$|^\$\d+\r\n[\s\S]*\r\n$/.test(reply);
      if (complete) {
        socket.off('data', onData);
        resolve(reply);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(payload);
  });
}
