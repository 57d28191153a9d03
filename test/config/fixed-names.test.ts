import { ENVIRONMENT_NAME_MAX_LENGTH, STACK_NAME_PREFIX } from '../../lib/config/environment-name';
import { physicalNameBase } from '../../lib/database';
import { replicationGroupIdFor } from '../../lib/cache';
import { resourcesOf, variant } from '../helpers';

/** Properties that give a resource a fixed physical name, unique per account and region. */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBProxy': 'DBProxyName',
  'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::Route53::HostedZone': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::FIS::ExperimentTemplate': 'Name',
};

describe('fixed physical names stay unique per environment', () => {
  test('GIVEN the longest environment name THEN the derived DB and cache names are not cut short', () => {
    const env = `dev-${'a'.repeat(ENVIRONMENT_NAME_MAX_LENGTH - 4)}`;
    const stack = `${STACK_NAME_PREFIX}${env}`;
    expect(physicalNameBase(stack)).toBe(stack.toLowerCase());
    expect(replicationGroupIdFor(stack)).toBe(stack.toLowerCase());
    // two developers whose names differ only in the last character get different names
    expect(physicalNameBase(`${stack.slice(0, -1)}b`)).not.toBe(physicalNameBase(stack));
  });

  test('GIVEN staging THEN every fixed name in its template carries the environment', () => {
    const template = variant('stagingApp').templates.staging;
    const names: string[] = [];
    for (const [type, property] of Object.entries(NAME_PROPERTIES)) {
      for (const [, resource] of resourcesOf(template, type)) {
        const value = resource.Properties?.[property];
        if (value !== undefined) names.push(JSON.stringify(value));
      }
    }
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !/staging/i.test(n))).toEqual([]);
  });
});
