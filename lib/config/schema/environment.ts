/**
 * Schema of one environment (one stack), composed of the tier schemas, with the cross-field rules
 * (`validatedEnvironmentSchema`), the check of settings that exclude each other, and the config
 * types inferred from the schema.
 */
import { z } from 'zod';
import { looksLikeEcr, parseEcrImage } from '../image';
import { scaleOutStepProblems } from '../scale-out-steps';
import { KNOWN_REGIONS, isKnownRegion } from '../tables/regions';
import { windowsOverlap } from '../windows';
import { appSettingProblems } from './app';
import { CACHE_ENGINE_VERSIONS, cacheSchema } from './cache';
import { IN_PLACE, doc } from './common';
import { complianceSchema } from './compliance';
import { containerHardeningProblems } from './container';
import { databaseSchema } from './database';
import { deploymentProblems } from './deployment';
import { REGIONS_WITH_FEWER_THAN_THREE_ZONES, networkSchema, regionOfZone } from './network';
import { observabilitySchema } from './observability';
import { resilienceSchema } from './resilience';

/**
 * What AWS accepts in a tag key or value across services (the ECS, Batch and tagging guides: "letters,
 * numbers, and spaces representable in UTF-8, and the following characters: + - = . _ : / @"; the
 * `aws:` prefix is reserved for AWS, in keys and values, in any case).
 */
const TAG_TEXT = /^[\p{L}\p{N}\p{Z}_.:/=+\-@]*$/u;
const TAG_TEXT_RULE = 'may hold only letters, digits, spaces and _ . : / = + - @';
const MAX_USER_TAGS = 47;
import { FARGATE_MEMORY_BY_CPU, serviceSchema } from './service';

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
      .refine(isKnownRegion, { message: `is not an AWS region; allowed: ${KNOWN_REGIONS.join(', ')}` })
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
  tags: doc(
    z
      .record(
        z
          .string()
          .min(1)
          .max(128)
          .regex(TAG_TEXT, TAG_TEXT_RULE)
          .refine((key) => !/^aws:/i.test(key), { message: 'the aws: prefix is reserved for AWS' }),
        z
          .string()
          .max(256)
          .regex(TAG_TEXT, TAG_TEXT_RULE)
          .refine((value) => !/^aws:/i.test(value), { message: 'the aws: prefix is reserved for AWS' }),
      )
      .refine((tags) => Object.keys(tags).length <= MAX_USER_TAGS, {
        message: `at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource; the CDK adds up to 3 of its own, on subnets)`,
      }),
    {
      description:
        'Tags applied to every resource. Keys 1-128 and values 0-256 characters: letters, digits, spaces and `_ . : / = + - @`; neither may start with `aws:` (reserved for AWS).',
      onChange: IN_PLACE,
    },
  ),
  network: networkSchema,
  service: serviceSchema.meta({ description: 'The load-balanced Fargate service.' }),
  database: databaseSchema.meta({ description: 'RDS PostgreSQL, read replicas and RDS Proxy.' }),
  cache: cacheSchema.meta({ description: 'ElastiCache replication group (Redis or Valkey).' }),
  observability: observabilitySchema.meta({ description: 'Alarms, dashboard and the scaling advisor.' }),
  resilience: resilienceSchema.meta({ description: 'Fault-injection experiments (AWS FIS).' }),
  compliance: complianceSchema.meta({
    description: 'Governance: compliance rule packs and the log retention floor (docs/going-live.md).',
  }),
});

/** Environment variable names the data tier injects; users may not override them. */
export const RESERVED_ENV_PREFIXES = ['DB_', 'REDIS_'] as const;

