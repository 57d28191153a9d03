/**
 * Every exception this app takes from AWS Control Tower's proactive controls and from the cdk-nag
 * compliance packs, in one place, each with the reason it is safe and the condition under which it
 * applies. `applyExceptions` acknowledges them on the stack's constructs (so the validation report
 * lists them under `suppressedViolations` with their reason), and `npm run docs:rules` renders them
 * into docs/rules.md. A rule that is neither met nor listed here fails the synth.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { COMPLIANCE_PACKS, CompliancePack, EnvironmentConfig } from '../config/schema';
import { CONTROL_TOWER_PLUGIN_NAME } from './control-tower';

export interface RuleException {
  /** Plugin of the rule: `ControlTower` or a cdk-nag pack name (`NIST.800.53.R5`, ...). */
  readonly pack: string;
  /** The rule: a Control Tower control id (`CT.S3.PR.10`) or a cdk-nag rule id (`NIST.800.53.R5-S3BucketLoggingEnabled`). */
  readonly rule: string;
  /** Construct paths below the stack the exception covers (the stack itself when empty). */
  readonly at: readonly string[];
  /** When the exception applies, in words, for the docs. */
  readonly applies: string;
  /** When the exception applies, as a predicate on the environment's config. */
  readonly when: (config: EnvironmentConfig) => boolean;
  /** Why it is safe, or what the app does instead. */
  readonly reason: string;
}

const always = () => true;
const ct = (rule: string) => ({ pack: CONTROL_TOWER_PLUGIN_NAME, rule });
const noCertificate = (c: EnvironmentConfig) => !c.service.domain && !c.service.certificateArn;
const releaseSmokeTest = (c: EnvironmentConfig) => c.service.deployment.strategy !== 'rolling';

