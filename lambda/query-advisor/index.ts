import * as fs from 'fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, ClientConfig } from 'pg';
import { AnalysisOptions } from './analysis';
import { analyzeInstance } from './collect';
import { InstanceResult, QueryAdvisorRun } from './format';

/**
 * The query advisor function: connects to the primary and to each replica (statistics are kept per
 * instance) as the statistics-only monitoring role, analyzes each with a bounded statement
 * timeout, logs the run as one JSON line and returns it. Runs on the scaling advisor's schedule and
 * on demand (`npm run advisor -- queries <env>`); the event's content is ignored.
 */

/** Environment variable with the function's targets (JSON). */
export const QUERY_ADVISOR_TARGETS_ENV = 'QUERY_ADVISOR_TARGETS';

export interface QueryAdvisorTargets {
  /** Secret of the monitoring role (JSON with `username`, `password`). */
  readonly secretArn: string;
  readonly databaseName: string;
  readonly port: number;
  /** The primary first, then each replica, by endpoint address. */
  readonly instances: readonly {
    readonly name: string;
    readonly role: 'primary' | 'replica';
    readonly host: string;
  }[];
  /** Upper bound of each of the advisor's statements (ms). */
  readonly statementTimeoutMs: number;
  readonly options?: AnalysisOptions;
}

export function targetsFromEnv(env: NodeJS.ProcessEnv): QueryAdvisorTargets {
  const raw = env[QUERY_ADVISOR_TARGETS_ENV];
  if (!raw) throw new Error(`${QUERY_ADVISOR_TARGETS_ENV} is not set`);
  const t = JSON.parse(raw) as QueryAdvisorTargets;
  if (!t.secretArn || !t.databaseName || !Array.isArray(t.instances) || t.instances.length === 0) {
    throw new Error(`${QUERY_ADVISOR_TARGETS_ENV} needs secretArn, databaseName and at least one instance`);
  }
  if (!Number.isInteger(t.statementTimeoutMs) || t.statementTimeoutMs <= 0) {
    throw new Error(`${QUERY_ADVISOR_TARGETS_ENV}.statementTimeoutMs must be a positive integer`);
  }
  return t;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface HandlerDeps {
  readonly readSecret: (arn: string) => Promise<Credentials>;
  /** Opens a connected client; tests connect to their own server. */
  readonly connect: (config: ClientConfig) => Promise<Client>;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/**
 * Verified TLS (the parameter group forces TLS): the Node.js 20+ Lambda runtimes trust the RDS CAs
 * only with NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, which the construct sets (AWS Lambda
 * Developer Guide, "Building Lambda functions with Node.js"); PGSSLROOTCERT replaces them in tests.
 */
export function clientConfig(t: QueryAdvisorTargets, host: string, creds: Credentials): ClientConfig {
  const caFile = process.env.PGSSLROOTCERT;
  return {
    host,
    port: t.port,
    database: t.databaseName,
    user: creds.username,
    password: creds.password,
    ssl: {
      rejectUnauthorized: true,
      servername: host,
      ...(caFile ? { ca: fs.readFileSync(caFile, 'utf8') } : {}),
    },
    connectionTimeoutMillis: 10_000,
    // Whatever happens server-side, a hung socket never outlives the function.
    query_timeout: t.statementTimeoutMs + 5_000,
    application_name: 'query-advisor',
  };
}

/** One run over every instance; an instance that fails is reported with its error, not thrown. */
export async function runQueryAdvisor(t: QueryAdvisorTargets, deps: HandlerDeps): Promise<QueryAdvisorRun> {
  const creds = await deps.readSecret(t.secretArn);
  const instances: InstanceResult[] = [];
  for (const instance of t.instances) {
    let client: Client | undefined;
    try {
      client = await deps.connect(clientConfig(t, instance.host, creds));
      const report = await analyzeInstance(client, {
        ...t.options,
        instance: instance.name,
        statementTimeoutMs: t.statementTimeoutMs,
      });
      instances.push({ name: instance.name, role: instance.role, report });
    } catch (e) {
      instances.push({ name: instance.name, role: instance.role, error: (e as Error).message.slice(0, 500) });
    } finally {
      await client?.end().catch(() => undefined);
    }
  }
  return { generatedAt: (deps.now?.() ?? new Date()).toISOString(), instances };
}

export function createHandler(deps: HandlerDeps) {
  return async (): Promise<QueryAdvisorRun> => {
    const targets = targetsFromEnv(deps.env ?? process.env);
    const run = await runQueryAdvisor(targets, deps);
    (deps.log ?? console.log)(JSON.stringify(run));
    return run;
  };
}

let secrets: SecretsManagerClient | undefined;
const defaultDeps: HandlerDeps = {
  readSecret: async (arn) => {
    secrets ??= new SecretsManagerClient({});
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const value = JSON.parse(out.SecretString ?? '{}') as Partial<Credentials>;
    if (!value.username || !value.password) throw new Error(`secret ${arn} has no username/password`);
    return { username: value.username, password: value.password };
  },
  connect: async (config) => {
    const client = new Client(config);
    await client.connect();
    return client;
  },
};

export const handler = createHandler(defaultDeps);
