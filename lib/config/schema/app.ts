/**
 * Schema of what makes the service the user's own app (`service.secrets`, `service.taskRole`,
 * `service.command`, `service.entryPoint`, `service.build`): one place in the config, the way a
 * Copilot manifest declares image, command, secrets and permissions. The checks that need more than
 * one field (names the stack injects, `*` resources) are in {@link appSettingProblems}.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ACTIONS_WITHOUT_RESOURCES, takesNoResource } from './actions-without-resources';
import { SECRET_COMPLETE_ARN, doc } from './common';

export { ACTIONS_WITHOUT_RESOURCES } from './actions-without-resources';

const ROLLING = 'rolling deployment of new tasks';

/**
 * Environment variables the stack itself sets on the app container: the data-tier contract (the
 * README documents it) and those Amazon ECS sets on every task
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-environment-variables.html).
 * A test compares the first list with the synthesized container, so it cannot drift.
 */
export const INJECTED_ENV_NAMES = [
  'DB_WRITER_HOST',
  'DB_READER_HOST',
  'DB_REPLICA_HOSTS',
  'DB_PORT',
  'DB_NAME',
  'DB_SSL',
  'DB_USERNAME',
  'DB_PASSWORD',
  'REDIS_HOST',
  'REDIS_READER_HOST',
  'REDIS_PORT',
  'REDIS_TLS',
  'REDIS_CLUSTER_MODE',
  'REDIS_AUTH_TOKEN',
] as const;
export const ECS_ENV_NAMES = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_AGENT_URI',
  'AWS_EXECUTION_ENV',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
] as const;

