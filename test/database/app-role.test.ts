import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { deepMerge, validateEnvironment } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { Database } from '../../lib/database';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { APP_ROLE_RESOURCE_TYPE, DatabaseAppRole } from '../../lib/database/app-role';
import { Network } from '../../lib/network';
import {
  constructTestApp,
  importedDatabase,
  presets,
  resourcesOf,
  singleResource,
  stackName,
} from '../helpers';

// GIVEN the presets, synthesized once for the run (without bundling)
const { templates } = presets();
const ENVS = ['dev', 'prod'] as const;

const idOf = (t: Template, type: string, prefix: string) => singleResource(t, type, prefix)[0];

describe('role provisioning function', () => {
  test.each(ENVS)(
    '%s: Node.js 24 on ARM64 in the private subnets, its own group, no reserved concurrency',
    (env) => {
      const t = templates[env];
      const [, fn] = singleResource(t, 'AWS::Lambda::Function', 'DatabaseAppRoleFunction');
      const sg = idOf(t, 'AWS::EC2::SecurityGroup', 'DatabaseAppRoleSecurityGroup');
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 120,
        VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [sg, 'GroupId'] }] },
        // The Node.js 20+ runtimes trust the RDS CAs only with this (verified TLS to the primary).
        Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
      });
      expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
      const subnets = (fn.Properties!.VpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds;
      expect(subnets.length).toBeGreaterThanOrEqual(2);
      for (const s of subnets) expect(s.Ref).toMatch(/^NetworkVpcPrivateSubnet/);
    },
  );

  test.each([
    ['dev', 30],
    ['prod', 365],
  ] as const)('%s: logs go to its own log group, kept %d days', (env, days) => {
    const t = templates[env];
    const [logId, log] = singleResource(t, 'AWS::Logs::LogGroup', 'DatabaseAppRoleLogs');
    expect(log.Properties!.RetentionInDays).toBe(days);
    const [, fn] = singleResource(t, 'AWS::Lambda::Function', 'DatabaseAppRoleFunction');
    expect(fn.Properties!.LoggingConfig).toEqual({ LogGroup: { Ref: logId } });
  });

  test.each(ENVS)('%s: the role reads exactly the three role secrets and writes its own logs', (env) => {
    const t = templates[env];
    const role = idOf(t, 'AWS::IAM::Role', 'DatabaseAppRoleExecutionRole');
    const master = idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabasePrimarySecretAttachment');
    const app = idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabaseAppSecretAttachment');
    const monitor = idOf(
      t,
      'AWS::SecretsManager::SecretTargetAttachment',
      'DatabaseAppRoleMonitorSecretAttachment',
    );
    const logs = idOf(t, 'AWS::Logs::LogGroup', 'DatabaseAppRoleLogs');
    const policies = resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties!.Roles).includes(role),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0][1].Properties!.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logs, 'Arn'] },
      },
      {
        Sid: 'ReadTheRoleSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: expect.arrayContaining([{ Ref: app }, { Ref: master }, { Ref: monitor }]),
      },
      {
        Sid: 'VpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
    ]);
    const read = statements[1] as { Resource: { Ref: string }[] };
    expect(read.Resource.map((r) => r.Ref).sort()).toEqual([app, master, monitor].sort());
    // No managed policies (no AWSLambdaBasicExecutionRole, no VPC access role with logs:* on *).
    expect(t.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('the custom resource', () => {
  test.each(ENVS)(
    '%s: provisions the configured user on the primary with both secrets, and keeps it on delete',
    (env) => {
      const t = templates[env];
      const [, resource] = singleResource(t, APP_ROLE_RESOURCE_TYPE, 'DatabaseAppRole');
      const primary = idOf(t, 'AWS::RDS::DBInstance', 'DatabasePrimary');
      expect(resource.Properties).toEqual({
        ServiceToken: { 'Fn::GetAtt': [idOf(t, 'AWS::Lambda::Function', 'DatabaseAppRoleFunction'), 'Arn'] },
        ServiceTimeout: '300',
        MasterSecretArn: {
          Ref: idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabasePrimarySecretAttachment'),
        },
        AppSecretArn: {
          Ref: idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabaseAppSecretAttachment'),
        },
        // The primary itself, not the proxy: the proxy knows only the users of its secrets.
        Host: { 'Fn::GetAtt': [primary, 'Endpoint.Address'] },
        Port: { 'Fn::GetAtt': [primary, 'Endpoint.Port'] },
        DatabaseName: 'app',
        AppUsername: 'app',
        DropOnDelete: 'false',
        GrantsDigest: expect.stringMatching(/^[0-9a-f]{16}$/),
        // The query advisor's statistics-only role, with its own secret.
        MonitorSecretArn: {
          Ref: idOf(
            t,
            'AWS::SecretsManager::SecretTargetAttachment',
            'DatabaseAppRoleMonitorSecretAttachment',
          ),
        },
        MonitorUsername: 'app_monitor',
      });
    },
  );

  test('with removal policy destroy (LocalStack) the roles and their objects go with the stack', () => {
    templates.local.hasResourceProperties(APP_ROLE_RESOURCE_TYPE, { DropOnDelete: 'true' });
  });

  test('a different database name changes the grants digest, so the provisioning runs again', () => {
    const digest = (databaseName: string) => {
      const config = validateEnvironment(
        'dev',
        deepMerge(PRESETS.dev as never, { database: { databaseName } } as never),
      );
      const stack = new Stack(constructTestApp(), stackName('dev'));
      const network = new Network(stack, 'Network', { config: config.network });
      new Database(stack, 'Database', { vpc: network.vpc, config: config.database });
      const [, r] = singleResource(Template.fromStack(stack), APP_ROLE_RESOURCE_TYPE, 'DatabaseAppRole');
      return r.Properties!.GrantsDigest;
    };
    expect(digest('orders')).not.toEqual(digest('app'));
    expect(digest('app')).toEqual(
      templates.dev.findResources(APP_ROLE_RESOURCE_TYPE)[
        idOf(templates.dev, APP_ROLE_RESOURCE_TYPE, 'DatabaseAppRole')
      ].Properties.GrantsDigest,
    );
  });

  test('the function reaches the primary on 5432 only (not the proxy, not the replicas)', () => {
    const t = templates.prod;
    const sg = idOf(t, 'AWS::EC2::SecurityGroup', 'DatabaseAppRoleSecurityGroup');
    const primarySg = idOf(t, 'AWS::EC2::SecurityGroup', 'DatabasePrimarySecurityGroup');
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [primarySg, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [sg, 'GroupId'] },
      FromPort: Match.anyValue(),
      IpProtocol: 'tcp',
    });
    const egress = resourcesOf(t, 'AWS::EC2::SecurityGroupEgress').filter(([, r]) =>
      JSON.stringify(r.Properties!.GroupId).includes(sg),
    );
    expect(egress.map(([, r]) => r.Properties!.DestinationSecurityGroupId)).toEqual([
      { 'Fn::GetAtt': [primarySg, 'GroupId'] },
    ]);
  });
});

