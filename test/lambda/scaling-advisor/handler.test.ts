import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  PutMetricDataCommand,
  PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { AdvisorReport, VERDICT_CODES } from '../../../lambda/scaling-advisor/analysis';
import { createHandler } from '../../../lambda/scaling-advisor/index';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { ADVISOR_TARGETS_ENV, AdvisorTargets } from '../../../lambda/scaling-advisor/targets';
import { Fixture, flat, healthyFixture, makeTargets, MINUTES, set, T0, without } from './fixtures';

const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);

// Runs at 30 s past the end of the fixture window, so the window is exactly the fixture's hour.
const NOW = new Date(T0 + MINUTES * 60_000 + 30_000);

/** GetMetricData answers from a fixture: every query id it knows, empty results for the rest. */
function answerFrom(fixture: Fixture) {
  return (input: GetMetricDataCommandInput): Partial<GetMetricDataCommandOutput> => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const s = fixture[q.Id!];
      return {
        Id: q.Id,
        Timestamps: (s?.timestamps ?? []).map((t) => new Date(t)),
        Values: [...(s?.values ?? [])],
        StatusCode: 'Complete',
      };
    }),
  });
}

/** The fixture with the advisor's previous verdict in it. */
function withPrevious(fixture: Fixture, code: number | undefined): Fixture {
  if (code !== undefined)
    set(fixture, ids.previousVerdict, [...flat(0, MINUTES - 5), code, null, null, null, null]);
  return fixture;
}

function setup(targets: AdvisorTargets = makeTargets()) {
  const sleep = jest.fn(async (_ms: number) => undefined);
  const log = jest.fn((_line: string) => undefined);
  const handler = createHandler({
    clients: {
      cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
      sns: new SNSClient({ region: 'eu-west-1' }),
    },
    env: { [ADVISOR_TARGETS_ENV]: JSON.stringify(targets) },
    now: () => NOW,
    sleep,
    log,
  });
  return { handler, sleep, log };
}

const throttled = (name = 'ThrottlingException') => Object.assign(new Error('Rate exceeded'), { name });

