import { PRICES, PriceBook, UsageAssumptions, estimateMonthlyCost } from '../../lib/plan/cost';
import { CfnTemplate } from '../../lib/plan/template';
import { priceLine } from '../../lib/plan/class-prices';
import { CACHE_NODE_TYPES, RDS_INSTANCE_CLASSES } from '../../lib/config/tables/instance-classes';

// GIVEN a price book with round numbers and a 100-hour month, so every line can be checked by hand
const line = (usd: number) => ({
  usd,
  unit: 'test',
  status: 'test',
  source: 'test',
  awsPage: 'test',
  date: 'test',
});
const book: PriceBook = {
  region: 'us-east-1',
  recorded: 'test',
  hoursPerMonth: 100,
  vcpus: { 'db.t4g.micro': 2 },
  prices: {
    'fargate.ARM64.vcpuHour': line(0.04),
    'fargate.ARM64.gbHour': line(0.005),
    'alb.hour': line(0.02),
    'alb.lcuHour': line(0.01),
    'publicIpv4.hour': line(0.005),
    'nat.hour': line(0.05),
    'nat.gb': line(0.05),
    'rds.postgres.db.t4g.micro.hour': line(0.02),
    'rds.gp3.gbMonth': line(0.1),
    'rds.performanceInsights.vcpuMonth': line(2),
    'rds.proxy.vcpuHour': line(0.015),
    'elasticache.cache.t4g.micro.hour': line(0.02),
    'cloudwatch.alarmMetricMonth': line(0.1),
    'cloudwatch.highResAlarmMetricMonth': line(0.3),
    'cloudwatch.dashboardMonth': line(3),
    'cloudwatch.logsIngestGb': line(0.5),
    'kms.keyMonth': line(1),
    'secretsManager.secretMonth': line(0.4),
    'waf.webAclMonth': line(5),
    'waf.ruleMonth': line(1),
    'waf.requestMillion': line(0.6),
  },
};
const usage: UsageAssumptions = {
  albLcuAtMinTasks: 2,
  natGbPerMonth: 10,
  flowLogGbPerMonth: 4,
  wafMillionRequestsPerMonth: 3,
  lambdaSecondsPerInvocation: 2,
};
const metricStat = { MetricStat: { Metric: { MetricName: 'x', Namespace: 'y' }, Period: 60, Stat: 'Sum' } };
const template: CfnTemplate = {
  Resources: {
    Task: {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: { Cpu: '512', Memory: '1024', RuntimePlatform: { CpuArchitecture: 'ARM64' } },
    },
    Target: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Properties: { MinCapacity: 2, MaxCapacity: 4, ScalableDimension: 'ecs:service:DesiredCount' },
    },
    Alb: {
      Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      Properties: { Subnets: [{ Ref: 'A' }, { Ref: 'B' }] },
    },
    Nat: { Type: 'AWS::EC2::NatGateway' },
    Eip: { Type: 'AWS::EC2::EIP' },
    Primary: {
      Type: 'AWS::RDS::DBInstance',
      Properties: {
        DBInstanceClass: 'db.t4g.micro',
        MultiAZ: true,
        AllocatedStorage: '20',
        StorageType: 'gp3',
        EnablePerformanceInsights: true,
        PerformanceInsightsRetentionPeriod: 7,
      },
    },
    Replica: {
      Type: 'AWS::RDS::DBInstance',
      Properties: {
        DBInstanceClass: 'db.t4g.micro',
        SourceDBInstanceIdentifier: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':db:', { Ref: 'Primary' }]],
        },
        StorageType: 'gp3',
        EnablePerformanceInsights: true,
        PerformanceInsightsRetentionPeriod: 31,
      },
    },
    Proxy: { Type: 'AWS::RDS::DBProxy' },
    ProxyTargets: {
      Type: 'AWS::RDS::DBProxyTargetGroup',
      Properties: { DBProxyName: { Ref: 'Proxy' }, DBInstanceIdentifiers: [{ Ref: 'Primary' }] },
    },
    Cache: {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { CacheNodeType: 'cache.t4g.micro', NumCacheClusters: 2 },
    },
    Standard: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 60 } },
    MetricMath: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Metrics: [
          { Id: 'a', ...metricStat },
          { Id: 'b', ...metricStat },
          { Id: 'e', Expression: 'a/b' },
        ],
      },
    },
    HighRes: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 } },
    Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
    Key: { Type: 'AWS::KMS::Key' },
    Secret: { Type: 'AWS::SecretsManager::Secret' },
    Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } },
    FlowLog: { Type: 'AWS::EC2::FlowLog' },
    Role: { Type: 'AWS::IAM::Role' },
    Table: { Type: 'AWS::DynamoDB::Table' },
  },
};