describe('secrets encrypted with a customer managed key', () => {
  test('GIVEN both secrets under one key THEN the function may decrypt with that key only, through Secrets Manager', () => {
    const stack = new Stack(constructTestApp(), 'KeyTest', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      subnetConfiguration: [
        { name: Network.PRIVATE, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: Network.PUBLIC, subnetType: ec2.SubnetType.PUBLIC },
      ],
    });
    const key = new kms.Key(stack, 'SecretsKey');
    const secret = (id: string) => new secretsmanager.Secret(stack, id, { encryptionKey: key });
    const { primary } = importedDatabase(stack);
    new DatabaseAppRole(stack, 'AppRole', {
      vpc,
      primary,
      masterSecret: secret('Master'),
      appSecret: secret('App'),
      databaseName: 'app',
      appUsername: 'app',
    });
    const t = Template.fromStack(stack);
    const [, policy] = singleResource(t, 'AWS::IAM::Policy', 'AppRoleExecutionRole');
    const statements = (policy.Properties!.PolicyDocument as { Statement: { Sid: string }[] }).Statement;
    expect(statements.find((s) => s.Sid === 'DecryptTheSecrets')).toEqual({
      Sid: 'DecryptTheSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [singleResource(t, 'AWS::KMS::Key', 'SecretsKey')[0], 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
  });
});