beforeEach(() => {
  cw.reset();
  sns.reset();
  cw.on(PutMetricDataCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('handler: reading the metrics', () => {
  test('GIVEN a healthy hour THEN one GetMetricData call covers every query over the aligned window', async () => {
    const t = makeTargets();
    cw.on(GetMetricDataCommand).callsFake(answerFrom(withPrevious(healthyFixture(t), VERDICT_CODES.HEALTHY)));
    const { handler } = setup(t);

    const report = await handler({});

    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.StartTime).toEqual(new Date(T0));
    expect(input.EndTime).toEqual(new Date(T0 + MINUTES * 60_000));
    expect(input.MetricDataQueries!.map((q) => q.Id)).toContain(ids.previousVerdict);
    expect(report.verdict).toBe('HEALTHY');
    expect(report.fetch).toEqual({ calls: 1, retries: 0, queries: input.MetricDataQueries!.length });
  });

  test('GIVEN more than 500 queries THEN they are split over several calls and merged', async () => {
    // 90 cache nodes x 6 metrics push the query count over the 500 per call limit
    const t = makeTargets({ cacheClusterIds: Array.from({ length: 90 }, (_, i) => `cache-${i}`) });
    cw.on(GetMetricDataCommand).callsFake(answerFrom(withPrevious(healthyFixture(t), 0)));
    const { handler } = setup(t);

    const report = await handler({});

    const sizes = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length);
    expect(sizes).toEqual([500, report.fetch.queries - 500]);
    expect(report.dataQuality.complete).toBe(true);
    expect(report.tiers.cache.summary).toMatch(/90 node\(s\)$/);
  });

  test('GIVEN a NextToken THEN the next page is fetched with the same queries and the pages are merged', async () => {
    const t = makeTargets();
    const fixture = withPrevious(healthyFixture(t), 0);
    const full = answerFrom(fixture);
    const split = (input: GetMetricDataCommandInput, half: 0 | 1) => {
      const out = full(input);
      return {
        ...out,
        MetricDataResults: out.MetricDataResults!.map((r) => {
          const cut = Math.floor(r.Timestamps!.length / 2);
          const pick = <T>(a: T[]) => (half === 0 ? a.slice(0, cut) : a.slice(cut));
          return {
            ...r,
            Timestamps: pick(r.Timestamps!),
            Values: pick(r.Values!),
            StatusCode: half === 0 ? 'PartialData' : 'Complete',
          } as typeof r;
        }),
        ...(half === 0 ? { NextToken: 'page-2' } : {}),
      };
    };
    cw.on(GetMetricDataCommand)
      .callsFakeOnce((input: GetMetricDataCommandInput) => split(input, 0))
      .callsFakeOnce((input: GetMetricDataCommandInput) => split(input, 1));
    const { handler } = setup(t);

    const report = await handler({});

    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input.NextToken).toBeUndefined();
    expect(calls[1].args[0].input.NextToken).toBe('page-2');
    expect(calls[1].args[0].input.MetricDataQueries).toEqual(calls[0].args[0].input.MetricDataQueries);
    // the merged hour is complete: no series is short of data or left as PartialData
    expect(report.verdict).toBe('HEALTHY');
    expect(report.dataQuality.partial).toEqual([]);
    expect(report.dataQuality.missing).toEqual([]);
  });

  test('GIVEN one throttled call THEN it is retried after a backoff and the run succeeds', async () => {
    const t = makeTargets();
    cw.on(GetMetricDataCommand)
      .rejectsOnce(throttled('ThrottlingException'))
      .callsFake(answerFrom(withPrevious(healthyFixture(t), 0)));
    const { handler, sleep } = setup(t);

    const report = await handler({});

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(report.fetch.retries).toBe(1);
    expect(report.verdict).toBe('HEALTHY');
  });

  test('GIVEN throttling that does not stop THEN it gives up after 5 attempts with backoff growing, and publishes nothing', async () => {
    cw.on(GetMetricDataCommand).rejects(throttled('Throttling'));
    const { handler, sleep } = setup();

    await expect(handler({})).rejects.toThrow(
      /GetMetricData still throttled after 5 attempts: Rate exceeded/,
    );

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(5);
    const delays = sleep.mock.calls.map(([ms]) => ms);
    expect(delays).toHaveLength(4);
    // exponential with jitter: each delay lies in [base * 2^n / 2, base * 2^n]
    delays.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual((500 * 2 ** n) / 2);
      expect(ms).toBeLessThanOrEqual(500 * 2 ** n);
    });
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('GIVEN LimitExceededException THEN it counts as throttling too', async () => {
    const t = makeTargets();
    cw.on(GetMetricDataCommand)
      .rejectsOnce(throttled('LimitExceededException'))
      .callsFake(answerFrom(withPrevious(healthyFixture(t), 0)));
    const { handler } = setup(t);
    await expect(handler({})).resolves.toMatchObject({ verdict: 'HEALTHY' });
  });

  test('GIVEN access denied THEN it fails at once without retrying', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { handler, sleep } = setup();
    await expect(handler({})).rejects.toThrow('not authorized');
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('GIVEN partial data for a series THEN the run completes and the report names it', async () => {
    const t = makeTargets();
    const answer = answerFrom(withPrevious(healthyFixture(t), 0));
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const out = answer(input);
      return {
        ...out,
        MetricDataResults: out.MetricDataResults!.map((r) =>
          r.Id === ids.replicaLag(1)
            ? {
                ...r,
                Timestamps: r.Timestamps!.slice(0, 10),
                Values: r.Values!.slice(0, 10),
                StatusCode: 'PartialData',
                Messages: [{ Code: 'MaxDatapoints', Value: 'limit reached' }],
              }
            : r,
        ),
      };
    });
    const { handler } = setup(t);

    const report = await handler({});

    expect(report.dataQuality.partial).toEqual([
      'ReplicaLag of replica sb-prod-replica-2: PartialData (MaxDatapoints limit reached)',
    ]);
    expect(report.dataQuality.missing).toEqual([
      'ReplicaLag of replica sb-prod-replica-2 (10 of 60 datapoints)',
    ]);
    expect(report.verdict).toBe('INSUFFICIENT_DATA');
  });

  test('GIVEN a top-level CloudWatch message THEN it reaches the report notes', async () => {
    const t = makeTargets();
    const answer = answerFrom(withPrevious(healthyFixture(t), 0));
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      ...answer(input),
      Messages: [{ Code: 'Warning', Value: 'some metrics were not found' }],
    }));
    const { handler } = setup(t);
    const report = await handler({});
    expect(report.dataQuality.notes).toContain('CloudWatch: Warning some metrics were not found');
  });
});

