import { z } from 'zod';
import { looksLikeEcr, parseEcrImage } from './image';
import { scaleOutStepProblems, scaleOutStepSchema } from './scale-out-steps';

/**
 * The validated configuration of one environment (one stack).
 *
 * Config flows one way: presets (`presets.ts`) -> overrides from CDK context (`load.ts`) -> this
 * schema -> constructs. Every field carries documentation in `.meta()`:
 * - `description`: what it does (rendered into the README's configuration reference),
 * - `onChange`: what changing it on a live stack does ("in place", or what is replaced/interrupted).
 *
 * Objects are strict, so a misspelt key fails the synth instead of being ignored.
 */

export interface FieldMeta {
  /** What the setting does, for the configuration reference. */
  readonly description: string;
  /** What a change on a live stack does: `in place`, or which resource it replaces or interrupts. */
  readonly onChange: string;
}

/** Attach reference documentation to a field. */
function doc<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  return schema.meta({ ...meta }) as T;
}

const IN_PLACE = 'in place';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A number from a fixed list, with a message that lists the allowed values. */
function oneOf<const T extends readonly number[]>(values: T): z.ZodType<T[number]> {
  return z.number().refine((v) => values.includes(v), {
    message: `must be one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T[number]>;
}

/** Retention values that CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const logRetention = z.number().refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
  message: `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(', ')}`,
});

const cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/,
    'must be an IPv4 CIDR block with a prefix between /16 and /20 (room for 3 subnet tiers in up to 6 AZs), e.g. 10.0.0.0/16',
  )
  .refine(
    (v) => {
      const [ip, prefix] = v.split('/');
      const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
      return n % 2 ** (32 - Number(prefix)) === 0;
    },
    { message: 'must be a network address: the host bits after the prefix must be zero (e.g. 10.0.0.0/16)' },
  );

/**
 * Regions where an account may use fewer than three availability zones; every other region has at
 * least three ("Each Region has at least three Availability Zones":
 * docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html). US West
 * (N. California) lists three, but "new customers can access two Availability Zones" (fine print
 * of aws.amazon.com/about-aws/global-infrastructure/regions_az/). Subnets are placed with
 * Fn::Select over Fn::GetAZs, which fails the deploy when the region has fewer zones than asked.
 */
export const REGIONS_WITH_FEWER_THAN_THREE_ZONES: Readonly<Record<string, number>> = {
  'us-west-1': 2,
};

/** `eu-west-1b` -> `eu-west-1`. */
function regionOfZone(zone: string): string {
  return zone.replace(/[a-z]$/, '');
}

const availabilityZone = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an availability zone name such as eu-west-1a');

export const ACM_CERTIFICATE_ARN =
  /^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;

/** Complete secret ARN (with the 6-character suffix Secrets Manager appends), so IAM can name it exactly. */
export const SECRET_COMPLETE_ARN =
  /^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** Fargate task sizes: CPU units -> allowed memory (MiB). */
export const FARGATE_MEMORY_BY_CPU: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names must match ^[A-Z_][A-Z0-9_]*$');

// ---------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------
export const networkSchema = z
  .strictObject({
    cidr: doc(cidr, {
      description: 'IPv4 CIDR block of the VPC.',
      onChange:
        'needs a new VPC, so new subnets, database and cache: CloudFormation refuses (fixed resource names) and nothing is lost, but the update fails: choose it before the first deploy',
    }),
    maxAzs: doc(int(2, 6), {
      description: 'Number of availability zones the VPC spans (ignored when `availabilityZones` is set).',
      onChange:
        'adds or removes subnets; removing an AZ that holds a database or cache node fails the update',
    }),
    availabilityZones: doc(z.array(availabilityZone).min(2).max(6).optional(), {
      description:
        'Pin the availability zones by name (needed for LocalStack, which has no Fn::GetAZs, and for reproducible placement).',
      onChange: 'replaces the subnets in AZs that change',
    }),
    natGateways: doc(int(1, 6), {
      description: 'NAT gateways for the private subnets (one per AZ for zonal resilience, 1 to save cost).',
      onChange: 'adds or removes NAT gateways; tasks lose egress briefly while routes move',
    }),
    flowLogRetentionDays: doc(logRetention, {
      description: 'Retention of the VPC flow log group (days).',
      onChange: IN_PLACE,
    }),
  })
  .meta({ description: 'The VPC: public, private-with-egress and isolated subnets over several AZs.' });

// ---------------------------------------------------------------------------------------------
// Service (ALB + ECS Fargate + autoscaling)
// ---------------------------------------------------------------------------------------------
export const scalingSchema = z.strictObject({
  scaleOutCpuPercent: doc(int(1, 100), {
    description: 'Average service CPU (%) at or above which a task is added.',
    onChange: IN_PLACE,
  }),
  scaleInCpuPercent: doc(int(0, 99), {
    description:
      'Average service CPU (%) at or below which a task is removed. Must be below `scaleOutCpuPercent`.',
    onChange: IN_PLACE,
  }),
  scaleOutSteps: doc(z.array(scaleOutStepSchema).min(1).max(10), {
    description:
      'Graduated scale-out: a list of `{ atCpuPercent, addTasks }` or `{ atCpuPercent, addPercent }`, ascending, the first at `scaleOutCpuPercent`; a larger breach adds more at once. One step scaling policy has one adjustment type: with any `addPercent` item the policy is PercentChangeInCapacity with a minimum of 1 task, and an `addTasks` item may then only be `addTasks: 1` (rendered as 1 %, which adds exactly one task below 100 tasks, so `maxTasks` must then be at most 100).',
    onChange: IN_PLACE,
  }),
  scaleInStep: doc(int(1, 100), {
    description: 'Tasks removed per scale-in step.',
    onChange: IN_PLACE,
  }),
  scaleOutEvaluationPeriods: doc(int(1, 60), {
    description: 'One-minute periods the scale-out alarm evaluates.',
    onChange: IN_PLACE,
  }),
  scaleOutDatapointsToAlarm: doc(int(1, 60), {
    description: 'Breaching periods (of `scaleOutEvaluationPeriods`) that trigger a scale out.',
    onChange: IN_PLACE,
  }),
  scaleInEvaluationPeriods: doc(int(1, 60), {
    description: 'One-minute periods the scale-in alarm evaluates (long, so the service does not flap).',
    onChange: IN_PLACE,
  }),
  scaleInDatapointsToAlarm: doc(int(1, 60), {
    description: 'Periods below the low threshold (of `scaleInEvaluationPeriods`) that trigger a scale in.',
    onChange: IN_PLACE,
  }),
  scaleOutCooldownSeconds: doc(int(0, 3600), {
    description: 'Cooldown after a scale-out step before another one (seconds).',
    onChange: IN_PLACE,
  }),
  scaleInCooldownSeconds: doc(int(0, 3600), {
    description: 'Cooldown after a scale-in step before another one (seconds).',
    onChange: IN_PLACE,
  }),
});

export const healthCheckSchema = z.strictObject({
  path: doc(
    z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, 'must start with / and contain no spaces')
      .max(1024),
    {
      description: 'HTTP path the load balancer probes on each task.',
      onChange: IN_PLACE,
    },
  ),
  intervalSeconds: doc(int(5, 300), { description: 'Seconds between health checks.', onChange: IN_PLACE }),
  timeoutSeconds: doc(int(2, 120), {
    description: 'Seconds before a health check counts as failed. Must be less than `intervalSeconds`.',
    onChange: IN_PLACE,
  }),
  healthyThresholdCount: doc(int(2, 10), {
    description: 'Consecutive successes before a task receives traffic.',
    onChange: IN_PLACE,
  }),
  unhealthyThresholdCount: doc(int(2, 10), {
    description: 'Consecutive failures before a task leaves rotation.',
    onChange: IN_PLACE,
  }),
  healthyHttpCodes: doc(
    z.string().regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, 'must look like 200 or 200-399'),
    {
      description: 'HTTP codes that count as healthy.',
      onChange: IN_PLACE,
    },
  ),
});

/** A DNS name in lower case, without a trailing dot (what ACM and Route 53 store). */
const dnsName = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a lower-case DNS name without a trailing dot, e.g. api.example.com',
  );

/**
 * Route 53 hosted zone ids: `Z` and up to 31 upper-case letters or digits, e.g. Z0123456789ABCDEFGHIJ
 * (source: CloudFormation, ACM DnsPrevalidationOptions.HostedZoneId: pattern Z[A-Z0-9]+, 1-32 chars).
 */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

export const domainSchema = z.strictObject({
  name: doc(dnsName, {
    description:
      'DNS name the service answers on (e.g. `api.example.com`); must be `zoneName` or inside it. Gets an ACM certificate (DNS-validated in the zone) and an alias record to the load balancer.',
    onChange:
      'a new certificate is issued and validated, the HTTPS listener switches to it, and the alias record moves to the new name',
  }),
  hostedZoneId: doc(
    z.string().regex(HOSTED_ZONE_ID, 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
    {
      description:
        'Id of the public Route 53 hosted zone of `zoneName` in the same account (nothing is looked up at synth).',
      onChange: 'a new certificate and alias record in the other zone',
    },
  ),
  zoneName: doc(dnsName, {
    description: 'Name of that hosted zone, e.g. `example.com`.',
    onChange: 'a new certificate and alias record in the other zone',
  }),
});

/**
 * AWS managed rule groups that need a `ManagedRuleGroupConfigs` block (or a paid subscription tier)
 * this stack does not write; listing them would fail at deploy, so the schema refuses them.
 */
export const WAF_GROUPS_NEEDING_CONFIG = [
  'AWSManagedRulesBotControlRuleSet',
  'AWSManagedRulesATPRuleSet',
  'AWSManagedRulesACFPRuleSet',
  'AWSManagedRulesAntiDDoSRuleSet',
] as const;

/**
 * Range of a rate-based rule's limit (requests per evaluation window and aggregation key) that the
 * WAFV2 API accepts: 10 to 2,000,000,000 (the minimum was lowered from 100 to 10 in 2024; source:
 * AWS What's New 2024-08-30 "AWS WAF enhances rate-based rules to support lower rate limits").
 */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

export const wafSchema = z
  .strictObject({
    enabled: doc(z.boolean(), {
      description:
        'Put an AWS WAF web ACL in front of the load balancer (managed rule groups, a per-IP rate limit, logging). Costs a monthly fee per web ACL and rule plus a fee per million requests.',
      onChange: 'creates or deletes the web ACL and its association; requests are not interrupted',
    }),
    rateLimitPer5Minutes: doc(int(WAF_RATE_LIMIT_RANGE.min, WAF_RATE_LIMIT_RANGE.max), {
      description: `Requests one client IP may send in any 5-minute window before WAF blocks it until its rate falls below the limit (${WAF_RATE_LIMIT_RANGE.min}-${WAF_RATE_LIMIT_RANGE.max}; some newer regions still require at least 100).`,
      onChange: 'in place (the rule restarts counting, which can pause rate limiting for up to a minute)',
    }),
    managedRuleGroups: doc(
      z
        .array(
          z
            .string()
            .regex(
              /^AWSManagedRules[A-Za-z0-9]+$/,
              'must be the name of an AWS managed rule group, e.g. AWSManagedRulesSQLiRuleSet',
            )
            .refine((v) => !(WAF_GROUPS_NEEDING_CONFIG as readonly string[]).includes(v), {
              message: `needs extra configuration this stack does not write; not supported: ${WAF_GROUPS_NEEDING_CONFIG.join(', ')}`,
            }),
        )
        .max(10)
        .refine((v) => new Set(v).size === v.length, { message: 'must not list a rule group twice' }),
      {
        description:
          'AWS managed rule groups (vendor AWS) evaluated in this order after the rate limit. Keep the web ACL under 1,500 WCUs (beyond that AWS charges more): the defaults use about 930 (core rule set 700, known bad inputs 200, IP reputation 25, rate limit 2).',
        onChange: 'in place (rules are added or removed from the web ACL)',
      },
    ),
    countOnlyRules: doc(
      z
        .array(
          z
            .string()
            .regex(
              /^AWSManagedRules[A-Za-z0-9]+\/[A-Za-z0-9_-]{1,128}$/,
              'must be <rule group>/<rule>, e.g. AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY',
            ),
        )
        .max(50)
        .refine((v) => new Set(v).size === v.length, { message: 'must not list a rule twice' }),
      {
        description:
          'Rules of the managed groups that only count instead of blocking (`<group>/<rule>`). For example `AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY`: the core rule set blocks request bodies over 8 KB (WAF inspects only the first 8 KB behind a load balancer), so an API that takes larger bodies or uploads needs it. The group must be in `managedRuleGroups`.',
        onChange: 'in place (the rule action changes; nothing is interrupted)',
      },
    ),
    logRetentionDays: doc(logRetention, {
      description:
        'Retention of the WAF log group (`aws-waf-logs-<stack>`); the Authorization and Cookie headers are redacted.',
      onChange: IN_PLACE,
    }),
  })
  .superRefine((waf, ctx) => {
    waf.countOnlyRules.forEach((rule, i) => {
      const group = rule.split('/')[0];
      if (!waf.managedRuleGroups.includes(group)) {
        ctx.addIssue({
          code: 'custom',
          path: ['countOnlyRules', i],
          input: rule,
          message: `rule group ${group} is not in managedRuleGroups (${waf.managedRuleGroups.join(', ') || 'none'})`,
        });
      }
    });
  });

export const serviceSchema = z.strictObject({
  image: doc(z.string().min(1).max(1024), {
    description:
      "Container image. The default serves HTTP on port 80 so a fresh deploy is healthy; set your own image and `containerPort`. An image in a private Amazon ECR registry (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`, any account) gets pull permissions on exactly that repository; another account's repository must also allow the pull in its repository policy.",
    onChange: 'rolling deployment of new tasks (circuit breaker rolls back on failure)',
  }),
  containerPort: doc(int(1, 65535), {
    description: 'Port the container listens on.',
    onChange: 'rolling deployment; replaces the target group',
  }),
  cpu: doc(oneOf([256, 512, 1024, 2048, 4096, 8192, 16384] as const), {
    description: 'Task CPU units (vertical scaling of the app tier).',
    onChange: 'rolling deployment of new tasks',
  }),
  memoryMiB: doc(int(512, 122880), {
    description: 'Task memory (MiB); must be a Fargate-supported combination with `cpu`.',
    onChange: 'rolling deployment of new tasks',
  }),
  cpuArchitecture: doc(z.enum(['ARM64', 'X86_64']), {
    description:
      'CPU architecture of the tasks (ARM64 = Graviton, cheaper per vCPU). Your image must support it.',
    onChange: 'rolling deployment of new tasks',
  }),
  minTasks: doc(int(1, 1000), {
    description: 'Minimum task count autoscaling keeps.',
    onChange: IN_PLACE,
  }),
  maxTasks: doc(int(1, 1000), {
    description: 'Maximum task count autoscaling may reach.',
    onChange: IN_PLACE,
  }),
  scaling: scalingSchema.meta({ description: 'CPU step scaling.' }),
  healthCheck: healthCheckSchema.meta({ description: 'Target group health check.' }),
  deregistrationDelaySeconds: doc(int(0, 3600), {
    description: 'Seconds the ALB drains a task before deregistering it (short for fast deploys).',
    onChange: IN_PLACE,
  }),
  loadBalancingAlgorithm: doc(z.enum(['round_robin', 'least_outstanding_requests']), {
    description: 'ALB routing algorithm.',
    onChange: IN_PLACE,
  }),
  imageCredentialsSecretArn: doc(
    z
      .string()
      .regex(
        SECRET_COMPLETE_ARN,
        'must be the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
      )
      .optional(),
    {
      description:
        'For an image in a private registry other than Amazon ECR: a Secrets Manager secret holding `{"username": ..., "password": ...}`; the task execution role may read it. Not needed (and rejected) for ECR images, which get pull permissions on their repository.',
      onChange: 'rolling deployment of new tasks',
    },
  ),
  certificateArn: doc(
    z
      .string()
      .regex(
        ACM_CERTIFICATE_ARN,
        // The certificate id at the end of an ACM ARN is a UUID (36 characters); source:
        // https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html (ARN example).
        'must be an ACM certificate ARN ending in the certificate id, a UUID: arn:aws:acm:<region>:<account>:certificate/<uuid>, ' +
          'e.g. arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      )
      .optional(),
    {
      description:
        'ARN of an ACM certificate managed outside this stack (in its region). When set, the ALB serves HTTPS (TLS versions per `minimumTlsVersion`) and redirects HTTP to HTTPS; the DNS record is yours. Exclusive with `domain`.',
      onChange: 'adds the HTTPS listener and turns the HTTP listener into a redirect',
    },
  ),
  domain: doc(domainSchema.optional(), {
    description:
      'Serve HTTPS on your own domain: an ACM certificate for `name` validated by DNS in the hosted zone, the HTTPS listener (TLS versions per `minimumTlsVersion`) with HTTP redirected to it, and an alias record to the load balancer. Exclusive with `certificateArn`.',
    onChange:
      'adds the certificate, the HTTPS listener and the alias record; the HTTP listener becomes a redirect',
  }),
  deletionProtection: doc(z.boolean(), {
    description: 'Refuse to delete the load balancer (and so its DNS name) while set.',
    onChange: IN_PLACE,
  }),
  waf: wafSchema.meta({ description: 'AWS WAF in front of the load balancer.' }),
  minimumTlsVersion: doc(z.enum(['1.2', '1.3']), {
    description:
      'Oldest TLS version the HTTPS listener accepts: `1.2` uses ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2), ' +
      '`1.3` uses ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only; older clients cannot connect). Only with a certificate or a domain.',
    onChange: IN_PLACE,
  }),
  logRetentionDays: doc(logRetention, {
    description: 'Retention of the container log group (days).',
    onChange: IN_PLACE,
  }),
  accessLogExpirationDays: doc(int(1, 3650), {
    description: 'Days after which ALB access logs are deleted from their bucket.',
    onChange: IN_PLACE,
  }),
  enableExecuteCommand: doc(z.boolean(), {
    description:
      'Allow `aws ecs execute-command` into running tasks (off by default: it is a shell in production).',
    onChange: 'rolling deployment of new tasks',
  }),
  environment: doc(z.record(envVarName, z.string().max(4096)), {
    description:
      'Extra plain environment variables for the container. Names of the data-tier contract (DB_*, REDIS_*) are reserved.',
    onChange: 'rolling deployment of new tasks',
  }),
});

