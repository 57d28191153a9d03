/**
 * Monthly cost of a synthesized stack, itemized, at the minimum and at the maximum task count.
 *
 * Pure: reads a template and a price book (`prices.json`, us-east-1 on-demand, each line with its
 * date and source) and applies stated usage assumptions. One pricer per resource type, so a new
 * resource type (a WAF web ACL, another NAT gateway) is priced when it appears in the template;
 * a type that is neither priced nor known to be free is reported in `unpriced`, never silently
 * dropped.
 */
import pricesJson from './prices.json';
import {
  CfnResource,
  CfnTemplate,
  numberProp,
  referencedId,
  requireNumber,
  resourcesOfType,
} from './template';

export interface PriceLine {
  readonly usd: number;
  readonly unit: string;
  /** `third-party` (a stored page citing the AWS rate) or `unverified` (not found on a stored page). */
  readonly status: string;
  readonly source: string;
  readonly awsPage: string;
  readonly date: string;
}

export interface PriceBook {
  readonly region: string;
  readonly recorded: string;
  readonly hoursPerMonth: number;
  readonly prices: Record<string, PriceLine>;
  readonly vcpus: Record<string, number | string>;
}

export const PRICES: PriceBook = pricesJson as PriceBook;

/** Usage the estimate cannot read from a template; printed next to the numbers. */
export interface UsageAssumptions {
  /** Average load balancer capacity units at the minimum task count; scales with the task count. */
  readonly albLcuAtMinTasks: number;
  /** GB through all NAT gateways per month (image pulls, AWS APIs, outbound calls). */
  readonly natGbPerMonth: number;
  /** GB of VPC flow log records per flow log per month. */
  readonly flowLogGbPerMonth: number;
  /** Million requests a WAF web ACL inspects per month. */
  readonly wafMillionRequestsPerMonth: number;
  /** Seconds one scheduled function invocation runs. */
  readonly lambdaSecondsPerInvocation: number;
}

export const DEFAULT_USAGE: UsageAssumptions = {
  albLcuAtMinTasks: 1,
  natGbPerMonth: 100,
  flowLogGbPerMonth: 5,
  wafMillionRequestsPerMonth: 10,
  lambdaSecondsPerInvocation: 2,
};

export interface CostLine {
  /** What is billed, e.g. `RDS primary db.r7g.large (Multi-AZ)`. */
  readonly item: string;
  /** How the quantity was derived, e.g. `2 x 730 h`. */
  readonly quantity: string;
  readonly atMinTasks: number;
  readonly atMaxTasks: number;
  /** Keys of `prices.json` used, so every figure traces back to its source line. */
  readonly prices: readonly string[];
}

export interface CostEstimate {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly atMinTasks: number;
  readonly atMaxTasks: number;
  readonly lines: readonly CostLine[];
  /** Resource types in the template with no pricer and not known to be free: the estimate misses them. */
  readonly unpriced: readonly { readonly type: string; readonly count: number }[];
}

/** Types that cost nothing by themselves, or only by usage the estimate states it leaves out. */
const FREE_OR_USAGE_ONLY = new Set([
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
  'AWS::WAFv2::WebACLAssociation',
]);

/** What the estimate leaves out, stated with the numbers. */
export const NOT_INCLUDED =
  'data transfer out, CloudWatch Logs ingestion and storage of application, database and access logs, Container Insights metrics, S3 storage of ALB access logs, backups beyond the free allowance, SNS, Step Functions and the rotation function invocations, and free tiers (none are subtracted)';

interface Context {
  readonly template: CfnTemplate;
  readonly prices: PriceBook;
  readonly usage: UsageAssumptions;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly hours: number;
  price(key: string, what: string): number;
}

type Pricer = (ctx: Context, resources: [string, CfnResource][]) => CostLine[];

const fixed = (item: string, quantity: string, usd: number, prices: string[]): CostLine => ({
  item,
  quantity,
  atMinTasks: usd,
  atMaxTasks: usd,
  prices,
});