describe('monthly cost of a small hand-priced template', () => {
  const cost = estimateMonthlyCost(template, book, usage);
  const byItem = Object.fromEntries(cost.lines.map((l) => [l.item, [l.atMinTasks, l.atMaxTasks]]));

  test('every line, computed by hand', () => {
    expect(byItem).toEqual({
      // 0.5 vCPU x 0.04 + 1 GB x 0.005 = 0.025/h x 100 h = 2.50 per task; 2 and 4 tasks
      'Fargate tasks (0.5 vCPU, 1 GB, ARM64)': [5, 10],
      'Load balancer hours': [2, 2],
      // 2 LCU at 2 tasks, 4 at 4 tasks, x 0.01 x 100 h
      'Load balancer capacity units': [2, 4],
      'Load balancer public IPv4 addresses': [1, 1],
      'NAT gateways': [5, 5],
      'NAT gateway data': [0.5, 0.5],
      'Elastic IP addresses (NAT gateways)': [0.5, 0.5],
      // Multi-AZ doubles the instance and the storage
      'RDS primary db.t4g.micro (Multi-AZ: primary + standby)': [4, 4],
      'RDS primary gp3 storage': [4, 4],
      // the replica inherits the primary's 20 GiB; 31-day Performance Insights: 2 vCPUs x 2
      'RDS replica db.t4g.micro': [2, 2],
      'RDS replica gp3 storage': [2, 2],
      'Performance Insights 31-day retention (replica)': [4, 4],
      // billed per vCPU of the target instance (2), minimum 2: 2 x 100 h x 0.015
      'RDS Proxy': [3, 3],
      'ElastiCache cache.t4g.micro nodes': [4, 4],
      // 1 + 2 (metric math: one per metric, the expression is free) standard; 1 high-resolution
      'CloudWatch alarms (3)': [0.3, 0.3],
      'CloudWatch high-resolution alarm metrics': [0.3, 0.3],
      'CloudWatch dashboards': [3, 3],
      'KMS keys': [1, 1],
      'Secrets Manager secrets': [0.4, 0.4],
      // 5 + 2 rules x 1 + 3 M requests x 0.6
      'WAF web ACL': [8.8, 8.8],
      'VPC flow logs (CloudWatch Logs ingestion)': [2, 2],
    });
  });

  test('totals at min and max tasks; an unknown type is reported, not dropped', () => {
    expect(cost).toMatchObject({ minTasks: 2, maxTasks: 4, atMinTasks: 54.8, atMaxTasks: 61.8 });
    expect(cost.unpriced).toEqual([{ type: 'AWS::DynamoDB::Table', count: 1 }]);
  });

  test('a resource without a price line fails with the key to add', () => {
    const bigger: CfnTemplate = {
      Resources: {
        ...template.Resources,
        Primary: {
          ...template.Resources.Primary,
          Properties: { ...template.Resources.Primary.Properties, DBInstanceClass: 'db.m7g.large' },
        },
      },
    };
    expect(() => estimateMonthlyCost(bigger, book, usage)).toThrow(
      /no price "rds\.postgres\.db\.m7g\.large\.hour" in lib\/plan\/prices\.json for Primary \(db\.m7g\.large\)/,
    );
  });
});

