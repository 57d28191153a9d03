import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * How this app bundles its Node.js functions with esbuild: minified CommonJS for the Node.js 24
 * runtime, with a source map, and the listed modules left to the runtime.
 *
 * `--preserve-symlinks` keeps module paths as the project sees them: `npm run review` synthesizes the
 * base commit in a worktree whose `node_modules` is a link to the working tree's, and without it
 * esbuild would write the link's target into the bundle (comments and source map), so a function
 * bundling a dependency (the database-role provisioner bundles `pg`) would show a different asset
 * hash for identical code.
 */
export function functionBundling(externalModules: string[]): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    target: 'node24',
    format: nodejs.OutputFormat.CJS,
    externalModules,
    esbuildArgs: { '--preserve-symlinks': true },
  };
}

/**
 * An execution role of its own for one of this app's functions: assumed by Lambda, allowed to write
 * to the function's own log group and nothing else yet (the caller adds what the function needs), so
 * no managed policy with `logs:*` on every group is attached.
 */
export function functionRole(
  scope: Construct,
  id: string,
  description: string,
  logGroup: logs.ILogGroup,
): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}

/**
 * The network-interface permissions a function in a VPC needs on its role. These EC2 actions support
 * no resource-level permissions (the actions of AWSLambdaVPCAccessExecutionRole;
 * docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions), so the
 * wildcard is acknowledged here, once, with that reason. `namedByArn` says what else the role reaches,
 * named by ARN (e.g. "the secret and the log group").
 */
export function allowVpcNetworkInterfaces(role: iam.Role, namedByArn?: string): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'VpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'A function in a VPC manages its network interfaces with ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, ' +
      'DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses, which support no resource-level permissions (the actions of ' +
      'AWSLambdaVPCAccessExecutionRole)' +
      (namedByArn ? `; ${namedByArn} named by ARN.` : '.'),
  });
}