/** Control Tower exceptions. Keep them few: each one is a control a governed account's owner must accept. */
const CONTROL_TOWER_EXCEPTIONS: readonly RuleException[] = [
  // --- Every environment ------------------------------------------------------------------------
  {
    ...ct('CT.S3.PR.10'),
    at: ['Service/AccessLogs'],
    applies: 'always',
    when: always,
    reason:
      'ALB access logs can only be written to a bucket encrypted with SSE-S3 (Amazon S3 managed keys), not SSE-KMS ' +
      '(docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html, bucket requirements). ' +
      'The bucket is encrypted with SSE-S3, TLS-only, private and versioned.',
  },
  {
    ...ct('CT.S3.PR.2'),
    at: ['Service/AccessLogs'],
    applies: 'always',
    when: always,
    reason:
      'The bucket holds the load balancer access logs and only the ELB log delivery writes to it; S3 server access logging of it ' +
      'would need a second log bucket that breaks the same control in turn (logs of logs). CloudTrail data events are the ' +
      'audit trail for reads if an account needs one.',
  },
  {
    ...ct('CT.S3.PR.9'),
    at: ['Service/AccessLogs'],
    applies: 'always',
    when: always,
    reason:
      'Object Lock makes objects undeletable for a retention period; these access logs are operational data that expire after ' +
      'service.accessLogExpirationDays, and versioning already keeps an overwritten or deleted log recoverable until then.',
  },
  {
    ...ct('CT.S3.PR.4'),
    at: ['Service/AccessLogs'],
    applies: 'always',
    when: always,
    reason:
      'Nothing consumes events of the access-log bucket: logs are queried on demand (Athena). An event destination with no ' +
      'reader would only add a part to watch.',
  },
  {
    ...ct('CT.RDS.PR.20'),
    at: ['Database'],
    applies: 'always',
    when: always,
    reason:
      'PostgreSQL listens on its default port 5432: the instances sit in isolated subnets whose security groups admit only the ' +
      'service, the proxy and the app-role function, so the port hides nothing; changing it on a live instance restarts it ' +
      'and every client configuration.',
  },
  {
    ...ct('CT.ELASTICACHE.PR.8'),
    at: ['Cache'],
    applies: 'always',
    when: always,
    reason:
      'The app authenticates to Redis/Valkey with an AUTH token over TLS (CT.ELASTICACHE.PR.5 and PR.7 are met). RBAC needs a ' +
      'user group with a "default" user and the app user, and moving a live group from AUTH to RBAC is a two-step ' +
      'migration (docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html, "Migrating from AUTH to RBAC"); ' +
      'docs/going-live.md describes the path.',
  },
  {
    ...ct('CT.LAMBDA.PR.3'),
    at: ['Custom::VpcRestrictDefaultSGCustomResourceProvider'],
    applies: 'always',
    when: always,
    reason:
      "CDK's own provider that strips the rules of the VPC's default security group at deploy time: CDK gives it no VPC " +
      'setting, it runs only during a deployment and calls the EC2 API alone. The functions of this app run in the private subnets.',
  },
  {
    ...ct('CT.LAMBDA.PR.3'),
    at: ['ReleaseGuard/SmokeTest'],
    applies: 'service.deployment.strategy is not rolling (the release smoke test exists)',
    when: releaseSmokeTest,
    reason:
      'The release smoke test calls the public load balancer the way a client does, through WAF, so it runs outside the ' +
      'VPC by design of the release tier. It holds no data and its role may only write its own logs.',
  },
  {
    ...ct('CT.ELASTICLOADBALANCING.PR.1'),
    at: ['Service/LoadBalancer'],
    applies: 'without service.domain or service.certificateArn',
    when: noCertificate,
    reason:
      'Without a certificate the HTTP listener is the only way in, so it forwards; with service.domain or ' +
      'service.certificateArn it redirects to HTTPS and the control is met (prod warns at synth while it serves plain HTTP).',
  },
  // --- Opt-outs a team chose in its config --------------------------------------------------------
  {
    ...ct('CT.ECS.PR.3'),
    at: ['Service/TaskDefinition'],
    applies: 'service.user is unset',
    when: (c) => c.service.user === undefined,
    reason:
      "service.user is unset: the container runs as the user its image declares, which this template cannot show. Set service.user to the image's non-root user to meet the control.",
  },
  {
    ...ct('CT.ECS.PR.6'),
    at: ['Service/TaskDefinition'],
    applies: 'service.readonlyRootFilesystem is false',
    when: (c) => !c.service.readonlyRootFilesystem,
    reason:
      'service.readonlyRootFilesystem is false: the image writes outside /tmp. Make it write only to /tmp and turn the setting on to meet the control.',
  },
  {
    ...ct('CT.CLOUDWATCH.PR.2'),
    at: [],
    applies: 'compliance.minimumLogRetentionDays is unset or below 365',
    when: (c) => (c.compliance.minimumLogRetentionDays ?? 0) < 365,
    reason:
      'The environment keeps logs for its tiers\u2019 own retention (dev: 30 days, to keep a test stack cheap). ' +
      'compliance.minimumLogRetentionDays: 365 meets the control (prod sets it).',
  },
  // --- Single-AZ and unprotected test environments (the dev preset) --------------------------------
  {
    ...ct('CT.RDS.PR.1'),
    at: ['Database'],
    applies: 'database.multiAz is false',
    when: (c) => !c.database.multiAz,
    reason: 'A single-AZ primary (dev) halves the database bill; prod runs Multi-AZ.',
  },
  {
    ...ct('CT.RDS.PR.8'),
    at: ['Database'],
    applies: 'database.deletionProtection is false',
    when: (c) => !c.database.deletionProtection,
    reason: 'A test environment must be deletable in one step; prod protects its database.',
  },
  {
    ...ct('CT.RDS.PR.2'),
    at: ['Database'],
    applies: 'database.monitoringIntervalSeconds is 0',
    when: (c) => c.database.monitoringIntervalSeconds === 0,
    reason:
      'Enhanced Monitoring is off (dev) to save its CloudWatch Logs cost; Performance Insights stays on. prod samples every 60 s.',
  },
  {
    ...ct('CT.RDS.PR.13'),
    at: ['Database'],
    applies: 'database.monitoringIntervalSeconds is 0 or database.deletionProtection is false',
    when: (c) => c.database.monitoringIntervalSeconds === 0 || !c.database.deletionProtection,
    reason:
      'A test environment (dev): see the Multi-AZ, deletion protection and monitoring exceptions above.',
  },
  {
    ...ct('CT.ELASTICLOADBALANCING.PR.5'),
    at: ['Service/LoadBalancer'],
    applies: 'service.deletionProtection is false',
    when: (c) => !c.service.deletionProtection,
    reason: 'A test environment must be deletable in one step; prod protects its load balancer.',
  },
  {
    ...ct('CT.ELASTICACHE.PR.3'),
    at: ['Cache'],
    applies: 'cache.automaticFailover is false',
    when: (c) => !c.cache.automaticFailover,
    reason:
      'One cache node without failover (dev) costs a third of a replicated group; prod fails over automatically.',
  },
];

