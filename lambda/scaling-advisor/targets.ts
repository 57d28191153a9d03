/**
 * The contract between the CDK stack and the scaling advisor.
 *
 * The stack serializes one {@link AdvisorTargets} object as JSON into the function's environment
 * variable {@link ADVISOR_TARGETS_ENV} and into the stack output {@link ADVISOR_TARGETS_OUTPUT} (which
 * the laptop CLI reads). Keep this file free of SDK and CDK imports: the CDK app imports the type and
 * the constants, and the function bundle must stay small.
 */

/** The one environment variable the function reads: the targets as JSON. */
export const ADVISOR_TARGETS_ENV = 'ADVISOR_TARGETS';

/** Name of the stack output holding the same JSON, for `npm run advisor -- <stack name>`. */
export const ADVISOR_TARGETS_OUTPUT = 'AdvisorTargets';

/** Namespace the stack should use for the advisor's own metrics (any non-`AWS/` namespace works). */
export const DEFAULT_ADVISOR_NAMESPACE = 'ScalableBackend/Advisor';

/** Metric names and dimensions the advisor publishes (for the dashboard and the IAM condition). */
export const ADVISOR_METRICS = {
  /** The verdict as its numeric code (see `VERDICT_CODES` in analysis/verdicts.ts); dimension `Stack`. */
  verdict: 'Verdict',
  /** Per-tier headroom (0-100 %); dimensions `Stack` and `Tier`. */
  headroom: 'HeadroomPercent',
  stackDimension: 'Stack',
  tierDimension: 'Tier',
} as const;

/**
 * Thresholds the advisor compares sustained levels against. They are the alarm thresholds of the
 * stack's config (`observability.*`) plus the autoscaling lines (`service.scaling.*`), so the advisor
 * and the alarms never disagree about what "too high" means.
 */
export interface AdvisorThresholds {
  /** `observability.p95ResponseTimeSeconds`: the latency target (seconds). */
  readonly p95ResponseTimeSeconds: number;
  /** `observability.errorRatePercent`: 5xx share of requests that counts as a symptom (%). */
  readonly errorRatePercent: number;
  /** `observability.errorRateMinRequestsPerMinute`: below this traffic the 5xx rate is not judged. */
  readonly errorRateMinRequestsPerMinute: number;
  /** `observability.serviceCpuPercent`: service CPU alarm line (%). */
  readonly serviceCpuPercent: number;
  /** `observability.serviceMemoryPercent`: service memory alarm line (%). */
  readonly serviceMemoryPercent: number;
  /** `service.scaling.scaleOutCpuPercent`: CPU at which autoscaling wants another task (%). */
  readonly scaleOutCpuPercent: number;
  /** `service.scaling.scaleInCpuPercent`: CPU at which autoscaling removes a task; the "idle" line (%). */
  readonly scaleInCpuPercent: number;
  /** `observability.dbCpuPercent`: primary and replica CPU line (%). */
  readonly dbCpuPercent: number;
  /** `observability.dbFreeableMemoryMiB`: primary freeable memory floor (MiB). */
  readonly dbFreeableMemoryMiB: number;
  /** `observability.dbConnectionsPercent`: share of the proxy's connection limit that counts as exhausted (%). */
  readonly dbConnectionsPercent: number;
  /** `observability.dbLatencyMs`: primary read/write latency and proxy query latency line (ms). */
  readonly dbLatencyMs: number;
  /** `observability.replicaLagSeconds`: replica lag line (seconds). */
  readonly replicaLagSeconds: number;
  /** `observability.cacheCpuPercent`: cache engine CPU line (%). */
  readonly cacheCpuPercent: number;
  /** `observability.cacheMemoryPercent`: cache memory usage line (%). */
  readonly cacheMemoryPercent: number;
  /** `observability.cacheEvictionsPerMinute`: evictions per minute per node that count as pressure. */
  readonly cacheEvictionsPerMinute: number;
  /** `observability.cacheHitRatePercent`: hit rate floor (%). */
  readonly cacheHitRatePercent: number;
  /**
   * `observability.cacheHitRateMinLookupsPerMinute`: below this average traffic (hits + misses per
   * minute) the hit rate is not judged, as the `CacheHitRate` alarm stays quiet below it.
   */
  readonly cacheHitRateMinLookupsPerMinute: number;
  /** `observability.cacheReplicationLagSeconds`: cache replica lag line (seconds). */
  readonly cacheReplicationLagSeconds: number;
}

