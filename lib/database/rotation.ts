import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { DatabaseAppRole } from './app-role';
import { Network } from '../network';

/** Rotation of the master and the service's secrets, or the reason there is none. */

export interface SecretRotationProps {
  readonly vpc: ec2.IVpc;
  /** Days between rotations (`database.rotationDays`); 0 switches rotation off. */
  readonly rotationDays: number;
  readonly primary: rds.DatabaseInstance;
  /** The master's generated secret (the primary's `Secret` child). */
  readonly masterSecret: IConstruct;
  /** The service's secret before it was attached to the primary (where cdk-nag reports it). */
  readonly appSecret: IConstruct;
  /** The service's secret attached to the primary (host and port added). */
  readonly attachedAppSecret: secretsmanager.ISecret;
  /** The custom resource that creates the service's roles: the schedule waits for it. */
  readonly appRole: DatabaseAppRole;
}

/** Rotate both secrets of the primary in `scope` (the database construct): id `RotationSecurityGroup`. */
export function configureSecretRotation(scope: Construct, props: SecretRotationProps): void {
  const { vpc, primary } = props;
  if (props.rotationDays > 0) {
    // The hosted rotation function talks to the primary directly (5432) and to the Secrets
    // Manager API (443), so it runs in the private subnets with NAT egress, not the isolated ones.
    const rotationSecurityGroup = new ec2.SecurityGroup(scope, 'RotationSecurityGroup', {
      vpc,
      description: 'Secret rotation function: to the primary and the Secrets Manager API',
      allowAllOutbound: false,
    });
    rotationSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
    const rotation = {
      automaticallyAfter: Duration.days(props.rotationDays),
      // Not at deploy time: tasks starting in the same deployment would read the password just
      // before it changes. The first rotation comes after rotationDays.
      rotateImmediatelyOnUpdate: false,
      vpcSubnets: { subnetGroupName: Network.PRIVATE },
      securityGroup: rotationSecurityGroup,
    };
    // The master (administration only) keeps single-user rotation.
    primary.addRotationSingleUser(rotation);
    // The service's user alternates between <name> and <name>_clone: each rotation sets a new
    // password on the user the tasks do not hold, so their credentials stay valid on the
    // replicas until the next rotation (Secrets Manager User Guide, "Lambda function rotation
    // strategies"). The schedule exists only once the roles do.
    primary.addRotationMultiUser('AppSecretRotation', { ...rotation, secret: props.attachedAppSecret });
    props.attachedAppSecret.node.findChild('RotationSchedule').node.addDependency(props.appRole.resource);
  } else {
    for (const secret of [props.masterSecret, props.appSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Rotation is switched off by configuration (database.rotationDays: 0), e.g. for LocalStack.',
      });
    }
  }
}