/**
 * Findings of the cdk-nag compliance packs (`compliance.packs`) that prod keeps, one entry per rule
 * and pack that flags it. Most are the same choices as the Control Tower exceptions above.
 */
const PACK_EXCEPTIONS: readonly (Omit<RuleException, 'pack' | 'rule' | 'when'> & {
  readonly rule: string;
  readonly packs: readonly CompliancePack[];
  readonly also?: (config: EnvironmentConfig) => boolean;
})[] = [
  {
    rule: 'VPCNoUnrestrictedRouteToIGW',
    packs: COMPLIANCE_PACKS,
    at: ['Network/Vpc'],
    applies: 'always',
    reason:
      'The public subnets hold only the internet-facing load balancer and the NAT gateways: their route to the internet ' +
      'gateway is what makes them public. Tasks are in private subnets, the database and the cache in isolated ones.',
  },
  {
    rule: 'IAMNoInlinePolicy',
    packs: COMPLIANCE_PACKS,
    at: [],
    applies: 'always',
    reason:
      'Each role gets exactly the actions on the resources it needs as its own inline policy (CDK grants): a managed ' +
      'policy would be shared by roles that need less. No role has a policy it does not use.',
  },
  {
    rule: 'EC2RestrictedCommonPorts',
    packs: COMPLIANCE_PACKS,
    at: ['Database'],
    applies: 'always',
    reason:
      "The rule cannot resolve these ports: they reference the database instance's endpoint port (5432), and every such " +
      'rule admits a security group of this stack (service, proxy, rotation or role function), never an address range.',
  },
  {
    rule: 'EC2RestrictedSSH',
    packs: COMPLIANCE_PACKS,
    at: ['Database'],
    applies: 'always',
    reason:
      "The rule cannot resolve these ports: they reference the database instance's endpoint port (5432), not 22, from " +
      'security groups of this stack only.',
  },
  {
    rule: 'SecretsManagerUsingKMSKey',
    packs: COMPLIANCE_PACKS,
    at: ['Database', 'Cache'],
    applies: 'always',
    reason:
      'The database and cache secrets are encrypted with the AWS managed key of Secrets Manager, whose use is limited to ' +
      'Secrets Manager in this account. A customer key would have to be granted to the proxy, the ECS agent and the ' +
      'rotation functions as well; not done yet.',
  },
  {
    rule: 'SecretsManagerRotationEnabled',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Cache', 'Database/AppRole/MonitorSecret'],
    applies: 'always',
    reason:
      'The cache AUTH token rotates only with a replication group update (ROTATE, then SET) and a redeploy of the service; ' +
      'that is a manual operation today. The database secrets rotate every database.rotationDays, except the query ' +
      "advisor's monitoring role: it holds pg_monitor only and reads no table data (tested), and its sessions default " +
      'to read-only, so the single-user rotation (which changes its own password) cannot run as it; a master-driven ' +
      'rotation is not built yet.',
  },
  {
    rule: 'RDSInBackupPlan',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Database'],
    applies: 'always',
    reason:
      'RDS automated backups with point-in-time restore (database.backupRetentionDays: 14 days in prod) protect the data; ' +
      'an AWS Backup plan (vault, cross-account copies) is an account-level choice left to the organization.',
  },
  {
    rule: 'RDSInstanceDeletionProtectionEnabled',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Database'],
    applies: 'always (the replicas)',
    reason:
      'Read replicas are disposable copies that lowering database.readReplicas must be able to delete; the primary is protected.',
  },
  {
    rule: 'RDSMultiAZSupport',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Database'],
    applies: 'always (the replicas)',
    reason:
      'Each read replica sits in its own zone and the reader name spans them all; the primary is Multi-AZ in prod.',
  },
  {
    rule: 'LambdaConcurrency',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Database', 'ScalingAdvisor', 'QueryAdvisor', 'ReleaseGuard'],
    applies: 'always',
    reason:
      'Reserved concurrency fails to create in accounts that only have the minimum unreserved concurrency (the rule ' +
      'ScalableBackend::NoReservedConcurrency); the functions run rarely and one at a time.',
  },
  {
    rule: 'LambdaDLQ',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Database', 'ScalingAdvisor', 'QueryAdvisor', 'ReleaseGuard'],
    applies: 'always',
    reason:
      'No event waits to be retried: the advisors run on a schedule (or on demand) and the next run replaces a failed one; the role ' +
      'function answers a CloudFormation request and the smoke test an ECS hook, whose failure fails the deployment itself.',
  },
  {
    rule: 'LambdaInsideVPC',
    packs: COMPLIANCE_PACKS,
    at: ['ReleaseGuard/SmokeTest'],
    applies: 'service.deployment.strategy is not rolling',
    also: releaseSmokeTest,
    reason: 'The release smoke test calls the public load balancer like a client (see CT.LAMBDA.PR.3).',
  },
  {
    rule: 'ElastiCacheRedisClusterAutomaticBackup',
    packs: ['NIST.800.53.R5', 'HIPAA.Security'],
    at: ['Cache'],
    applies: 'always',
    reason:
      'The cache holds data derived from the database (cache.snapshotRetentionDays: 7 days of snapshots in prod); losing ' +
      'it costs cache misses, not data.',
  },
  {
    rule: 'S3BucketLoggingEnabled',
    packs: COMPLIANCE_PACKS,
    at: ['Service/AccessLogs'],
    applies: 'always',
    reason: 'The access-log bucket itself: logging it would need another log bucket (see CT.S3.PR.2).',
  },
  {
    rule: 'S3BucketReplicationEnabled',
    packs: COMPLIANCE_PACKS,
    at: ['Service/AccessLogs'],
    applies: 'always',
    reason:
      'Access logs are operational data that expire after service.accessLogExpirationDays; a copy in another region buys nothing.',
  },
  {
    rule: 'S3DefaultEncryptionKMS',
    packs: COMPLIANCE_PACKS,
    at: ['Service/AccessLogs'],
    applies: 'always',
    reason: 'ALB access logs support SSE-S3 only, not SSE-KMS (see CT.S3.PR.10).',
  },
  {
    rule: 'ALBHttpToHttpsRedirection',
    packs: COMPLIANCE_PACKS,
    at: ['Service/LoadBalancer'],
    applies: 'without service.domain or service.certificateArn',
    also: noCertificate,
    reason: 'Without a certificate the HTTP listener is the only way in (see CT.ELASTICLOADBALANCING.PR.1).',
  },
  {
    rule: 'ELBv2ACMCertificateRequired',
    packs: COMPLIANCE_PACKS,
    at: ['Service/LoadBalancer'],
    applies: 'always (the port-80 listener)',
    reason:
      'The port-80 listener cannot carry a certificate: with service.domain or service.certificateArn it only redirects to ' +
      'the HTTPS listener, which serves the ACM certificate; without either it is the only way in (see CT.ELASTICLOADBALANCING.PR.1).',
  },
];