const PARTITION = 'aws(?:-cn|-us-gov)?';
const REGION = '[a-z]{2}(?:-gov)?-[a-z]+-\\d';
/** SSM parameter ARN; a hierarchical name `/a/b` appears as `parameter/a/b`. */
export const SSM_PARAMETER_ARN = new RegExp(
  `^arn:${PARTITION}:ssm:${REGION}:\\d{12}:parameter/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$`,
);
export const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:\\d{12}:key/[A-Za-z0-9-]{1,128}$`);

const secretArnMessage =
  'must be the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, see aws secretsmanager describe-secret --query ARN) ' +
  'or of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)';
const secretOrParameterArn = z
  .string()
  .refine((v) => SECRET_COMPLETE_ARN.test(v) || SSM_PARAMETER_ARN.test(v), { message: secretArnMessage });

const appSecretSchema = z.union([
  secretOrParameterArn,
  z.strictObject({
    arn: secretOrParameterArn,
    field: z
      .string()
      .regex(/^[A-Za-z0-9_.@+=-]{1,128}$/, 'must be a key of the JSON object the secret holds')
      .optional(),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id>')
      .optional(),
  }),
]);

export type AppSecret = z.infer<typeof appSecretSchema>;

/** IAM action syntax: `service:Action`, with `*` wildcards inside the action name only. */
export const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;
/** An ARN (any service), or `*` (allowed only for the actions of {@link ACTIONS_WITHOUT_RESOURCES}). */
const IAM_RESOURCE = /^(\*|arn:aws(-cn|-us-gov)?:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:\S+)$/;

const policyStatementSchema = z.strictObject({
  actions: z
    .array(
      z
        .string()
        .regex(IAM_ACTION, 'must be an IAM action service:Action, e.g. s3:GetObject')
        .refine((a) => !/^[^:]+:\*+$/.test(a), {
          message: 'grants every action of the service; list the actions the app calls',
        }),
    )
    .min(1)
    .max(100),
  resources: z
    .array(
      z
        .string()
        .regex(
          IAM_RESOURCE,
          'must be an ARN (arn:aws:<service>:<region>:<account>:<resource>) or "*" for actions without resource-level permissions',
        ),
    )
    .min(1)
    .max(100),
  conditions: z
    .record(
      z.string().regex(/^[A-Za-z0-9:]+$/, 'must be an IAM condition operator, e.g. StringEquals'),
      z.record(z.string().min(1), z.union([z.string(), z.array(z.string()), z.boolean(), z.number()])),
    )
    .optional(),
});

const MANAGED_POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

/** The keys added to `service`; spread into its schema. */
export const appServiceFields = {
  secrets: doc(
    z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
        appSecretSchema,
      )
      .optional(),
    {
      description:
        'Your app\'s secrets as environment variables, resolved by ECS when a task starts (never plain values in the task definition): `NAME` maps to a complete Secrets Manager secret ARN, an SSM parameter ARN (`arn:aws:ssm:<region>:<account>:parameter/<name>`), or `{ "arn": ..., "field": "<JSON key>", "kmsKeyArn": ... }`. The task execution role may read exactly these (secretsmanager:GetSecretValue on the secret, ssm:GetParameters on the parameter); `kmsKeyArn` names the customer managed key the secret or parameter is encrypted with, and the role may decrypt with it only through Secrets Manager or SSM. Names the stack sets (DB_*, REDIS_*, those of ECS) and names in `environment` are refused.',
      onChange: ROLLING,
    },
  ),
  taskRole: z
    .strictObject({
      policyStatements: doc(z.array(policyStatementSchema).max(50).optional(), {
        description:
          'Permissions of your app on the task role (not the execution role): a list of `{ "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/*"], "conditions"?: { "StringEquals": { ... } } }` (Allow). `*` and `<service>:*` actions are refused; `"*"` resources are accepted only for actions that have no resource type in the Service Authorization Reference: ' +
          ACTIONS_WITHOUT_RESOURCES.map((a) => '`' + a + '`').join(', ') +
          '.',
        onChange: 'in place (the role policy changes; running tasks get the new permissions within minutes)',
      }),
      managedPolicyArns: doc(
        z
          .array(
            z
              .string()
              .regex(
                MANAGED_POLICY_ARN,
                'must be an IAM managed policy ARN (arn:aws:iam::<account or aws>:policy/<name>)',
              ),
          )
          .max(10)
          .optional(),
        {
          description: 'Managed policies attached to the task role (at most 10 per role).',
          onChange: 'in place (the policies are attached or detached)',
        },
      ),
    })
    .optional()
    .meta({ description: "Your app's own permissions (the task role)." }),
  command: doc(z.array(z.string().max(4096)).min(1).max(100).optional(), {
    description:
      'The container command (exec form, e.g. `["node", "worker.js"]`); replaces the image\'s CMD. With an image ENTRYPOINT, these become its arguments.',
    onChange: ROLLING,
  }),
  entryPoint: doc(z.array(z.string().max(4096)).min(1).max(100).optional(), {
    description: "The container entry point (exec form); replaces the image's ENTRYPOINT.",
    onChange: ROLLING,
  }),
  build: z
    .strictObject({
      directory: doc(
        z
          .string()
          .min(1)
          .refine((d) => !path.isAbsolute(d) && !d.split(/[\\/]/).includes('..'), {
            message: 'must be a directory inside the project, relative to cdk.json (e.g. app)',
          }),
        {
          description:
            "Build the image from a Dockerfile at deploy time instead of `image`: the build context, relative to cdk.json. `cdk synth` needs no Docker; `cdk deploy` builds for the task's `cpuArchitecture` (linux/arm64 or linux/amd64) with Docker (or finch via CDK_DOCKER=finch) and pushes to the asset repository `cdk bootstrap` created. Setting `build` replaces an inherited `image`; an environment that sets both is refused.",
          onChange: 'rolling deployment of new tasks when the built image changes',
        },
      ),
      file: doc(z.string().min(1).optional(), {
        description: 'The Dockerfile, relative to `directory` (default `Dockerfile`).',
        onChange: 'rolling deployment of new tasks when the built image changes',
      }),
      buildArgs: doc(
        z
          .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a build argument name'), z.string())
          .optional(),
        { description: 'Build arguments (`--build-arg`).', onChange: 'rolling deployment of new tasks' },
      ),
      target: doc(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a build stage name')
          .optional(),
        {
          description: 'The build stage to build (`--target`).',
          onChange: 'rolling deployment of new tasks',
        },
      ),
    })
    .optional()
    .meta({ description: 'Build the image from a Dockerfile at deploy time.' }),
};

/**
 * Problems across fields: secret names the stack sets or `environment` already has, `*` resources
 * with actions that take resources, a build directory without its Dockerfile, no image at all.
 */
export function appSettingProblems(service: {
  image?: string;
  environment: Record<string, string>;
  secrets?: Record<string, AppSecret>;
  taskRole?: { policyStatements?: { actions: string[]; resources: string[] }[] };
  build?: { directory: string; file?: string };
}): { path: (string | number)[]; message: string; input: unknown }[] {
  const out: { path: (string | number)[]; message: string; input: unknown }[] = [];
  const taken = [...INJECTED_ENV_NAMES, ...ECS_ENV_NAMES] as readonly string[];
  for (const name of Object.keys(service.secrets ?? {})) {
    if (taken.includes(name) || name.startsWith('DB_') || name.startsWith('REDIS_')) {
      out.push({
        path: ['secrets', name],
        message: `is a name the stack sets on the container; taken: ${taken.join(', ')} (and every DB_* and REDIS_* name)`,
        input: name,
      });
    } else if (name in service.environment) {
      out.push({
        path: ['secrets', name],
        message: 'is also in service.environment; keep one of them',
        input: name,
      });
    }
    const ref = service.secrets?.[name];
    if (typeof ref === 'object' && ref.field !== undefined && SSM_PARAMETER_ARN.test(ref.arn)) {
      // ECS reads a JSON key only from Secrets Manager (<arn>:<json-key>::); a parameter is one value.
      out.push({
        path: ['secrets', name, 'field'],
        message: 'is for a JSON key of a Secrets Manager secret; an SSM parameter is read whole',
        input: ref.field,
      });
    }
  }
  (service.taskRole?.policyStatements ?? []).forEach((s, i) => {
    if (!s.resources.includes('*')) return;
    const needResources = s.actions.filter((a) => !takesNoResource(a));
    if (needResources.length) {
      out.push({
        path: ['taskRole', 'policyStatements', i, 'resources'],
        message: `"*" is allowed only for actions that have no resource type in the Service Authorization Reference (${ACTIONS_WITHOUT_RESOURCES.join(', ')}); name the ARNs for ${needResources.join(', ')}`,
        input: s.resources,
      });
    }
  });
  if (service.build) {
    const dockerfile = path.join(service.build.directory, service.build.file ?? 'Dockerfile');
    if (!fs.existsSync(dockerfile)) {
      out.push({
        path: ['build', service.build.file ? 'file' : 'directory'],
        message: `has no Dockerfile at ${dockerfile} (relative to ${process.cwd()})`,
        input: service.build.file ?? service.build.directory,
      });
    }
  } else if (!service.image) {
    out.push({ path: ['image'], message: 'is required unless service.build is set', input: undefined });
  }
  return out;
}
