import { Template } from 'aws-cdk-lib/assertions';
import { PRESETS } from '../lib/config/presets';
import { configErrorOf } from './config-error';
import { findings, presets, resourcesOf, singleResource, synth } from './helpers';

// GIVEN the presets, synthesized once for the whole run (cdk-nag and the CloudFormation validator included)
const { templates, validationReport } = presets();
const prod = templates.prod;

const ref = (id: string) => ({ Ref: id });
const logicalId = (t: Template, type: string, prefix: string) => singleResource(t, type, prefix)[0];
/** `arn:<partition>:<service>:<region>:<account>:<rest>` as CloudFormation renders it. */
const arn = (service: string, ...rest: unknown[]) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      ref('AWS::Partition'),
      `:${service}:`,
      ref('AWS::Region'),
      ':',
      ref('AWS::AccountId'),
      ...(typeof rest[0] === 'string' ? [`:${rest[0]}`, ...rest.slice(1)] : rest),
    ],
  ],
});
/** Zone 0 of the stack: resilience.zoneIndex 0 with Fn::GetAZs. */
const ZONE = { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] };

const template = (t: Template, name: string) =>
  singleResource(t, 'AWS::FIS::ExperimentTemplate', `Resilience${name}Template`);
const roleOf = (t: Template, name: string) => singleResource(t, 'AWS::IAM::Role', `Resilience${name}Role`);
const statementsOf = (t: Template, name: string) =>
  (roleOf(t, name)[1].Properties!.Policies as { PolicyDocument: { Statement: unknown[] } }[])[0]
    .PolicyDocument.Statement;

const cluster = logicalId(prod, 'AWS::ECS::Cluster', 'ServiceCluster');
const service = logicalId(prod, 'AWS::ECS::Service', 'Service');
const primary = logicalId(prod, 'AWS::RDS::DBInstance', 'DatabasePrimary');
const vpc = logicalId(prod, 'AWS::EC2::VPC', 'NetworkVpc');
const privateSubnet1 = logicalId(prod, 'AWS::EC2::Subnet', 'NetworkVpcPrivateSubnet1');
const isolatedSubnet1 = logicalId(prod, 'AWS::EC2::Subnet', 'NetworkVpcIsolatedSubnet1');
const zoneSubnetArns = [
  arn('ec2', 'subnet/', ref(privateSubnet1)),
  arn('ec2', 'subnet/', ref(isolatedSubnet1)),
];
const replicationGroupArn = arn('elasticache', 'replicationgroup:scalablebackend-prod');

const TASKS_TARGET = {
  ResourceType: 'aws:ecs:task',
  Parameters: { cluster: ref(cluster), service: { 'Fn::GetAtt': [service, 'Name'] } },
};
const CACHE_TARGET = {
  ResourceType: 'aws:elasticache:replicationgroup',
  // by tag: FIS refuses resource ARNs combined with parameters
  ResourceTags: { 'scalable-backend:cache': 'scalablebackend-prod' },
  Parameters: { availabilityZoneIdentifier: ZONE },
  SelectionMode: 'ALL',
};
const SUBNETS_TARGET = { ResourceType: 'aws:ec2:subnet', ResourceArns: zoneSubnetArns, SelectionMode: 'ALL' };
const NETWORK_ACTION = {
  ActionId: 'aws:network:disrupt-connectivity',
  Parameters: { duration: 'PT5M', scope: 'all' },
  Targets: { Subnets: 'ZoneSubnets' },
};
const CACHE_ACTION = {
  ActionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
  Parameters: { duration: 'PT5M' },
  Targets: { ReplicationGroups: 'Cache' },
};

