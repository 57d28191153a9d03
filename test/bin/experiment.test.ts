import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { checkExperiment, parseExperimentArgs } from '../../bin/experiment';
import { deployedStack } from '../deployed-stack';

/** `npm run experiment`: a cache experiment is only started when a cache node sits in its zone. */
const cfn = mockClient(CloudFormationClient);
const elasticache = mockClient(ElastiCacheClient);
const clients = {
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  elasticache: new ElastiCacheClient({ region: 'eu-west-1' }),
};

/** GIVEN prod deployed with experiments hitting eu-west-1a and cache nodes in `zones`. */
function deployed(zones: string[]) {
  cfn.reset();
  elasticache.reset();
  cfn.on(DescribeStacksCommand).resolves(
    deployedStack('ScalableBackend-prod', {
      ExperimentCacheZonePowerTemplateId: 'EXT123',
      ExperimentLoseZoneTemplateId: 'EXT456',
      ExperimentZone: 'eu-west-1a',
    }),
  );
  cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      {
        LogicalResourceId: 'CacheReplicationGroupBFE59FF3',
        ResourceType: 'AWS::ElastiCache::ReplicationGroup',
        PhysicalResourceId: 'scalablebackend-prod',
        ResourceStatus: 'UPDATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
    ],
  });
  elasticache.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'scalablebackend-prod' }).resolves({
    ReplicationGroups: [
      {
        NodeGroups: [
          {
            NodeGroupMembers: zones.map((zone, i) => ({
              CacheClusterId: `scalablebackend-prod-00${i + 1}`,
              PreferredAvailabilityZone: zone,
              CurrentRole: i === 0 ? 'primary' : 'replica',
            })),
          },
        ],
      },
    ],
  });
}

describe('npm run experiment', () => {
  test('a node in the zone: the check passes and prints the start command', async () => {
    deployed(['eu-west-1b', 'eu-west-1a']);
    const result = await checkExperiment(clients, 'ScalableBackend-prod', 'CacheZonePower');
    expect(result.ok).toBe(true);
    expect(result.lines).toEqual([
      'CacheZonePower: the cache scalablebackend-prod has scalablebackend-prod-002 (replica) in eu-west-1a: the power interruption hits it.',
      'start it with: aws fis start-experiment --experiment-template-id EXT123',
    ]);
  });

  test('no node in the zone: CacheZonePower is refused, naming where the nodes are', async () => {
    deployed(['eu-west-1b', 'eu-west-1c']);
    const result = await checkExperiment(clients, 'ScalableBackend-prod', 'CacheZonePower');
    expect(result.ok).toBe(false);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toContain(
      'no node of the cache scalablebackend-prod is in eu-west-1a (scalablebackend-prod-001 in eu-west-1b (primary), scalablebackend-prod-002 in eu-west-1c (replica))',
    );
  });

  test('no node in the zone: LoseZone still runs (network and tasks), with the warning', async () => {
    deployed(['eu-west-1b', 'eu-west-1c']);
    const result = await checkExperiment(clients, 'ScalableBackend-prod', 'LoseZone');
    expect(result.ok).toBe(true);
    expect(result.lines[1]).toBe('start it with: aws fis start-experiment --experiment-template-id EXT456');
  });

  test('an experiment the stack does not have is an error naming the ones it has', async () => {
    deployed(['eu-west-1a']);
    await expect(checkExperiment(clients, 'ScalableBackend-prod', 'StopTasks')).rejects.toThrow(
      'experiment: ScalableBackend-prod has no experiment StopTasks (it has: CacheZonePower, LoseZone)',
    );
  });

  test('arguments: an environment and an experiment; anything else is a usage error', () => {
    expect(parseExperimentArgs(['prod', 'LoseZone'])).toEqual({
      stackName: 'ScalableBackend-prod',
      experiment: 'LoseZone',
      region: undefined,
    });
    expect(() => parseExperimentArgs(['prod'])).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseExperimentArgs(['prod', 'LoseZone', '--now'])).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
});
