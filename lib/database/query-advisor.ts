import * as path from 'path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { QUERY_ADVISOR_TARGETS_ENV, QueryAdvisorTargets } from '../../lambda/query-advisor';
import { allowVpcNetworkInterfaces, functionBundling, functionRole } from '../function-defaults';
import { Network } from '../network';

/** The bundle of the Node.js 20+ runtimes trusts the Amazon RDS CAs only with this set. */
const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** Name of the stack output with the function's name: `npm run advisor -- queries <env>` invokes it. */
export const QUERY_ADVISOR_FUNCTION_OUTPUT = 'QueryAdvisorFunctionName';

export interface QueryAdvisorProps {
  /** VPC with the subnet groups of {@link Network}: the function runs in the private ones. */
  readonly vpc: ec2.IVpc;
  /** The primary, read directly (not through the proxy: statistics are per instance). */
  readonly primary: rds.IDatabaseInstance;
  /** Each replica, with its lower-case instance identifier (the name in the report). */
  readonly replicas: readonly { readonly instance: rds.IDatabaseInstance; readonly name: string }[];
  /** Secret of the statistics-only monitoring role (`<app user>_monitor`, pg_monitor only). */
  readonly monitorSecret: secretsmanager.ISecret;
  readonly databaseName: string;
  /** Retention of the function's log group (a CloudWatch Logs retention value, days). */
  readonly logRetentionDays: number;
  /**
   * Upper bound of each statement the advisor runs on a database (`statement_timeout`, ms).
   * @default 5000
   */
  readonly statementTimeoutMs?: number;
}

/**
 * The query advisor: a function in the private subnets that reads pg_stat_statements, the table
 * and index statistics and the sessions of the primary and of each replica as the monitoring role
 * (lambda/query-advisor), with a bounded `statement_timeout` and read-only sessions, and logs its
 * report as one JSON line. The scaling advisor runs it on its schedule and appends its findings to
 * the database verdicts; `npm run advisor -- queries <env>` invokes it on demand.
 *
 * Its security group reaches the primary and the replicas on their port (with the matching
 * ingress on their groups) and HTTPS for the Secrets Manager API; the role reads one secret.
 */
export class QueryAdvisor extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly targets: QueryAdvisorTargets;

  constructor(scope: Construct, id: string, props: QueryAdvisorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statementTimeoutMs = props.statementTimeoutMs ?? 5000;
    if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 100 || statementTimeoutMs > 60_000) {
      throw new Error(
        `query advisor: statementTimeoutMs is ${statementTimeoutMs}; allowed: an integer from 100 to 60000 (ms)`,
      );
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Query advisor function: to the primary, the replicas and the Secrets Manager API',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
    props.primary.connections.allowDefaultPortFrom(this.securityGroup, 'Query advisor to the primary');
    for (const r of props.replicas) {
      r.instance.connections.allowDefaultPortFrom(this.securityGroup, 'Query advisor to the read replicas');
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      // Reports are operational history, not data: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = functionRole(
      this,
      'Role',
      `Query advisor of ${stack.stackName}: reads the monitoring secret`,
      this.logGroup,
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheMonitoringSecret',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.monitorSecret.secretArn],
      }),
    );
    if (props.monitorSecret.encryptionKey) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptTheSecret',
          actions: ['kms:Decrypt'],
          resources: [props.monitorSecret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    allowVpcNetworkInterfaces(this.role, 'the secret and the log group are');

    this.targets = {
      secretArn: props.monitorSecret.secretArn,
      databaseName: props.databaseName,
      port: 5432,
      instances: [
        { name: 'primary', role: 'primary', host: props.primary.dbInstanceEndpointAddress },
        ...props.replicas.map((r) => ({
          name: r.name,
          role: 'replica' as const,
          host: r.instance.dbInstanceEndpointAddress,
        })),
      ],
      statementTimeoutMs,
    };
    const instances = this.targets.instances.length;

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: `Query advisor of ${stack.stackName}: top statements, index and cache candidates per instance`,
      entry: path.join(__dirname, '..', '..', 'lambda', 'query-advisor', 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Per instance: a connection (10 s) and about twenty statements, each bounded by the timeout in
      // the worst case; in practice each takes milliseconds.
      timeout: Duration.seconds(
        Math.min(900, 30 + instances * (10 + Math.ceil((20 * statementTimeoutMs) / 1000))),
      ),
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: Network.PRIVATE },
      securityGroups: [this.securityGroup],
      environment: {
        [QUERY_ADVISOR_TARGETS_ENV]: stack.toJsonString(this.targets),
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // A missed run is replaced by the next scheduled one.
      retryAttempts: 0,
      bundling: functionBundling(['@aws-sdk/*', '@smithy/*', 'pg-native']),
    });
  }
}