describe('handler: publishing', () => {
  test('GIVEN a run THEN the verdict and per-tier headroom go to the advisor namespace, by Stack and Tier', async () => {
    const t = makeTargets({ replicaInstanceIds: [] });
    cw.on(GetMetricDataCommand).callsFake(answerFrom(withPrevious(healthyFixture(t), 0)));
    const { handler } = setup(t);

    const report = await handler({});

    const puts = cw.commandCalls(PutMetricDataCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0].args[0].input;
    expect(input.Namespace).toBe('ScalableBackend/Advisor');
    const stack = { Name: 'Stack', Value: 'ScalableBackend-prod' };
    expect(input.MetricData![0]).toMatchObject({
      MetricName: 'Verdict',
      Dimensions: [stack],
      Value: 0,
      Unit: 'None',
    });
    const headroom = input.MetricData!.filter((d) => d.MetricName === 'HeadroomPercent');
    // no datum for the replica tier, which is not deployed: no data is never published as a number
    expect(headroom.map((d) => d.Dimensions)).toEqual(
      ['app', 'database', 'proxy', 'cache'].map((tier) => [stack, { Name: 'Tier', Value: tier }]),
    );
    expect(headroom.map((d) => d.Value)).toEqual([
      report.tiers.app.headroomPercent,
      report.tiers.database.headroomPercent,
      report.tiers.proxy.headroomPercent,
      report.tiers.cache.headroomPercent,
    ]);
    expect(headroom.every((d) => d.Unit === 'Percent')).toBe(true);
    expect(report.published).toBe(true);
  });

  test('GIVEN the verdict changed THEN the topic is notified once, before the new verdict is written', async () => {
    const t = makeTargets();
    const fixture = withPrevious(healthyFixture(t), VERDICT_CODES.HEALTHY);
    set(fixture, ids.dbWriteLatency, flat(0.05));
    cw.on(GetMetricDataCommand).callsFake(answerFrom(fixture));
    const { handler } = setup(t);

    const report = await handler({});

    expect(report).toMatchObject({
      verdict: 'DB_WRITE_BOUND',
      previousVerdict: 'HEALTHY',
      verdictChanged: true,
      notified: true,
    });
    const publishes = sns.commandCalls(PublishCommand);
    expect(publishes).toHaveLength(1);
    const msg = publishes[0].args[0].input;
    expect(msg.TopicArn).toBe(t.topicArn);
    expect(msg.Subject).toBe('Scaling advisor ScalableBackend-prod: DB_WRITE_BOUND');
    expect(msg.Message).toMatch(/Verdict: DB_WRITE_BOUND \(code 3\), bottleneck: database/);
    expect(msg.Message).toMatch(/previous verdict: HEALTHY \(changed\)/);
    // notify first: a failed metric write then leads to a retried run that notifies again, never to a lost mail
    const put = cw.commandCalls(PutMetricDataCommand)[0];
    expect(publishes[0].calledBefore(put)).toBe(true);
  });

  test('GIVEN the verdict is unchanged THEN no notification, but the verdict is still written', async () => {
    const t = makeTargets();
    const fixture = withPrevious(healthyFixture(t), VERDICT_CODES.DB_WRITE_BOUND);
    set(fixture, ids.dbWriteLatency, flat(0.05));
    cw.on(GetMetricDataCommand).callsFake(answerFrom(fixture));
    const { handler } = setup(t);

    const report = await handler({});

    expect(report).toMatchObject({
      verdict: 'DB_WRITE_BOUND',
      previousVerdict: 'DB_WRITE_BOUND',
      verdictChanged: false,
      notified: false,
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(1);
  });

  test('GIVEN no previous verdict (first run) THEN it notifies', async () => {
    const t = makeTargets();
    cw.on(GetMetricDataCommand).callsFake(answerFrom(withPrevious(healthyFixture(t), undefined)));
    const { handler } = setup(t);
    const report = await handler({});
    expect(report.previousVerdict).toBeUndefined();
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  test('GIVEN no topic THEN a change is written but nobody is notified', async () => {
    const rest = without(makeTargets(), 'topicArn');
    cw.on(GetMetricDataCommand).callsFake(answerFrom(healthyFixture(rest)));
    const { handler } = setup(rest);
    const report = await handler({});
    expect(report).toMatchObject({ verdictChanged: true, notified: false, published: true });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('GIVEN a run THEN exactly one JSON line is logged, and it is the returned report', async () => {
    const t = makeTargets();
    cw.on(GetMetricDataCommand).callsFake(answerFrom(withPrevious(healthyFixture(t), 0)));
    const { handler, log } = setup(t);

    const report = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    expect(log).toHaveBeenCalledTimes(1);
    const line = log.mock.calls[0][0];
    expect(line).not.toMatch(/\n/);
    expect(JSON.parse(line) as AdvisorReport).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

/**
 * A small CloudWatch for the advisor's own verdict: PutMetricData stores datapoints, GetMetricData
 * answers the previous-verdict query as CloudWatch does (1-minute buckets, Maximum, StartTime
 * inclusive, EndTime exclusive) and every other query from the fixture.
 */
function emulatedCloudWatch(fixture: Fixture) {
  const verdicts: { time: number; value: number }[] = [];
  cw.on(PutMetricDataCommand).callsFake((input: PutMetricDataCommandInput) => {
    for (const d of input.MetricData ?? []) {
      if (d.MetricName === 'Verdict')
        verdicts.push({ time: new Date(d.Timestamp!).getTime(), value: d.Value! });
    }
    return {};
  });
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const answer = answerFrom(fixture)(input);
    const start = new Date(input.StartTime!).getTime();
    const end = new Date(input.EndTime!).getTime();
    const buckets = new Map<number, number>();
    for (const v of verdicts) {
      if (v.time < start || v.time >= end) continue;
      const minute = Math.floor(v.time / 60_000) * 60_000;
      buckets.set(minute, Math.max(buckets.get(minute) ?? -Infinity, v.value));
    }
    const stored = [...buckets.entries()].sort(([a], [b]) => a - b);
    for (const r of answer.MetricDataResults!) {
      if (r.Id !== ids.previousVerdict || stored.length === 0) continue;
      r.Timestamps = [...r.Timestamps!, ...stored.map(([t]) => new Date(t))];
      r.Values = [...r.Values!, ...stored.map(([, v]) => v)];
    }
    return answer;
  });
  return verdicts;
}

function handlerAt(targets: AdvisorTargets, now: Date) {
  return createHandler({
    clients: {
      cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
      sns: new SNSClient({ region: 'eu-west-1' }),
    },
    env: { [ADVISOR_TARGETS_ENV]: JSON.stringify(targets) },
    now: () => now,
    sleep: async () => undefined,
    log: () => undefined,
  });
}

describe('handler: a bottleneck mails you once', () => {
  const bottleneck = (t: AdvisorTargets) => {
    const fixture = withPrevious(healthyFixture(t), VERDICT_CODES.HEALTHY);
    set(fixture, ids.dbWriteLatency, flat(0.05));
    return fixture;
  };

  test('GIVEN a changed verdict WHEN two runs fall in the same minute (scheduled + on-demand) THEN one mail', async () => {
    const t = makeTargets();
    emulatedCloudWatch(bottleneck(t));
    const minute = T0 + MINUTES * 60_000;

    const first = await handlerAt(t, new Date(minute + 5_000))({});
    const second = await handlerAt(t, new Date(minute + 50_000))({});

    expect(first).toMatchObject({ verdict: 'DB_WRITE_BOUND', previousVerdict: 'HEALTHY', notified: true });
    expect(second).toMatchObject({
      verdict: 'DB_WRITE_BOUND',
      previousVerdict: 'DB_WRITE_BOUND',
      verdictChanged: false,
      notified: false,
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  test('GIVEN a changed verdict WHEN the next run comes a minute later THEN it sees the verdict and stays quiet', async () => {
    const t = makeTargets();
    emulatedCloudWatch(bottleneck(t));
    const minute = T0 + MINUTES * 60_000;

    await handlerAt(t, new Date(minute + 59_000))({});
    const next = await handlerAt(t, new Date(minute + 61_000))({});

    expect(next).toMatchObject({ previousVerdict: 'DB_WRITE_BOUND', notified: false });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  test('GIVEN two overlapping runs THEN both write the same verdict into the same minute, and the run after them stays quiet', async () => {
    // No reserved concurrency, so a scheduled run and an on-demand one may overlap. Both judge the
    // same aligned window, so they write identical data into one bucket (the verdict query reads its
    // Maximum): the metrics stay right. Two runs that both read before either wrote may each mail
    // the change once; the run after them sees the verdict and mails nothing.
    const t = makeTargets();
    const verdicts = emulatedCloudWatch(bottleneck(t));
    const minute = T0 + MINUTES * 60_000;

    const [a, b] = await Promise.all([
      handlerAt(t, new Date(minute + 1_000))({}),
      handlerAt(t, new Date(minute + 2_000))({}),
    ]);
    const mailsOfTheOverlap = sns.commandCalls(PublishCommand).length;
    const after = await handlerAt(t, new Date(minute + 60_000 + 1_000))({});

    expect([a.verdict, b.verdict]).toEqual(['DB_WRITE_BOUND', 'DB_WRITE_BOUND']);
    expect(a.window).toEqual(b.window);
    expect(new Set(verdicts.slice(0, 2).map((v) => `${v.time}:${v.value}`)).size).toBe(1);
    expect(after).toMatchObject({ previousVerdict: 'DB_WRITE_BOUND', notified: false });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(mailsOfTheOverlap);
    expect(mailsOfTheOverlap).toBeLessThanOrEqual(2);
  });
});

describe('handler: configuration', () => {
  test('GIVEN no ADVISOR_TARGETS THEN it fails with a clear message before calling AWS', async () => {
    const handler = createHandler({
      clients: {
        cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      },
      env: {},
    });
    await expect(handler({})).rejects.toThrow(/environment variable ADVISOR_TARGETS is not set/);
    expect(cw.calls()).toHaveLength(0);
  });
});
