/** The Observability construct synthesized on its own, with a config no preset has. */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PRESETS } from '../../lib/config/presets';
import { ObservabilityConfig } from '../../lib/config/schema';
import { Network } from '../../lib/network';
import { MAX_METRICS_PER_ALARM, Observability, ObservabilityProps } from '../../lib/observability';
import { Service } from '../../lib/service';
import { importedDatabase, resourcesOf } from '../helpers';
import { Props, expectedAlarmCount } from './helpers';

describe('Observability on its own (construct-level synth, no presets)', () => {
  // GIVEN a stack with the dev network and service, a fixed-size service (min = max), a database
  // of an unknown instance class with max_connections given, and a 12-node cluster-mode cache
  function build(
    overrides: Partial<ObservabilityProps['limits']> = {},
    config: Partial<ObservabilityConfig> = {},
  ) {
    // The CloudFormation validator (seconds per synth) runs on the presets in nag.test.ts.
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Standalone');
    const dev = PRESETS.dev;
    const network = new Network(stack, 'Network', { config: dev.network });
    const service = new Service(stack, 'Service', {
      vpc: network.vpc,
      config: { ...dev.service, minTasks: 3, maxTasks: 3 },
    });
    const database = importedDatabase(stack);
    const memberClusterIds = Array.from({ length: 6 }, (_, s) =>
      [1, 2].map((n) => `cache-000${s + 1}-00${n}`),
    ).flat();
    const observability = new Observability(stack, 'Observability', {
      envName: 'standalone',
      config: { ...dev.observability, dbMaxConnections: 400, alarmEmail: 'ops@example.com', ...config },
      service,
      database,
      cache: { replicationGroupId: 'cache', memberClusterIds },
      limits: {
        minTasks: 3,
        maxTasks: 3,
        dbInstanceClass: 'x2g.large',
        proxyMaxConnectionsPercent: 90,
        cacheReplicas: 1,
        ...overrides,
      },
    });
    return { stack, observability, template: Template.fromStack(stack) };
  }
  const { stack, observability, template } = build();
  // (the service's two step-scaling alarms have generated names and are not ours)
  const names = resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(([, r]) => r.Properties!.AlarmName as string | undefined)
    .filter((n): n is string => n !== undefined);

  test('an e-mail address in the config subscribes to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  test('min = max: no "autoscaling exhausted" alarm, and the synth says why', () => {
    expect(names).not.toContain('Standalone-AutoscalingExhausted');
    Annotations.fromStack(stack).hasInfo(
      '/Standalone/Observability',
      Match.stringLikeRegexp('minTasks equals'),
    );
  });

  test('observability.dbMaxConnections overrides the class table (and an unknown class is then fine)', () => {
    expect(observability.dbMaxConnections).toBe(400);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Standalone-DbConnections',
      Threshold: 320, // 80% of 400
    });
  });

  test('12 cache nodes: alarms split at the 10-metrics-per-alarm limit (5 nodes per hit-rate alarm)', () => {
    expect(names.filter((n) => /-CacheEngineCpu\d*$/.test(n)).sort()).toEqual([
      'Standalone-CacheEngineCpu',
      'Standalone-CacheEngineCpu2',
    ]);
    expect(names.filter((n) => /-CacheHitRate\d*$/.test(n)).sort()).toEqual([
      'Standalone-CacheHitRate',
      'Standalone-CacheHitRate2',
      'Standalone-CacheHitRate3',
    ]);
    for (const [, r] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      const metrics = ((r.Properties!.Metrics as Props[]) ?? []).filter((m) => m.MetricStat);
      expect(metrics.length).toBeLessThanOrEqual(MAX_METRICS_PER_ALARM);
    }
    expect(names).toHaveLength(
      expectedAlarmCount({
        ...PRESETS.dev,
        service: { ...PRESETS.dev.service, minTasks: 3, maxTasks: 3 },
        database: { ...PRESETS.dev.database, readReplicas: 1 },
        cache: { ...PRESETS.dev.cache, clusterMode: true, shards: 6, replicas: 1 },
      }),
    );
  });

  test('an unknown instance class without dbMaxConnections fails the synth with a clear message', () => {
    expect(() => build({}, { dbMaxConnections: undefined })).toThrow(
      /cannot derive max_connections for database instance class 'x2g\.large'/,
    );
  });
});
