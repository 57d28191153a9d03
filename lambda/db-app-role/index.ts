import * as fs from 'fs';
import * as https from 'https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { Client, ClientConfig } from 'pg';
import {
  EXISTING_ROLES_QUERY,
  MONITOR_ATTRIBUTE_CHECK,
  ROLE_ATTRIBUTE_CHECK,
  appRoleNames,
  dropStatements,
  monitorStatements,
  provisionStatements,
} from './sql';

/** Resource properties the construct (lib/database/app-role.ts) passes; CloudFormation sends strings. */
export interface AppRoleProperties {
  /** Secret of the master user (JSON with `username`, `password`). */
  readonly MasterSecretArn: string;
  /** Secret of the application user (JSON with `username`, `password`). */
  readonly AppSecretArn: string;
  /** The primary's endpoint address: the function connects to the primary directly. */
  readonly Host: string;
  readonly Port: string;
  readonly DatabaseName: string;
  /** The configured application user name (the secret may hold `<name>_clone` after a rotation). */
  readonly AppUsername: string;
  /** `true` when the database's removal policy is `destroy`: Delete then drops the roles and their objects. */
  readonly DropOnDelete: string;
  /** Digest of the grant statements, so a change of the grants re-runs the provisioning. */
  readonly GrantsDigest?: string;
  /** Secret of the query advisor's statistics-only role (JSON with `username`, `password`). */
  readonly MonitorSecretArn?: string;
  /** Name of that role (`<app user>_monitor`); absent in stacks deployed before it existed. */
  readonly MonitorUsername?: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Reads a secret's current JSON value. */
export type SecretReader = (arn: string) => Promise<Credentials>;

export interface ProvisionResult {
  /** Roles created by this run (the others existed). */
  readonly created: string[];
  /** Number of statements executed. */
  readonly statements: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** Physical id of a Create that failed (CloudFormation then sends a Delete for it). */
const FAILED_CREATE_PREFIX = 'failed-';

/**
 * TLS always, with the server certificate verified: `rds.force_ssl` refuses anything else. The
 * Node.js 20+ Lambda runtimes do not load the Amazon RDS CA certificates unless
 * NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem is set, which the construct does (AWS Lambda
 * Developer Guide, "Building Lambda functions with Node.js", CA certificate loading). PGSSLROOTCERT
 * (libpq's variable) replaces the trusted CAs with one file, e.g. a test's own CA.
 */
function tlsOptions(host: string): ClientConfig['ssl'] {
  const caFile = process.env.PGSSLROOTCERT;
  return {
    rejectUnauthorized: true,
    servername: host,
    ...(caFile ? { ca: fs.readFileSync(caFile, 'utf8') } : {}),
  };
}

export async function connect(props: AppRoleProperties, creds: Credentials): Promise<Client> {
  const client = new Client({
    host: props.Host,
    port: Number(props.Port),
    database: props.DatabaseName,
    user: creds.username,
    password: creds.password,
    ssl: tlsOptions(props.Host),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'db-app-role-provisioner',
  });
  await client.connect();
  return client;
}

async function existingRoles(client: Client, names: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ rolname: string }>(EXISTING_ROLES_QUERY, [names]);
  return new Set(rows.map((r) => r.rolname));
}

/**
 * Create (or re-apply) the application roles as the master user, in one transaction. A login role
 * that already exists keeps its password: only a role created now gets the app secret's password.
 */
export async function provision(
  client: Client,
  props: AppRoleProperties,
  appSecret: Credentials,
  monitorSecret?: Credentials,
): Promise<ProvisionResult> {
  const names = appRoleNames(props.AppUsername);
  const monitor = props.MonitorUsername;
  if (monitor && monitorSecret?.username !== monitor) {
    throw new Error(
      `the monitoring secret names user ${monitorSecret?.username ?? '(none)'}, expected ${monitor}`,
    );
  }
  const all = [names.login, names.clone, names.owner];
  await client.query('BEGIN');
  try {
    const existing = await existingRoles(client, all);
    const badRoles = (await client.query<{ rolname: string }>(ROLE_ATTRIBUTE_CHECK, [all])).rows;
    if (badRoles.length > 0) {
      throw new Error(
        `refusing to manage role(s) ${badRoles.map((r) => r.rolname).join(', ')}: they carry SUPERUSER, ` +
          'CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS or a membership in another role; fix them by hand',
      );
    }
    // The secret starts with the login role; after a rotation it may name the clone, whose password
    // is then not the login role's. Only a login role created now takes the secret's password.
    if (!existing.has(names.login) && appSecret.username !== names.login) {
      throw new Error(
        `the app secret names user ${appSecret.username}, expected ${names.login} for a role that does not exist yet`,
      );
    }
    const statements = provisionStatements({
      names,
      databaseName: props.DatabaseName,
      initialPassword: appSecret.password,
      existing,
    });
    const created = all.filter((n) => !existing.has(n));
    if (monitor && monitorSecret) {
      const refused = (await client.query<{ rolname: string }>(MONITOR_ATTRIBUTE_CHECK, [monitor])).rows;
      if (refused.length > 0) {
        throw new Error(
          `refusing to manage role ${monitor}: it carries SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, ` +
            'BYPASSRLS or a membership other than pg_monitor; fix it by hand',
        );
      }
      const monitorExists = (await existingRoles(client, [monitor])).has(monitor);
      statements.push(
        ...monitorStatements(monitor, props.DatabaseName, monitorSecret.password, monitorExists),
      );
      if (!monitorExists) created.push(monitor);
    }
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
    return { created, statements: statements.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Drop the roles and what they own (removal policy `destroy` only), in one transaction. */
export async function drop(client: Client, props: AppRoleProperties): Promise<number> {
  const names = appRoleNames(props.AppUsername);
  await client.query('BEGIN');
  try {
    const others = props.MonitorUsername ? [props.MonitorUsername] : [];
    const statements = dropStatements(
      names,
      await existingRoles(client, [names.login, names.clone, names.owner, ...others]),
      others,
    );
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
    return statements.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

let secretsClient: SecretsManagerClient | undefined;
const readSecretFromSecretsManager: SecretReader = async (arn) => {
  secretsClient ??= new SecretsManagerClient({});
  const out = await secretsClient.send(new GetSecretValueCommand({ SecretId: arn }));
  const value = JSON.parse(out.SecretString ?? '{}') as Partial<Credentials>;
  if (!value.username || !value.password) throw new Error(`secret ${arn} has no username/password`);
  return { username: value.username, password: value.password };
};

/** What the handler needs from outside; the integration tests pass their own. */
export interface HandlerDeps {
  readonly readSecret: SecretReader;
  /** Sends the custom-resource response (a PUT to the pre-signed ResponseURL). */
  readonly respond: (url: string, body: string) => Promise<void>;
}

const defaultDeps: HandlerDeps = { readSecret: readSecretFromSecretsManager, respond: putResponse };

/** Stable across updates (a new id would make CloudFormation delete the old resource). */
function physicalId(props: AppRoleProperties): string {
  return `${props.DatabaseName}/${props.AppUsername}`;
}

/** What one event does; the result's `Data` is visible with Fn::GetAtt. */
export async function onEvent(
  event: CloudFormationCustomResourceEvent,
  deps: Pick<HandlerDeps, 'readSecret'>,
): Promise<{ physicalResourceId: string; data: Record<string, string> }> {
  const props = event.ResourceProperties as unknown as AppRoleProperties;
  if (event.RequestType === 'Delete') {
    const id = event.PhysicalResourceId;
    if (id.startsWith(FAILED_CREATE_PREFIX)) {
      // The rollback of a Create that failed: its transaction was rolled back, nothing to undo.
      return { physicalResourceId: id, data: {} };
    }
    if (props.DropOnDelete !== 'true') {
      console.log(`Delete: keeping roles of ${id} and everything they own (removal policy keeps data)`);
      return { physicalResourceId: id, data: {} };
    }
    const master = await deps.readSecret(props.MasterSecretArn);
    const client = await connect(props, master);
    try {
      const n = await drop(client, props);
      console.log(`Delete: dropped roles of ${id} and their objects (${n} statements)`);
    } finally {
      await client.end();
    }
    return { physicalResourceId: id, data: {} };
  }
  const [master, app, monitor] = await Promise.all([
    deps.readSecret(props.MasterSecretArn),
    deps.readSecret(props.AppSecretArn),
    props.MonitorSecretArn ? deps.readSecret(props.MonitorSecretArn) : Promise.resolve(undefined),
  ]);
  const client = await connect(props, master);
  try {
    const result = await provision(client, props, app, monitor);
    console.log(
      `${event.RequestType}: ${result.statements} statements; created: ${result.created.join(', ') || 'none'}`,
    );
    const names = appRoleNames(props.AppUsername);
    return {
      physicalResourceId: physicalId(props),
      data: {
        OwnerRole: names.owner,
        LoginRole: names.login,
        CloneRole: names.clone,
        ...(props.MonitorUsername ? { MonitorRole: props.MonitorUsername } : {}),
      },
    };
  } finally {
    await client.end();
  }
}

/** The Lambda entry point of a CloudFormation custom resource: always answers the ResponseURL. */
export async function handler(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, 'logStreamName'>,
  deps: HandlerDeps = defaultDeps,
): Promise<void> {
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  let body: Record<string, unknown>;
  try {
    const { physicalResourceId, data } = await onEvent(event, deps);
    body = { ...base, Status: 'SUCCESS', PhysicalResourceId: physicalResourceId, Data: data };
  } catch (err) {
    console.error(err);
    const fallbackId =
      event.RequestType === 'Create' ? `${FAILED_CREATE_PREFIX}${event.RequestId}` : event.PhysicalResourceId;
    body = {
      ...base,
      Status: 'FAILED',
      // CloudFormation shows the reason in the stack events; never include secret values.
      Reason: `${(err as Error).message} (log stream ${context.logStreamName})`.slice(0, 1000),
      PhysicalResourceId: fallbackId,
    };
  }
  await deps.respond(event.ResponseURL, JSON.stringify(body));
}

function putResponse(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode && res.statusCode < 300
            ? resolve()
            : reject(new Error(`response upload failed: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