/** Everything the advisor needs to find and judge one stack's metrics. */
export interface AdvisorTargets {
  /** Stack name; the `Stack` dimension of the advisor's metrics. */
  readonly stackName: string;
  /** Custom metric namespace the advisor publishes into (e.g. {@link DEFAULT_ADVISOR_NAMESPACE}). */
  readonly namespace: string;
  /** Minutes of history each run reads (config `observability.advisorWindowMinutes`). */
  readonly windowMinutes: number;
  /** ALB dimension `LoadBalancer` (`ApplicationLoadBalancer.loadBalancerFullName`, `app/<name>/<id>`). */
  readonly loadBalancerFullName: string;
  /** ALB dimension `TargetGroup` (`ApplicationTargetGroup.targetGroupFullName`, `targetgroup/<name>/<id>`). */
  readonly targetGroupFullName: string;
  /**
   * ALB dimension `TargetGroup` of the alternate target group of a canary, linear or blue/green
   * service (absent with rolling updates). The groups swap roles every release, so host counts are
   * summed over both.
   */
  readonly alternateTargetGroupFullName?: string;
  /** ECS cluster name (dimension `ClusterName`). */
  readonly clusterName: string;
  /** ECS service name (dimension `ServiceName`). */
  readonly serviceName: string;
  /** `service.minTasks`. */
  readonly minTasks: number;
  /** `service.maxTasks`. */
  readonly maxTasks: number;
  /** Primary DB instance identifier (dimension `DBInstanceIdentifier`). */
  readonly dbInstanceId: string;
  /** Read replica instance identifiers, possibly empty. */
  readonly replicaInstanceIds: readonly string[];
  /** RDS Proxy name (dimension `ProxyName`). */
  readonly proxyName: string;
  /** ElastiCache replication group id (for messages; metrics are per node). */
  readonly cacheReplicationGroupId: string;
  /** Member cluster ids of the replication group, one per node (dimension `CacheClusterId`). */
  readonly cacheClusterIds: readonly string[];
  /** Topic notified when the verdict changes; no notification when absent. */
  readonly topicArn?: string;
  /**
   * The AWS WAF web ACL in front of the load balancer, when there is one: its AWS/WAFV2 metrics
   * (`WebACL` = the web ACL's metric name, `Region`, `Rule` = `ALL`) separate the requests WAF
   * blocked from the app's load.
   */
  readonly webAcl?: { readonly metricName: string; readonly region: string };
  readonly thresholds: AdvisorThresholds;
}

/** Bad or missing targets: the message lists every problem, so one deploy fixes all of them. */
export class AdvisorTargetsError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AdvisorTargetsError';
  }
}

const THRESHOLD_KEYS: readonly (keyof AdvisorThresholds)[] = [
  'p95ResponseTimeSeconds',
  'errorRatePercent',
  'errorRateMinRequestsPerMinute',
  'serviceCpuPercent',
  'serviceMemoryPercent',
  'scaleOutCpuPercent',
  'scaleInCpuPercent',
  'dbCpuPercent',
  'dbFreeableMemoryMiB',
  'dbConnectionsPercent',
  'dbLatencyMs',
  'replicaLagSeconds',
  'cacheCpuPercent',
  'cacheMemoryPercent',
  'cacheEvictionsPerMinute',
  'cacheHitRatePercent',
  'cacheHitRateMinLookupsPerMinute',
  'cacheReplicationLagSeconds',
];

const STRING_KEYS = [
  'stackName',
  'namespace',
  'loadBalancerFullName',
  'targetGroupFullName',
  'clusterName',
  'serviceName',
  'dbInstanceId',
  'proxyName',
  'cacheReplicationGroupId',
] as const;

// The same bounds as the config's `observability.advisorWindowMinutes`: at least five one-minute
// datapoints, at most a day (well inside the 15 days CloudWatch keeps one-minute data).
const MAX_WINDOW_MINUTES = 1440;
const MIN_WINDOW_MINUTES = 5;

/**
 * Validate an already-parsed targets object. `source` names where it came from in error messages
 * (the environment variable, or the stack output).
 */
