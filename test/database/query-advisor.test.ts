import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { QUERY_ADVISOR_TARGETS_ENV, targetsFromEnv } from '../../lambda/query-advisor';
import { PRESETS } from '../../lib/config/presets';
import { QUERY_ADVISOR_FUNCTION_OUTPUT, QueryAdvisor } from '../../lib/database/query-advisor';
import { constructTestApp, importedDatabase, presets, resourcesOf, singleResource } from '../helpers';

// GIVEN the presets, synthesized once for the run (without bundling)
const { templates } = presets();
const ENVS = ['dev', 'prod'] as const;

const idOf = (t: Template, type: string, prefix: string) => singleResource(t, type, prefix)[0];
const monitorAttachment = (t: Template) =>
  idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabaseAppRoleMonitorSecretAttachment');

describe('the query advisor function', () => {
  test.each(ENVS)('%s: Node.js 24 on ARM64 in the private subnets with its own group', (env) => {
    const t = templates[env];
    const [, fn] = singleResource(t, 'AWS::Lambda::Function', 'QueryAdvisorFunction');
    const sg = idOf(t, 'AWS::EC2::SecurityGroup', 'QueryAdvisorSecurityGroup');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [sg, 'GroupId'] }] },
      Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
    });
    expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    const subnets = (fn.Properties!.VpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds;
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const s of subnets) expect(s.Ref).toMatch(/^NetworkVpcPrivateSubnet/);
    // 30 s plus, per instance, a connection and twenty statements at the 5 s timeout.
    const instances = 1 + PRESETS[env].database.readReplicas;
    expect(fn.Properties!.Timeout).toBe(30 + instances * (10 + 100));
  });

  test.each(ENVS)(
    '%s: it reads the primary and every replica as the monitoring role, with a 5 s timeout',
    (env) => {
      const t = templates[env];
      const [, fn] = singleResource(t, 'AWS::Lambda::Function', 'QueryAdvisorFunction');
      const raw = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables[
        QUERY_ADVISOR_TARGETS_ENV
      ];
      // Render the Fn::Join with a stand-in per reference, then parse it as the function does.
      const [sep, parts] = (raw as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      const rendered = parts
        .map((p) =>
          typeof p === 'string'
            ? p
            : `<${(p as { Ref?: string }).Ref ?? (p as { 'Fn::GetAtt': string[] })['Fn::GetAtt'].join('.')}>`,
        )
        .join(sep);
      const targets = targetsFromEnv({ [QUERY_ADVISOR_TARGETS_ENV]: rendered });
      const instance = (prefix: string) => `<${idOf(t, 'AWS::RDS::DBInstance', prefix)}.Endpoint.Address>`;
      const replicas = Array.from({ length: PRESETS[env].database.readReplicas }, (_, i) => ({
        name: `scalablebackend-${env}-replica-${i + 1}`,
        role: 'replica',
        host: instance(`DatabaseReplica${i + 1}`),
      }));
      expect(targets).toEqual({
        secretArn: `<${monitorAttachment(t)}>`,
        databaseName: PRESETS[env].database.databaseName,
        port: 5432,
        instances: [{ name: 'primary', role: 'primary', host: instance('DatabasePrimary') }, ...replicas],
        statementTimeoutMs: 5000,
      });
    },
  );

  test.each(ENVS)('%s: its role reads the monitoring secret only and writes its own logs', (env) => {
    const t = templates[env];
    const role = idOf(t, 'AWS::IAM::Role', 'QueryAdvisorRole');
    expect(t.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
    const policies = resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties!.Roles).includes(role),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0][1].Properties!.PolicyDocument as { Statement: { Sid: string }[] })
      .Statement;
    expect(statements.map((s) => s.Sid)).toEqual([
      'WriteOwnLogs',
      'ReadTheMonitoringSecret',
      'VpcNetworkInterfaces',
    ]);
    expect(statements[0]).toMatchObject({
      Resource: { 'Fn::GetAtt': [idOf(t, 'AWS::Logs::LogGroup', 'QueryAdvisorLogs'), 'Arn'] },
    });
    expect(statements[1]).toEqual({
      Sid: 'ReadTheMonitoringSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: { Ref: monitorAttachment(t) },
    });
  });

  test.each(ENVS)('%s: its group reaches the primary and the replicas on 5432, and HTTPS out only', (env) => {
    const t = templates[env];
    const sg = idOf(t, 'AWS::EC2::SecurityGroup', 'QueryAdvisorSecurityGroup');
    const groupOf = (prefix: string) => ({
      'Fn::GetAtt': [idOf(t, 'AWS::EC2::SecurityGroup', prefix), 'GroupId'],
    });
    for (const target of ['DatabasePrimarySecurityGroup', 'DatabaseReplicaSecurityGroup']) {
      const ingress = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter(
        ([, r]) =>
          JSON.stringify(r.Properties!.SourceSecurityGroupId) ===
            JSON.stringify({ 'Fn::GetAtt': [sg, 'GroupId'] }) &&
          JSON.stringify(r.Properties!.GroupId) === JSON.stringify(groupOf(target)),
      );
      expect(ingress).toHaveLength(1);
      expect(ingress[0][1].Properties!.IpProtocol).toBe('tcp');
      // The instance's port (5432, the container contract), as a literal or the instance's Endpoint.Port.
      expect(JSON.stringify(ingress[0][1].Properties!.FromPort)).toMatch(/^5432$|Endpoint\.Port/);
    }
    const egress = t.toJSON().Resources[sg].Properties.SecurityGroupEgress;
    expect(egress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })]);
  });

  test.each(ENVS)('%s: runs on the advisor schedule and is named by a stack output', (env) => {
    const t = templates[env];
    const fn = idOf(t, 'AWS::Lambda::Function', 'QueryAdvisorFunction');
    t.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
    expect(t.toJSON().Outputs[QUERY_ADVISOR_FUNCTION_OUTPUT]).toMatchObject({ Value: { Ref: fn } });
  });
});

describe('the monitoring role secret', () => {
  test.each(ENVS)(
    '%s: its own generated secret for <app user>_monitor, kept like the other secrets',
    (env) => {
      const t = templates[env];
      const [, secret] = singleResource(t, 'AWS::SecretsManager::Secret', 'DatabaseAppRoleMonitorSecret');
      const template = (secret.Properties!.GenerateSecretString as { SecretStringTemplate: string })
        .SecretStringTemplate;
      expect(JSON.parse(template)).toMatchObject({
        username: `${PRESETS[env].database.appUsername}_monitor`,
      });
      expect([secret.DeletionPolicy, secret.UpdateReplacePolicy]).toEqual(['RetainExceptOnCreate', 'Retain']);
    },
  );
});

describe('bad input fails at synth', () => {
  test.each([0, 99, 60_001, 1.5])('statementTimeoutMs %p is refused with what is allowed', (value) => {
    const stack = new Stack(constructTestApp(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      subnetConfiguration: [
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      ],
    });
    const db = importedDatabase(stack);
    expect(
      () =>
        new QueryAdvisor(stack, 'QueryAdvisor', {
          vpc,
          primary: db.primary,
          replicas: [],
          monitorSecret: new secretsmanager.Secret(stack, 'Secret'),
          databaseName: 'app',
          logRetentionDays: 30,
          statementTimeoutMs: value,
        }),
    ).toThrow(`query advisor: statementTimeoutMs is ${value}; allowed: an integer from 100 to 60000 (ms)`);
  });
});
