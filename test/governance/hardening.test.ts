import { Match } from 'aws-cdk-lib/assertions';
import { loadEnvironments } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/load';
import { CDK_JSON_CONTEXT, presets, resourcesOf, singleResource } from '../helpers';

// GIVEN the presets as synthesized once for the run
const { templates } = presets();

const containerOf = (env: string) => {
  const [, taskDefinition] = singleResource(templates[env], 'AWS::ECS::TaskDefinition');
  const containers = taskDefinition.Properties!.ContainerDefinitions as Record<string, unknown>[];
  expect(containers).toHaveLength(1);
  return containers[0];
};

describe('the app container runs read-only, as a non-root user, with a hard memory limit', () => {
  test.each([
    ['dev', 512],
    ['prod', 2048],
  ])('%s: read-only root, a writable tmpfs on /tmp, uid 101, memory limit = task memory', (env, memory) => {
    const container = containerOf(env);
    expect(container).toMatchObject({
      ReadonlyRootFilesystem: true,
      User: '101',
      Memory: memory,
      // the only writable place: a tmpfs (world-writable, so any uid can use it), 64 MiB of the memory
      LinuxParameters: {
        Tmpfs: [{ ContainerPath: '/tmp', Size: 64, MountOptions: ['nosuid', 'nodev'] }],
      },
    });
    // no volume is mounted: nothing else is writable
    expect(container.MountPoints ?? []).toEqual([]);
  });

  test('the demo image is the unprivileged nginx build on 8080, and the target group follows the port', () => {
    expect(containerOf('dev')).toMatchObject({
      Image: 'public.ecr.aws/nginx/nginx-unprivileged:stable',
      PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
    });
    templates.dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      HealthCheckPath: '/',
    });
  });
});

describe('container hardening settings are validated at synth', () => {
  const load = (overrides: Record<string, unknown>) =>
    loadEnvironments({ ...CDK_JSON_CONTEXT, envs: 'dev', overrides: { dev: { service: overrides } } });

  test.each(['root', '0', '0:0', 'root:staff'])(
    'service.user %s (root) is refused with what to do instead',
    (user) => {
      expect(() => load({ user })).toThrow(ConfigError);
      expect(() => load({ user })).toThrow(/service\.user.*runs the container as root.*set null/s);
    },
  );

  test('service.user null runs as the image user; a name with a group is accepted', () => {
    expect(load({ user: null })[0].config.service.user).toBeUndefined();
    expect(load({ user: 'node:node' })[0].config.service.user).toBe('node:node');
  });

  test('/tmp may use at most half of the memory', () => {
    expect(() => load({ tmpSizeMiB: 257 })).toThrow(
      /service\.tmpSizeMiB.*at most half of memoryMiB \(512\), so at most 256/s,
    );
    expect(load({ tmpSizeMiB: 256 })[0].config.service.tmpSizeMiB).toBe(256);
  });
});

describe('stack-wide hardening', () => {
  test.each(['dev', 'prod'])('%s: every log group is encrypted with the stack log key', (env) => {
    const groups = resourcesOf(templates[env], 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(5);
    const [keyId] = singleResource(templates[env], 'AWS::KMS::Key', 'LogKey');
    for (const [, group] of groups) {
      expect(group.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });

  test('prod keeps every log group at least a year; dev keeps its 30-day tiers', () => {
    const retention = (env: string) =>
      resourcesOf(templates[env], 'AWS::Logs::LogGroup').map(
        ([, g]) => g.Properties!.RetentionInDays as number,
      );
    expect(Math.min(...retention('prod'))).toBe(365);
    expect(Math.min(...retention('dev'))).toBe(30);
  });

  test.each(['dev', 'prod'])('%s: every KMS key refuses grants that are not for AWS resources', (env) => {
    const keys = resourcesOf(templates[env], 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const [, key] of keys) {
      expect((key.Properties!.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual({
        Sid: 'DenyGrantsExceptForAwsResources',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      });
    }
  });

  test.each(['dev', 'prod'])(
    '%s: IAM database authentication is on for the primary and every replica',
    (env) => {
      const instances = resourcesOf(templates[env], 'AWS::RDS::DBInstance');
      expect(instances.length).toBe(env === 'prod' ? 3 : 2);
      for (const [, instance] of instances)
        expect(instance.Properties!.EnableIAMDatabaseAuthentication).toBe(true);
    },
  );

  test.each(['dev', 'prod'])('%s: every function of the app runs in the private subnets', (env) => {
    // (CDK's default-security-group provider and the release smoke test are documented exceptions)
    const functions = resourcesOf(templates[env], 'AWS::Lambda::Function').filter(
      ([id]) => !id.startsWith('CustomVpcRestrictDefaultSG') && !id.startsWith('ReleaseGuardSmokeTest'),
    );
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DatabaseAppRoleFunction',
      'QueryAdvisorFunction',
      'ScalingAdvisorFunction',
    ]);
    for (const [, fn] of functions)
      expect(fn.Properties!.VpcConfig).toMatchObject({ SubnetIds: expect.any(Array) });
  });

  test('the access-log bucket is versioned and its old versions expire with the logs', () => {
    templates.prod.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
        ],
      },
    });
  });
});
