import { randomInt } from 'crypto';
import { TLSSocket, connect as tlsConnect } from 'tls';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client } from 'pg';
import { Credentials, handler } from '../../lambda/db-app-role';
import { APP_ROLE_RESOURCE_TYPE } from '../../lib/database/app-role';
import { resourcesOf, synth } from '../helpers';
import { bootstrapLikeRds, startPostgres, TestPostgres } from './support/postgres';
import { command, findRedisServer, startRedis } from './support/redis';

/**
 * The container contract, end to end: the names the task definition of the synthesized dev
 * template hands the container (DB_* values and the secret JSON keys behind DB_USERNAME and
 * DB_PASSWORD), the secret as Secrets Manager would generate it from the template, the custom
 * resource's properties as synthesized, and a connection made exactly as the README says, to a
 * real PostgreSQL 17 that stands in for RDS Proxy and the primary.
 */

const PORT = 54_322;
const REDIS_PORT = 56_379;
const MASTER = { username: 'app_admin', password: 'master-Pa55word' };

type Json = Record<string, unknown>;
type Ref = { Ref: string };

// GIVEN the dev template, synthesized as `cdk synth` does (without bundling)
const template = synth(['dev'], {}, { validate: false }).templates.dev;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;

const [[, taskDefinition]] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
const [app] = taskDefinition.Properties!.ContainerDefinitions as {
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
}[];
const environment = Object.fromEntries(app.Environment.map((e) => [e.Name, e.Value]));

/** `{ Fn::Join: ['', [{ Ref: attachment }, ':<json key>::']] }` -> attachment id and JSON key. */
function secretReference(name: string): { attachment: string; jsonKey: string } {
  const valueFrom = app.Secrets.find((s) => s.Name === name)!.ValueFrom as {
    'Fn::Join': [string, [Ref, string]];
  };
  const [ref, suffix] = valueFrom['Fn::Join'][1];
  const match = /^:([^:]+)::$/.exec(suffix);
  if (!match) throw new Error(`${name}: not a JSON key reference: ${suffix}`);
  return { attachment: ref.Ref, jsonKey: match[1] };
}

/** The attachment's secret: what Secrets Manager generates from GenerateSecretString. */
function generateSecret(attachment: string, arnOf: (logicalId: string) => string): Json {
  // An attachment names its secret; a secret without one (the monitoring role's) is its own.
  const secretId =
    resources[attachment].Type === 'AWS::SecretsManager::Secret'
      ? attachment
      : (resources[attachment].Properties.SecretId as Ref).Ref;
  const generate = resources[secretId].Properties.GenerateSecretString as {
    SecretStringTemplate: string | { 'Fn::Join': [string, (string | Ref)[]] };
    GenerateStringKey: string;
    PasswordLength: number;
    ExcludeCharacters: string;
  };
  const raw = generate.SecretStringTemplate;
  const text =
    typeof raw === 'string'
      ? raw
      : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : arnOf(p.Ref))).join('');
  const allowed = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter(
    (c) => !generate.ExcludeCharacters.includes(c),
  );
  const password = Array.from(
    { length: generate.PasswordLength },
    () => allowed[randomInt(allowed.length)],
  ).join('');
  // The attachment adds the connection fields (the stand-in for the instance is this server).
  return {
    ...JSON.parse(text),
    [generate.GenerateStringKey]: password,
    host: 'localhost',
    port: PORT,
    engine: 'postgres',
  };
}

