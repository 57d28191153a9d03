import { loadEnvironments } from '../../lib/config/load';
import { configErrorOf } from '../config-error';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/key-AbCdEf';

describe('service.secrets', () => {
  test('GIVEN the three forms THEN they validate as given', () => {
    const secrets = {
      A: SECRET,
      B: { arn: SECRET, field: 'token', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' },
      C: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/flags',
    };
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.secrets': JSON.stringify(secrets) });
    expect(dev.config.service.secrets).toEqual(secrets);
  });

  test.each([
    [
      'DB_PASSWORD',
      'dev.service.secrets.DB_PASSWORD: got "DB_PASSWORD"; is a name the stack sets on the container; taken: DB_WRITER_HOST, DB_READER_HOST',
    ],
    [
      'REDIS_EXTRA',
      'dev.service.secrets.REDIS_EXTRA: got "REDIS_EXTRA"; is a name the stack sets on the container',
    ],
    [
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_EXECUTION_ENV, AWS_DEFAULT_REGION, AWS_REGION (and every DB_* and REDIS_* name)',
    ],
  ])('GIVEN the injected name %s THEN refused with the list', (name, message) => {
    expect(
      configErrorOf({ envs: 'dev', 'dev.service.secrets': JSON.stringify({ [name]: SECRET }) }),
    ).toContain(message);
  });

  test('GIVEN a name also in service.environment THEN refused', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.service.environment': '{"API_KEY":"x"}',
        'dev.service.secrets': JSON.stringify({ API_KEY: SECRET }),
      }),
    ).toContain(
      'dev.service.secrets.API_KEY: got "API_KEY"; is also in service.environment; keep one of them',
    );
  });

  test.each([
    // a partial ARN (no 6-character suffix) cannot be named exactly in IAM
    [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/key',
      'must be the complete ARN of a Secrets Manager secret',
    ],
    ['app/key', 'must be the complete ARN of a Secrets Manager secret'],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter//x', 'or of an SSM parameter'],
  ])('GIVEN %s THEN refused with the expected forms', (arn, message) => {
    expect(configErrorOf({ envs: 'dev', 'dev.service.secrets': JSON.stringify({ X: arn }) })).toContain(
      message,
    );
  });

  test('GIVEN a JSON field on an SSM parameter THEN refused', () => {
    const parameter = { arn: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/flags', field: 'x' };
    expect(configErrorOf({ envs: 'dev', 'dev.service.secrets': JSON.stringify({ X: parameter }) })).toContain(
      'dev.service.secrets.X.field: got "x"; is for a JSON key of a Secrets Manager secret; an SSM parameter is read whole',
    );
  });

  test('GIVEN a KMS key that is not a key ARN THEN refused', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.service.secrets': JSON.stringify({ X: { arn: SECRET, kmsKeyArn: 'alias/app' } }),
      }),
    ).toContain('dev.service.secrets.X.kmsKeyArn: got "alias/app"; must be a KMS key ARN');
  });
});

