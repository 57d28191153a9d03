import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A throwaway CA and a server certificate for `host` (and 127.0.0.1) signed by it, made with the
 * openssl command-line tool, so clients can verify the server (verify-full) as they do with RDS.
 */
export function makeTlsFiles(dir: string, host: string): TlsFiles {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=scalable-backend test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${host}`,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  fs.writeFileSync(f('server.ext'), `subjectAltName=DNS:${host},IP:127.0.0.1\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.crt'),
  );
  fs.chmodSync(f('server.key'), 0o600);
  fs.rmSync(f('ca.key'));
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}