describe('prices.json', () => {
  test('every line has a positive price, a unit, a status, a source, the AWS page and a date', () => {
    for (const [key, p] of Object.entries(PRICES.prices)) {
      expect([key, p.usd > 0]).toEqual([key, true]);
      expect(p.unit.length).toBeGreaterThan(0);
      expect(['third-party', 'unverified', 'aws-price-list']).toContain(p.status);
      expect(p.source.length).toBeGreaterThan(0);
      expect(p.awsPage).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(p.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(PRICES.region).toBe('us-east-1');
  });
});

describe('every instance class and node type the config accepts has a price', () => {
  test('each RDS class and ElastiCache node type of the table is priced, with its source and date', () => {
    const keys = [
      ...RDS_INSTANCE_CLASSES.map((c) => `rds.postgres.${c.name}.hour`),
      ...CACHE_NODE_TYPES.map((c) => `elasticache.${c.name}.hour`),
    ];
    for (const key of keys) {
      const p = priceLine(PRICES, key);
      expect([key, p !== undefined && p.usd > 0]).toEqual([key, true]);
      expect(p!.source.length).toBeGreaterThan(0);
      expect(p!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  test('a size without a line of its own is derived from its family, in proportion to its capacity', () => {
    expect(priceLine(PRICES, 'rds.postgres.db.r7g.2xlarge.hour')).toMatchObject({
      usd: PRICES.prices['rds.postgres.db.r7g.large.hour'].usd * 4,
      status: 'derived',
      source: expect.stringContaining('rds.postgres.db.r7g.large.hour'),
    });
    // cache.t3.medium has no line: 4 x the micro (the AWS Price List lists 0.068 for it, 4 x 0.017).
    expect(priceLine(PRICES, 'elasticache.cache.t3.medium.hour')?.usd).toBeCloseTo(
      PRICES.prices['elasticache.cache.t3.micro.hour'].usd * 4,
      6,
    );
    expect(priceLine(PRICES, 'rds.postgres.db.x2g.large.hour')).toBeUndefined();
  });

  test('a size is derived from the recorded size of its family nearest in capacity (the smaller on a tie)', () => {
    // GIVEN recorded large (2 vCPUs) and 4xlarge (16 vCPUs) lines of one family, at rates that are not
    // in proportion (as AWS rounds each size's rate on its own)
    const two: PriceBook = {
      ...book,
      prices: {
        'rds.postgres.db.r7g.large.hour': line(0.2),
        'rds.postgres.db.r7g.4xlarge.hour': line(1.7),
      },
    };
    // THEN the 2xlarge (8 vCPUs) is half the 4xlarge, not 4 x the large
    expect(priceLine(two, 'rds.postgres.db.r7g.2xlarge.hour')).toMatchObject({
      usd: 0.85,
      status: 'derived',
      source: expect.stringContaining('rds.postgres.db.r7g.4xlarge.hour (1.7 USD, test) x 0.5'),
    });
    // AND the 8xlarge is 2 x the 4xlarge; the xlarge (as near the large as the 2xlarge would be) 2 x the large
    expect(priceLine(two, 'rds.postgres.db.r7g.8xlarge.hour')?.usd).toBe(3.4);
    expect(priceLine(two, 'rds.postgres.db.r7g.xlarge.hour')?.usd).toBe(0.4);
    // AND a family with no line stays unpriced
    expect(priceLine(two, 'rds.postgres.db.m7g.large.hour')).toBeUndefined();
  });

  test('the primary at db.r7g.2xlarge is priced (it used to fail with "no price")', () => {
    const bigger: CfnTemplate = {
      Resources: {
        ...template.Resources,
        Primary: {
          ...template.Resources.Primary,
          Properties: { ...template.Resources.Primary.Properties, DBInstanceClass: 'db.r7g.2xlarge' },
        },
      },
    };
    const cost = estimateMonthlyCost(bigger, PRICES, usage);
    const primary = cost.lines.find((l) => l.item.startsWith('RDS primary db.r7g.2xlarge'));
    expect(primary?.prices).toEqual(['rds.postgres.db.r7g.2xlarge.hour']);
    expect(primary?.atMinTasks).toBeCloseTo(
      // Multi-AZ in this template: primary + standby.
      2 * PRICES.hoursPerMonth * PRICES.prices['rds.postgres.db.r7g.large.hour'].usd * 4,
      2,
    );
  });
});