describe('service.taskRole', () => {
  const statements = (s: unknown[]) => JSON.stringify({ policyStatements: s });

  test.each([
    [
      [{ actions: ['*'], resources: ['*'] }],
      'dev.service.taskRole.policyStatements.0.actions.0: got "*"; must be an IAM action service:Action',
    ],
    [
      [{ actions: ['s3:*'], resources: ['arn:aws:s3:::b'] }],
      'dev.service.taskRole.policyStatements.0.actions.0: got "s3:*"; grants every action of the service',
    ],
    [
      [{ actions: ['GetObject'], resources: ['arn:aws:s3:::b'] }],
      'got "GetObject"; must be an IAM action service:Action, e.g. s3:GetObject',
    ],
    [
      [{ actions: ['s3:GetObject'], resources: ['bucket'] }],
      'dev.service.taskRole.policyStatements.0.resources.0: got "bucket"; must be an ARN',
    ],
    [
      [{ actions: ['s3:GetObject', 'cloudwatch:PutMetricData'], resources: ['*'] }],
      'dev.service.taskRole.policyStatements.0.resources: got ["*"]; "*" is allowed only for actions that have no resource type in the Service Authorization Reference (cloudwatch:PutMetricData,',
    ],
  ])('GIVEN %j THEN refused', (s, message) => {
    const error = configErrorOf({ envs: 'dev', 'dev.service.taskRole': statements(s) });
    expect(error).toContain(message);
  });

  test('GIVEN "*" with an action that takes a resource THEN the message names that action', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.service.taskRole': statements([
          { actions: ['sqs:SendMessage', 'xray:PutTraceSegments'], resources: ['*'] },
        ]),
      }),
    ).toContain('name the ARNs for sqs:SendMessage');
  });

  // Checked against the "Resource types" column of each service's page of the Service Authorization
  // Reference (the URLs are in lib/config/schema/actions-without-resources.ts).
  test('GIVEN "*" THEN the actions without a resource type are accepted, in any letter case', () => {
    const accepted = [
      'cloudwatch:PutMetricData',
      'xray:GetSamplingRules',
      'secretsmanager:ListSecrets',
      'kms:GenerateRandom',
      'sts:GetCallerIdentity',
      'sqs:ListQueues',
      'sns:ListTopics',
      'logs:DescribeLogGroups',
      'ssm:DescribeParameters',
      'ec2:DescribeInstances',
      's3:ListAllMyBuckets',
      'xray:GetServiceGraph',
      'cloudwatch:getmetricdata',
    ];
    const [dev] = loadEnvironments({
      envs: 'dev',
      'dev.service.taskRole': statements([{ actions: accepted, resources: ['*'] }]),
    });
    expect(dev.config.service.taskRole?.policyStatements?.[0].actions).toEqual(accepted);
  });

  test.each([
    // alarm* is required: name the alarm ARNs
    ['cloudwatch:DescribeAlarms'],
    // identity* is required: name the verified identity
    ['ses:SendEmail'],
    // log-group* is required
    ['logs:StartQuery'],
    // 17 of the ec2:Describe* actions require a resource (ec2:DescribeInstanceAttribute: instance*)
    ['ec2:Describe*'],
    // a wildcard may cover actions that take a resource
    ['xray:GetSampling*'],
  ])('GIVEN "*" with %s, which takes a resource, THEN refused naming it', (action) => {
    const error = configErrorOf({
      envs: 'dev',
      'dev.service.taskRole': statements([{ actions: ['xray:PutTraceSegments', action], resources: ['*'] }]),
    });
    expect(error).toContain(
      'dev.service.taskRole.policyStatements.0.resources: got ["*"]; "*" is allowed only for actions that have no resource type in the Service Authorization Reference (cloudwatch:PutMetricData, cloudwatch:GetMetricData, cloudwatch:ListMetrics, cloudwatch:GetMetricStatistics, xray:PutTraceSegments,',
    );
    expect(error).toContain(`ec2:DescribeAvailabilityZones, tag:GetResources); name the ARNs for ${action}`);
  });

  test('GIVEN the named ARN for an action that takes a resource THEN accepted', () => {
    const alarm = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:app-*';
    const [dev] = loadEnvironments({
      envs: 'dev',
      'dev.service.taskRole': statements([{ actions: ['cloudwatch:DescribeAlarms'], resources: [alarm] }]),
    });
    expect(dev.config.service.taskRole?.policyStatements?.[0].resources).toEqual([alarm]);
  });

  test('GIVEN a managed policy that is not a policy ARN THEN refused', () => {
    expect(
      configErrorOf({ envs: 'dev', 'dev.service.taskRole': '{"managedPolicyArns":["ReadOnlyAccess"]}' }),
    ).toContain(
      'dev.service.taskRole.managedPolicyArns.0: got "ReadOnlyAccess"; must be an IAM managed policy ARN',
    );
  });
});

describe('service.command and service.entryPoint', () => {
  test.each([
    ['dev.service.command', '"npm start"', 'dev.service.command: got "npm start"; expected array'],
    ['dev.service.entryPoint', '[]', 'dev.service.entryPoint: got []; Too small'],
  ])('GIVEN %s=%s THEN refused', (key, value, message) => {
    expect(configErrorOf({ envs: 'dev', [key]: value })).toContain(message);
  });
});