// ---------------------------------------------------------------------------------------------
// Database (RDS PostgreSQL + read replicas + RDS Proxy)
// ---------------------------------------------------------------------------------------------
const dbInstanceClass = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
    'must be an RDS instance class without the db. prefix, e.g. t4g.micro',
  );

/** Role names PostgreSQL or RDS reserve (lower case). */
const RESERVED_ROLE_NAMES = [
  'postgres',
  'rdsadmin',
  'admin',
  'root',
  'public',
  'none',
  'current_user',
  'session_user',
  'current_role',
];

export const PERFORMANCE_INSIGHTS_RETENTION = [7, ...range(31, 713, 31), 731] as const;

export const databaseSchema = z.strictObject({
  engineVersion: doc(
    z.string().regex(/^1[4-8](\.\d+)?$/, 'must be a PostgreSQL version 14-18, e.g. 17 or 17.6'),
    {
      description:
        'PostgreSQL version. A major version alone (e.g. 17) lets RDS pick the current minor, so it can always be created.',
      onChange:
        'minor: in-place upgrade with a restart; major: not allowed in place (plan a blue/green upgrade)',
    },
  ),
  instanceClass: doc(dbInstanceClass, {
    description: 'Instance class of the primary (Graviton by default).',
    onChange: 'in place: modifies the instance (brief failover with Multi-AZ, downtime without)',
  }),
  multiAz: doc(z.boolean(), {
    description: 'Synchronous standby in a second AZ for the primary.',
    onChange: 'in place (no downtime)',
  }),
  allocatedStorageGiB: doc(int(20, 65536), {
    description: 'Initial gp3 storage (GiB).',
    onChange: 'in place (grow only; RDS cannot shrink storage)',
  }),
  maxAllocatedStorageGiB: doc(int(20, 65536), {
    description: 'Ceiling for storage autoscaling (GiB); must be >= `allocatedStorageGiB`.',
    onChange: IN_PLACE,
  }),
  databaseName: doc(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'must be a PostgreSQL identifier'), {
    description: 'Name of the database created on the primary.',
    onChange:
      'needs a new database instance: CloudFormation refuses (fixed instance name), the update fails and nothing is lost: choose it before the first deploy',
  }),
  masterUsername: doc(
    z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/, 'must be 1-16 letters, digits or _ starting with a letter')
      .refine((v) => !['postgres', 'rdsadmin', 'admin', 'root'].includes(v.toLowerCase()), {
        message: 'must not be a reserved name (postgres, rdsadmin, admin, root)',
      }),
    {
      description: 'Master user name (its password is generated in Secrets Manager).',
      onChange:
        'needs a new database instance and secret: CloudFormation refuses (fixed instance name), the update fails and nothing is lost: choose it before the first deploy',
    },
  ),
  appUsername: doc(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,15}$/, 'must be 1-16 lower-case letters, digits or _ starting with a letter')
      .refine((v) => !RESERVED_ROLE_NAMES.includes(v) && !/^(pg_|rds)/.test(v), {
        message: `must not be a reserved name (${RESERVED_ROLE_NAMES.join(', ')}) or start with pg_ or rds`,
      })
      .refine((v) => !/_(clone|owner)$/.test(v), {
        message:
          'must not end with _clone or _owner (the stack derives <name>_clone and <name>_owner from it)',
      }),
    {
      description:
        "Database user of the service (`DB_USERNAME`), with its own generated secret. A custom resource creates it with `<name>_clone` (the second user of the alternating-users rotation) and the NOLOGIN role `<name>_owner` that owns the application's objects; no superuser, CREATEROLE or CREATEDB.",
      onChange:
        'new secret and new roles; the tasks roll to the new user, the old roles and their objects stay (hand their objects over before dropping them)',
    },
  ),
  backupRetentionDays: doc(int(1, 35), {
    description: 'Automated backup retention (days). At least 1: read replicas need backups on the source.',
    onChange: IN_PLACE,
  }),
  preferredBackupWindow: doc(
    z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be hh:mm-hh:mm in UTC'),
    { description: 'Daily backup window (UTC, at least 30 minutes).', onChange: IN_PLACE },
  ),
  preferredMaintenanceWindow: doc(
    z
      .string()
      .regex(
        /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
        'must be ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:04:00-sun:05:00',
      ),
    { description: 'Weekly maintenance window (UTC).', onChange: IN_PLACE },
  ),
  deletionProtection: doc(z.boolean(), {
    description: 'Refuse to delete the primary while set.',
    onChange: IN_PLACE,
  }),
  removalPolicy: doc(z.enum(['retain', 'snapshot', 'destroy']), {
    description:
      'What happens to the database, replicas and secret when the stack (or the resource) is deleted. `destroy` is allowed only with `target: localstack`.',
    onChange: IN_PLACE,
  }),
  performanceInsightsRetentionDays: doc(
    z.number().refine((v) => (PERFORMANCE_INSIGHTS_RETENTION as readonly number[]).includes(v), {
      message: 'must be 7, a multiple of 31 up to 713, or 731',
    }),
    { description: 'Performance Insights retention (days).', onChange: IN_PLACE },
  ),
  monitoringIntervalSeconds: doc(oneOf([0, 1, 5, 10, 15, 30, 60] as const), {
    description: 'Enhanced monitoring interval (seconds); 0 turns it off.',
    onChange: IN_PLACE,
  }),
  slowQueryThresholdMs: doc(int(-1, 3_600_000), {
    description: 'Statements slower than this are logged (`log_min_duration_statement`); -1 turns it off.',
    onChange: 'in place (dynamic parameter, no restart)',
  }),
  logRetentionDays: doc(logRetention, {
    description: 'Retention of the exported PostgreSQL logs (days).',
    onChange: IN_PLACE,
  }),
  readReplicas: doc(int(0, 15), {
    description:
      'Number of read replicas (the app reads from them directly; RDS Proxy readers are Aurora-only).',
    onChange: 'adds or removes replicas only; the primary is untouched',
  }),
  replicaInstanceClass: doc(dbInstanceClass.optional(), {
    description: 'Instance class of the read replicas.',
    onChange: 'in place on each replica',
  }),
  proxy: z
    .strictObject({
      idleClientTimeoutSeconds: doc(int(1, 28800), {
        description: 'Seconds an idle client connection to the proxy stays open.',
        onChange: IN_PLACE,
      }),
      maxConnectionsPercent: doc(int(1, 100), {
        description: "Share of the database's max_connections the proxy may open.",
        onChange: IN_PLACE,
      }),
      maxIdleConnectionsPercent: doc(int(0, 100), {
        description: 'Share of max_connections the proxy keeps idle in its pool; <= `maxConnectionsPercent`.',
        onChange: IN_PLACE,
      }),
      connectionBorrowTimeoutSeconds: doc(int(0, 3600), {
        description: 'Seconds a client waits for a pooled connection before an error.',
        onChange: IN_PLACE,
      }),
    })
    .meta({ description: 'RDS Proxy (connection pooling in front of the primary).' }),
  rotationDays: doc(int(0, 365), {
    description:
      'Rotate both database secrets every N days: the master with single-user rotation, the service user with alternating-users (multi-user) rotation; 0 turns rotation off.',
    onChange: IN_PLACE,
  }),
});