/** Every exception: Control Tower's, then each compliance pack's. */
export const EXCEPTIONS: readonly RuleException[] = [
  ...CONTROL_TOWER_EXCEPTIONS,
  ...PACK_EXCEPTIONS.flatMap(({ packs, also, rule, applies, ...rest }) =>
    packs.map((pack) => ({
      ...rest,
      pack,
      rule: `${pack}-${rule}`,
      applies: `${applies}, with ${pack} in compliance.packs`,
      when: (c: EnvironmentConfig) => c.compliance.packs.includes(pack) && (also ? also(c) : true),
    })),
  ),
];

/** The exceptions that apply to an environment. */
export function exceptionsFor(config: EnvironmentConfig): RuleException[] {
  return EXCEPTIONS.filter((e) => e.when(config));
}

/** The acknowledgement id of an exception. */
export function exceptionId(e: RuleException): string {
  return `${e.pack}::${e.rule}`;
}

/**
 * Acknowledge every exception that applies to the environment on its constructs, with its reason.
 * Fails the synth when a construct an exception names is gone (the list must follow the code).
 */
export function applyExceptions(stack: Stack, config: EnvironmentConfig): void {
  const byPath = new Map<string, IConstruct>(stack.node.findAll().map((c) => [c.node.path, c]));
  for (const e of exceptionsFor(config)) {
    const targets = e.at.length === 0 ? [stack] : e.at.map((p) => byPath.get(`${stack.node.path}/${p}`));
    targets.forEach((target, i) => {
      if (!target) {
        throw new Error(
          `Exception ${e.rule} names ${e.at[i]}, which ${stack.stackName} does not have: update lib/governance/exceptions.ts`,
        );
      }
      Validations.of(target).acknowledge({ id: exceptionId(e), reason: e.reason });
    });
  }
}
