import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricDataCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { analyzeInstance } from '../../../lambda/query-advisor/collect';
import { QueryAdvisorRun } from '../../../lambda/query-advisor/format';
import { VERDICT_CODES } from '../../../lambda/scaling-advisor/analysis';
import { createHandler, QUERY_ADVISOR_FUNCTION_ENV } from '../../../lambda/scaling-advisor/index';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { ADVISOR_TARGETS_ENV } from '../../../lambda/scaling-advisor/targets';
import { Fixture, flat, healthyFixture, makeTargets, MINUTES, set, T0 } from '../scaling-advisor/fixtures';
import { fakeClient } from './fake-client';

const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const NOW = new Date(T0 + MINUTES * 60_000 + 30_000);

function answerFrom(fixture: Fixture) {
  return (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      Timestamps: (fixture[q.Id!]?.timestamps ?? []).map((t) => new Date(t)),
      Values: [...(fixture[q.Id!]?.values ?? [])],
      StatusCode: 'Complete' as const,
    })),
  });
}

/** A fixture whose verdict is DB_WRITE_BOUND, after a HEALTHY one (or the same verdict before). */
function writeBound(previous: number): Fixture {
  const t = makeTargets();
  const fixture = healthyFixture(t);
  set(fixture, ids.previousVerdict, [...flat(0, MINUTES - 5), previous, null, null, null, null]);
  set(fixture, ids.dbWriteLatency, flat(0.05));
  return fixture;
}

const handler = createHandler({
  clients: {
    cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
    sns: new SNSClient({ region: 'eu-west-1' }),
  },
  env: {
    [ADVISOR_TARGETS_ENV]: JSON.stringify(makeTargets()),
    [QUERY_ADVISOR_FUNCTION_ENV]: 'query-advisor-fn',
  },
  now: () => NOW,
  sleep: async () => undefined,
  log: () => undefined,
});

let run: QueryAdvisorRun;
beforeAll(async () => {
  const report = await analyzeInstance(fakeClient({ hypopg: true }).client, { instance: 'primary' });
  run = {
    generatedAt: NOW.toISOString(),
    instances: [
      { name: 'primary', role: 'primary', report },
      { name: 'scalablebackend-prod-replica-1', role: 'replica', error: 'timeout expired' },
    ],
  };
});

beforeEach(() => {
  cw.reset();
  sns.reset();
  lambda.reset();
  cw.on(PutMetricDataCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('a database verdict carries the query findings', () => {
  test('GIVEN a change to DB_WRITE_BOUND THEN the notification lists the top statements and the levers in order', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerFrom(writeBound(VERDICT_CODES.HEALTHY)));
    lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify(run)) as never });

    await handler({});

    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input).toMatchObject({
      FunctionName: 'query-advisor-fn',
      InvocationType: 'RequestResponse',
    });
    const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message!;
    expect(message).toMatch(/Verdict: DB_WRITE_BOUND/);
    expect(message).toContain('Queries behind this verdict (query advisor, levers in order):');
    expect(message).toContain(
      '1. 60% 2.4 s, 40 calls, mean 60 ms: SELECT id, total FROM orders WHERE reference = $1',
    );
    const levers = [
      '1. Index (1 candidate):',
      '2. Cache in Redis (1 read):',
      '3. Read replicas:',
      '4. Bigger instance:',
    ].map((l) => message.indexOf(l));
    expect(levers.every((i) => i > 0)).toBe(true);
    expect([...levers].sort((a, b) => a - b)).toEqual(levers);
    expect(message).toContain(
      'CREATE INDEX CONCURRENTLY "orders_reference_idx" ON "public"."orders" ("reference");  [primary, verified by hypopg: cost 4337.43 -> 8.44]',
    );
    expect(message).toContain('(scalablebackend-prod-replica-1: timeout expired)');
  });

  test('GIVEN the query advisor fails THEN the verdict is still notified, with the reason', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerFrom(writeBound(VERDICT_CODES.HEALTHY)));
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode('{"errorMessage":"boom"}') as never,
    });
    await handler({});
    const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message!;
    expect(message).toMatch(/Query advisor: no findings \(Unhandled: \{"errorMessage":"boom"\}\)/);
  });

  test('GIVEN the verdict is unchanged THEN nobody is notified and the query advisor is not invoked', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerFrom(writeBound(VERDICT_CODES.DB_WRITE_BOUND)));
    await handler({});
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