// ---------------------------------------------------------------------------------------------
// Cache (ElastiCache replication group)
// ---------------------------------------------------------------------------------------------
export const cacheSchema = z.strictObject({
  engine: doc(z.enum(['redis', 'valkey']), {
    description: 'Cache engine.',
    onChange: 'redis -> valkey upgrades in place; valkey -> redis is not possible',
  }),
  engineVersion: doc(z.string().regex(/^\d+\.\d+$/, 'must be major.minor, e.g. 7.1'), {
    description: 'Engine version (redis: 6.2, 7.0, 7.1; valkey: 7.2, 8.0, 8.1).',
    onChange: 'in-place upgrade (upgrades only)',
  }),
  nodeType: doc(
    z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a node type such as cache.t4g.micro'),
    {
      description: 'Node type (Graviton by default).',
      onChange: 'in place (online vertical scaling)',
    },
  ),
  port: doc(int(1024, 65535), {
    description: 'Port the cache listens on.',
    onChange:
      'needs a new cache: CloudFormation refuses (fixed group id), the update fails and nothing is lost',
  }),
  replicas: doc(int(0, 5), {
    description: 'Replicas per node group (per shard in cluster mode).',
    onChange: 'in place (adds or removes replica nodes)',
  }),
  clusterMode: doc(z.boolean(), {
    description: 'Cluster mode (sharding across node groups); needs automatic failover.',
    onChange:
      'needs a new cache: CloudFormation refuses (fixed group id), the update fails and nothing is lost: choose it before going live',
  }),
  shards: doc(int(1, 500), {
    description: 'Node groups (shards) in cluster mode; must be 1 without cluster mode.',
    onChange: 'in place (online resharding)',
  }),
  automaticFailover: doc(z.boolean(), {
    description: 'Promote a replica when the primary fails; needs at least 1 replica.',
    onChange: IN_PLACE,
  }),
  multiAz: doc(z.boolean(), {
    description: 'Spread nodes over AZs with Multi-AZ failover; needs automatic failover.',
    onChange: IN_PLACE,
  }),
  maxmemoryPolicy: doc(
    z.enum([
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'noeviction',
    ]),
    { description: 'Eviction policy when memory is full.', onChange: IN_PLACE },
  ),
  snapshotRetentionDays: doc(int(0, 35), {
    description: 'Daily snapshots kept (0 = none).',
    onChange: IN_PLACE,
  }),
  removalPolicy: doc(z.enum(['retain', 'snapshot', 'destroy']), {
    description:
      'What happens to the cache when deleted. `destroy` is allowed only with `target: localstack`.',
    onChange: IN_PLACE,
  }),
});