export function parseTargets(value: unknown, source: string): AdvisorTargets {
  const problems: string[] = [];
  if (!isRecord(value)) {
    throw new AdvisorTargetsError(`${source} must be a JSON object, got ${describe(value)}`, [
      'not an object',
    ]);
  }
  for (const key of STRING_KEYS) {
    if (typeof value[key] !== 'string' || (value[key] as string).trim() === '') {
      problems.push(`${key} must be a non-empty string, got ${describe(value[key])}`);
    }
  }
  if (typeof value.namespace === 'string' && /^AWS\//i.test(value.namespace)) {
    problems.push(`namespace must not start with AWS/ (reserved by AWS), got ${value.namespace}`);
  }
  if (!isInt(value.windowMinutes, MIN_WINDOW_MINUTES, MAX_WINDOW_MINUTES)) {
    problems.push(
      `windowMinutes must be an integer from ${MIN_WINDOW_MINUTES} to ${MAX_WINDOW_MINUTES}, got ${describe(value.windowMinutes)}`,
    );
  }
  for (const key of ['minTasks', 'maxTasks'] as const) {
    if (!isInt(value[key], 1, 10_000))
      problems.push(`${key} must be a positive integer, got ${describe(value[key])}`);
  }
  if (
    isInt(value.minTasks, 1, 10_000) &&
    isInt(value.maxTasks, 1, 10_000) &&
    value.minTasks > value.maxTasks
  ) {
    problems.push(`minTasks (${value.minTasks}) must not exceed maxTasks (${value.maxTasks})`);
  }
  for (const key of ['replicaInstanceIds', 'cacheClusterIds'] as const) {
    const list = value[key];
    if (!Array.isArray(list) || list.some((id) => typeof id !== 'string' || id.trim() === '')) {
      problems.push(`${key} must be an array of non-empty strings, got ${describe(list)}`);
    } else if (new Set(list).size !== list.length) {
      problems.push(`${key} must not repeat an id`);
    }
  }
  if (
    value.topicArn !== undefined &&
    !(typeof value.topicArn === 'string' && /^arn:aws[a-z-]*:sns:/.test(value.topicArn))
  ) {
    problems.push(`topicArn must be an SNS topic ARN when set, got ${describe(value.topicArn)}`);
  }
  if (
    value.alternateTargetGroupFullName !== undefined &&
    !(
      typeof value.alternateTargetGroupFullName === 'string' &&
      value.alternateTargetGroupFullName.trim() !== ''
    )
  ) {
    problems.push(
      `alternateTargetGroupFullName must be a non-empty string when set, got ${describe(value.alternateTargetGroupFullName)}`,
    );
  }
  if (value.webAcl !== undefined) {
    const w = value.webAcl;
    if (
      !isRecord(w) ||
      typeof w.metricName !== 'string' ||
      w.metricName.trim() === '' ||
      typeof w.region !== 'string' ||
      w.region.trim() === ''
    ) {
      problems.push(
        `webAcl must be an object with non-empty metricName and region when set, got ${describe(w)}`,
      );
    }
  }
  const thresholds = value.thresholds;
  if (!isRecord(thresholds)) {
    problems.push(`thresholds must be an object, got ${describe(thresholds)}`);
  } else {
    for (const key of THRESHOLD_KEYS) {
      const t = thresholds[key];
      if (t === undefined) {
        // Targets written by an older version of the stack lack thresholds added since.
        problems.push(
          `thresholds.${key} is missing: the stack was deployed by an older version; deploy the current one`,
        );
      } else if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
        problems.push(`thresholds.${key} must be a non-negative number, got ${describe(t)}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new AdvisorTargetsError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return value as unknown as AdvisorTargets;
}

/** Parse and validate the targets from a JSON string. */
export function targetsFromJson(json: string, source: string): AdvisorTargets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new AdvisorTargetsError(`${source} is not valid JSON: ${(e as Error).message}`, ['not JSON']);
  }
  return parseTargets(parsed, source);
}

/** The function's only configuration: {@link ADVISOR_TARGETS_ENV}, validated. Throws a clear error. */
export function targetsFromEnv(env: NodeJS.ProcessEnv): AdvisorTargets {
  const json = env[ADVISOR_TARGETS_ENV];
  if (json === undefined || json.trim() === '') {
    throw new AdvisorTargetsError(
      `environment variable ${ADVISOR_TARGETS_ENV} is not set: the stack must pass the advisor targets as JSON`,
      ['not set'],
    );
  }
  return targetsFromJson(json, `environment variable ${ADVISOR_TARGETS_ENV}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
