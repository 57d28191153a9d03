import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { CliError } from '../../bin/cli';
import { parseTeardownArgs, teardown, TeardownOptions } from '../../bin/teardown';
import { NAME_PROPERTIES } from '../../lib/rules/retain-except-on-create';
import { presets } from '../helpers';

/**
 * `npm run teardown` against the prod and dev templates as synthesized, deployed into mocked AWS
 * clients (aws-sdk-client-mock): the order of the calls, what a dry run leaves alone, what stays
 * behind, and a stack that ends in DELETE_FAILED.
 */
const { templates } = presets();
const NOW = new Date('2026-12-06T21:05:00Z');

const cfn = mockClient(CloudFormationClient);
const rds = mockClient(RDSClient);
const elasticache = mockClient(ElastiCacheClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const clients = {
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  rds: new RDSClient({ region: 'eu-west-1' }),
  elasticache: new ElastiCacheClient({ region: 'eu-west-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
};

type Json = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** Physical ids as AWS would report them: the fixed name where the template gives one. */
function physicalId(logicalId: string, r: { Type: string; Properties?: Record<string, unknown> }): string {
  const name = r.Properties?.[NAME_PROPERTIES[r.Type] ?? ''];
  if (typeof name === 'string') return name;
  if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
    return 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/prod-alb/0123456789abcdef';
  }
  return `${logicalId}-physical`;
}

/** Mock the stack `env` as deployed from its synthesized template; record every mutating call in order. */
function deploy(
  env: 'dev' | 'prod',
  opts: { endState?: 'DELETE_COMPLETE' | 'DELETE_FAILED' } = {},
): string[] {
  const template = templates[env].toJSON() as Json;
  const stackName = `ScalableBackend-${env}`;
  const calls: string[] = [];
  let deleted = false;
  cfn.reset();
  rds.reset();
  elasticache.reset();
  elbv2.reset();
  cfn.on(DescribeStacksCommand).callsFake(() => {
    if (deleted && opts.endState !== 'DELETE_FAILED')
      throw new Error(`Stack with id ${stackName} does not exist`);
    return {
      Stacks: [
        {
          StackName: stackName,
          StackStatus: deleted ? 'DELETE_FAILED' : 'UPDATE_COMPLETE',
          EnableTerminationProtection: env === 'prod',
          CreationTime: NOW,
        },
      ],
    };
  });
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(template) });
  cfn.on(ListStackResourcesCommand).callsFake(() => ({
    StackResourceSummaries: Object.entries(template.Resources).map(([id, r]) => ({
      LogicalResourceId: id,
      ResourceType: r.Type,
      PhysicalResourceId: physicalId(id, r),
      ResourceStatus: deleted
        ? r.Type === 'AWS::EC2::Subnet'
          ? 'DELETE_FAILED'
          : 'DELETE_COMPLETE'
        : 'UPDATE_COMPLETE',
      ResourceStatusReason: deleted && r.Type === 'AWS::EC2::Subnet' ? 'has dependencies' : undefined,
      LastUpdatedTimestamp: NOW,
    })),
  }));
  const record =
    (name: string) =>
    (input: Record<string, unknown>): Record<string, never> => {
      calls.push(`${name} ${JSON.stringify(input)}`);
      return {};
    };
  cfn.on(UpdateTerminationProtectionCommand).callsFake(record('UpdateTerminationProtection'));
  cfn.on(DeleteStackCommand).callsFake((input) => {
    deleted = true;
    return record('DeleteStack')(input);
  });
  elbv2.on(ModifyLoadBalancerAttributesCommand).callsFake(record('ModifyLoadBalancerAttributes'));
  rds.on(ModifyDBInstanceCommand).callsFake(record('ModifyDBInstance'));
  rds.on(DeleteDBInstanceCommand).callsFake(record('DeleteDBInstance'));
  rds.on(DeleteDBSubnetGroupCommand).callsFake(record('DeleteDBSubnetGroup'));
  const notFound = (name: string) => Object.assign(new Error('not found'), { name });
  rds.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));
  elasticache.on(DeleteReplicationGroupCommand).callsFake(record('DeleteReplicationGroup'));
  elasticache.on(DeleteCacheSubnetGroupCommand).callsFake(record('DeleteCacheSubnetGroup'));
  elasticache.on(DescribeReplicationGroupsCommand).rejects(notFound('ReplicationGroupNotFoundFault'));
  return calls;
}