// ---------------------------------------------------------------------------------------------
// Observability (alarms, dashboard, scaling advisor)
// ---------------------------------------------------------------------------------------------
export const observabilitySchema = z.strictObject({
  alarmEmail: doc(z.email().optional(), {
    description: 'E-mail address subscribed to the alarm topic (confirm the subscription mail).',
    onChange: IN_PLACE,
  }),
  p95ResponseTimeSeconds: doc(z.number().positive().max(60), {
    description: 'Alarm when ALB target response time p95 stays above this (seconds).',
    onChange: IN_PLACE,
  }),
  errorRatePercent: doc(z.number().positive().max(100), {
    description: 'Alarm when 5xx responses exceed this share of requests (%).',
    onChange: IN_PLACE,
  }),
  errorRateMinRequestsPerMinute: doc(int(0, 1_000_000), {
    description:
      'Requests per minute below which the 5xx-rate alarm stays quiet (a few night-time errors do not page).',
    onChange: IN_PLACE,
  }),
  serviceCpuPercent: doc(int(1, 100), {
    description: 'Alarm when service CPU stays above this (%).',
    onChange: IN_PLACE,
  }),
  serviceMemoryPercent: doc(int(1, 100), {
    description: 'Alarm when service memory stays above this (%).',
    onChange: IN_PLACE,
  }),
  dbCpuPercent: doc(int(1, 100), {
    description: 'Alarm on primary (and replica) CPU (%).',
    onChange: IN_PLACE,
  }),
  dbFreeableMemoryMiB: doc(int(1, 1_000_000), {
    description: 'Alarm when the primary’s freeable memory falls below this (MiB).',
    onChange: IN_PLACE,
  }),
  dbFreeStorageGiB: doc(int(1, 65536), {
    description: 'Alarm when free storage falls below this (GiB).',
    onChange: IN_PLACE,
  }),
  dbConnectionsPercent: doc(int(1, 100), {
    description: 'Alarm when database or proxy connections exceed this share of the limit (%).',
    onChange: IN_PLACE,
  }),
  dbMaxConnections: doc(int(6, 262_143).optional(), {
    description:
      'max_connections of the primary, when you set it in a parameter group or want the exact `SHOW max_connections` value. Unset: computed from the instance class memory (LEAST(memory/9531392, 5000)), which is an upper bound.',
    onChange: IN_PLACE,
  }),
  dbLatencyMs: doc(z.number().positive().max(10_000), {
    description: 'Alarm on primary read/write latency and proxy query latency (ms).',
    onChange: IN_PLACE,
  }),
  replicaLagSeconds: doc(z.number().positive().max(86_400), {
    description: 'Alarm when a replica lags the primary by more than this (seconds).',
    onChange: IN_PLACE,
  }),
  cacheCpuPercent: doc(int(1, 100), { description: 'Alarm on cache engine CPU (%).', onChange: IN_PLACE }),
  cacheMemoryPercent: doc(int(1, 100), {
    description: 'Alarm on cache memory usage (%).',
    onChange: IN_PLACE,
  }),
  cacheEvictionsPerMinute: doc(int(0, 10_000_000), {
    description: 'Alarm when evictions per minute exceed this.',
    onChange: IN_PLACE,
  }),
  cacheHitRatePercent: doc(int(0, 100), {
    description: 'Alarm when the cache hit rate falls below this floor (%).',
    onChange: IN_PLACE,
  }),
  cacheHitRateMinLookupsPerMinute: doc(int(0, 10_000_000), {
    description:
      'Cache lookups (hits + misses) per minute below which the hit-rate alarm stays quiet (a handful of cold lookups does not page).',
    onChange: IN_PLACE,
  }),
  cacheReplicationLagSeconds: doc(z.number().positive().max(3600), {
    description: 'Alarm on cache replication lag (seconds).',
    onChange: IN_PLACE,
  }),
  wafBlockedRequestsPerMinute: doc(int(1, 10_000_000), {
    description:
      'Alarm when AWS WAF blocks more requests than this per minute in 3 of 5 minutes (an attack, or a client or deploy that WAF now rejects). Only with `service.waf.enabled`.',
    onChange: IN_PLACE,
  }),
  advisorScheduleMinutes: doc(int(1, 1440), {
    description: 'How often the scaling advisor runs (minutes).',
    onChange: IN_PLACE,
  }),
  advisorWindowMinutes: doc(int(5, 1440), {
    description: 'How much metric history the advisor reads per run (minutes).',
    onChange: IN_PLACE,
  }),
});

