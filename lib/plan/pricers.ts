/**
 * One pricer per CloudFormation resource type: what a resource of that type bills per month, from
 * its properties, the price book and the stated usage. `estimateMonthlyCost` (cost.ts) runs them.
 */
import { rdsVcpus } from './class-prices';
import type { CostLine, PriceBook, UsageAssumptions } from './types';
import {
  CfnResource,
  CfnTemplate,
  numberProp,
  referencedId,
  requireNumber,
  resourcesOfType,
} from './template';

/** Types that cost nothing by themselves, or only by usage the estimate states it leaves out. */
export const FREE_OR_USAGE_ONLY = new Set([
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CloudWatch::CompositeAlarm', // none today; priced separately if added
  'AWS::EC2::InternetGateway',
  'AWS::EC2::Route',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::FIS::ExperimentTemplate', // billed per action-minute of an experiment run
  'AWS::Logs::ResourcePolicy',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ECS::TaskDefinition',
  'AWS::ElastiCache::ParameterGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::Events::Rule',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBProxyTargetGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::Route53::RecordSet',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::Serverless::Application',
  'AWS::StepFunctions::StateMachine',
  'AWS::WAFv2::IPSet',
  'AWS::WAFv2::LoggingConfiguration', // the logs bill as ingestion where they land
  'AWS::WAFv2::RegexPatternSet',
  'AWS::WAFv2::WebACLAssociation',
]);

export interface PricingContext {
  readonly template: CfnTemplate;
  readonly prices: PriceBook;
  readonly usage: UsageAssumptions;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly hours: number;
  price(key: string, what: string): number;
}

export type Pricer = (ctx: PricingContext, resources: [string, CfnResource][]) => CostLine[];

const fixed = (item: string, quantity: string, usd: number, prices: string[]): CostLine => ({
  item,
  quantity,
  atMinTasks: usd,
  atMaxTasks: usd,
  prices,
});