const options = (over: Partial<TeardownOptions> = {}): TeardownOptions => ({
  stackName: 'ScalableBackend-prod',
  yes: false,
  skipFinalSnapshot: false,
  json: false,
  ...over,
});

async function run(over: Partial<TeardownOptions>): Promise<string[]> {
  const out: string[] = [];
  await teardown(options(over), clients, {
    now: NOW,
    waiting: { sleep: async () => undefined, intervalMs: 1, timeoutMs: 10 },
    out: (l) => out.push(l),
  });
  return out;
}

const SNAPSHOT = 'scalablebackend-prod-primary-final-202612062105';

describe('npm run teardown -- prod', () => {
  test('a dry run reads the stack, changes nothing, and prints the order and what stays behind', async () => {
    const calls = deploy('prod');
    const out = await run({});
    // THEN no mutating call was made
    expect(calls).toEqual([]);
    // AND the plan is printed in order
    const steps = out.filter((l) => /^ {2}\d+\. /.test(l)).map((l) => l.replace(/^ {2}\d+\. /, ''));
    expect(steps.map((s) => s.split(' ').slice(0, 4).join(' '))).toEqual([
      'turn off the stack',
      'turn off deletion protection',
      'turn off deletion protection',
      'delete the read replica',
      'delete the read replica',
      'delete the primary scalablebackend-prod-primary',
      'delete the cache replication',
      'delete the DB subnet',
      'delete the cache subnet',
      'delete the stack: CloudFormation',
    ]);
    expect(out).toContain(
      `  6. delete the primary scalablebackend-prod-primary with a final snapshot ${SNAPSHOT} and wait`,
    );
    // AND what stays behind names the final snapshot, the secrets, the key and the primary's log groups
    const leftovers = out.slice(out.indexOf('Stays behind (keeps costing money until you delete it):'));
    expect(leftovers.join('\n')).toContain(
      `final snapshot of the primary scalablebackend-prod-primary: ${SNAPSHOT}`,
    );
    for (const group of [
      '/aws/rds/instance/scalablebackend-prod-primary/postgresql',
      '/aws/rds/instance/scalablebackend-prod-primary/upgrade',
    ]) {
      expect(leftovers).toContain(
        `  - log group of the database scalablebackend-prod-primary (RDS log export): ${group}`,
      );
    }
    // master, app, the query advisor's monitoring role, cache AUTH token
    expect(leftovers.filter((l) => l.startsWith('  - secret:'))).toHaveLength(4);
    // the storage key, and the log key that the retained log groups are encrypted with
    expect(leftovers.filter((l) => l.startsWith('  - KMS key')).map((l) => l.replace(/^.*: /, ''))).toEqual([
      'DatabaseStorageKey6003D257-physical',
      'LogKeyE83D0C1B-physical',
    ]);
    // AND the replicas' log groups go with the stack
    expect(leftovers.join('\n')).not.toContain('replica');
  });

  test('--yes acts in that order and ends with the stack deleted', async () => {
    const calls = deploy('prod');
    const out = await run({ yes: true });
    expect(calls.map((c) => c.split(' ')[0])).toEqual([
      'UpdateTerminationProtection',
      'ModifyLoadBalancerAttributes',
      'ModifyDBInstance',
      'DeleteDBInstance',
      'DeleteDBInstance',
      'DeleteDBInstance',
      'DeleteReplicationGroup',
      'DeleteDBSubnetGroup',
      'DeleteCacheSubnetGroup',
      'DeleteStack',
    ]);
    expect(calls[1]).toContain('"Key":"deletion_protection.enabled","Value":"false"');
    expect(calls[2]).toContain(
      '"DBInstanceIdentifier":"scalablebackend-prod-primary","DeletionProtection":false',
    );
    // replicas first, without a snapshot; then the primary with its final snapshot, backups kept
    expect(calls[3]).toContain(
      '"DBInstanceIdentifier":"scalablebackend-prod-replica-1","SkipFinalSnapshot":true',
    );
    expect(JSON.parse(calls[5].slice('DeleteDBInstance '.length))).toEqual({
      DBInstanceIdentifier: 'scalablebackend-prod-primary',
      FinalDBSnapshotIdentifier: SNAPSHOT,
      SkipFinalSnapshot: false,
      DeleteAutomatedBackups: false,
    });
    expect(out[out.length - 1]).toBe(
      'teardown: ScalableBackend-prod is deleted; what stays behind is listed above.',
    );
  });

  test('--skip-final-snapshot deletes the primary without one, and lists no snapshot', async () => {
    const calls = deploy('prod');
    const out = await run({ yes: true, skipFinalSnapshot: true });
    const primary = calls.find((c) =>
      c.startsWith('DeleteDBInstance {"DBInstanceIdentifier":"scalablebackend-prod-primary"'),
    )!;
    expect(JSON.parse(primary.slice('DeleteDBInstance '.length))).toEqual({
      DBInstanceIdentifier: 'scalablebackend-prod-primary',
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: false,
    });
    expect(out.join('\n')).not.toContain('final snapshot of the primary');
  });

  test('a stack that still ends in DELETE_FAILED fails the run, naming the resources and reasons', async () => {
    deploy('prod', { endState: 'DELETE_FAILED' });
    await expect(run({ yes: true })).rejects.toThrow(
      /ScalableBackend-prod is in DELETE_FAILED: NetworkVpc\w*Subnet\w* \(AWS::EC2::Subnet\): has dependencies/,
    );
  });

  test('a stack that does not exist is a one-line error', async () => {
    deploy('prod');
    cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id ScalableBackend-prod does not exist'));
    await expect(run({})).rejects.toThrow(
      new CliError('teardown: the stack ScalableBackend-prod does not exist in this account and region'),
    );
  });
});