/** Per experiment: its actions and targets exactly. */
const EXPERIMENTS = {
  StopTasks: {
    Actions: { StopTasks: { ActionId: 'aws:ecs:stop-task', Targets: { Tasks: 'ServiceTasks' } } },
    Targets: { ServiceTasks: { ...TASKS_TARGET, SelectionMode: 'PERCENT(50)' } },
  },
  PrimaryFailover: {
    Actions: {
      FailoverPrimary: {
        ActionId: 'aws:rds:reboot-db-instances',
        Parameters: { forceFailover: 'true' },
        Targets: { DBInstances: 'Primary' },
      },
    },
    Targets: {
      Primary: {
        ResourceType: 'aws:rds:db',
        ResourceArns: [arn('rds', 'db:', ref(primary))],
        SelectionMode: 'ALL',
      },
    },
  },
  CacheZonePower: {
    Actions: { InterruptCacheZonePower: CACHE_ACTION },
    Targets: { Cache: CACHE_TARGET },
  },
  ZoneNetwork: {
    Actions: { DisruptZoneNetwork: NETWORK_ACTION },
    Targets: { ZoneSubnets: SUBNETS_TARGET },
  },
  LoseZone: {
    Actions: {
      DisruptZoneNetwork: NETWORK_ACTION,
      InterruptCacheZonePower: CACHE_ACTION,
      StopZoneTasks: { ActionId: 'aws:ecs:stop-task', Targets: { Tasks: 'ServiceTasksInZone' } },
    },
    Targets: {
      ZoneSubnets: SUBNETS_TARGET,
      Cache: CACHE_TARGET,
      ServiceTasksInZone: {
        ...TASKS_TARGET,
        Filters: [{ Path: 'AvailabilityZone', Values: [ZONE] }],
        SelectionMode: 'ALL',
      },
    },
  },
} as const;
const NAMES = Object.keys(EXPERIMENTS) as (keyof typeof EXPERIMENTS)[];