// ---------------------------------------------------------------------------------------------
// Resilience (AWS FIS experiment templates)
// ---------------------------------------------------------------------------------------------
export const resilienceSchema = z.strictObject({
  experiments: doc(z.boolean(), {
    description:
      'Create AWS FIS experiment templates that rehearse losing tasks, the primary database, a cache zone, a zone of the network, and a whole zone (docs/resilience.md). Templates cost nothing until you start one.',
    onChange: 'adds or removes the templates, their role and log group; nothing else is touched',
  }),
  zoneIndex: doc(int(0, 5), {
    description:
      'The zone the zonal experiments hit, as an index into the VPC zones (0 = first). Must be below the zone count.',
    onChange: IN_PLACE,
  }),
  faultMinutes: doc(int(1, 60), {
    description: 'How long the network cut and the cache power interruption last (minutes).',
    onChange: IN_PLACE,
  }),
});

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------
export const environmentSchema = z.strictObject({
  account: doc(
    z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    {
      description: 'AWS account to pin the stack to. Unset: environment-agnostic, synthesizes offline.',
      onChange: 'moves the stack: a different account is a new deployment',
    },
  ),
  region: doc(
    z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be a region such as eu-west-1')
      .optional(),
    {
      description: 'AWS region to pin the stack to. Unset: environment-agnostic.',
      onChange: 'moves the stack: a different region is a new deployment',
    },
  ),
  target: doc(z.enum(['aws', 'localstack']), {
    description:
      'Where the stack deploys. `localstack` allows destroy-on-delete and refuses non-local endpoints.',
    onChange: 'n/a (a property of the preset)',
  }),
  tags: doc(z.record(z.string().min(1).max(128), z.string().max(256)), {
    description: 'Tags applied to every resource.',
    onChange: IN_PLACE,
  }),
  network: networkSchema,
  service: serviceSchema.meta({ description: 'The load-balanced Fargate service.' }),
  database: databaseSchema.meta({ description: 'RDS PostgreSQL, read replicas and RDS Proxy.' }),
  cache: cacheSchema.meta({ description: 'ElastiCache replication group (Redis or Valkey).' }),
  observability: observabilitySchema.meta({ description: 'Alarms, dashboard and the scaling advisor.' }),
  resilience: resilienceSchema.meta({ description: 'Fault-injection experiments (AWS FIS).' }),
});

