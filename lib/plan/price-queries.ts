/**
 * The AWS Price List query of each price key of `prices.json`: the service code and the product
 * attributes (TERM_MATCH filters, sent to GetProducts) that narrow the answer to the region and the
 * product, then the `usagetype` (and, where needed, attributes) that pick the one product among what
 * comes back. `refresh.ts` runs them.
 *
 * Sources:
 * - GetProducts, its TERM_MATCH filters on product attributes and `regionCode`, NextToken paging and
 *   the PriceList entries (one JSON document per product: `product.attributes`,
 *   `terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD`):
 *   https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html
 *   and the example output of https://docs.aws.amazon.com/cli/latest/reference/pricing/get-products.html.
 * - Service codes, product families and attribute values (`Database Instance` + `databaseEngine`
 *   PostgreSQL + `deploymentOption` Single-AZ + `instanceType`; `Database Storage` + `volumeType`
 *   General Purpose-GP3 + `databaseEngine` Any; `Cache Instance` + `cacheEngine`; AmazonECS `Compute`;
 *   AWSELB `Load Balancer-Application` + `locationType` AWS Region; AmazonEC2 `NAT Gateway`;
 *   AmazonCloudWatch `Alarm` + `alarmType`, `Dashboard`, `Data Payload`; AWSLambda `Serverless` +
 *   `group`; awskms `Encryption Key`; AWSSecretsManager `Secret`; awswaf `Web Application Firewall`;
 *   AmazonRoute53 `DNS Zone`, `DNS Health Check`; AmazonRDS `Performance Insights`) and usage types:
 *   infracost's AWS price filters (https://github.com/infracost/infracost, internal/resources/aws/
 *   db_instance.go, elasticache_cluster.go, ecs_service.go, lb.go, nat_gateway.go,
 *   cloudwatch_metric_alarm.go, cloudwatch_dashboard.go, cloudwatch_log_group.go, lambda_function.go,
 *   kms_key.go, secretsmanager_secret.go, wafv2_web_acl.go, route53_zone.go, route53_health_check.go).
 * - Usage types seen in public price-list readers and cost reports (Fargate `USE1-Fargate-ARM-vCPU-Hours:perCPU`
 *   and `-GB-Hours`; `USE1-RDS:ProxyUsage` with `databaseEngine` PostgreSQL; `USE1-PublicIPv4:InUseAddress`
 *   under AmazonVPC; ElastiCache `NodeUsage:cache.t4g.micro` next to `ExtendedSupportYr1_Yr2-NodeUsage:...`
 *   surcharges; Lambda `Request`, `Lambda-GB-Second(-ARM)` with tiered price dimensions and a zero-priced
 *   free-tier product). Usage types carry a region prefix (`USE1-`, `EUW2-`, `EU-`) in most regions
 *   and for some services in us-east-1 too, so a usage type is matched with or without one, and only
 *   an upper-case region token counts as a prefix (`ExtendedSupportYr3-NodeUsage:...` does not match).
 * The queries have not been run against AWS from this repository (no account here); the tests run
 * them against recorded-shape answers.
 */
import { CACHE_NODE_TYPES, ClassSpec, RDS_INSTANCE_CLASSES } from '../config/tables/instance-classes';

/** One TERM_MATCH filter: the product attribute `field` equals `value`. */
export interface ProductFilter {
  readonly field: string;
  readonly value: string;
}

export interface PriceQuery {
  readonly serviceCode: string;
  /** Sent to GetProducts (TERM_MATCH), `regionCode` first. */
  readonly filters: readonly ProductFilter[];
  /** The product's `usagetype`: a name matched with or without a region prefix, or a pattern. */
  readonly usagetype: string | RegExp;
  /** Attributes the product must also have (checked on the answer). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** The key prices a million of what the API prices one of (requests). */
  readonly perMillion?: boolean;
}

