import { Finding, Rule, StackTemplate, TemplateResource, asArray, isObject } from './template';

const NAMESPACE = 'ECS/ContainerInsights';

/**
 * An alarm on an `ECS/ContainerInsights` metric of a cluster of this template needs Container
 * Insights turned on for that cluster (`ClusterSettings` containerInsights `enabled` or `enhanced`):
 * ECS publishes nothing to that namespace otherwise and the alarm never has data. The account-wide
 * default could turn it on too, but a template cannot show it, so the rule asks for the cluster setting.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterSetting.html
 */
export const containerInsightsForAlarms: Rule = {
  id: 'ContainerInsightsForAlarms',
  description:
    'An alarm on an ECS/ContainerInsights metric needs the cluster to enable Container Insights in its ClusterSettings; ' +
    'otherwise the metric never has data and the alarm never fires.',
  source: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterSetting.html',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  check(alarm, template) {
    const findings: Finding[] = [];
    const check = (namespace: unknown, dimensions: unknown, at: string) => {
      if (namespace !== NAMESPACE) return;
      asArray(dimensions).forEach((d, i) => {
        if (!isObject(d) || d.Name !== 'ClusterName') return;
        const cluster = clusterOf(d.Value, template);
        if (cluster && !insightsOn(cluster)) {
          findings.push({
            location: `${at}/${i}/Value`,
            message: `alarm reads ${NAMESPACE} of cluster ${cluster.logicalId}, which does not enable Container Insights`,
          });
        }
      });
    };
    check(alarm.properties.Namespace, alarm.properties.Dimensions, 'Properties/Dimensions');
    asArray(alarm.properties.Metrics).forEach((m, i) => {
      const metric = isObject(m) && isObject(m.MetricStat) ? m.MetricStat.Metric : undefined;
      if (isObject(metric)) {
        check(metric.Namespace, metric.Dimensions, `Properties/Metrics/${i}/MetricStat/Metric/Dimensions`);
      }
    });
    return findings;
  },
};

/** The cluster of this template a ClusterName dimension names (by reference or by its literal name). */
function clusterOf(value: unknown, template: StackTemplate): TemplateResource | undefined {
  const target = template.referenced(value)?.resource;
  if (target) return target.type === 'AWS::ECS::Cluster' ? target : undefined;
  return template
    .all()
    .find(
      (r) =>
        r.type === 'AWS::ECS::Cluster' && typeof value === 'string' && r.properties.ClusterName === value,
    );
}

function insightsOn(cluster: TemplateResource): boolean {
  return asArray(cluster.properties.ClusterSettings).some(
    (s) => isObject(s) && s.Name === 'containerInsights' && (s.Value === 'enabled' || s.Value === 'enhanced'),
  );
}
