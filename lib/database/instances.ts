import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { lowerCaseIdentifier } from '../aws-conventions';

/**
 * What the primary and the replicas share: their identifiers, removal policies, instance types and
 * the log groups RDS exports to.
 */

/** PostgreSQL's port. Part of the container contract (`DB_PORT`), so not configurable. */
export const POSTGRES_PORT = 5432;

/** Log types RDS for PostgreSQL can export to CloudWatch Logs. */
export const LOG_EXPORTS = ['postgresql', 'upgrade'] as const;

/**
 * Create the log groups RDS exports to, before the instance exists, so their retention is ours
 * (no log-retention custom resource) and they are removed or kept with the database. `scope` is the
 * database construct: the log groups' ids (`<id>PostgresLogs`, `<id>UpgradeLogs`) sit beside the
 * instance's.
 */
export function exportLogsTo(
  scope: Construct,
  id: string,
  instance: rds.DatabaseInstanceBase,
  name: string,
  days: number,
  removal: RemovalPolicy,
): void {
  for (const type of LOG_EXPORTS) {
    const group = new logs.LogGroup(scope, `${id}${type === 'postgresql' ? 'PostgresLogs' : 'UpgradeLogs'}`, {
      logGroupName: `/aws/rds/instance/${name}/${type}`,
      retention: days as logs.RetentionDays,
      removalPolicy: removal,
    });
    (instance.node.defaultChild as CfnResource).addResourceDependency(group.node.defaultChild as CfnResource);
  }
}

/** RDS instance identifiers: lower case letters, digits and single hyphens; room for a suffix. */
export function physicalNameBase(stackName: string): string {
  return lowerCaseIdentifier(stackName, 40, 'db');
}

/** `t4g.micro` -> InstanceType (the schema validates the `family.size` form). */
export function instanceType(instanceClass: string): ec2.InstanceType {
  return new ec2.InstanceType(instanceClass);
}