/** Environment variable names the data tier injects; users may not override them. */
export const RESERVED_ENV_PREFIXES = ['DB_', 'REDIS_'] as const;

/** Cache engine versions ElastiCache can create, per engine. */
export const CACHE_ENGINE_VERSIONS: Record<'redis' | 'valkey', readonly string[]> = {
  redis: ['6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1'],
};

/** Cross-field rules: every combination AWS would reject (or that would flap) fails here, at synth. */
export const validatedEnvironmentSchema = environmentSchema.superRefine((c, ctx) => {
  const issue = (path: (string | number)[], message: string, input: unknown) =>
    ctx.addIssue({ code: 'custom', path, message, input });

  const s = c.service;
  if (looksLikeEcr(s.image) && !parseEcrImage(s.image)) {
    issue(
      ['service', 'image'],
      'names an Amazon ECR registry but is not <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@sha256:<digest>] (repository in lower case)',
      s.image,
    );
  }
  if (s.imageCredentialsSecretArn && parseEcrImage(s.image)) {
    issue(
      ['service', 'imageCredentialsSecretArn'],
      'is for private registries other than Amazon ECR: an ECR image is pulled with the task execution role, which gets pull permissions on its repository',
      s.imageCredentialsSecretArn,
    );
  }
  if (s.scaling.scaleInCpuPercent >= s.scaling.scaleOutCpuPercent) {
    issue(
      ['service', 'scaling', 'scaleInCpuPercent'],
      `must be below service.scaling.scaleOutCpuPercent (${s.scaling.scaleOutCpuPercent}), or the service would flap`,
      s.scaling.scaleInCpuPercent,
    );
  }
  for (const problem of scaleOutStepProblems(
    s.scaling.scaleOutSteps,
    s.scaling.scaleOutCpuPercent,
    s.maxTasks,
  )) {
    issue(['service', 'scaling', 'scaleOutSteps', ...problem.at], problem.message, problem.input);
  }
  if (s.minTasks > s.maxTasks) {
    issue(['service', 'minTasks'], `must not exceed service.maxTasks (${s.maxTasks})`, s.minTasks);
  }
  if (s.scaling.scaleOutDatapointsToAlarm > s.scaling.scaleOutEvaluationPeriods) {
    issue(
      ['service', 'scaling', 'scaleOutDatapointsToAlarm'],
      `must not exceed service.scaling.scaleOutEvaluationPeriods (${s.scaling.scaleOutEvaluationPeriods})`,
      s.scaling.scaleOutDatapointsToAlarm,
    );
  }
  if (s.scaling.scaleInDatapointsToAlarm > s.scaling.scaleInEvaluationPeriods) {
    issue(
      ['service', 'scaling', 'scaleInDatapointsToAlarm'],
      `must not exceed service.scaling.scaleInEvaluationPeriods (${s.scaling.scaleInEvaluationPeriods})`,
      s.scaling.scaleInDatapointsToAlarm,
    );
  }
  const allowedMemory = FARGATE_MEMORY_BY_CPU[s.cpu] ?? [];
  if (!allowedMemory.includes(s.memoryMiB)) {
    issue(
      ['service', 'memoryMiB'],
      `is not a Fargate size for cpu ${s.cpu}; allowed: ${summarize(allowedMemory)}`,
      s.memoryMiB,
    );
  }
  if (s.healthCheck.timeoutSeconds >= s.healthCheck.intervalSeconds) {
    issue(
      ['service', 'healthCheck', 'timeoutSeconds'],
      `must be less than service.healthCheck.intervalSeconds (${s.healthCheck.intervalSeconds})`,
      s.healthCheck.timeoutSeconds,
    );
  }
  if (s.domain && s.domain.name !== s.domain.zoneName && !s.domain.name.endsWith(`.${s.domain.zoneName}`)) {
    issue(
      ['service', 'domain', 'name'],
      `must be service.domain.zoneName (${s.domain.zoneName}) or a name inside it (e.g. api.${s.domain.zoneName})`,
      s.domain.name,
    );
  }
  for (const name of Object.keys(s.environment)) {
    if (RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p))) {
      issue(
        ['service', 'environment', name],
        `is reserved for the data-tier contract (names starting with ${RESERVED_ENV_PREFIXES.join(' or ')})`,
        name,
      );
    }
  }

  const n = c.network;
  const azCount = n.availabilityZones?.length ?? n.maxAzs;
  if (n.natGateways > azCount) {
    issue(
      ['network', 'natGateways'],
      `must not exceed the number of availability zones (${azCount})`,
      n.natGateways,
    );
  }
  if (c.resilience.zoneIndex >= azCount) {
    issue(
      ['resilience', 'zoneIndex'],
      `must be below the number of availability zones (${azCount}): 0 to ${azCount - 1}`,
      c.resilience.zoneIndex,
    );
  }
  if (n.availabilityZones && new Set(n.availabilityZones).size !== n.availabilityZones.length) {
    issue(['network', 'availabilityZones'], 'must not repeat a zone', n.availabilityZones);
  }
  const azRegions = [...new Set((n.availabilityZones ?? []).map(regionOfZone))];
  if (azRegions.length > 1) {
    issue(
      ['network', 'availabilityZones'],
      `must all be zones of one region (got zones of ${azRegions.join(', ')}): a VPC lives in one region`,
      n.availabilityZones,
    );
  } else if (c.region && azRegions.length === 1 && azRegions[0] !== c.region) {
    issue(['network', 'availabilityZones'], `must all be zones of region ${c.region}`, n.availabilityZones);
  }
  const zonesInRegion = c.region ? REGIONS_WITH_FEWER_THAN_THREE_ZONES[c.region] : undefined;
  if (!n.availabilityZones && zonesInRegion !== undefined && n.maxAzs > zonesInRegion) {
    issue(
      ['network', 'maxAzs'],
      `asks for ${n.maxAzs} availability zones, but region ${c.region} has ${zonesInRegion} for new accounts: set network.maxAzs to at most ${zonesInRegion} (and natGateways with it), or choose another region`,
      n.maxAzs,
    );
  }

  const d = c.database;
  if (d.maxAllocatedStorageGiB < d.allocatedStorageGiB) {
    issue(
      ['database', 'maxAllocatedStorageGiB'],
      `must be >= database.allocatedStorageGiB (${d.allocatedStorageGiB})`,
      d.maxAllocatedStorageGiB,
    );
  }
  if (d.proxy.maxIdleConnectionsPercent > d.proxy.maxConnectionsPercent) {
    issue(
      ['database', 'proxy', 'maxIdleConnectionsPercent'],
      `must not exceed database.proxy.maxConnectionsPercent (${d.proxy.maxConnectionsPercent})`,
      d.proxy.maxIdleConnectionsPercent,
    );
  }
  for (const derived of [d.appUsername, `${d.appUsername}_clone`, `${d.appUsername}_owner`]) {
    if (derived.toLowerCase() === d.masterUsername.toLowerCase()) {
      issue(
        ['database', 'appUsername'],
        `must differ from database.masterUsername (${d.masterUsername}), also as ${derived}: the service must not log in as the master`,
        d.appUsername,
      );
    }
  }
  if (windowMinutes(d.preferredBackupWindow) < 30) {
    issue(['database', 'preferredBackupWindow'], 'must be at least 30 minutes long', d.preferredBackupWindow);
  }

  const k = c.cache;
  if (!CACHE_ENGINE_VERSIONS[k.engine].includes(k.engineVersion)) {
    issue(
      ['cache', 'engineVersion'],
      `is not a ${k.engine} version ElastiCache can create; allowed: ${CACHE_ENGINE_VERSIONS[k.engine].join(', ')}`,
      k.engineVersion,
    );
  }
  if (k.automaticFailover && k.replicas < 1) {
    issue(
      ['cache', 'automaticFailover'],
      'needs cache.replicas >= 1 (at least 2 nodes per node group)',
      true,
    );
  }
  if (k.engine === 'redis' && !k.clusterMode && k.replicas >= 1 && !k.automaticFailover) {
    // CloudFormation's validator rejects a redis group of several nodes without failover (E3026).
    issue(
      ['cache', 'replicas'],
      'needs cache.automaticFailover: true with engine redis (a replica must be able to take over)',
      k.replicas,
    );
  }
  if (k.multiAz && !k.automaticFailover) {
    issue(['cache', 'multiAz'], 'needs cache.automaticFailover: true', true);
  }
  if (k.clusterMode && !k.automaticFailover) {
    issue(
      ['cache', 'clusterMode'],
      'needs cache.automaticFailover: true (ElastiCache requires it in cluster mode)',
      true,
    );
  }
  if (!k.clusterMode && k.shards !== 1) {
    issue(['cache', 'shards'], 'must be 1 unless cache.clusterMode is true', k.shards);
  }
  if (k.clusterMode && k.shards * (k.replicas + 1) > 500) {
    issue(['cache', 'shards'], `shards x (replicas + 1) must not exceed 500 nodes`, k.shards);
  }
  if (/^cache\.r6gd\./.test(k.nodeType)) {
    // ElastiCache requires DataTieringEnabled with r6gd nodes, which this stack does not set.
    issue(
      ['cache', 'nodeType'],
      'data-tiering node types (cache.r6gd.*) are not supported; use e.g. cache.r7g.*',
      k.nodeType,
    );
  }

  for (const [path, value] of [
    [['database', 'removalPolicy'], d.removalPolicy],
    [['cache', 'removalPolicy'], k.removalPolicy],
  ] as const) {
    if (value === 'destroy' && c.target !== 'localstack') {
      issue([...path], "'destroy' would lose data; it is allowed only with target: localstack", value);
    }
  }
  if (c.target === 'localstack') {
    // The stack pins itself to LocalStack's account (LocalStackOnly rule), so a real account's
    // credentials can never deploy it. (Pinned AZs are checked when deploying to LocalStack.)
    if (!c.account || !c.region) {
      issue(
        [c.account ? 'region' : 'account'],
        'must be set with target: localstack (the stack is pinned to LocalStack)',
        undefined,
      );
    }
  }
  if (c.observability.advisorWindowMinutes < c.observability.advisorScheduleMinutes) {
    issue(
      ['observability', 'advisorWindowMinutes'],
      `must be >= observability.advisorScheduleMinutes (${c.observability.advisorScheduleMinutes}) so runs overlap`,
      c.observability.advisorWindowMinutes,
    );
  }
});

