import { COMPLIANCE_PACKS } from '../lib/config/schema';

/**
 * Config variants that several assertions need beyond the presets. The jest global setup
 * (test/setup/global-setup.ts) synthesizes each of them once, with cdk-nag and the CloudFormation
 * validator, in the same process as the presets (the validator's engine is then warm); test files
 * read them with `variant(name)` from test/helpers.ts.
 */
export interface Variant {
  /** Environments to synthesize. */
  readonly envs: readonly string[];
  /** CDK context on top of cdk.json (the same keys a user passes with `-c`). */
  readonly context: Readonly<Record<string, string>>;
  /**
   * Run AWS Control Tower's Guard rules on the variant too (about a second of CPU per template).
   * @default false - the presets and the variants that set it are enough to prove the controls
   */
  readonly controlTower?: boolean;
}

export const TEST_CERTIFICATE_ARN =
  'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

/** An image in a private ECR repository with a namespace, in another account's registry. */
export const TEST_ECR_IMAGE = '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.4.2';

/** Routine changes: bigger instances and nodes, more replicas, another backup window, a new threshold. */
export const ROUTINE_CHANGES: Record<'dev' | 'prod', Record<string, string>> = {
  dev: {
    'dev.database.instanceClass': 't4g.small',
    'dev.database.replicaInstanceClass': 't4g.medium',
    'dev.database.readReplicas': '2',
    'dev.database.preferredBackupWindow': '05:00-05:45',
    'dev.database.slowQueryThresholdMs': '1000',
    'dev.cache.nodeType': 'cache.t4g.small',
    'dev.cache.replicas': '1',
    'dev.cache.automaticFailover': 'true',
  },
  prod: {
    'prod.database.instanceClass': 'r7g.xlarge',
    'prod.database.replicaInstanceClass': 'r7g.2xlarge',
    'prod.database.readReplicas': '3',
    'prod.database.preferredBackupWindow': '01:00-02:00',
    'prod.database.slowQueryThresholdMs': '100',
    'prod.cache.nodeType': 'cache.r7g.xlarge',
    'prod.cache.replicas': '2',
  },
};

/** A domain in a Route 53 zone, as a user passes it with `-c <env>.service.domain=...`. */
export const TEST_DOMAIN = {
  name: 'api.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  zoneName: 'example.com',
} as const;

/** The user's own app as tests declare it: secrets, permissions, command, entry point, build. */
export const TEST_APP = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-key-AbCdEf',
  jsonSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/third-party-Gh1jK2',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  parameterArn: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/feature-flags',
  bucketArn: 'arn:aws:s3:::app-uploads',
  queueArn: 'arn:aws:sqs:eu-west-1:123456789012:app-jobs',
  managedPolicyArn: 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess',
  /** A directory with a Dockerfile (relative to the project root, where jest and cdk run). */
  buildDirectory: 'test/fixtures/app',
} as const;

/** `service.*` of the user's app, as a user puts it in cdk.json overrides. */
export function testAppService(env: string): Record<string, string> {
  return {
    [`${env}.service.secrets`]: JSON.stringify({
      API_KEY: TEST_APP.secretArn,
      PARTNER_TOKEN: { arn: TEST_APP.jsonSecretArn, field: 'token', kmsKeyArn: TEST_APP.kmsKeyArn },
      FEATURE_FLAGS: TEST_APP.parameterArn,
    }),
    [`${env}.service.taskRole`]: JSON.stringify({
      policyStatements: [
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${TEST_APP.bucketArn}/*`] },
        {
          actions: ['sqs:SendMessage'],
          resources: [TEST_APP.queueArn],
          conditions: { Bool: { 'aws:SecureTransport': 'true' } },
        },
        { actions: ['cloudwatch:PutMetricData'], resources: ['*'] },
      ],
      managedPolicyArns: [TEST_APP.managedPolicyArn],
    }),
    [`${env}.service.command`]: '["server.js","--port","8080"]',
    [`${env}.service.entryPoint`]: '["node"]',
    [`${env}.service.containerPort`]: '8080',
    [`${env}.service.build`]: JSON.stringify({
      directory: TEST_APP.buildDirectory,
      buildArgs: { APP_VERSION: '1.2.3' },
      target: 'release',
    }),
  };
}

/** A staging environment declared in cdk.json: prod's config plus its own overrides. */
export const STAGING_OVERRIDES = {
  staging: { extends: 'prod', service: { maxTasks: 6 }, database: { readReplicas: 1 } },
};

export const VARIANTS = {
  /** dev with HTTPS, a private ECR image, linear releases and every service knob away from its default. */
  serviceCustom: {
    envs: ['dev'],
    context: {
      'dev.service.certificateArn': TEST_CERTIFICATE_ARN,
      'dev.service.loadBalancingAlgorithm': 'least_outstanding_requests',
      'dev.service.enableExecuteCommand': 'true',
      'dev.service.cpuArchitecture': 'X86_64',
      'dev.service.scaling.scaleOutCpuPercent': '80',
      'dev.service.scaling.scaleInCpuPercent': '20',
      'dev.service.scaling.scaleOutSteps':
        '[{"atCpuPercent":80,"addTasks":3},{"atCpuPercent":90,"addTasks":5}]',
      'dev.service.scaling.scaleInStep': '2',
      'dev.service.scaling.scaleInEvaluationPeriods': '12',
      'dev.service.scaling.scaleInDatapointsToAlarm': '10',
      // a private ECR image in another account's registry
      'dev.service.image': TEST_ECR_IMAGE,
      // released linearly (behind HTTPS without a domain of its own)
      'dev.service.deployment.strategy': 'linear',
    },
  },
  /**
   * prod on its own domain (certificate, HTTPS listener, alias record), a custom WAF, blue/green
   * releases and every compliance pack.
   */
  prodDomain: {
    envs: ['prod'],
    controlTower: true,
    context: {
      'prod.compliance.packs': JSON.stringify(COMPLIANCE_PACKS),
      'prod.service.domain': JSON.stringify(TEST_DOMAIN),
      'prod.service.waf.rateLimitPer5Minutes': '500',
      'prod.service.waf.managedRuleGroups': '["AWSManagedRulesCommonRuleSet","AWSManagedRulesSQLiRuleSet"]',
      'prod.service.waf.logRetentionDays': '30',
      'prod.service.waf.countOnlyRules': '["AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY"]',
      // released blue/green, with a longer bake and two smoke-test paths
      'prod.service.deployment.strategy': 'blueGreen',
      'prod.service.deployment.bakeMinutes': '30',
      'prod.service.deployment.smokeTest.paths': '["/health","/api/orders?limit=1"]',
    },
  },
  /** dev and prod after the routine changes of ROUTINE_CHANGES. */
  routineChanges: {
    envs: ['dev', 'prod'],
    context: { ...ROUTINE_CHANGES.dev, ...ROUTINE_CHANGES.prod },
  },
  /** dev running the user's app: its secrets, permissions, command and a build for ARM64. */
  devApp: { envs: ['dev'], context: testAppService('dev') },
  /** staging extends prod (declared in overrides) and runs the user's app built for X86_64. */
  stagingApp: {
    envs: ['staging'],
    context: {
      overrides: JSON.stringify(STAGING_OVERRIDES),
      ...testAppService('staging'),
      'staging.service.cpuArchitecture': 'X86_64',
    },
  },
} satisfies Record<string, Variant>;

export type VariantName = keyof typeof VARIANTS;