describe('npm run teardown -- dev', () => {
  test('no protections, no retained instance: the stack first (CloudFormation snapshots the data), then the retained subnet groups', async () => {
    const calls = deploy('dev');
    const out = await run({ stackName: 'ScalableBackend-dev', yes: true });
    expect(calls.map((c) => c.split(' ')[0])).toEqual([
      'DeleteStack',
      'DeleteDBSubnetGroup',
      'DeleteCacheSubnetGroup',
    ]);
    expect(out.join('\n')).toContain(
      'final snapshot CloudFormation takes of the database scalablebackend-dev-primary',
    );
  });
});

describe('arguments', () => {
  test('an environment, flags and a region', () => {
    expect(parseTeardownArgs(['prod', '--yes', '--region', 'eu-west-1'])).toEqual({
      stackName: 'ScalableBackend-prod',
      yes: true,
      skipFinalSnapshot: false,
      region: 'eu-west-1',
      json: false,
    });
  });

  test('a stack name is taken as the environment it deploys', () => {
    expect(parseTeardownArgs(['ScalableBackend-staging']).stackName).toBe('ScalableBackend-staging');
  });

  test.each([[['prod', '--force']], [[]], [['dev', 'prod']], [['Not A Name']]])(
    '%j is a usage error (exit 2)',
    (argv) => {
      expect(() => parseTeardownArgs(argv)).toThrow(expect.objectContaining({ exitCode: 2 }));
    },
  );
});
