import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';

/**
 * What the experiment roles may do: the statements each FIS action needs, scoped to this stack's
 * resources, and the reason each remaining wildcard cannot be narrower (for its cdk-nag
 * acknowledgement).
 */

function replicationGroupArn(stack: Stack, replicationGroupId: string): string {
  return stack.formatArn({
    service: 'elasticache',
    resource: 'replicationgroup',
    resourceName: replicationGroupId,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * aws:ecs:stop-task needs ecs:DescribeTasks, ecs:ListTasks, ecs:StopTask (AWS FIS actions
 * reference; managed policy AWSFaultInjectionSimulatorECSAccess), scoped to this cluster.
 */
export function ecsStatements(stack: Stack, cluster: ecs.ICluster): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DescribeCluster',
      actions: ['ecs:DescribeClusters'],
      resources: [cluster.clusterArn],
    }),
    new iam.PolicyStatement({
      sid: 'StopTasksOfThisCluster',
      actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [
        stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` }),
      ],
    }),
    new iam.PolicyStatement({ sid: 'ListTasks', actions: ['ecs:ListTasks'], resources: ['*'] }),
  ];
}

/**
 * aws:rds:reboot-db-instances needs rds:RebootDBInstance and rds:DescribeDBInstances (managed
 * policy AWSFaultInjectionSimulatorRDSAccess); the reboot only on the primary.
 */
export function rdsStatements(primary: rds.IDatabaseInstance): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'RebootThePrimary',
      actions: ['rds:RebootDBInstance'],
      resources: [primary.instanceArn],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeInstances',
      actions: ['rds:DescribeDBInstances'],
      resources: ['*'],
    }),
  ];
}

/**
 * aws:elasticache:replicationgroup-interrupt-az-power needs elasticache:InterruptClusterAzPower,
 * elasticache:DescribeReplicationGroups and tag:GetResources (AWS FIS actions reference); the
 * first two only on this replication group and its nodes (`<group id>-*`).
 */
export function cacheStatements(stack: Stack, replicationGroupId: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'InterruptThisCache',
      actions: ['elasticache:InterruptClusterAzPower', 'elasticache:DescribeReplicationGroups'],
      resources: [
        replicationGroupArn(stack, replicationGroupId),
        stack.formatArn({
          service: 'elasticache',
          resource: 'cluster',
          resourceName: `${replicationGroupId}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  ];
}

/**
 * aws:network:disrupt-connectivity swaps the subnets' network ACL for one that denies traffic and
 * swaps it back (AWS FIS actions reference; managed policy AWSFaultInjectionSimulatorNetworkAccess):
 * it may create ACLs only tagged managedByFIS=true, and change or delete only such ACLs.
 */
export function networkStatements(stack: Stack, vpc: ec2.IVpc, subnetArns: string[]): iam.PolicyStatement[] {
  const ec2Arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName });
  const acls = ec2Arn('network-acl', '*');
  const fisTagged = { 'aws:RequestTag/managedByFIS': 'true' };
  return [
    new iam.PolicyStatement({
      sid: 'CreateFisNetworkAcl',
      actions: ['ec2:CreateNetworkAcl'],
      resources: [acls],
      conditions: { StringEquals: fisTagged },
    }),
    new iam.PolicyStatement({
      sid: 'CreateNetworkAclInThisVpc',
      actions: ['ec2:CreateNetworkAcl'],
      resources: [ec2Arn('vpc', vpc.vpcId)],
    }),
    new iam.PolicyStatement({
      sid: 'TagFisNetworkAcl',
      actions: ['ec2:CreateTags'],
      resources: [acls],
      conditions: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', ...fisTagged } },
    }),
    new iam.PolicyStatement({
      sid: 'ChangeFisNetworkAcl',
      actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
      resources: [acls],
      conditions: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'SwapAclOfTheZoneSubnets',
      actions: ['ec2:ReplaceNetworkAclAssociation'],
      resources: [...subnetArns, acls],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeNetwork',
      actions: [
        'ec2:DescribeManagedPrefixLists',
        'ec2:DescribeNetworkAcls',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadPrefixLists',
      actions: ['ec2:GetManagedPrefixListEntries'],
      resources: [ec2Arn('prefix-list', '*')],
    }),
  ];
}

/**
 * FIS resolves targets through the Resource Groups Tagging API: the actions reference lists
 * tag:GetResources among the permissions of most actions (aws:ecs:stop-task and
 * aws:rds:reboot-db-instances included), so every experiment role gets it (AWS FIS User Guide,
 * "AWS FIS actions reference"). It is read-only and has no resource-level permissions.
 */
export function resolveTargetsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ResolveTargets',
    actions: ['tag:GetResources'],
    resources: ['*'],
  });
}

/**
 * Log delivery to CloudWatch Logs: logs:CreateLogDelivery, and PutResourcePolicy,
 * DescribeResourcePolicies, DescribeLogGroups on `log-group:*` (CloudWatch Logs User Guide,
 * "Logs sent to CloudWatch Logs": "set the ARN of its Resource line to use a * wildcard").
 */
export function loggingStatements(stack: Stack): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DeliverExperimentLog',
      actions: ['logs:CreateLogDelivery'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'SetUpLogDelivery',
      actions: ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy'],
      resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`],
    }),
  ];
}

/** How cdk-nag prints a resource in a finding id: tokens as `<LogicalId>` / `<LogicalId.Attr>`. */
export function nagResource(stack: Stack, resource: string): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    if (v['Fn::Join']) return (v['Fn::Join'] as [string, unknown[]])[1].map(render).join('');
    if (v.Ref) return `<${v.Ref as string}>`;
    if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    return JSON.stringify(value);
  };
  return render(stack.resolve(resource));
}

/** Why a wildcard resource of an experiment role cannot be narrower. */
export function wildcardReason(resource: string): string {
  if (resource === '*') {
    return 'Describe/List calls (ec2:Describe*, rds:DescribeDBInstances, ecs:ListTasks), tag:GetResources and logs:CreateLogDelivery support no resource-level permissions; read-only except log delivery to the stack’s own group.';
  }
  if (resource.includes(':task/')) {
    return 'Task ARNs exist only at run time; the pattern is restricted to this stack’s cluster.';
  }
  if (resource.includes(':network-acl/')) {
    return 'FIS creates the denying network ACL at run time, so its id is unknown; creating, changing and deleting are conditioned on the managedByFIS=true tag, and the swap back needs the subnets’ original ACL.';
  }
  if (resource.includes(':log-group:')) {
    return 'Vended-log setup checks and writes the account’s log resource policy; the CloudWatch Logs User Guide requires log-group:* here. The delivery itself goes to the stack’s own log group.';
  }
  if (resource.includes(':cluster:')) {
    return 'The node ids of this replication group (<group id>-00N) are assigned by ElastiCache; the pattern covers only this group’s nodes.';
  }
  if (resource.includes(':prefix-list/')) {
    return 'Read-only lookup of managed prefix lists that the disrupt-connectivity action performs; no prefix list is changed.';
  }
  throw new Error(`Resilience: no documented reason for the wildcard resource ${resource}`);
}
