import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deepMerge, validateEnvironment } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { Database } from '../../lib/database';
import { REPLICA_NOT_SERVING_PERIODS } from '../../lib/database/reader';
import { Network } from '../../lib/network';
import { constructTestApp, presets, resourcesOf, singleResource, stackName } from '../helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run (validators included)
const { templates } = presets();
const ENVS = [
  ['dev', 1],
  ['prod', 2],
] as const;

const readerRecords = (t: Template) =>
  resourcesOf(t, 'AWS::Route53::RecordSet').filter(([id]) => id.startsWith('DatabaseReaderRecord'));
const topicRef = (t: Template) => ({
  Ref: singleResource(t, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic')[0],
});

describe('reader name health checks', () => {
  test.each(ENVS)('%s: every weighted record of the reader name has its own health check', (env, n) => {
    const t = templates[env];
    // WHEN the reader records and health checks are read
    const records = readerRecords(t);
    const checks = resourcesOf(t, 'AWS::Route53::HealthCheck');
    // THEN one health check per record, each record pointing at a different one
    expect(records).toHaveLength(n);
    expect(checks).toHaveLength(n);
    const referenced = records.map(([, r]) => (r.Properties!.HealthCheckId as { Ref: string }).Ref);
    expect(new Set(referenced).size).toBe(n);
    expect(referenced.sort()).toEqual(checks.map(([id]) => id).sort());
    // AND record n follows the alarm of replica n
    for (const [id, record] of records) {
      const replica = Number(id.slice(0, -8).replace('DatabaseReaderRecord', ''));
      expect(record.Properties!.SetIdentifier).toBe(`replica-${replica}`);
      const check = checks.find(
        ([checkId]) => checkId === (record.Properties!.HealthCheckId as { Ref: string }).Ref,
      )!;
      // (Ref of an alarm is its name: the health check follows this replica's alarm, and waits for it)
      const [alarmId] = resourcesOf(t, 'AWS::CloudWatch::Alarm').find(
        ([, a]) => a.Properties!.AlarmName === `ScalableBackend-${env}-Replica${replica}NotServing`,
      )!;
      expect(check[1].Properties!.HealthCheckConfig).toEqual({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: { Ref: alarmId }, Region: { Ref: 'AWS::Region' } },
        // Route 53 reads the metric stream, not the alarm state: no data must mean out of rotation
        InsufficientDataHealthStatus: 'Unhealthy',
        Inverted: false,
      });
    }
  });

  test.each(ENVS)(
    '%s: "replica not serving" = no CPUUtilization datapoint for 3 one-minute periods, missing data breaching',
    (env, n) => {
      const t = templates[env];
      for (let replica = 1; replica <= n; replica++) {
        // WHEN the alarm of replica n is looked up by name
        const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(
          ([, r]) => r.Properties!.AlarmName === `ScalableBackend-${env}-Replica${replica}NotServing`,
        );
        expect(alarms).toHaveLength(1);
        const [alarmId, alarm] = alarms[0];
        // THEN it counts RDS's one-minute datapoints of the replica, named by its lower-case identifier
        expect(alarm.Properties).toMatchObject({
          Namespace: 'AWS/RDS',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: `scalablebackend-${env}-replica-${replica}` }],
          Statistic: 'SampleCount',
          Period: 60,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          EvaluationPeriods: REPLICA_NOT_SERVING_PERIODS,
          DatapointsToAlarm: REPLICA_NOT_SERVING_PERIODS,
          TreatMissingData: 'breaching',
          // AND it pages through the alarm topic, on ALARM and on OK
          AlarmActions: [topicRef(t)],
          OKActions: [topicRef(t)],
        });
        expect(REPLICA_NOT_SERVING_PERIODS).toBe(3);
        // AND it exists only once the replica does (a replica being created publishes nothing)
        const [replicaId] = singleResource(t, 'AWS::RDS::DBInstance', `DatabaseReplica${replica}`);
        expect(resourcesOf(t, 'AWS::CloudWatch::Alarm').find(([id]) => id === alarmId)![1].DependsOn).toEqual(
          expect.arrayContaining([replicaId]),
        );
      }
    },
  );

  test('without replicas the writer record has no health check and no replica alarm exists', () => {
    // GIVEN dev with readReplicas 0, database tier alone
    const config = validateEnvironment(
      'dev',
      deepMerge(PRESETS.dev as never, { database: { readReplicas: 0 } } as never),
    );
    const stack = new Stack(constructTestApp(), stackName('dev'));
    const network = new Network(stack, 'Network', { config: config.network });
    const database = new Database(stack, 'Database', { vpc: network.vpc, config: config.database });
    const t = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
    // THEN the one record (the writer) has nothing to check, and there is nothing to alarm on
    const records = readerRecords(t);
    expect(records).toHaveLength(1);
    expect(records[0][1].Properties).not.toHaveProperty('HealthCheckId');
    expect(resourcesOf(t, 'AWS::Route53::HealthCheck')).toEqual([]);
    expect(database.replicaHealthAlarms).toEqual([]);
  });
});