const RDS_INSTANCE_KEY = /^rds\.postgres\.(db\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;
const CACHE_NODE_KEY = /^elasticache\.(cache\.[a-z0-9]+\.[a-z0-9]+)\.hour$/;

/** The families the config accepts, in table order (used by the Performance Insights pattern). */
const RDS_FAMILIES = [...new Set(RDS_INSTANCE_CLASSES.map((c) => c.family))];

/** The query of a price key for `region`, or undefined when no query is known for the key. */
export function priceQuery(key: string, region: string): PriceQuery | undefined {
  const q = (
    serviceCode: string,
    filters: Record<string, string>,
    usagetype: string | RegExp,
    extra: Partial<PriceQuery> = {},
  ): PriceQuery => ({
    serviceCode,
    filters: [
      { field: 'regionCode', value: region },
      ...Object.entries(filters).map(([field, value]) => ({ field, value })),
    ],
    usagetype,
    ...extra,
  });

  const rds = RDS_INSTANCE_KEY.exec(key);
  if (rds) {
    return q(
      'AmazonRDS',
      {
        productFamily: 'Database Instance',
        databaseEngine: 'PostgreSQL',
        deploymentOption: 'Single-AZ',
        instanceType: rds[1],
      },
      // Not `ExtendedSupport-InstanceUsage:...` (a surcharge for old engine versions).
      `InstanceUsage:${rds[1]}`,
    );
  }
  const cache = CACHE_NODE_KEY.exec(key);
  if (cache) {
    // The price file holds Redis OSS node prices (the stack's default engine).
    return q(
      'AmazonElastiCache',
      { productFamily: 'Cache Instance', cacheEngine: 'Redis', instanceType: cache[1] },
      `NodeUsage:${cache[1]}`,
    );
  }
  const fargate = /^fargate\.(ARM64|X86_64)\.(vcpuHour|gbHour)$/.exec(key);
  if (fargate) {
    const arm = fargate[1] === 'ARM64' ? 'ARM-' : '';
    const usage = fargate[2] === 'vcpuHour' ? `Fargate-${arm}vCPU-Hours:perCPU` : `Fargate-${arm}GB-Hours`;
    return q('AmazonECS', { productFamily: 'Compute' }, usage);
  }
  const lambdaDuration = /^lambda\.(arm64|x86_64)\.gbSecond$/.exec(key);
  if (lambdaDuration) {
    const arm = lambdaDuration[1] === 'arm64';
    return q(
      'AWSLambda',
      { productFamily: 'Serverless', group: arm ? 'AWS-Lambda-Duration-ARM' : 'AWS-Lambda-Duration' },
      arm ? 'Lambda-GB-Second-ARM' : 'Lambda-GB-Second',
    );
  }
  const elb = { productFamily: 'Load Balancer-Application', locationType: 'AWS Region' };
  const queries: Record<string, () => PriceQuery> = {
    'alb.hour': () => q('AWSELB', elb, 'LoadBalancerUsage'),
    'alb.lcuHour': () => q('AWSELB', elb, 'LCUUsage'),
    'nat.hour': () => q('AmazonEC2', { productFamily: 'NAT Gateway' }, 'NatGateway-Hours'),
    'nat.gb': () => q('AmazonEC2', { productFamily: 'NAT Gateway' }, 'NatGateway-Bytes'),
    'publicIpv4.hour': () => q('AmazonVPC', {}, 'PublicIPv4:InUseAddress'),
    'rds.gp3.gbMonth': () =>
      q(
        'AmazonRDS',
        {
          productFamily: 'Database Storage',
          volumeType: 'General Purpose-GP3',
          deploymentOption: 'Single-AZ',
          databaseEngine: 'Any',
        },
        'RDS:GP3-Storage',
      ),
    // The key is one price for every family: priced only when all families the config accepts
    // answer the same (the price list has one usage type per family, `PI_LTR:R7G`).
    'rds.performanceInsights.vcpuMonth': () =>
      q(
        'AmazonRDS',
        { productFamily: 'Performance Insights' },
        new RegExp(`^(?:[A-Z0-9]+[-:])?PI_LTR:(?:${RDS_FAMILIES.map((f) => f.toUpperCase()).join('|')})$`),
      ),
    // No product family is known for the proxy, so the query pages through the engine's products.
    'rds.proxy.vcpuHour': () => q('AmazonRDS', { databaseEngine: 'PostgreSQL' }, 'RDS:ProxyUsage'),
    'cloudwatch.alarmMetricMonth': () =>
      q('AmazonCloudWatch', { productFamily: 'Alarm' }, /AlarmMonitorUsage$/, {
        attributes: { alarmType: 'Standard' },
      }),
    'cloudwatch.highResAlarmMetricMonth': () =>
      q('AmazonCloudWatch', { productFamily: 'Alarm' }, /AlarmMonitorUsage$/, {
        attributes: { alarmType: 'High Resolution' },
      }),
    'cloudwatch.dashboardMonth': () =>
      q('AmazonCloudWatch', { productFamily: 'Dashboard' }, 'DashboardsUsageHour'),
    'cloudwatch.logsIngestGb': () =>
      q('AmazonCloudWatch', { productFamily: 'Data Payload' }, 'DataProcessing-Bytes'),
    'lambda.requestMillion': () =>
      q('AWSLambda', { productFamily: 'Serverless', group: 'AWS-Lambda-Requests' }, 'Request', {
        perMillion: true,
      }),
    'kms.keyMonth': () => q('awskms', { productFamily: 'Encryption Key' }, 'KMS-Keys'),
    'secretsManager.secretMonth': () =>
      q('AWSSecretsManager', { productFamily: 'Secret' }, 'AWSSecretsManager-Secrets'),
    'waf.webAclMonth': () => q('awswaf', { productFamily: 'Web Application Firewall' }, 'WebACLV2'),
    'waf.ruleMonth': () => q('awswaf', { productFamily: 'Web Application Firewall' }, 'RuleV2'),
    'waf.requestMillion': () =>
      q('awswaf', { productFamily: 'Web Application Firewall' }, 'RequestV2-Tier1', { perMillion: true }),
    'route53.hostedZoneMonth': () => q('AmazonRoute53', { productFamily: 'DNS Zone' }, 'HostedZone'),
    'route53.healthCheckMonth': () =>
      q('AmazonRoute53', { productFamily: 'DNS Health Check' }, /^(?:[A-Z0-9]+-)?Health-Check-Non-AWS$/i),
  };
  return queries[key]?.();
}

/**
 * Whether a product's `usagetype` is the wanted one: the same name, or the name after a region
 * prefix (`USE1-`, `EU-`, `USE1:`); a pattern is tested as it is.
 */
export function usagetypeMatches(actual: string, wanted: string | RegExp): boolean {
  if (typeof wanted !== 'string') return wanted.test(actual);
  if (actual === wanted) return true;
  return actual.endsWith(wanted) && /^[A-Z0-9]+[-:]$/.test(actual.slice(0, actual.length - wanted.length));
}

/** The query in one line, for the `source` of a refreshed price. */
export function describeQuery(query: PriceQuery): string {
  const usage = typeof query.usagetype === 'string' ? query.usagetype : `matching ${String(query.usagetype)}`;
  const attributes = Object.entries(query.attributes ?? {}).map(([k, v]) => `, ${k}=${v}`);
  return `${query.serviceCode} ${query.filters.map((f) => `${f.field}=${f.value}`).join(', ')}; usagetype ${usage}${attributes.join('')}`;
}

/** The base (smallest) size of every RDS family and ElastiCache node family the config accepts. */
export function baseSizeKeys(): string[] {
  // The tables list the sizes of a family smallest first.
  const firstOfFamily = (classes: readonly ClassSpec[]) =>
    classes.filter((c, i) => classes.findIndex((x) => x.family === c.family) === i).map((c) => c.name);
  return [
    ...firstOfFamily(RDS_INSTANCE_CLASSES).map((name) => `rds.postgres.${name}.hour`),
    ...firstOfFamily(CACHE_NODE_TYPES).map((name) => `elasticache.${name}.hour`),
  ];
}
