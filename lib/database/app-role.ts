import { createHash } from 'crypto';
import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { allowVpcNetworkInterfaces, functionBundling, functionRole } from '../function-defaults';
import type { AppRoleProperties } from '../../lambda/db-app-role';
import {
  appRoleNames,
  monitorRoleName,
  monitorStatements,
  provisionStatements,
} from '../../lambda/db-app-role/sql';
import { Network } from '../network';

/** Type of the custom resource in the template and in CloudFormation's events. */
export const APP_ROLE_RESOURCE_TYPE = 'Custom::DatabaseAppRole';

/**
 * The bundle of the Node.js 20+ runtimes does not trust the Amazon RDS CAs unless this is set
 * (AWS Lambda Developer Guide, "Building Lambda functions with Node.js", CA certificate loading).
 */
const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export interface DatabaseAppRoleProps {
  /** VPC with the subnet groups of {@link Network}: the function runs in the private ones. */
  readonly vpc: ec2.IVpc;
  /** The primary: the function connects to it directly (not through the proxy) as the master. */
  readonly primary: rds.IDatabaseInstance;
  /** The master secret (username, password). */
  readonly masterSecret: secretsmanager.ISecret;
  /** The application's secret (username, password): its password becomes the login role's. */
  readonly appSecret: secretsmanager.ISecret;
  /** The database in which the application owns its schema. */
  readonly databaseName: string;
  /** The application's login role (`database.appUsername`). */
  readonly appUsername: string;
  /**
   * Drop the roles and everything they own when the resource is deleted. Only for databases whose
   * removal policy is `destroy`; otherwise the roles and the data stay.
   * @default false
   */
  readonly dropOnDelete?: boolean;
  /**
   * Retention of the function's log group, in days (a value of `logs.RetentionDays`).
   * @default 30
   */
  readonly logRetentionDays?: number;
}

/**
 * Provisions the application's database roles at deploy time: a CloudFormation custom resource
 * backed by a Lambda function (Node.js, ARM64, `pg` bundled by a local esbuild) that connects to
 * the primary over verified TLS with the master secret and runs the idempotent SQL of
 * `lambda/db-app-role/sql.ts`: a NOLOGIN owner role, the login role with the app secret's password
 * (only when it is created; a rotated password is never reset), its `_clone` for the
 * alternating-users rotation, and the grants to own and migrate a schema in the database.
 *
 * The function has its own security group: out to the primary on its port (with the matching
 * ingress on the primary's group) and HTTPS to the Secrets Manager API and CloudFormation's
 * response URL (private subnets, NAT egress). It reads exactly the three role secrets.
 */
export class DatabaseAppRole extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly resource: CustomResource;
  /**
   * Credentials of the query advisor's statistics-only role (`<app user>_monitor`: pg_monitor and
   * nothing else), attached to the primary. The provisioning sets the role's password from it.
   */
  readonly monitorSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: DatabaseAppRoleProps) {
    super(scope, id);
    const { vpc, primary, masterSecret, appSecret } = props;
    const stack = Stack.of(this);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Database role provisioning function: to the primary and the AWS APIs',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Secrets Manager API and the CloudFormation response URL',
    );
    // Ingress on the primary's group and the matching egress on the function's: the primary only.
    primary.connections.allowDefaultPortFrom(this.securityGroup, 'Role provisioning function to the primary');

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
      // Deployment history, not data: it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role: no managed policies, logs to its own group, the role secrets only.
    this.role = functionRole(
      this,
      'ExecutionRole',
      `Database role provisioning of ${stack.stackName}: reads the master and app secrets`,
      this.logGroup,
    );
    const monitorUsername = monitorRoleName(props.appUsername);
    const monitorSecret = new rds.DatabaseSecret(this, 'MonitorSecret', {
      username: monitorUsername,
      dbname: props.databaseName,
    });
    // Kept with the data like the other database secrets (the role outlives the stack unless the
    // database is destroyed with it).
    monitorSecret.applyRemovalPolicy(
      props.dropOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    );
    Validations.of(monitorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The query advisor's role reads statistics only (pg_monitor, read-only sessions, no table privileges) and is reachable " +
        "only from the advisor's security group; every deployment re-applies the password from this secret.",
    });
    this.monitorSecret = monitorSecret.attach(primary);

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheRoleSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [masterSecret.secretArn, appSecret.secretArn, this.monitorSecret.secretArn],
      }),
    );
    // Secrets encrypted with a customer key need kms:Decrypt on that key (and only that key); the
    // stack's secrets use the AWS managed key, whose key policy grants it through Secrets Manager.
    const keys = [masterSecret.encryptionKey, appSecret.encryptionKey].filter((k) => k !== undefined);
    if (keys.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptTheSecrets',
          actions: ['kms:Decrypt'],
          resources: [...new Set(keys.map((k) => k.keyArn))],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    allowVpcNetworkInterfaces(this.role, 'the secrets and the log group are');

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: `Creates the application's database roles of ${stack.stackName} and re-applies their grants`,
      entry: path.join(__dirname, '..', '..', 'lambda', 'db-app-role', 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A connection (10 s timeout), a dozen statements and the response upload.
      timeout: Duration.minutes(2),
      role: this.role,
      logGroup: this.logGroup,
      vpc,
      vpcSubnets: { subnetGroupName: Network.PRIVATE },
      securityGroups: [this.securityGroup],
      environment: {
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // CloudFormation retries nothing itself; a second invocation would answer the same request twice.
      retryAttempts: 0,
      // The SDK comes with the runtime; pg-native is pg's optional native binding, never loaded.
      bundling: functionBundling(['@aws-sdk/*', '@smithy/*', 'pg-native']),
    });

    const names = appRoleNames(props.appUsername);
    const properties: Omit<AppRoleProperties, 'ServiceToken'> = {
      MasterSecretArn: masterSecret.secretArn,
      AppSecretArn: appSecret.secretArn,
      Host: primary.dbInstanceEndpointAddress,
      Port: primary.dbInstanceEndpointPort,
      DatabaseName: props.databaseName,
      AppUsername: props.appUsername,
      DropOnDelete: String(props.dropOnDelete ?? false),
      // Changes when the grants change, so a deployment with new grants re-runs the provisioning.
      GrantsDigest: grantsDigest(names, props.databaseName),
      MonitorSecretArn: this.monitorSecret.secretArn,
      MonitorUsername: monitorUsername,
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: APP_ROLE_RESOURCE_TYPE,
      properties,
      // Fail the deployment within minutes, not CloudFormation's default hour, if no answer comes.
      serviceTimeout: Duration.minutes(5),
    });
    // (Host and Port reference the primary, so CloudFormation creates the primary first.)
  }
}

/** Digest of the statements a fresh database gets (without the password). */
function grantsDigest(names: ReturnType<typeof appRoleNames>, databaseName: string): string {
  const statements = provisionStatements({
    names,
    databaseName,
    initialPassword: '',
    existing: new Set(),
  });
  const monitor = monitorStatements(monitorRoleName(names.login), databaseName, '', false);
  return createHash('sha256')
    .update([...statements, ...monitor].join(';\n'))
    .digest('hex')
    .slice(0, 16);
}
