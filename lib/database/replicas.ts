import { RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { exportLogsTo, instanceType, POSTGRES_PORT } from './instances';

/** The read replicas of the primary: their security group, instances, zones and exported logs. */

/**
 * Zone index the primary prefers. RDS refuses AvailabilityZone on a Multi-AZ instance ("can't be
 * specified if the DB instance is a Multi-AZ deployment", RDS API CreateDBInstance), so the primary
 * carries none; the replicas fill the other zones first.
 */
export const PRIMARY_PREFERRED_ZONE_INDEX = 0;

/**
 * Zone of replica `n` (1-based): round-robin over `zones`, starting after the primary's preferred
 * zone. It depends on `n` and the zone list only, so adding replicas never moves existing ones
 * (a moved replica would be replaced). Two replicas share a zone only when there are more
 * replicas than zones.
 */
export function replicaAvailabilityZone(zones: readonly string[], n: number): string {
  if (zones.length === 0) throw new Error('replicaAvailabilityZone: the VPC has no availability zones');
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`replicaAvailabilityZone: replica number ${n} must be >= 1`);
  return zones[(PRIMARY_PREFERRED_ZONE_INDEX + n) % zones.length];
}

export interface ReadReplicasProps {
  readonly vpc: ec2.IVpc;
  /** How many replicas (`database.readReplicas`); 0 creates nothing. */
  readonly count: number;
  /** Instance class of each replica (`database.replicaInstanceClass`, else the primary's). */
  readonly instanceClass: string;
  /** The settings every instance shares (subnet group, storage, key, parameters, monitoring, logs). */
  readonly common: Omit<rds.DatabaseInstanceReadReplicaProps, 'sourceDatabaseInstance' | 'instanceType'>;
  readonly primary: rds.DatabaseInstance;
  /** Lower-case base of the identifiers: replica n is `<baseName>-replica-<n>`. */
  readonly baseName: string;
  readonly logRetentionDays: number;
}

export interface ReadReplicas {
  readonly replicas: rds.DatabaseInstanceReadReplica[];
  /** Lower-case DBInstanceIdentifier of each replica, parallel to `replicas`. */
  readonly identifiers: string[];
  /** Security group of the replicas, when there are any. */
  readonly securityGroup?: ec2.SecurityGroup;
  readonly connections?: ec2.Connections;
}

/**
 * Create the replicas in `scope` (the database construct): ids `ReplicaSecurityGroup` and
 * `Replica1..N`, so adding one never renames (and so replaces) the others.
 */
export function addReadReplicas(scope: Construct, props: ReadReplicasProps): ReadReplicas {
  const { vpc, common } = props;
  let securityGroup: ec2.SecurityGroup | undefined;
  let connections: ec2.Connections | undefined;
  if (props.count > 0) {
    securityGroup = new ec2.SecurityGroup(scope, 'ReplicaSecurityGroup', {
      vpc,
      description: 'RDS read replicas: from the app tasks only',
      allowAllOutbound: false,
    });
    connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(POSTGRES_PORT),
    });
  }
  const replicas: rds.DatabaseInstanceReadReplica[] = [];
  const identifiers: string[] = [];
  for (let n = 1; n <= props.count; n++) {
    const name = `${props.baseName}-replica-${n}`;
    const replica = new rds.DatabaseInstanceReadReplica(scope, `Replica${n}`, {
      ...common,
      instanceIdentifier: name,
      // An explicit zone per replica, so losing one zone never takes every replica (RDS picks a
      // random zone otherwise: "Default: A random, system-chosen Availability Zone", RDS API
      // CreateDBInstanceReadReplica). AvailabilityZone is create-only (CloudFormation resource
      // schema of AWS::RDS::DBInstance), so the zone of replica n depends on n alone.
      availabilityZone: replicaAvailabilityZone(vpc.availabilityZones, n),
      sourceDatabaseInstance: props.primary,
      instanceType: instanceType(props.instanceClass),
      securityGroups: [securityGroup!],
      // Replicas hold no data the primary does not have; scaling them down by config must be
      // able to delete them (the primary is protected). Retained, a removed replica would keep
      // running (billed) and block its identifier when the count goes up again.
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A replica inherits encryption from its (encrypted) source and CloudFormation rejects
    // StorageEncrypted next to SourceDBInstanceIdentifier; KmsKeyId (the same key) stays.
    (replica.node.defaultChild as rds.CfnDBInstance).addPropertyDeletionOverride('StorageEncrypted');
    exportLogsTo(scope, `Replica${n}`, replica, name, props.logRetentionDays, RemovalPolicy.DESTROY);
    Validations.of(replica).acknowledge(
      {
        id: 'AwsSolutions-RDS3',
        reason:
          'Read replicas are disposable copies of the primary: read availability comes from several replicas behind the reader name, durability from the (Multi-AZ in prod) primary.',
      },
      {
        id: 'AwsSolutions-RDS10',
        reason:
          'Replicas hold no data of their own and must be removable by lowering database.readReplicas; the primary carries deletion protection in prod.',
      },
    );
    if (!Token.isUnresolved(vpc.availabilityZones[0])) {
      Validations.of(replica).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason:
          'Zones are pinned on purpose by network.availabilityZones; each replica takes one of them so no zone holds them all.',
      });
    }
    replicas.push(replica);
    identifiers.push(name);
  }
  return { replicas, identifiers, securityGroup, connections };
}