// The exact permission statements of each role.
const LOGGING = [
  { Sid: 'DeliverExperimentLog', Effect: 'Allow', Action: 'logs:CreateLogDelivery', Resource: '*' },
  {
    Sid: 'SetUpLogDelivery',
    Effect: 'Allow',
    Action: ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy'],
    Resource: arn('logs', 'log-group:*'),
  },
];
const ECS = [
  {
    Sid: 'DescribeCluster',
    Effect: 'Allow',
    Action: 'ecs:DescribeClusters',
    Resource: { 'Fn::GetAtt': [cluster, 'Arn'] },
  },
  {
    Sid: 'StopTasksOfThisCluster',
    Effect: 'Allow',
    Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
    Resource: arn('ecs', 'task/', ref(cluster), '/*'),
  },
  { Sid: 'ListTasks', Effect: 'Allow', Action: 'ecs:ListTasks', Resource: '*' },
];
const RDS = [
  {
    Sid: 'RebootThePrimary',
    Effect: 'Allow',
    Action: 'rds:RebootDBInstance',
    Resource: arn('rds', 'db:', ref(primary)),
  },
  { Sid: 'DescribeInstances', Effect: 'Allow', Action: 'rds:DescribeDBInstances', Resource: '*' },
];
const CACHE = [
  {
    Sid: 'InterruptThisCache',
    Effect: 'Allow',
    Action: ['elasticache:DescribeReplicationGroups', 'elasticache:InterruptClusterAzPower'],
    Resource: [arn('elasticache', 'cluster:scalablebackend-prod-*'), replicationGroupArn],
  },
];
// Every role resolves its targets through the tagging API
const RESOLVE = { Sid: 'ResolveTargets', Effect: 'Allow', Action: 'tag:GetResources', Resource: '*' };
const ACLS = arn('ec2', 'network-acl/*');
const NETWORK = [
  {
    Sid: 'CreateFisNetworkAcl',
    Effect: 'Allow',
    Action: 'ec2:CreateNetworkAcl',
    Resource: ACLS,
    Condition: { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
  },
  {
    Sid: 'CreateNetworkAclInThisVpc',
    Effect: 'Allow',
    Action: 'ec2:CreateNetworkAcl',
    Resource: arn('ec2', 'vpc/', ref(vpc)),
  },
  {
    Sid: 'TagFisNetworkAcl',
    Effect: 'Allow',
    Action: 'ec2:CreateTags',
    Resource: ACLS,
    Condition: {
      StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', 'aws:RequestTag/managedByFIS': 'true' },
    },
  },
  {
    Sid: 'ChangeFisNetworkAcl',
    Effect: 'Allow',
    Action: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
    Resource: ACLS,
    Condition: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
  },
  {
    Sid: 'SwapAclOfTheZoneSubnets',
    Effect: 'Allow',
    Action: 'ec2:ReplaceNetworkAclAssociation',
    Resource: [ACLS, zoneSubnetArns[1], zoneSubnetArns[0]],
  },
  {
    Sid: 'DescribeNetwork',
    Effect: 'Allow',
    Action: [
      'ec2:DescribeManagedPrefixLists',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
    ],
    Resource: '*',
  },
  {
    Sid: 'ReadPrefixLists',
    Effect: 'Allow',
    Action: 'ec2:GetManagedPrefixListEntries',
    Resource: arn('ec2', 'prefix-list/*'),
  },
];
const STATEMENTS: Record<(typeof NAMES)[number], unknown[]> = {
  StopTasks: [...ECS, RESOLVE, ...LOGGING],
  PrimaryFailover: [...RDS, RESOLVE, ...LOGGING],
  CacheZonePower: [...CACHE, RESOLVE, ...LOGGING],
  ZoneNetwork: [...NETWORK, RESOLVE, ...LOGGING],
  LoseZone: [...NETWORK, ...CACHE, ...ECS, RESOLVE, ...LOGGING],
};

describe('which environments get experiments', () => {
  test('prod: five experiment templates; dev and local none (resilience.experiments)', () => {
    expect(PRESETS.prod.resilience.experiments).toBe(true);
    expect(
      resourcesOf(prod, 'AWS::FIS::ExperimentTemplate').map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
    ).toEqual(NAMES.map((n) => `Resilience${n}Template`));
    for (const env of ['dev', 'local'] as const) {
      expect(PRESETS[env].resilience.experiments).toBe(false);
      expect(resourcesOf(templates[env], 'AWS::FIS::ExperimentTemplate')).toEqual([]);
      expect(
        resourcesOf(templates[env], 'AWS::IAM::Role').filter(([id]) => id.startsWith('Resilience')),
      ).toEqual([]);
    }
  });

  test('prod with experiments off has none; dev with them on gets only what its single-AZ tiers allow', () => {
    // GIVEN prod switched off and dev switched on by the usual -c overrides (validators off: shape only)
    const { templates: t } = synth(
      ['dev', 'prod'],
      { 'prod.resilience.experiments': 'false', 'dev.resilience.experiments': 'true' },
      { validate: false },
    );
    // THEN prod has no template, and dev skips the failover (Single-AZ primary) and the cache
    // experiments (Single-AZ cache): nothing to fail over to
    expect(resourcesOf(t.prod, 'AWS::FIS::ExperimentTemplate')).toEqual([]);
    expect(
      resourcesOf(t.dev, 'AWS::FIS::ExperimentTemplate').map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
    ).toEqual(['ResilienceStopTasksTemplate', 'ResilienceZoneNetworkTemplate']);
  });

  test('a zone index outside the VPC fails at synth, naming the key, the value and the range', () => {
    const error = configErrorOf({ envs: 'prod', 'prod.resilience.zoneIndex': 3 });
    expect(error).toContain(
      'prod.resilience.zoneIndex: got 3; must be below the number of availability zones (3): 0 to 2',
    );
  });
});

describe.each(NAMES)('prod experiment %s', (name) => {
  test('actions and targets are exactly the stack’s own resources', () => {
    const [, t] = template(prod, name);
    expect(t.Properties!.Actions).toEqual(EXPERIMENTS[name].Actions);
    expect(t.Properties!.Targets).toEqual(EXPERIMENTS[name].Targets);
    // AND no target is an account-wide wildcard
    expect(JSON.stringify(t.Properties!.Targets)).not.toMatch(/\*/);
  });

  test('stops on the 5xx-rate and p95 alarms, logs to the experiment log group (schema 2)', () => {
    const [, t] = template(prod, name);
    const errorRate = logicalId(prod, 'AWS::CloudWatch::Alarm', 'ObservabilityErrorRate');
    const p95 = logicalId(prod, 'AWS::CloudWatch::Alarm', 'ObservabilityResponseTimeP95');
    expect(t.Properties!.StopConditions).toEqual([
      { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [errorRate, 'Arn'] } },
      { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [p95, 'Arn'] } },
    ]);
    const logGroup = logicalId(prod, 'AWS::Logs::LogGroup', 'ResilienceExperimentLogs');
    expect(t.Properties!.LogConfiguration).toEqual({
      LogSchemaVersion: 2,
      CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
    });
    expect(t.Properties!.ExperimentOptions).toEqual({
      AccountTargeting: 'single-account',
      // "lose zone X" carries on when no task happens to run in the zone
      EmptyTargetResolutionMode: name === 'LoseZone' ? 'skip' : 'fail',
    });
  });

  test('runs under its own role with exactly the permissions its actions need', () => {
    const [, t] = template(prod, name);
    const [roleId, role] = roleOf(prod, name);
    expect(t.Properties!.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    // THEN only FIS experiments of this account may assume it
    expect(role.Properties!.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'fis.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
            ArnLike: { 'aws:SourceArn': arn('fis', 'experiment/*') },
          },
        },
      ],
    });
    // AND its inline policy is exactly the statements of its actions plus log delivery
    expect(statementsOf(prod, name)).toEqual(STATEMENTS[name]);
    expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  test('its id is a stack output', () => {
    const [id] = template(prod, name);
    prod.hasOutput(`Experiment${name}TemplateId`, { Value: ref(id) });
  });
});

