import { Stack } from 'aws-cdk-lib';
import * as fis from 'aws-cdk-lib/aws-fis';
import { fisTargetSelection } from '../../lib/rules/fis-target-selection';
import { checkStack } from './check';

const RULE = fisTargetSelection.id;
const GROUP_ARN = 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:cache';

/** GIVEN an experiment template with one cache target built by `target`. */
function template(stack: Stack, target: Partial<fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>) {
  new fis.CfnExperimentTemplate(stack, 'Experiment', {
    description: 'cache zone power',
    roleArn: 'arn:aws:iam::123456789012:role/fis',
    stopConditions: [{ source: 'none' }],
    targets: {
      Cache: { resourceType: 'aws:elasticache:replicationgroup', selectionMode: 'ALL', ...target },
    },
    actions: {
      Interrupt: {
        actionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
        parameters: { duration: 'PT5M' },
        targets: { ReplicationGroups: 'Cache' },
      },
    },
    tags: { Name: 'test' },
  });
}

describe('FisTargetSelection', () => {
  test('ARNs combined with parameters are reported, naming the target', () => {
    const { findings } = checkStack(
      (stack) =>
        template(stack, {
          resourceArns: [GROUP_ARN],
          parameters: { availabilityZoneIdentifier: 'eu-west-1a' },
        }),
      RULE,
    );
    expect(findings).toEqual([
      expect.objectContaining({ path: 'Test/Experiment', location: 'Properties/Targets/Cache' }),
    ]);
    expect(findings[0].description).toContain('combines ResourceArns with Parameters');
  });

  test('ARNs combined with tags are reported', () => {
    const { findings } = checkStack(
      (stack) => template(stack, { resourceArns: [GROUP_ARN], resourceTags: { team: 'a' } }),
      RULE,
    );
    expect(findings.map((f) => f.location)).toEqual(['Properties/Targets/Cache']);
  });

  test('tags with parameters pass, and ARNs alone pass', () => {
    expect(
      checkStack(
        (stack) =>
          template(stack, {
            resourceTags: { 'scalable-backend:cache': 'cache' },
            parameters: { availabilityZoneIdentifier: 'eu-west-1a' },
          }),
        RULE,
      ).findings,
    ).toEqual([]);
    expect(checkStack((stack) => template(stack, { resourceArns: [GROUP_ARN] }), RULE).findings).toEqual([]);
  });
});