let pg: TestPostgres;
const arnOf = (logicalId: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${logicalId}`;

beforeAll(async () => {
  pg = await startPostgres(PORT);
  process.env.PGSSLROOTCERT = pg.caFile;
  await bootstrapLikeRds(pg, MASTER, String(environment.DB_NAME));
});

afterAll(async () => {
  await pg?.stop();
});

test('the container connects with DB_* and the app secret exactly as the README says, and never gets the master', async () => {
  const user = secretReference('DB_USERNAME');
  const password = secretReference('DB_PASSWORD');
  // THEN both come from one secret, under the keys of Secrets Manager's RDS secret format
  expect(user.attachment).toBe(password.attachment);
  expect([user.jsonKey, password.jsonKey]).toEqual(['username', 'password']);
  expect(environment).toMatchObject({ DB_PORT: '5432', DB_NAME: 'app', DB_SSL: 'require' });

  // AND the custom resource provisions that very secret's user with the master secret
  const [[crId, cr]] = resourcesOf(template, APP_ROLE_RESOURCE_TYPE);
  const props = cr.Properties as Json;
  expect(props.AppSecretArn).toEqual({ Ref: user.attachment });
  const masterAttachment = (props.MasterSecretArn as Ref).Ref;
  expect(masterAttachment).not.toBe(user.attachment);

  // WHEN Secrets Manager generates the secrets and CloudFormation runs the custom resource
  const appSecret = generateSecret(user.attachment, arnOf);
  const monitorRef = (props.MonitorSecretArn as Ref).Ref;
  const monitorSecret = generateSecret(monitorRef, arnOf);
  const secrets = new Map<string, Credentials>([
    [arnOf(masterAttachment), MASTER],
    [arnOf(user.attachment), appSecret as unknown as Credentials],
    [arnOf(monitorRef), monitorSecret as unknown as Credentials],
  ]);
  expect(appSecret.masterarn).toBe(arnOf(masterAttachment));
  let response: Json = {};
  const event = {
    RequestType: 'Create',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/put',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/ScalableBackend-dev/1',
    RequestId: 'contract',
    LogicalResourceId: crId,
    ResourceType: APP_ROLE_RESOURCE_TYPE,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provisioner',
    ResourceProperties: {
      ...props,
      MasterSecretArn: arnOf(masterAttachment),
      AppSecretArn: arnOf(user.attachment),
      MonitorSecretArn: arnOf(monitorRef),
      // The primary's endpoint: this server.
      Host: 'localhost',
      Port: String(PORT),
    },
  } as unknown as CloudFormationCustomResourceEvent;
  await handler(
    event,
    { logStreamName: 'contract' },
    {
      readSecret: async (arn) => secrets.get(arn)!,
      respond: async (_url, body) => {
        response = JSON.parse(body);
      },
    },
  );
  expect({ status: response.Status, reason: response.Reason }).toEqual({
    status: 'SUCCESS',
    reason: undefined,
  });

  // AND the container starts with what ECS injects (DB_WRITER_HOST and DB_PORT point at this server)
  const env: Record<string, string> = {
    DB_WRITER_HOST: 'localhost',
    DB_PORT: String(PORT),
    DB_NAME: String(environment.DB_NAME),
    DB_SSL: String(environment.DB_SSL),
    DB_USERNAME: String(appSecret[user.jsonKey]),
    DB_PASSWORD: String(appSecret[password.jsonKey]),
  };
  // libpq's sslmode=require: encrypted, as the README tells clients to connect
  const client = new Client({
    host: env.DB_WRITER_HOST,
    port: Number(env.DB_PORT),
    database: env.DB_NAME,
    user: env.DB_USERNAME,
    password: env.DB_PASSWORD,
    ssl: env.DB_SSL === 'require' ? { rejectUnauthorized: false } : false,
  });
  await client.connect();
  try {
    // THEN it is the service's user (acting as the owner role), over TLS, able to migrate and use its schema
    const who = await client.query('SELECT session_user, current_user');
    expect(who.rows[0]).toEqual({ session_user: 'app', current_user: 'app_owner' });
    const socket = (client as unknown as { connection: { stream: unknown } }).connection.stream;
    expect(socket).toBeInstanceOf(TLSSocket);
    await client.query('CREATE TABLE contract_check (id int PRIMARY KEY)');
    await client.query('INSERT INTO contract_check VALUES (1)');
    expect((await client.query('SELECT count(*)::int AS n FROM contract_check')).rows[0].n).toBe(1);
    // AND not the master
    expect(env.DB_USERNAME).not.toBe(MASTER.username);
    await expect(client.query('CREATE ROLE x')).rejects.toThrow(/permission denied/);
  } finally {
    await client.end();
  }
});

describe('the cache part of the contract (redis-server with TLS and AUTH)', () => {
  const binary = findRedisServer();
  if (!binary) {
    // Printed, so a run without Redis says so instead of passing silently.
    console.log(
      'SKIPPED the Redis integration test: no redis-server binary on the PATH (Debian package redis-server; .ci/run installs it)',
    );
  }
  (binary ? test : test.skip)(
    'the container authenticates with REDIS_AUTH_TOKEN over TLS as the README says',
    async () => {
      // GIVEN the names and the token secret of the template
      expect(environment).toMatchObject({
        REDIS_PORT: '6379',
        REDIS_TLS: 'true',
        REDIS_CLUSTER_MODE: 'false',
      });
      const tokenRef = app.Secrets.find((s) => s.Name === 'REDIS_AUTH_TOKEN')!.ValueFrom as Ref;
      const tokenSecret = resources[tokenRef.Ref];
      expect(tokenSecret.Type).toBe('AWS::SecretsManager::Secret');
      const [[, group]] = resourcesOf(template, 'AWS::ElastiCache::ReplicationGroup');
      expect(group.Properties).toMatchObject({ TransitEncryptionEnabled: true });
      expect(JSON.stringify(group.Properties!.AuthToken)).toContain(tokenRef.Ref);
      // AND a token as Secrets Manager generates it from the template (the whole secret string)
      const generate = tokenSecret.Properties.GenerateSecretString as {
        PasswordLength: number;
        ExcludePunctuation: boolean;
      };
      expect(generate.ExcludePunctuation).toBe(true);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      const token = Array.from(
        { length: generate.PasswordLength },
        () => alphabet[randomInt(alphabet.length)],
      ).join('');
      const redis = await startRedis(binary!, REDIS_PORT, token);
      const env = {
        REDIS_HOST: 'localhost',
        REDIS_PORT: String(REDIS_PORT),
        REDIS_TLS: String(environment.REDIS_TLS),
        REDIS_AUTH_TOKEN: token,
      };
      const connect = () =>
        new Promise<TLSSocket>((resolve, reject) => {
          const socket = tlsConnect(
            { host: env.REDIS_HOST, port: Number(env.REDIS_PORT), ca: redis.ca, servername: 'localhost' },
            () => resolve(socket),
          );
          socket.once('error', reject);
        });
      try {
        // WHEN the container connects with TLS (REDIS_TLS=true) and AUTH
        const socket = await connect();
        try {
          // THEN commands before AUTH are refused, AUTH with the token works, and so do reads and writes
          expect(await command(socket, 'GET', 'k')).toMatch(/^-NOAUTH/);
          expect(await command(socket, 'AUTH', env.REDIS_AUTH_TOKEN)).toBe('+OK\r\n');
          expect(await command(socket, 'SET', 'session:1', 'alice')).toBe('+OK\r\n');
          expect(await command(socket, 'GET', 'session:1')).toBe('$5\r\nalice\r\n');
        } finally {
          socket.destroy();
        }
        // AND a wrong token is refused
        const other = await connect();
        try {
          expect(await command(other, 'AUTH', 'not-the-token')).toMatch(/^-WRONGPASS/);
        } finally {
          other.destroy();
        }
      } finally {
        await redis.stop();
      }
    },
  );
});