describe('experiment log group', () => {
  test('no account-level log resource policy: CloudWatch Logs adds delivery rights itself (10-per-Region quota)', () => {
    expect(resourcesOf(prod, 'AWS::Logs::ResourcePolicy')).toEqual([]);
    // AND the group is the stack's own, kept as long as the service logs
    const [, group] = singleResource(prod, 'AWS::Logs::LogGroup', 'ResilienceExperimentLogs');
    expect(group.Properties!.RetentionInDays).toBe(PRESETS.prod.service.logRetentionDays);
    // AND FIS writes it as a vended log, so it sits under /aws/vendedlogs/
    expect(group.Properties!.LogGroupName).toBe('/aws/vendedlogs/fis/ScalableBackend-prod-experiments');
  });
});

describe('cache target', () => {
  test('the tag the cache experiments select by is on this stack’s replication group, and only there', () => {
    // GIVEN the prod template WHEN looking for the target tag
    const tagged = resourcesOf(prod, 'AWS::ElastiCache::ReplicationGroup').filter(([, r]) =>
      (r.Properties!.Tags as { Key: string; Value: string }[] | undefined)?.some(
        (t) => t.Key === 'scalable-backend:cache' && t.Value === 'scalablebackend-prod',
      ),
    );
    // THEN exactly the one replication group carries it, with the value the target asks for
    expect(tagged.map(([, r]) => r.Properties!.ReplicationGroupId)).toEqual(['scalablebackend-prod']);
  });

  test('the stack outputs the zone the cache target hits, for npm run experiment to check', () => {
    // THEN the ExperimentZone output is the very zone parameter of the cache target
    expect(prod.toJSON().Outputs.ExperimentZone.Value).toEqual(
      CACHE_TARGET.Parameters.availabilityZoneIdentifier,
    );
  });
});

describe('quality gates', () => {
  test('cdk-nag and the CloudFormation validator report nothing unacknowledged for the experiments', () => {
    expect(findings(validationReport).filter((f) => f.includes('/Resilience/'))).toEqual([]);
  });
});
