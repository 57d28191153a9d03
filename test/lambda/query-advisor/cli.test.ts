import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseQueriesArgs, queriesMain, QueriesDeps } from '../../../bin/advisor-queries';
import { analyzeInstance, ENABLE_PG_STAT_STATEMENTS } from '../../../lambda/query-advisor/collect';
import { QueryAdvisorRun } from '../../../lambda/query-advisor/format';
import { fakeClient } from './fake-client';
import { deployedStack } from '../../deployed-stack';

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

function deps(out: string[]): QueriesDeps {
  return {
    cloudFormation: () => new CloudFormationClient({ region: 'eu-west-1' }),
    lambda: () => new LambdaClient({ region: 'eu-west-1' }),
    connect: async () => fakeClient({ hypopg: false }).client,
    out: (t) => out.push(t),
    region: (flag) => flag ?? 'eu-west-1',
  };
}

function stackWith(outputs: { OutputKey: string; OutputValue: string }[]) {
  cfn
    .on(DescribeStacksCommand)
    .resolves(
      deployedStack(
        'ScalableBackend-prod',
        Object.fromEntries(outputs.map((o) => [o.OutputKey, o.OutputValue])),
      ),
    );
}

beforeEach(() => {
  cfn.reset();
  lambda.reset();
});

describe('arguments', () => {
  test('an environment becomes its stack name; a stack name stays', () => {
    expect(parseQueriesArgs(['prod'])).toEqual({
      kind: 'stack',
      stackName: 'ScalableBackend-prod',
      json: false,
    });
    expect(parseQueriesArgs(['ScalableBackend-dev', '--json', '--region', 'eu-west-1'])).toEqual({
      kind: 'stack',
      stackName: 'ScalableBackend-dev',
      region: 'eu-west-1',
      json: true,
    });
  });

  test.each([
    [
      ['--database-url', 'postgresql://u@h/db'],
      /sslmode is missing; allowed: disable, allow, prefer, require, verify-ca, verify-full/,
    ],
    [['--database-url', 'postgresql://u@h/db?sslmode=on'], /sslmode is on; allowed/],
    [['--database-url', 'mysql://u@h/db?sslmode=require'], /scheme mysql: is not postgres/],
    [['--database-url', 'not a url'], /not a URL/],
    [['prod', '--database-url', 'postgresql://u@h/db?sslmode=require'], /not both/],
    [[], /expected one environment/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseQueriesArgs(argv)).toThrow(message);
    try {
      parseQueriesArgs(argv);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe('queries <env>', () => {
  test('invokes the stack’s query advisor and prints every instance, then the levers', async () => {
    const report = await analyzeInstance(fakeClient({ hypopg: false }).client, { instance: 'primary' });
    const run: QueryAdvisorRun = {
      generatedAt: '2026-12-06T21:00:00.000Z',
      instances: [
        { name: 'primary', role: 'primary', report },
        { name: 'replica-1', role: 'replica', report: { ...report, instance: 'replica-1' } },
      ],
    };
    stackWith([{ OutputKey: 'QueryAdvisorFunctionName', OutputValue: 'fn-name' }]);
    lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify(run)) as never });
    const out: string[] = [];
    expect(await queriesMain(['prod'], deps(out))).toBe(0);
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.FunctionName).toBe('fn-name');
    expect(out[0]).toMatch(/^Query advisor: primary \(PostgreSQL 17;/);
    expect(out[0]).toContain('Query advisor: replica-1');
    expect(out[0]).toContain('All instances, levers in order:');

    const json: string[] = [];
    await queriesMain(['prod', '--json'], deps(json));
    const doc = JSON.parse(json[0]);
    expect(doc.statements[0]).toMatchObject({
      query: 'SELECT id, total FROM orders WHERE reference = $1',
      calls: 40,
      totalMs: 2400,
      meanMs: 60,
      sharePercent: 60,
    });
    expect(doc.indexCandidates[0]).toMatchObject({
      table: 'orders',
      columns: ['reference'],
      verified: false,
    });
    expect(doc.replicas.map((r: { name: string }) => r.name)).toEqual(['replica-1']);
  });

  test('without pg_stat_statements on the primary it says how to enable it and fails', async () => {
    stackWith([{ OutputKey: 'QueryAdvisorFunctionName', OutputValue: 'fn-name' }]);
    const run: QueryAdvisorRun = {
      generatedAt: '2026-12-06T21:00:00.000Z',
      instances: [{ name: 'primary', role: 'primary', error: ENABLE_PG_STAT_STATEMENTS }],
    };
    lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify(run)) as never });
    await expect(queriesMain(['prod'], deps([]))).rejects.toMatchObject({
      name: 'CliError',
      exitCode: 1,
      message: ENABLE_PG_STAT_STATEMENTS,
    });
  });

  test('a stack deployed before the query advisor existed gets a clear message', async () => {
    stackWith([]);
    await expect(queriesMain(['prod'], deps([]))).rejects.toThrow(
      /Stack ScalableBackend-prod has no output QueryAdvisorFunctionName: it was deployed before the query advisor existed/,
    );
  });
});
