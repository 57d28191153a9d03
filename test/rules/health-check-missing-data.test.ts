import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { healthCheckMissingData } from '../../lib/rules/health-check-missing-data';
import { checkStack } from './check';

const RULE = healthCheckMissingData.id;

/** GIVEN an alarm and a Route 53 health check that follows it. */
function build(
  stack: Stack,
  treatMissingData: cloudwatch.TreatMissingData,
  status?: route53.InsufficientDataHealthStatusEnum,
) {
  const alarm = new cloudwatch.Alarm(stack, 'NotServing', {
    metric: new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      dimensionsMap: { DBInstanceIdentifier: 'replica-1' },
      statistic: 'SampleCount',
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData,
  });
  new route53.HealthCheck(stack, 'Check', {
    type: route53.HealthCheckType.CLOUDWATCH_METRIC,
    alarmIdentifier: { name: alarm.alarmName, region: 'eu-west-1' },
    insufficientDataHealthStatus: status,
  });
}

describe('HealthCheckMissingData', () => {
  test('a health check on a missing-data alarm that counts no data as healthy is reported', () => {
    // GIVEN the alarm fires on missing data, the health check says Healthy without data
    const { findings } = checkStack(
      (stack) =>
        build(stack, cloudwatch.TreatMissingData.BREACHING, route53.InsufficientDataHealthStatusEnum.HEALTHY),
      RULE,
    );
    // THEN it is reported at the health check's InsufficientDataHealthStatus
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Check/Resource',
        location: 'Properties/HealthCheckConfig/InsufficientDataHealthStatus',
      }),
    ]);
    expect(findings[0].description).toContain('"Healthy"');
  });

  test('left unset (LastKnownStatus: healthy for a new check) is reported too', () => {
    const { findings } = checkStack((stack) => build(stack, cloudwatch.TreatMissingData.BREACHING), RULE);
    expect(findings.map((f) => f.path)).toEqual(['Test/Check/Resource']);
  });

  test('Unhealthy without data passes', () => {
    const { findings } = checkStack(
      (stack) =>
        build(
          stack,
          cloudwatch.TreatMissingData.BREACHING,
          route53.InsufficientDataHealthStatusEnum.UNHEALTHY,
        ),
      RULE,
    );
    expect(findings).toEqual([]);
  });

  test('an alarm that does not rely on missing data is not this rule’s business', () => {
    const { findings } = checkStack(
      (stack) =>
        build(
          stack,
          cloudwatch.TreatMissingData.NOT_BREACHING,
          route53.InsufficientDataHealthStatusEnum.HEALTHY,
        ),
      RULE,
    );
    expect(findings).toEqual([]);
  });
});