/** Cross-field rules: every combination AWS would reject (or that would flap) fails here, at synth. */
export const validatedEnvironmentSchema = environmentSchema.superRefine((c, ctx) => {
  // `related`: the other keys of a cross-field rule. When the user set one of them and not `path`,
  // the loader blames the key the user set (see `load.ts`).
  const issue = (path: (string | number)[], message: string, input: unknown, related?: string[][]) =>
    ctx.addIssue({ code: 'custom', path, message, input, params: related ? { related } : undefined });

  const s = c.service;
  for (const [key, message, value] of containerHardeningProblems(s)) issue(['service', key], message, value);
  for (const problem of appSettingProblems(s))
    issue(['service', ...problem.path], problem.message, problem.input);
  if (s.image && looksLikeEcr(s.image) && !parseEcrImage(s.image)) {
    issue(
      ['service', 'image'],
      'names an Amazon ECR registry but is not <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@sha256:<digest>] (repository in lower case)',
      s.image,
    );
  }
  if (s.imageCredentialsSecretArn && s.image && parseEcrImage(s.image)) {
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
      [['service', 'scaling', 'scaleOutCpuPercent']],
    );
  }
  for (const problem of scaleOutStepProblems(
    s.scaling.scaleOutSteps,
    s.scaling.scaleOutCpuPercent,
    s.maxTasks,
  )) {
    issue(['service', 'scaling', 'scaleOutSteps', ...problem.at], problem.message, problem.input, [
      ['service', 'scaling', 'scaleOutCpuPercent'],
      ['service', 'maxTasks'],
    ]);
  }
  if (s.minTasks > s.maxTasks) {
    issue(['service', 'minTasks'], `must not exceed service.maxTasks (${s.maxTasks})`, s.minTasks, [
      ['service', 'maxTasks'],
    ]);
  }
  if (s.scaling.scaleOutDatapointsToAlarm > s.scaling.scaleOutEvaluationPeriods) {
    issue(
      ['service', 'scaling', 'scaleOutDatapointsToAlarm'],
      `must not exceed service.scaling.scaleOutEvaluationPeriods (${s.scaling.scaleOutEvaluationPeriods})`,
      s.scaling.scaleOutDatapointsToAlarm,
      [['service', 'scaling', 'scaleOutEvaluationPeriods']],
    );
  }
  if (s.scaling.scaleInDatapointsToAlarm > s.scaling.scaleInEvaluationPeriods) {
    issue(
      ['service', 'scaling', 'scaleInDatapointsToAlarm'],
      `must not exceed service.scaling.scaleInEvaluationPeriods (${s.scaling.scaleInEvaluationPeriods})`,
      s.scaling.scaleInDatapointsToAlarm,
      [['service', 'scaling', 'scaleInEvaluationPeriods']],
    );
  }
  // An invalid cpu is reported on service.cpu; the memory check needs a valid one.
  const allowedMemory = FARGATE_MEMORY_BY_CPU[s.cpu];
  if (allowedMemory && !allowedMemory.includes(s.memoryMiB)) {
    issue(
      ['service', 'memoryMiB'],
      `is not a Fargate size for cpu ${s.cpu}; allowed: ${summarize(allowedMemory)}`,
      s.memoryMiB,
      [['service', 'cpu']],
    );
  }
  if (s.healthCheck.timeoutSeconds >= s.healthCheck.intervalSeconds) {
    issue(
      ['service', 'healthCheck', 'timeoutSeconds'],
      `must be less than service.healthCheck.intervalSeconds (${s.healthCheck.intervalSeconds})`,
      s.healthCheck.timeoutSeconds,
      [['service', 'healthCheck', 'intervalSeconds']],
    );
  }
  const certificate = s.certificateArn?.split(':');
  if (certificate && c.region && certificate[3] !== c.region) {
    // An ALB listener can only use an ACM certificate of its own region
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html).
    issue(
      ['service', 'certificateArn'],
      `is a certificate of region ${certificate[3]}, but the stack is pinned to region ${c.region}: a load balancer can only use a certificate of its own region; request or import it in ${c.region}`,
      s.certificateArn,
      [['region']],
    );
  }
  if (certificate && c.account && certificate[4] !== c.account) {
    issue(
      ['service', 'certificateArn'],
      `is a certificate of account ${certificate[4]}, but the stack is pinned to account ${c.account}: ACM certificates cannot be shared across accounts`,
      s.certificateArn,
      [['account']],
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

  for (const problem of deploymentProblems(s.deployment)) {
    issue(['service', 'deployment', ...problem.path], problem.message, problem.input);
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
      [['database', 'allocatedStorageGiB']],
    );
  }
  if (d.proxy.maxIdleConnectionsPercent > d.proxy.maxConnectionsPercent) {
    issue(
      ['database', 'proxy', 'maxIdleConnectionsPercent'],
      `must not exceed database.proxy.maxConnectionsPercent (${d.proxy.maxConnectionsPercent})`,
      d.proxy.maxIdleConnectionsPercent,
      [['database', 'proxy', 'maxConnectionsPercent']],
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
  if (windowsOverlap(d.preferredBackupWindow, d.preferredMaintenanceWindow)) {
    // RDS refuses it: "Must not conflict with the preferred maintenance window"
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, PreferredBackupWindow).
    issue(
      ['database', 'preferredBackupWindow'],
      `overlaps database.preferredMaintenanceWindow (${d.preferredMaintenanceWindow}); RDS needs them apart`,
      d.preferredBackupWindow,
      [['database', 'preferredMaintenanceWindow']],
    );
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
      [['observability', 'advisorScheduleMinutes']],
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
export type DeploymentConfig = ServiceConfig['deployment'];
export type ResilienceConfig = EnvironmentConfig['resilience'];
export type ComplianceConfig = EnvironmentConfig['compliance'];

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
