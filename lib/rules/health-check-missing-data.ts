import { Rule } from './template';

/**
 * A Route 53 health check that follows a CloudWatch alarm whose signal is missing data (the alarm
 * treats missing data as breaching) must say `InsufficientDataHealthStatus: Unhealthy`. Route 53
 * evaluates the alarm's metric stream itself rather than the alarm's state, and TreatMissingData is
 * not carried over: no datapoints is "insufficient data", which is Healthy by default, so the very
 * failure the alarm exists to catch (a dead instance publishes nothing) leaves the record healthy.
 * Sources: Route 53 API reference, HealthCheckConfig `InsufficientDataHealthStatus`
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html); CloudWatch
 * alarms as health check targets (Route 53 Developer Guide, "How Route 53 determines whether a
 * health check is healthy").
 */
export const healthCheckMissingData: Rule = {
  id: 'HealthCheckMissingData',
  description:
    'A Route 53 health check on an alarm that treats missing data as breaching sets InsufficientDataHealthStatus to Unhealthy: ' +
    'Route 53 evaluates the metric stream, not the alarm state, so with no data it would report the dead target healthy.',
  source: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html',
  resourceTypes: ['AWS::Route53::HealthCheck'],
  check(resource, template) {
    const config = resource.properties.HealthCheckConfig as Record<string, unknown> | undefined;
    if (config?.Type !== 'CLOUDWATCH_METRIC') return [];
    const alarmName = (config.AlarmIdentifier as Record<string, unknown> | undefined)?.Name;
    // The alarm of this template the check follows: by Ref (an alarm's Ref is its name) or by name.
    const rendered = template.render(alarmName);
    const alarm =
      template.referenced(alarmName)?.resource ??
      template
        .all()
        .find(
          (r) =>
            r.type === 'AWS::CloudWatch::Alarm' &&
            rendered !== undefined &&
            template.render(r.properties.AlarmName) === rendered,
        );
    if (alarm?.type !== 'AWS::CloudWatch::Alarm' || alarm.properties.TreatMissingData !== 'breaching')
      return [];
    const status = config.InsufficientDataHealthStatus;
    if (status === 'Unhealthy') return [];
    return [
      {
        location: 'Properties/HealthCheckConfig/InsufficientDataHealthStatus',
        message: `health check follows alarm ${alarm.logicalId}, which treats missing data as breaching, but InsufficientDataHealthStatus is ${status === undefined ? 'unset (LastKnownStatus, healthy for a new check)' : JSON.stringify(status)}`,
      },
    ];
  },
};
