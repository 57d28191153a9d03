import * as fs from 'fs';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { INJECTED_ENV_NAMES } from '../../lib/config/schema/app';
import { findings, presets, resourcesOf, synth, variant } from '../helpers';
import { STAGING_OVERRIDES, TEST_APP, VARIANTS, VariantName } from '../variants';

// GIVEN the user's app in dev (ARM64) and in staging, which extends prod and runs on X86_64
const cases: [VariantName, string, string][] = [
  ['devApp', 'dev', 'linux/arm64'],
  ['stagingApp', 'staging', 'linux/amd64'],
];

function policyStatements(template: Template, rolePrefix: string): Record<string, unknown>[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(rolePrefix))
    .flatMap(
      ([, p]) =>
        (p.Properties as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
          .Statement,
    );
}

function appContainer(template: Template): Record<string, unknown> {
  const [[, task]] = resourcesOf(template, 'AWS::ECS::TaskDefinition').filter(([id]) =>
    id.startsWith('ServiceTaskDefinition'),
  );
  return (task.Properties as { ContainerDefinitions: Record<string, unknown>[] }).ContainerDefinitions[0];
}

/** The docker images of a variant's asset manifest (the variant's assembly, or a synth of it here). */
function dockerImages(name: VariantName, env: string): Record<string, { source: Record<string, unknown> }> {
  const dir = process.env.SB_PRESETS_OUTDIR
    ? path.join(process.env.SB_PRESETS_OUTDIR, 'variants', name)
    : synth([...VARIANTS[name].envs], VARIANTS[name].context).outdir;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, `ScalableBackend-${env}.assets.json`), 'utf8'));
  return manifest.dockerImages ?? {};
}

describe.each(cases)('the user app (%s): %s', (name, env, platform) => {
  const { templates, validationReport } = variant(name);
  const template = templates[env];

  test('THEN the secrets reach the container as ECS secrets, a JSON key as <arn>:<key>::', () => {
    const secrets = appContainer(template).Secrets as { Name: string; ValueFrom: unknown }[];
    expect(secrets.filter((s) => typeof s.ValueFrom === 'string')).toEqual([
      { Name: 'API_KEY', ValueFrom: TEST_APP.secretArn },
      { Name: 'PARTNER_TOKEN', ValueFrom: `${TEST_APP.jsonSecretArn}:token::` },
      { Name: 'FEATURE_FLAGS', ValueFrom: TEST_APP.parameterArn },
    ]);
  });

  test('THEN the execution role reads exactly those secrets, and decrypts only through Secrets Manager', () => {
    const statements = policyStatements(template, 'ServiceTaskDefinitionExecutionRole');
    expect(statements).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: [TEST_APP.secretArn, TEST_APP.jsonSecretArn],
    });
    expect(statements).toContainEqual({
      Action: 'ssm:GetParameters',
      Effect: 'Allow',
      Resource: TEST_APP.parameterArn,
    });
    expect(statements).toContainEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: TEST_APP.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    // No app grant on "*" besides the token call ECR requires.
    const wide = statements.filter((s) => s.Resource === '*').map((s) => s.Action);
    expect(wide).toEqual(['ecr:GetAuthorizationToken']);
  });

  test('THEN the task role (not the execution role) gets the app permissions as declared', () => {
    expect(policyStatements(template, 'ServiceTaskDefinitionTaskRole')).toEqual([
      { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: `${TEST_APP.bucketArn}/*` },
      {
        Action: 'sqs:SendMessage',
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        Effect: 'Allow',
        Resource: TEST_APP.queueArn,
      },
      { Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*' },
    ]);
    const [[, role]] = resourcesOf(template, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('ServiceTaskDefinitionTaskRole'),
    );
    expect(role.Properties?.ManagedPolicyArns).toEqual([TEST_APP.managedPolicyArn]);
    expect(JSON.stringify(policyStatements(template, 'ServiceTaskDefinitionExecutionRole'))).not.toContain(
      's3:',
    );
  });

  test('THEN the container runs the configured entry point and command on the built image', () => {
    const container = appContainer(template);
    expect(container.EntryPoint).toEqual(['node']);
    expect(container.Command).toEqual(['server.js', '--port', '8080']);
    expect(JSON.stringify(container.Image)).toContain('cdk-hnb659fds-container-assets-');
  });

  test(`THEN the asset manifest builds the fixture's Dockerfile for ${platform}, with its args and target`, () => {
    const images = Object.values(dockerImages(name, env));
    expect(images).toHaveLength(1);
    expect(images[0].source).toEqual({
      directory: expect.stringMatching(/^asset\.[0-9a-f]{64}$/),
      dockerBuildArgs: { APP_VERSION: '1.2.3' },
      dockerBuildTarget: 'release',
      platform,
    });
  });

  test('THEN cdk-nag, the CloudFormation validator and the rule pack report nothing', () => {
    expect(findings(validationReport)).toEqual([]);
  });
});

describe('the user app: the data-tier names the schema reserves are the ones the stack sets', () => {
  test('GIVEN the dev preset THEN INJECTED_ENV_NAMES lists exactly the container environment and secrets', () => {
    const container = appContainer(presets().templates.dev);
    const names = [
      ...(container.Environment as { Name: string }[]).map((e) => e.Name),
      ...(container.Secrets as { Name: string }[]).map((s) => s.Name),
    ];
    expect([...names].sort()).toEqual([...INJECTED_ENV_NAMES].sort());
  });
});

describe('staging extends prod', () => {
  const prod = presets().templates.prod;
  const staging = variant('stagingApp').templates.staging;

  test('THEN it has prod sizes (database, cache, task size) plus its own overrides', () => {
    const props = (t: Template, type: string, prefix: string) =>
      resourcesOf(t, type)
        .filter(([id]) => id.startsWith(prefix))
        .map(([, r]) => r.Properties ?? {});
    const primary = (t: Template) => props(t, 'AWS::RDS::DBInstance', 'DatabasePrimary')[0];
    expect(primary(staging).DBInstanceClass).toBe(primary(prod).DBInstanceClass);
    expect(primary(staging).MultiAZ).toBe(true);
    const cache = (t: Template) => props(t, 'AWS::ElastiCache::ReplicationGroup', '')[0];
    expect(cache(staging).CacheNodeType).toBe(cache(prod).CacheNodeType);
    const task = (t: Template) => props(t, 'AWS::ECS::TaskDefinition', 'ServiceTaskDefinition')[0];
    expect([task(staging).Cpu, task(staging).Memory]).toEqual([task(prod).Cpu, task(prod).Memory]);
    // its own overrides
    staging.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      Match.objectLike({ MaxCapacity: STAGING_OVERRIDES.staging.service.maxTasks }),
    );
    expect(
      resourcesOf(staging, 'AWS::RDS::DBInstance').filter(
        ([, r]) => r.Properties?.SourceDBInstanceIdentifier,
      ),
    ).toHaveLength(STAGING_OVERRIDES.staging.database.readReplicas);
  });
});
