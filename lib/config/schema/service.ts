/**
 * Schema of the load-balanced Fargate service (`service`): task size, CPU step scaling, the target
 * group health check, HTTPS on a custom domain and AWS WAF.
 */
import { z } from 'zod';
import { containerHardeningSchema } from './container';
import { scaleOutStepSchema } from '../scale-out-steps';
import { WAF_MANAGED_RULES } from '../tables/waf-rules';
import { deploymentSchema } from './deployment';
import {
  ACM_CERTIFICATE_ARN,
  IN_PLACE,
  SECRET_COMPLETE_ARN,
  doc,
  httpCodes,
  int,
  logRetention,
  oneOf,
  range,
} from './common';
import { appServiceFields } from './app';

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

const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names must match ^[A-Z_][A-Z0-9_]*$');

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
      'Graduated scale-out: a list of `{ atCpuPercent, addTasks }` or `{ atCpuPercent, addPercent }`, ascending, the first at `scaleOutCpuPercent`; a larger breach adds more at once. One step scaling policy has one adjustment type: with any `addPercent` item the policy is PercentChangeInCapacity with a minimum of 1 task, and an `addTasks` item may then only be `addTasks: 1` (rendered as 1 %, which adds exactly one task below 100 tasks, so `maxTasks` must then be at most 100). Unset here but `scaleOutCpuPercent` or `maxTasks` set: the preset steps follow them (the first step moves to `scaleOutCpuPercent`, later steps at or below it are dropped; above 100 tasks an `addTasks` step becomes `addPercent` of the same number).',
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
    // An ALB matcher takes 200 to 499 (docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Matcher.html).
    httpCodes(200, 499, '200 or 200-399'),
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
            })
            .refine(
              (v) =>
                (WAF_GROUPS_NEEDING_CONFIG as readonly string[]).includes(v) ||
                Object.hasOwn(WAF_MANAGED_RULES, v),
              {
                message: `is not an AWS managed rule group this stack offers; allowed: ${Object.keys(WAF_MANAGED_RULES).join(', ')}`,
              },
            ),
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
      const [group, name] = rule.split('/');
      const rules = Object.hasOwn(WAF_MANAGED_RULES, group) ? WAF_MANAGED_RULES[group] : undefined;
      if (!waf.managedRuleGroups.includes(group)) {
        ctx.addIssue({
          code: 'custom',
          path: ['countOnlyRules', i],
          input: rule,
          message: `rule group ${group} is not in managedRuleGroups (${waf.managedRuleGroups.join(', ') || 'none'})`,
        });
      } else if (rules && !rules.includes(name)) {
        // A misspelt rule would leave the real rule blocking: refuse what the group does not have.
        ctx.addIssue({
          code: 'custom',
          path: ['countOnlyRules', i],
          input: rule,
          message: `${group} has no rule ${name}; its rules: ${rules.join(', ')}`,
        });
      }
    });
  });

export const serviceSchema = z.strictObject({
  image: doc(z.string().min(1).max(1024).optional(), {
    description:
      "Container image (or set `build` to build it from a Dockerfile). The default (nginx-unprivileged: uid 101, read-only root, port 8080) serves HTTP so a fresh deploy is healthy; set your own image (or build), `containerPort` and `user`. An image in a private Amazon ECR registry (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`, any account) gets pull permissions on exactly that repository; another account's repository must also allow the pull in its repository policy.",
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
  deployment: deploymentSchema.meta({
    description: 'How a new revision reaches production: strategy, traffic steps, bake times, smoke test.',
  }),
  environment: doc(z.record(envVarName, z.string().max(4096)), {
    description:
      'Extra plain environment variables for the container. Names of the data-tier contract (DB_*, REDIS_*) are reserved.',
    onChange: 'rolling deployment of new tasks',
  }),
  ...containerHardeningSchema,
  ...appServiceFields,
});
