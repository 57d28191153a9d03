import { Rule, StackTemplate, isObject } from './template';

/**
 * The property that gives a resource its physical name, per type (the CloudFormation "custom naming"
 * list, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html),
 * for the types a CDK app like this one creates.
 */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBProxy': 'DBProxyName',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  'AWS::RDS::DBParameterGroup': 'DBParameterGroupName',
  'AWS::RDS::DBClusterParameterGroup': 'DBClusterParameterGroupName',
  'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId',
  'AWS::ElastiCache::CacheCluster': 'ClusterName',
  'AWS::ElastiCache::SubnetGroup': 'CacheSubnetGroupName',
  'AWS::ElastiCache::User': 'UserId',
  'AWS::ElastiCache::UserGroup': 'UserGroupId',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::EC2::SecurityGroup': 'GroupName',
};

/**
 * A resource with an explicit physical name must not be plainly `Retain`ed. `Retain` also keeps the
 * resource when the CREATE that made it rolls back, so the retry of the same template fails with
 * "already exists" on that name. `RetainExceptOnCreate` (CDK `RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE`)
 * keeps it on update and delete but removes what a failed create left; `Snapshot` and `Delete` are fine too.
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 */
export const retainExceptOnCreate: Rule = {
  id: 'RetainExceptOnCreate',
  description:
    'A resource with a fixed physical name uses DeletionPolicy RetainExceptOnCreate, Snapshot or Delete, not Retain: ' +
    'Retain also keeps it when its first CREATE rolls back, and the retry then fails because the name already exists.',
  source:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html',
  resourceTypes: Object.keys(NAME_PROPERTIES),
  check(resource, template) {
    const nameProperty = NAME_PROPERTIES[resource.type];
    const name = resource.properties[nameProperty];
    if (resource.deletionPolicy !== 'Retain' || name === undefined || !isFixed(name, template)) return [];
    return [
      {
        location: 'DeletionPolicy',
        message: `${resource.type} with fixed ${nameProperty} ${JSON.stringify(resource.properties[nameProperty])} has DeletionPolicy Retain`,
      },
    ];
  },
};

/**
 * Whether a name comes out the same on a retry: literals and pseudo parameters (the stack name) do;
 * a name built from a resource whose own name CloudFormation generates does not (e.g. the
 * `/aws/lambda/<function>` log group of a function without FunctionName: the retry gets a new
 * function name, so a retained log group of the failed create is no obstacle).
 */
function isFixed(value: unknown, template: StackTemplate): boolean {
  const target = template.referenced(value);
  if (target) {
    const ownName = NAME_PROPERTIES[target.resource.type];
    return ownName !== undefined && target.resource.properties[ownName] !== undefined
      ? isFixed(target.resource.properties[ownName], template)
      : false;
  }
  if (Array.isArray(value)) return value.every((v) => isFixed(v, template));
  if (isObject(value)) return Object.values(value).every((v) => isFixed(v, template));
  return true;
}
