import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** A replica as the reader name sees it: its identifier (metric dimension) and its endpoint. */
export interface ReaderReplica {
  /** Lower-case DBInstanceIdentifier (RDS stores identifiers in lower case). */
  readonly instanceIdentifier: string;
  /** The replica; its record points at its endpoint, and its alarm waits for it to exist. */
  readonly instance: rds.IDatabaseInstance;
}

export interface ReaderNameProps {
  /** Private hosted zone that holds the name. */
  readonly zone: route53.IHostedZone;
  /** Host label of the name in the zone, e.g. `db-reader`. */
  readonly recordName: string;
  /** TTL of every record: how long a resolver keeps an answer that may name a dead replica. */
  readonly ttl: Duration;
  /** The writer endpoint (RDS Proxy); the name points there while there are no replicas. */
  readonly writerHost: string;
  /** The replicas, in order: replica n gets record `ReaderRecord<n>`. */
  readonly replicas: readonly ReaderReplica[];
}

/**
 * One-minute periods without a single CPUUtilization datapoint before a replica counts as not
 * serving. Three, not one: CloudWatch looks back over a wider evaluation range and fills missing
 * points only when fewer than `evaluationPeriods` real points arrived (CloudWatch User Guide,
 * "Configuring how CloudWatch alarms treat missing data"), so one late datapoint does not flap.
 */
export const REPLICA_NOT_SERVING_PERIODS = 3;

/**
 * The reader name: equal-weight CNAMEs, one per replica, so each lookup (each new connection)
 * lands on a replica at random; each record carries a Route 53 health check that follows a
 * "replica not serving" alarm, so a dead replica leaves the rotation. Without replicas the name
 * points at the proxy, so reads still work.
 *
 * The records keep their construct ids in `scope` (`ReaderRecord`, `ReaderRecord<n>`): Route 53
 * refuses two records with the same name and set identifier, so a record must never be replaced.
 *
 * Returns the alarms (one per replica); they carry no action, the caller adds its alarm topic.
 */
export function addReaderRecords(scope: Construct, props: ReaderNameProps): cloudwatch.Alarm[] {
  const stackName = Stack.of(scope).stackName;
  if (props.replicas.length === 0) {
    // Weighted as well: Route 53 refuses a simple and a weighted record of the same name, and
    // CloudFormation creates the first replica's record before it deletes this one.
    new route53.CnameRecord(scope, 'ReaderRecord', {
      zone: props.zone,
      recordName: props.recordName,
      domainName: props.writerHost,
      ttl: props.ttl,
      weight: 1,
      setIdentifier: 'writer',
    });
    return [];
  }
  return props.replicas.map((replica, index) => {
    const n = index + 1;
    const alarm = new cloudwatch.Alarm(scope, `Replica${n}NotServing`, {
      alarmName: `${stackName}-Replica${n}NotServing`,
      alarmDescription:
        `Read replica ${n} (${replica.instanceIdentifier}) has published no CloudWatch metrics for ${REPLICA_NOT_SERVING_PERIODS} minutes: ` +
        'it is down, rebooting, being replaced or unreachable. Its reader-name record is unhealthy, so new reads go to the other replicas. ' +
        'Check the RDS events of the instance; if every replica is down, Route 53 answers with all of them again, so point reads at the writer (DB_WRITER_HOST).',
      // RDS sends metrics to CloudWatch every minute for each active instance (RDS User Guide,
      // "Monitoring Amazon RDS metrics with Amazon CloudWatch"): their absence is the signal.
      // SampleCount of a plain metric, because Route 53 follows only standard-resolution alarms
      // with Average/Minimum/Maximum/Sum/SampleCount (Route 53 API, AlarmIdentifier).
      metric: new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'CPUUtilization',
        dimensionsMap: { DBInstanceIdentifier: replica.instanceIdentifier },
        statistic: 'SampleCount',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: REPLICA_NOT_SERVING_PERIODS,
      datapointsToAlarm: REPLICA_NOT_SERVING_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Created with the replica, not before: a replica still being created publishes nothing and
    // would page as "not serving".
    alarm.node.addDependency(replica.instance);
    const healthCheck = new route53.HealthCheck(scope, `Replica${n}HealthCheck`, {
      type: route53.HealthCheckType.CLOUDWATCH_METRIC,
      alarmIdentifier: { name: alarm.alarmName, region: Stack.of(scope).region },
      // Route 53 reads the alarm's metric stream itself, not the alarm state (TreatMissingData is not
      // copied): no datapoints is "insufficient data", which is exactly how a dead replica looks. So
      // Unhealthy; a new replica therefore stays out of rotation until its first datapoints arrive
      // (Route 53 API, HealthCheckConfig InsufficientDataHealthStatus).
      insufficientDataHealthStatus: route53.InsufficientDataHealthStatusEnum.UNHEALTHY,
    });
    new route53.CnameRecord(scope, `ReaderRecord${n}`, {
      zone: props.zone,
      recordName: props.recordName,
      domainName: replica.instance.dbInstanceEndpointAddress,
      ttl: props.ttl,
      weight: 1,
      setIdentifier: `replica-${n}`,
      healthCheck,
    });
    return alarm;
  });
}