/**
 * Settings that exclude each other, checked on the raw (merged, not yet validated) config so the
 * conflict is reported even when one of the values is malformed as well.
 */
export function exclusiveSettingProblems(candidate: unknown): { path: string; message: string }[] {
  const service = (candidate as { service?: Record<string, unknown> } | undefined)?.service;
  if (service?.domain === undefined || service.certificateArn === undefined) return [];
  return [
    {
      path: 'service.domain',
      message:
        'service.domain and service.certificateArn exclude each other: keep service.domain to have the certificate issued and validated here, or service.certificateArn for a certificate managed elsewhere',
    },
  ];
}

function windowMinutes(window: string): number {
  const [from, to] = window.split('-').map((t) => {
    const [h, m] = t.split(':').map(Number);
    return h * 60 + m;
  });
  return (to - from + 1440) % 1440;
}

function summarize(values: readonly number[]): string {
  return values.length > 6
    ? `${values[0]}-${values[values.length - 1]} in steps of ${values[1] - values[0]}`
    : values.join(', ');
}

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type NetworkConfig = EnvironmentConfig['network'];
export type ServiceConfig = EnvironmentConfig['service'];
export type DatabaseConfig = EnvironmentConfig['database'];
export type CacheConfig = EnvironmentConfig['cache'];
export type ObservabilityConfig = EnvironmentConfig['observability'];
export type DomainConfig = NonNullable<ServiceConfig['domain']>;
export type WafConfig = ServiceConfig['waf'];
export type ResilienceConfig = EnvironmentConfig['resilience'];

/** A validated environment: its name plus its config. */
export interface ResolvedEnvironment {
  /** Environment name, e.g. `dev`; the stack is `ScalableBackend-<name>`. */
  readonly name: string;
  readonly config: EnvironmentConfig;
}

/** Recursive partial used by presets' overrides. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