const PRICERS: Record<string, Pricer> = {
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
      const key = `elasticache.${nodeType}.hour`;
      return fixed(
        `ElastiCache ${nodeType} nodes`,
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

/** Estimate the monthly cost of one synthesized stack. */
export function estimateMonthlyCost(
  template: CfnTemplate,
  prices: PriceBook = PRICES,
  usage: UsageAssumptions = DEFAULT_USAGE,
): CostEstimate {
  const target = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalableTarget').find(
    ([, r]) => r.Properties?.ScalableDimension === 'ecs:service:DesiredCount',
  );
  const minTasks = target ? requireNumber(target[0], target[1].Properties, 'MinCapacity') : 1;
  const maxTasks = target ? requireNumber(target[0], target[1].Properties, 'MaxCapacity') : minTasks;
  const ctx: Context = {
    template,
    prices,
    usage,
    minTasks,
    maxTasks,
    hours: prices.hoursPerMonth,
    price(key, what) {
      const line = prices.prices[key];
      if (!line) {
        throw new Error(
          `no price "${key}" in lib/plan/prices.json for ${what}: add the us-east-1 on-demand rate with its source page and date`,
        );
      }
      return line.usd;
    },
  };

  const lines: CostLine[] = [...fargateLines(ctx)];
  const byType = new Map<string, [string, CfnResource][]>();
  for (const entry of Object.entries(template.Resources)) {
    const list = byType.get(entry[1].Type) ?? [];
    list.push(entry);
    byType.set(entry[1].Type, list);
  }
  const unpriced: { type: string; count: number }[] = [];
  for (const [type, resources] of byType) {
    const pricer = PRICERS[type];
    if (pricer) lines.push(...pricer(ctx, resources));
    else if (!FREE_OR_USAGE_ONLY.has(type) && !type.startsWith('Custom::')) {
      unpriced.push({ type, count: resources.length });
    }
  }
  const rounded = lines.map((l) => ({
    ...l,
    atMinTasks: cents(l.atMinTasks),
    atMaxTasks: cents(l.atMaxTasks),
  }));
  return {
    minTasks,
    maxTasks,
    atMinTasks: cents(rounded.reduce((s, l) => s + l.atMinTasks, 0)),
    atMaxTasks: cents(rounded.reduce((s, l) => s + l.atMaxTasks, 0)),
    lines: rounded,
    unpriced,
  };
}

function fargateLines(ctx: Context): CostLine[] {
  return resourcesOfType(ctx.template, 'AWS::ECS::TaskDefinition').map(([id, r]) => {
    const p = r.Properties ?? {};
    const vcpu = requireNumber(id, p, 'Cpu') / 1024;
    const gb = requireNumber(id, p, 'Memory') / 1024;
    const platform = (p.RuntimePlatform ?? {}) as Record<string, unknown>;
    const arch = platform.CpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
    const perTask =
      ctx.hours *
      (vcpu * ctx.price(`fargate.${arch}.vcpuHour`, id) + gb * ctx.price(`fargate.${arch}.gbHour`, id));
    return {
      item: `Fargate tasks (${vcpu} vCPU, ${gb} GB, ${arch})`,
      quantity: `${ctx.minTasks} to ${ctx.maxTasks} tasks x ${ctx.hours} h`,
      atMinTasks: ctx.minTasks * perTask,
      atMaxTasks: ctx.maxTasks * perTask,
      prices: [`fargate.${arch}.vcpuHour`, `fargate.${arch}.gbHour`],
    };
  });
}

function vcpusOf(ctx: Context, cls: string, what: string): number {
  const v = ctx.prices.vcpus[cls];
  if (typeof v !== 'number') {
    throw new Error(
      `no vCPU count for ${cls} (${what}) in lib/plan/prices.json "vcpus": add it from the RDS instance class table`,
    );
  }
  return v;
}

/** Invocations per month of a function triggered by an EventBridge `rate(...)` schedule. */
function scheduledInvocationsPerMonth(ctx: Context, functionId: string): number {
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

function cents(n: number): number {
  return Math.round(n * 100) / 100;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
