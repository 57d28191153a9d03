import {
  Finding,
  Rule,
  StackTemplate,
  TemplateResource,
  UNKNOWN,
  asArray,
  isObject,
  shown,
} from './template';

/**
 * Metric dimensions whose values RDS and ElastiCache store in lower case, with the name property of
 * each resource type such a dimension can point at.
 * RDS: "This parameter is stored as a lowercase string" (CreateDBInstance DBInstanceIdentifier,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html); proxies are
 * lower-cased the same way while `Ref` returns the submitted name (https://github.com/aws/aws-cdk/issues/38270).
 * ElastiCache: CacheClusterId and ReplicationGroupId are "stored as a lowercase string"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html).
 */
const LOWER_CASE_DIMENSIONS: Record<string, Record<string, string>> = {
  DBInstanceIdentifier: { 'AWS::RDS::DBInstance': 'DBInstanceIdentifier' },
  DBClusterIdentifier: { 'AWS::RDS::DBCluster': 'DBClusterIdentifier' },
  ProxyName: { 'AWS::RDS::DBProxy': 'DBProxyName' },
  CacheClusterId: { 'AWS::ElastiCache::CacheCluster': 'ClusterName' },
  ReplicationGroupId: { 'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId' },
};

/**
 * A dimension naming an RDS instance, cluster or proxy, or an ElastiCache cluster or replication
 * group must be a lower-case literal, or point (`Ref`/`Fn::GetAtt`) at a resource whose name property
 * is a lower-case literal. AWS stores these names in lower case and publishes metrics under the stored
 * name; a mixed-case dimension selects a series that never has data, so the alarm never fires (with
 * `notBreaching` it sits at OK) and the dashboard graph stays empty.
 */
export const metricDimensionLowerCase: Rule = {
  id: 'MetricDimensionLowerCase',
  description:
    'A metric dimension naming an RDS instance, cluster or proxy or an ElastiCache cluster or replication group must ' +
    'resolve to a lower-case name: AWS stores these names in lower case, so a mixed-case dimension selects a series ' +
    'that never has data and the alarm never fires.',
  source: 'https://github.com/aws/aws-cdk/issues/38270',
  resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard'],
  check(resource, template) {
    if (resource.type === 'AWS::CloudWatch::Dashboard') return checkDashboard(resource, template);
    const findings: Finding[] = [];
    const checkDimensions = (dimensions: unknown, at: string) =>
      asArray(dimensions).forEach((d, i) => {
        if (!isObject(d) || typeof d.Name !== 'string') return;
        const problem = lowerCaseProblem(d.Name, d.Value, template);
        if (problem) findings.push({ location: `${at}/${i}/Value`, message: problem });
      });
    checkDimensions(resource.properties.Dimensions, 'Properties/Dimensions');
    asArray(resource.properties.Metrics).forEach((m, i) => {
      const metric = isObject(m) && isObject(m.MetricStat) ? m.MetricStat.Metric : undefined;
      if (isObject(metric)) {
        checkDimensions(metric.Dimensions, `Properties/Metrics/${i}/MetricStat/Metric/Dimensions`);
      }
    });
    return findings;
  },
};

/** Why the value of dimension `name` is not shown to be lower case; undefined when it is (or `name` is not one of ours). */
function lowerCaseProblem(name: string, value: unknown, template: StackTemplate): string | undefined {
  const nameProperties = LOWER_CASE_DIMENSIONS[name];
  if (!nameProperties) return undefined;
  const target = template.referenced(value);
  if (target) {
    const { resource } = target;
    const nameProperty = nameProperties[resource.type];
    if (!nameProperty) {
      return `${name} points at ${resource.logicalId} (${resource.type}), which is not a resource this dimension names`;
    }
    const resourceName = template.render(resource.properties[nameProperty]);
    if (resourceName === undefined) {
      return (
        `${name} points at ${resource.logicalId}, which has no ${nameProperty}: the generated name may hold ` +
        `upper-case letters; give it an explicit lower-case ${nameProperty}`
      );
    }
    return literalProblem(name, resourceName, `${resource.logicalId}.${nameProperty}`);
  }
  const rendered = template.render(value);
  return rendered === undefined
    ? `${name} has a value the template cannot show as a string`
    : literalProblem(name, rendered, 'the value');
}

function literalProblem(dimension: string, value: string, what: string): string | undefined {
  if (value.includes(UNKNOWN)) {
    return `${dimension}: ${what} "${shown(value)}" is only known at deploy time, so it cannot be shown to be lower case`;
  }
  if (value !== value.toLowerCase()) {
    return `${dimension}: ${what} "${value}" has upper-case letters; AWS publishes the metrics under "${value.toLowerCase()}"`;
  }
  return undefined;
}

/**
 * The dashboard body is JSON assembled with `Fn::Join`; a metric line reads
 * `[namespace, metricName, "ProxyName", <value>, ...]`. Each intrinsic part of the join is replaced by
 * a numbered marker so that a dimension value can be traced back to the reference it came from.
 */
function checkDashboard(resource: TemplateResource, template: StackTemplate): Finding[] {
  const body = resource.properties.DashboardBody;
  const parts: unknown[] = [];
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else if (isObject(body) && Array.isArray(body['Fn::Join']) && Array.isArray(body['Fn::Join'][1])) {
    const [separator, pieces] = body['Fn::Join'] as [string, unknown[]];
    text = pieces
      .map((piece) => {
        if (typeof piece === 'string') return piece;
        parts.push(piece);
        return `${UNKNOWN}${parts.length - 1}${UNKNOWN}`;
      })
      .join(separator);
  } else {
    return [];
  }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const dimension = new RegExp(
    `"(${Object.keys(LOWER_CASE_DIMENSIONS).join('|')})","((?:[^"\\\\]|\\\\.)*)"`,
    'g',
  );
  for (const match of text.matchAll(dimension)) {
    const [, name, raw] = match;
    const marker = new RegExp(`^${UNKNOWN}(\\d+)${UNKNOWN}$`).exec(raw);
    const problem = marker
      ? lowerCaseProblem(name, parts[Number(marker[1])], template)
      : raw.includes(UNKNOWN)
        ? literalProblem(name, raw.replace(new RegExp(`${UNKNOWN}\\d+${UNKNOWN}`, 'g'), UNKNOWN), 'the value')
        : literalProblem(name, JSON.parse(`"${raw}"`) as string, 'the value');
    if (problem && !seen.has(problem)) {
      seen.add(problem);
      findings.push({ location: 'Properties/DashboardBody', message: problem });
    }
  }
  return findings;
}