export const PRICERS: Record<string, Pricer> = {
  'AWS::ECS::Service': () => [], // priced through the task definition below (tasks x size)
  'AWS::ApplicationAutoScaling::ScalableTarget': () => [],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (ctx, resources) =>
    resources.flatMap(([id, r]) => {
      const p = r.Properties ?? {};
      const lines: CostLine[] = [
        fixed('Load balancer hours', `${ctx.hours} h`, ctx.hours * ctx.price('alb.hour', id), ['alb.hour']),
      ];
      const lcu = ctx.price('alb.lcuHour', id);
      const atMin = ctx.usage.albLcuAtMinTasks;
      const atMax = (atMin * ctx.maxTasks) / ctx.minTasks;
      lines.push({
        item: 'Load balancer capacity units',
        quantity: `${atMin} LCU at the minimum task count, ${round(atMax)} at ${ctx.maxTasks} tasks (traffic scales with tasks) x ${ctx.hours} h`,
        atMinTasks: atMin * lcu * ctx.hours,
        atMaxTasks: atMax * lcu * ctx.hours,
        prices: ['alb.lcuHour'],
      });
      if (p.Scheme !== 'internal') {
        const subnets = Array.isArray(p.Subnets) ? p.Subnets.length : 0;
        lines.push(
          fixed(
            'Load balancer public IPv4 addresses',
            `${subnets} (one per subnet) x ${ctx.hours} h`,
            subnets * ctx.hours * ctx.price('publicIpv4.hour', id),
            ['publicIpv4.hour'],
          ),
        );
      }
      return lines;
    }),
  'AWS::EC2::NatGateway': (ctx, resources) => [
    fixed(
      `NAT gateways`,
      `${resources.length} x ${ctx.hours} h`,
      resources.length * ctx.hours * ctx.price('nat.hour', resources[0][0]),
      ['nat.hour'],
    ),
    fixed(
      'NAT gateway data',
      `${ctx.usage.natGbPerMonth} GB/month (assumed)`,
      ctx.usage.natGbPerMonth * ctx.price('nat.gb', resources[0][0]),
      ['nat.gb'],
    ),
  ],
  'AWS::EC2::EIP': (ctx, resources) => [
    fixed(
      'Elastic IP addresses (NAT gateways)',
      `${resources.length} x ${ctx.hours} h`,
      resources.length * ctx.hours * ctx.price('publicIpv4.hour', resources[0][0]),
      ['publicIpv4.hour'],
    ),
  ],
  'AWS::EC2::VPCEndpoint': (_ctx, resources) => {
    const interfaces = resources.filter(([, r]) => r.Properties?.VpcEndpointType === 'Interface');
    if (interfaces.length > 0)
      throw new Error(`${interfaces[0][0]}: interface VPC endpoints are not priced yet`);
    return []; // gateway endpoints (S3, DynamoDB) are free
  },
  'AWS::RDS::DBInstance': (ctx, resources) =>
    resources.flatMap(([id, r]) => {
      const p = r.Properties ?? {};
      const cls = String(p.DBInstanceClass);
      const source = referencedId(p.SourceDBInstanceIdentifier);
      const multiAz = p.MultiAZ === true || p.MultiAZ === 'true';
      const copies = multiAz ? 2 : 1;
      const role = source ? 'replica' : 'primary';
      const key = `rds.postgres.${cls}.hour`;
      const lines: CostLine[] = [
        fixed(
          `RDS ${role} ${cls}${multiAz ? ' (Multi-AZ: primary + standby)' : ''}`,
          `${copies} x ${ctx.hours} h`,
          copies * ctx.hours * ctx.price(key, `${id} (${cls})`),
          [key],
        ),
      ];
      const storageType = String(p.StorageType ?? 'gp2');
      const storageFrom = source ? ctx.template.Resources[source]?.Properties : p;
      const gib = numberProp(p, 'AllocatedStorage') ?? numberProp(storageFrom, 'AllocatedStorage');
      if (gib === undefined) throw new Error(`${id}: AllocatedStorage is missing (and not inherited)`);
      if (storageType !== 'gp3')
        throw new Error(`${id}: storage type ${storageType} is not priced (gp3 only)`);
      lines.push(
        fixed(
          `RDS ${role} gp3 storage`,
          `${gib} GiB${copies > 1 ? ' x 2 copies' : ''} (allocated; autoscaling may grow it)`,
          gib * copies * ctx.price('rds.gp3.gbMonth', id),
          ['rds.gp3.gbMonth'],
        ),
      );
      const retention = numberProp(p, 'PerformanceInsightsRetentionPeriod') ?? 7;
      if ((p.EnablePerformanceInsights === true || p.EnablePerformanceInsights === 'true') && retention > 7) {
        const vcpus = vcpusOf(ctx, cls, id);
        lines.push(
          fixed(
            `Performance Insights ${retention}-day retention (${role})`,
            `${vcpus} vCPUs (beyond the free 7 days)`,
            vcpus * ctx.price('rds.performanceInsights.vcpuMonth', id),
            ['rds.performanceInsights.vcpuMonth'],
          ),
        );
      }
      return lines;
    }),
  'AWS::RDS::DBProxy': (ctx, resources) =>
    resources.map(([id]) => {
      // RDS Proxy bills per vCPU of the instances it targets, with a minimum of 2 vCPUs.
      const targets = resourcesOfType(ctx.template, 'AWS::RDS::DBProxyTargetGroup')
        .filter(([, tg]) => referencedId(tg.Properties?.DBProxyName) === id)
        .flatMap(([, tg]) => (tg.Properties?.DBInstanceIdentifiers as unknown[]) ?? [])
        .map((ref) => referencedId(ref))
        .filter((t): t is string => !!t);
      const vcpus = targets.reduce((sum, t) => {
        const cls = String(ctx.template.Resources[t]?.Properties?.DBInstanceClass);
        return sum + vcpusOf(ctx, cls, t);
      }, 0);
      const billed = Math.max(2, vcpus);
      return fixed(
        'RDS Proxy',
        `${billed} vCPUs of the target (minimum 2) x ${ctx.hours} h`,
        billed * ctx.hours * ctx.price('rds.proxy.vcpuHour', id),
        ['rds.proxy.vcpuHour'],
      );
    }),
  'AWS::ElastiCache::ReplicationGroup': (ctx, resources) =>
    resources.map(([id, r]) => {
      const p = r.Properties ?? {};
      const nodeType = String(p.CacheNodeType);
      const groups = numberProp(p, 'NumNodeGroups');
      const nodes =
        groups !== undefined
          ? groups * ((numberProp(p, 'ReplicasPerNodeGroup') ?? 0) + 1)
          : requireNumber(id, p, 'NumCacheClusters');
      // Valkey nodes are billed at their own, lower rate (prices.json has both engines' lines).
      const valkey = String(p.Engine).toLowerCase() === 'valkey';
      const key = `elasticache.${valkey ? 'valkey.' : ''}${nodeType}.hour`;
      return fixed(
        `ElastiCache ${nodeType} nodes (${valkey ? 'Valkey' : 'Redis OSS'})`,
        `${nodes} x ${ctx.hours} h`,
        nodes * ctx.hours * ctx.price(key, `${id} (${nodeType})`),
        [key],
      );
    }),
  'AWS::CloudWatch::Alarm': (ctx, resources) => {
    // Alarms bill per metric they evaluate (a metric-math alarm per metric in its expression), and
    // high-resolution (period under 60 s) metrics at the higher rate.
    let standard = 0;
    let highRes = 0;
    for (const [, r] of resources) {
      const p = r.Properties ?? {};
      const queries = Array.isArray(p.Metrics) ? (p.Metrics as Record<string, unknown>[]) : undefined;
      const periods = queries
        ? queries
            .filter((q) => q.MetricStat)
            .map((q) => Number((q.MetricStat as Record<string, unknown>).Period ?? 60))
        : [numberProp(p, 'Period') ?? 60];
      for (const period of periods) {
        if (period < 60) highRes++;
        else standard++;
      }
    }
    const lines = [
      fixed(
        `CloudWatch alarms (${resources.length})`,
        `${standard} standard-resolution alarm metrics`,
        standard * ctx.price('cloudwatch.alarmMetricMonth', 'alarms'),
        ['cloudwatch.alarmMetricMonth'],
      ),
    ];
    if (highRes > 0) {
      lines.push(
        fixed(
          'CloudWatch high-resolution alarm metrics',
          `${highRes}`,
          highRes * ctx.price('cloudwatch.highResAlarmMetricMonth', 'alarms'),
          ['cloudwatch.highResAlarmMetricMonth'],
        ),
      );
    }
    return lines;
  },
  'AWS::CloudWatch::Dashboard': (ctx, resources) => [
    fixed(
      'CloudWatch dashboards',
      `${resources.length}`,
      resources.length * ctx.price('cloudwatch.dashboardMonth', resources[0][0]),
      ['cloudwatch.dashboardMonth'],
    ),
  ],
  'AWS::Lambda::Function': (ctx, resources) =>
    resources.flatMap(([id, r]) => {
      const perMonth = scheduledInvocationsPerMonth(ctx, id);
      if (perMonth === 0) return []; // custom-resource handlers run at deploy time only
      const p = r.Properties ?? {};
      const arch = Array.isArray(p.Architectures) && p.Architectures[0] === 'arm64' ? 'arm64' : 'x86_64';
      const gb = (numberProp(p, 'MemorySize') ?? 128) / 1024;
      const seconds = ctx.usage.lambdaSecondsPerInvocation;
      const usd =
        (perMonth / 1e6) * ctx.price('lambda.requestMillion', id) +
        perMonth * seconds * gb * ctx.price(`lambda.${arch}.gbSecond`, id);
      return [
        fixed(
          `Lambda ${id.replace(/[0-9A-F]{8}$/, '')} (${arch}, ${gb * 1024} MB)`,
          `${Math.round(perMonth)} scheduled invocations x ${seconds} s (assumed)`,
          usd,
          ['lambda.requestMillion', `lambda.${arch}.gbSecond`],
        ),
      ];
    }),
  'AWS::KMS::Key': (ctx, resources) => [
    fixed('KMS keys', `${resources.length}`, resources.length * ctx.price('kms.keyMonth', resources[0][0]), [
      'kms.keyMonth',
    ]),
  ],
  'AWS::SecretsManager::Secret': (ctx, resources) => [
    fixed(
      'Secrets Manager secrets',
      `${resources.length}`,
      resources.length * ctx.price('secretsManager.secretMonth', resources[0][0]),
      ['secretsManager.secretMonth'],
    ),
  ],
  'AWS::WAFv2::WebACL': (ctx, resources) =>
    resources.map(([id, r]) => {
      const rules = Array.isArray(r.Properties?.Rules) ? r.Properties.Rules.length : 0;
      const million = ctx.usage.wafMillionRequestsPerMonth;
      return fixed(
        'WAF web ACL',
        `1 ACL + ${rules} rules + ${million} M requests/month (assumed)`,
        ctx.price('waf.webAclMonth', id) +
          rules * ctx.price('waf.ruleMonth', id) +
          million * ctx.price('waf.requestMillion', id),
        ['waf.webAclMonth', 'waf.ruleMonth', 'waf.requestMillion'],
      );
    }),
  'AWS::EC2::FlowLog': (ctx, resources) => [
    fixed(
      'VPC flow logs (CloudWatch Logs ingestion)',
      `${resources.length} x ${ctx.usage.flowLogGbPerMonth} GB/month (assumed)`,
      resources.length * ctx.usage.flowLogGbPerMonth * ctx.price('cloudwatch.logsIngestGb', resources[0][0]),
      ['cloudwatch.logsIngestGb'],
    ),
  ],
  'AWS::Route53::HealthCheck': (ctx, resources) => [
    fixed(
      'Route 53 health checks',
      `${resources.length}`,
      resources.length * ctx.price('route53.healthCheckMonth', resources[0][0]),
      ['route53.healthCheckMonth'],
    ),
  ],
  'AWS::Route53::HostedZone': (ctx, resources) => [
    fixed(
      'Route 53 hosted zones',
      `${resources.length}`,
      resources.length * ctx.price('route53.hostedZoneMonth', resources[0][0]),
      ['route53.hostedZoneMonth'],
    ),
  ],
};

function vcpusOf(ctx: PricingContext, cls: string, what: string): number {
  const v = rdsVcpus(cls) ?? ctx.prices.vcpus[cls];
  if (typeof v !== 'number') {
    throw new Error(
      `no vCPU count for ${cls} (${what}) in lib/plan/prices.json "vcpus": add it from the RDS instance class table`,
    );
  }
  return v;
}

/** Invocations per month of a function triggered by an EventBridge `rate(...)` schedule. */
function scheduledInvocationsPerMonth(ctx: PricingContext, functionId: string): number {
  let perMonth = 0;
  for (const [, rule] of resourcesOfType(ctx.template, 'AWS::Events::Rule')) {
    const p = rule.Properties ?? {};
    const targets = (p.Targets as { Arn?: unknown }[] | undefined) ?? [];
    if (!targets.some((t) => referencedId(t.Arn) === functionId)) continue;
    const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(String(p.ScheduleExpression ?? ''));
    if (!m) continue;
    const minutes = Number(m[1]) * (m[2].startsWith('minute') ? 1 : m[2].startsWith('hour') ? 60 : 1440);
    perMonth += (ctx.hours * 60) / minutes;
  }
  return perMonth;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
