/**
 * What makes the service the user's app rather than the demo: its image (pushed, or built from a
 * Dockerfile at deploy time), its secrets (read by the execution role, exactly those) and its own
 * permissions (on the task role). Read from the validated `service` config, never from context.
 */
import { Arn, ArnFormat, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { ServiceConfig } from '../config/schema';

/** The Docker platform a build targets, from the task's CPU architecture. */
export function buildPlatform(cpuArchitecture: ServiceConfig['cpuArchitecture']): Platform {
  return cpuArchitecture === 'X86_64' ? Platform.LINUX_AMD64 : Platform.LINUX_ARM64;
}

/**
 * The image of `service.build`: a Docker image asset built by `cdk deploy` for the task's CPU
 * architecture and pushed to the bootstrap asset repository (`cdk synth` only records it in the
 * asset manifest: no Docker needed). `fromAsset` grants the execution role the pull from that
 * repository.
 */
export function builtImage(
  build: NonNullable<ServiceConfig['build']>,
  config: ServiceConfig,
): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(build.directory, {
    file: build.file,
    buildArgs: build.buildArgs,
    target: build.target,
    platform: buildPlatform(config.cpuArchitecture),
  });
}

/** Acknowledge what pulling a built image needs (run after the container exists). */
export function acknowledgeBuiltImagePull(taskDefinition: ecs.TaskDefinition): void {
  Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ecr:GetAuthorizationToken supports no resource-level permissions (IAM requires "*"); the pulls of the built image are limited to the bootstrap asset repository.',
  });
}

/**
 * ECS secrets of `service.secrets`, each readable by the execution role on exactly its ARN:
 * secretsmanager:GetSecretValue on the secret, ssm:GetParameters on the parameter
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
 * .../secrets-envvar-ssm-paramstore.html); with `kmsKeyArn`, kms:Decrypt on that key only through
 * the service that stores the value (kms:ViaService <service>.<region>.amazonaws.com,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
 */
export function appSecrets(
  secrets: ServiceConfig['secrets'],
  executionRole: () => iam.IRole,
): Record<string, ecs.Secret> {
  const out: Record<string, ecs.Secret> = {};
  for (const [name, ref] of Object.entries(secrets ?? {})) {
    const { arn, field, kmsKeyArn } =
      typeof ref === 'string' ? { arn: ref, field: undefined, kmsKeyArn: undefined } : ref;
    const parsed = Arn.split(
      arn,
      arn.includes(':parameter/') ? ArnFormat.SLASH_RESOURCE_NAME : ArnFormat.COLON_RESOURCE_NAME,
    );
    const isParameter = parsed.service === 'ssm';
    const action = isParameter ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
    out[name] = {
      // A JSON key of a Secrets Manager secret: <arn>:<json-key>:<version-stage>:<version-id>.
      arn: field ? `${arn}:${field}::` : arn,
      hasField: !!field,
      grantRead: (grantee: iam.IGrantable) =>
        iam.Grant.addToPrincipal({ grantee, actions: [action], resourceArns: [arn] }),
    };
    if (kmsKeyArn) {
      executionRole().addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [kmsKeyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `${isParameter ? 'ssm' : 'secretsmanager'}.${parsed.region}.amazonaws.com`,
            },
          },
        }),
      );
    }
  }
  return out;
}

/**
 * The app's own permissions on the task role: `service.taskRole.policyStatements` (validated: named
 * actions, `*` resources only for actions without resource-level permissions) and
 * `service.taskRole.managedPolicyArns`.
 */
export function grantAppPermissions(
  scope: Construct,
  taskRole: iam.IRole,
  config: ServiceConfig['taskRole'],
): void {
  if (!config) return;
  for (const statement of config.policyStatements ?? []) {
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: statement.actions,
        resources: statement.resources,
        ...(statement.conditions ? { conditions: statement.conditions } : {}),
      }),
    );
    for (const id of [
      ...statement.actions.filter((a) => a.includes('*')).map((a) => `Action::${a}`),
      ...statement.resources.filter((r) => r.includes('*')).map((r) => `Resource::${r}`),
    ]) {
      Validations.of(taskRole).acknowledge({
        id: `AwsSolutions-IAM5[${id}]`,
        reason:
          'The app\'s own permissions as declared in service.taskRole.policyStatements; validated at synth: named service actions (no "*" actions), "*" resources only for actions without resource-level permissions.',
      });
    }
  }
  (config.managedPolicyArns ?? []).forEach((arn, i) => {
    taskRole.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyArn(scope, `AppManagedPolicy${i}`, arn));
    Validations.of(taskRole).acknowledge({
      id: `AwsSolutions-IAM4[Policy::${arn}]`,
      reason: 'A managed policy the app needs, attached on purpose with service.taskRole.managedPolicyArns.',
    });
  });
}
