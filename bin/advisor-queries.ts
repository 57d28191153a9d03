/**
 * `npm run advisor -- queries <env> [--region <region>] [--json]`
 * `npm run advisor -- queries --database-url <postgres url with sslmode> [--json]`
 *
 * The query advisor from a laptop. With an environment (or a stack name) it invokes the stack's
 * query advisor function, which reads the primary and every replica inside the VPC, and prints its
 * report. With `--database-url` it runs the same analysis directly against any PostgreSQL the user
 * can reach (a local copy, a restored snapshot), as the URL's user; only a user that may read the
 * tables gets index candidates, because PostgreSQL checks a statement's privileges in EXPLAIN too.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Client } from 'pg';
import { readStackOutput } from './advisor-outputs';
import { CliError, CliSpec, parseCliArgs, resolveRegion, resolveTarget } from './cli';
import { QueryReport } from '../lambda/query-advisor/analysis';
import {
  analyzeInstance,
  ENABLE_PG_STAT_STATEMENTS,
  QueryAdvisorSetupError,
} from '../lambda/query-advisor/collect';
import { formatQueryReport, leverLines, QueryAdvisorRun } from '../lambda/query-advisor/format';
import { QUERY_ADVISOR_FUNCTION_OUTPUT } from '../lib/database/query-advisor';

export const QUERIES_USAGE = `Usage: npm run advisor -- queries <env> [--region <region>] [--json]
       npm run advisor -- queries --database-url <postgres url> [--json]

  <env>                   the environment (dev, prod) or its stack name (ScalableBackend-prod): invokes
                          the stack's query advisor, which reads the primary and every replica
  --database-url <url>    analyze this PostgreSQL directly, in libpq's URL form with sslmode, e.g.
                          postgresql://user@localhost:5432/app?sslmode=verify-full&sslrootcert=ca.pem
                          (the password from the URL or PGPASSWORD; never writes to the database)
  --region <region>       region of the stack (default: AWS_REGION or your profile's region)
  --json                  print the report as JSON (statements, indexCandidates, cacheCandidates,
                          unusedIndexes, ...); stdout holds only the JSON`;

const SPEC: CliSpec = { usage: QUERIES_USAGE, flags: ['json'], options: ['region', 'database-url'] };

/** libpq's sslmode values. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export type QueriesArgs =
  | { readonly kind: 'stack'; readonly stackName: string; readonly region?: string; readonly json: boolean }
  | { readonly kind: 'url'; readonly databaseUrl: string; readonly json: boolean };

export function parseQueriesArgs(argv: readonly string[]): QueriesArgs {
  const { positionals, flags, options } = parseCliArgs(argv, SPEC);
  const url = options['database-url'];
  if (url !== undefined) {
    if (positionals.length > 0) {
      throw new CliError(`give an environment or --database-url, not both\n\n${QUERIES_USAGE}`, 2);
    }
    return { kind: 'url', databaseUrl: checkDatabaseUrl(url), json: flags.json };
  }
  if (positionals.length !== 1) {
    throw new CliError(`expected one environment (e.g. prod) or --database-url\n\n${QUERIES_USAGE}`, 2);
  }
  return {
    kind: 'stack',
    stackName: resolveTarget(positionals[0], QUERIES_USAGE).stackName,
    ...(options.region ? { region: options.region } : {}),
    json: flags.json,
  };
}

/** A libpq URL (postgres:// or postgresql://) that says how it uses TLS. */
export function checkDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      '--database-url: not a URL; expected postgresql://user@host:5432/database?sslmode=verify-full',
      2,
    );
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new CliError(`--database-url: scheme ${parsed.protocol} is not postgres:// or postgresql://`, 2);
  }
  const mode = parsed.searchParams.get('sslmode');
  if (!mode || !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new CliError(
      `--database-url: sslmode is ${mode ?? 'missing'}; allowed: ${SSL_MODES.join(', ')} ` +
        '(RDS forces TLS: use verify-full with sslrootcert=<the RDS CA bundle>)',
      2,
    );
  }
  return url;
}

export interface QueriesDeps {
  readonly cloudFormation: (region?: string) => CloudFormationClient;
  readonly lambda: (region?: string) => LambdaClient;
  /** Opens a connected client for a libpq URL. */
  readonly connect: (url: string) => Promise<Client>;
  readonly out: (text: string) => void;
  /** The region from --region or the environment. @default resolveRegion (bin/cli.ts) */
  readonly region?: (flag?: string) => string;
}

export const defaultQueriesDeps: QueriesDeps = {
  cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
  lambda: (region) => new LambdaClient({ maxAttempts: 3, ...(region ? { region } : {}) }),
  connect: async (url) => {
    // libpq's meaning of sslmode (require: encrypted without checking the certificate, verify-full:
    // checked), not node-postgres' older one.
    const u = new URL(url);
    if (!u.searchParams.has('uselibpqcompat')) u.searchParams.set('uselibpqcompat', 'true');
    const client = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 10_000 });
    await client.connect();
    return client;
  },
  out: (text) => process.stdout.write(`${text}\n`),
};

export async function queriesMain(
  argv: readonly string[],
  deps: QueriesDeps = defaultQueriesDeps,
): Promise<number> {
  const args = parseQueriesArgs(argv);
  if (args.kind === 'url') {
    const report = await analyzeUrl(args.databaseUrl, deps);
    deps.out(args.json ? JSON.stringify(report, null, 2) : formatQueryReport(report));
    return 0;
  }
  // Resolved like the AWS CLI does, so a missing region is one line, never an SDK hostname error.
  const region = (deps.region ?? ((flag) => resolveRegion(flag).region))(args.region);
  const functionName = await readStackOutput(
    deps.cloudFormation(region),
    args.stackName,
    QUERY_ADVISOR_FUNCTION_OUTPUT,
    'before the query advisor existed',
  );
  const out = await deps
    .lambda(region)
    .send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: '{}' }),
    );
  const body = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  if (out.FunctionError) throw new CliError(`the query advisor function failed: ${body.slice(0, 500)}`);
  const run = JSON.parse(body) as QueryAdvisorRun;
  const primary = run.instances.find((i) => i.role === 'primary');
  if (primary?.error?.startsWith(ENABLE_PG_STAT_STATEMENTS.slice(0, 40))) throw new CliError(primary.error);
  if (args.json) {
    deps.out(
      JSON.stringify(
        {
          generatedAt: run.generatedAt,
          ...(primary?.report ?? { error: primary?.error }),
          replicas: run.instances.filter((i) => i.role === 'replica'),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const sections: string[] = [];
  for (const i of run.instances) {
    sections.push(
      i.report ? formatQueryReport(i.report) : `Query advisor: ${i.name}: no report (${i.error})`,
    );
  }
  sections.push(['All instances, levers in order:', ...leverLines(run.instances)].join('\n'));
  deps.out(sections.join('\n\n'));
  return 0;
}

/** The analysis against a database the user reaches directly. */
export async function analyzeUrl(url: string, deps: Pick<QueriesDeps, 'connect'>): Promise<QueryReport> {
  const client = await deps.connect(url).catch((e: unknown) => {
    throw new CliError(`cannot connect with --database-url: ${(e as Error).message}`);
  });
  try {
    return await analyzeInstance(client, {
      instance: new URL(url).hostname || 'database',
      statementTimeoutMs: 10_000,
    });
  } catch (e) {
    if (e instanceof QueryAdvisorSetupError) throw new CliError(e.message);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}
