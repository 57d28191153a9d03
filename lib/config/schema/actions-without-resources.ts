/**
 * The IAM actions a statement of `service.taskRole.policyStatements` may grant on `"Resource": "*"`:
 * those the Service Authorization Reference lists with no resource type, so IAM can only authorize
 * them on `*`. Every other action is refused with `*` and must name its ARNs (least privilege).
 *
 * Each entry was checked against the "Resource types" column of its service's page
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html). Actions
 * that were checked and take a resource, so they are deliberately absent: cloudwatch:DescribeAlarms
 * and cloudwatch:DescribeAlarmHistory (alarm*), logs:DescribeLogStreams, logs:StartQuery and
 * logs:GetQueryResults (log-group*), ssm:GetParametersByPath (parameter*), ses:SendEmail and
 * ses:SendRawEmail (identity*), and `ec2:Describe*` as a whole (17 of its actions, e.g.
 * ec2:DescribeInstanceAttribute, require a resource).
 */
export const ACTIONS_WITHOUT_RESOURCES = [
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
  // PutMetricData, GetMetricData and ListMetrics list only the optional `dataset` type (the account's
  // implicit default dataset); a call that names no dataset is authorized on `*`. Narrow
  // PutMetricData with the `cloudwatch:namespace` condition instead.
  'cloudwatch:PutMetricData',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'cloudwatch:GetMetricStatistics',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'xray:GetServiceGraph',
  'xray:GetTraceSummaries',
  'xray:BatchGetTraces',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
  'ecr:GetAuthorizationToken',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html
  // (GetCallerIdentity needs no permission at all: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
  'sts:GetCallerIdentity',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
  's3:ListAllMyBuckets',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html
  'sqs:ListQueues',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html
  'sns:ListTopics',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
  'secretsmanager:GetRandomPassword',
  'secretsmanager:ListSecrets',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
  'kms:GenerateRandom',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
  'logs:DescribeLogGroups',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
  'ssm:DescribeParameters',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
  'ec2:DescribeInstances',
  'ec2:DescribeRegions',
  'ec2:DescribeAvailabilityZones',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_resourcegroupstaggingapi.html
  'tag:GetResources',
] as const;

const LOWER_CASE = new Set<string>(ACTIONS_WITHOUT_RESOURCES.map((a) => a.toLowerCase()));

/**
 * Whether `action` is in {@link ACTIONS_WITHOUT_RESOURCES}, compared case-insensitively as IAM
 * compares action names. A wildcard action (`xray:GetSampling*`) is not: it may match actions added
 * later that take a resource.
 */
export function takesNoResource(action: string): boolean {
  return LOWER_CASE.has(action.toLowerCase());
}
