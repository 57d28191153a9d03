import { EnvironmentConfig } from './schema';

/**
 * Presets: every component of the design in every preset; they differ in size, count and safety
 * settings only. Start small, and pull each scaling lever with one config value (see the README's
 * "Growing the stack").
 */

const dev: EnvironmentConfig = {
  target: 'aws',
  tags: { project: 'scalable-backend', environment: 'dev' },
  network: {
    cidr: '10.10.0.0/16',
    maxAzs: 2,
    natGateways: 1,
    flowLogRetentionDays: 30,
  },
  service: {
    // Public image that answers HTTP 200 on / and runs on ARM64, so a fresh deploy is healthy. The
    // unprivileged build runs as uid 101, listens on 8080 and writes only its pid and temp files,
    // to /tmp (github.com/nginx/docker-nginx-unprivileged README), so it starts with a read-only root.
    image: 'public.ecr.aws/nginx/nginx-unprivileged:stable',
    containerPort: 8080,
    cpu: 256,
    memoryMiB: 512,
    cpuArchitecture: 'ARM64',
    minTasks: 1,
    maxTasks: 4,
    scaling: {
      scaleOutCpuPercent: 70,
      scaleInCpuPercent: 30,
      // Graduated: one task at 70 %, a quarter more at 85 %, half more at 95 % (whole tasks at least),
      // so a large spike is absorbed in a few steps instead of one task per minute.
      scaleOutSteps: [
        { atCpuPercent: 70, addTasks: 1 },
        { atCpuPercent: 85, addPercent: 25 },
        { atCpuPercent: 95, addPercent: 50 },
      ],
      scaleInStep: 1,
      // 2 of 2 one-minute datapoints: scale out decides within ~2 minutes of a sustained breach.
      scaleOutEvaluationPeriods: 2,
      scaleOutDatapointsToAlarm: 2,
      // 15 of 15: scale in only after a quarter hour below the low threshold, so the service cannot flap.
      scaleInEvaluationPeriods: 15,
      scaleInDatapointsToAlarm: 15,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
    },
    healthCheck: {
      path: '/',
      intervalSeconds: 15,
      timeoutSeconds: 5,
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
      healthyHttpCodes: '200-399',
    },
    deregistrationDelaySeconds: 30,
    loadBalancingAlgorithm: 'round_robin',
    deletionProtection: false,
    // Off in dev: a web ACL costs a monthly fee whether or not anyone attacks a test stack.
    waf: {
      enabled: false,
      // 2,000 requests per 5 minutes is ~7 a second from one IP, sustained: far above a person
      // with a browser or app, far below a scraper or a flood. Raise it for clients behind one NAT.
      rateLimitPer5Minutes: 2000,
      managedRuleGroups: [
        'AWSManagedRulesAmazonIpReputationList',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ],
      // Empty: every managed rule blocks. An API that takes request bodies over 8 KB lists
      // AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY here.
      countOnlyRules: [],
      logRetentionDays: 30,
    },
    minimumTlsVersion: '1.2',
    logRetentionDays: 30,
    accessLogExpirationDays: 30,
    enableExecuteCommand: false,
    // Rolling in dev: one target group, fast deploys; the release safety nets are prod's.
    deployment: {
      strategy: 'rolling',
      // 10 % for 10 minutes: enough requests for the 5xx-rate and p95 alarms to judge the new
      // revision (they evaluate 1-minute periods), while 90 % of users stay on the old one.
      canaryPercent: 10,
      canaryBakeMinutes: 10,
      linearStepPercent: 20,
      linearIntervalMinutes: 3,
      // The old revision stays 10 minutes after the full shift: a late alarm rolls back at once.
      bakeMinutes: 10,
      smokeTest: { paths: ['/'], expectedStatus: '200-399', maxResponseMs: 2000 },
    },
    environment: {},
    readonlyRootFilesystem: true,
    tmpSizeMiB: 64,
    user: '101',
  },
  database: {
    engineVersion: '17',
    instanceClass: 't4g.micro',
    multiAz: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    databaseName: 'app',
    masterUsername: 'app_admin',
    appUsername: 'app',
    backupRetentionDays: 3,
    preferredBackupWindow: '03:00-03:30',
    preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    deletionProtection: false,
    removalPolicy: 'snapshot',
    performanceInsightsRetentionDays: 7,
    monitoringIntervalSeconds: 0,
    slowQueryThresholdMs: 500,
    logRetentionDays: 30,
    readReplicas: 1,
    proxy: {
      idleClientTimeoutSeconds: 1800,
      maxConnectionsPercent: 90,
      maxIdleConnectionsPercent: 50,
      connectionBorrowTimeoutSeconds: 120,
    },
    rotationDays: 30,
  },
  cache: {
    engine: 'redis',
    engineVersion: '7.1',
    nodeType: 'cache.t4g.micro',
    port: 6379,
    replicas: 0,
    clusterMode: false,
    shards: 1,
    automaticFailover: false,
    multiAz: false,
    maxmemoryPolicy: 'allkeys-lru',
    snapshotRetentionDays: 1,
    removalPolicy: 'snapshot',
  },
  observability: {
    p95ResponseTimeSeconds: 1,
    errorRatePercent: 1,
    errorRateMinRequestsPerMinute: 20,
    serviceCpuPercent: 85,
    serviceMemoryPercent: 85,
    dbCpuPercent: 80,
    dbFreeableMemoryMiB: 128,
    dbFreeStorageGiB: 2,
    dbConnectionsPercent: 80,
    dbLatencyMs: 20,
    replicaLagSeconds: 30,
    cacheCpuPercent: 80,
    cacheMemoryPercent: 80,
    cacheEvictionsPerMinute: 100,
    cacheHitRatePercent: 80,
    // Below ~20 lookups a minute a few cold keys swing the hit rate; do not page on that.
    cacheHitRateMinLookupsPerMinute: 20,
    cacheReplicationLagSeconds: 5,
    // The IP reputation list and the core rule set block a steady trickle of scanners; a hundred
    // blocks a minute, sustained, is a flood or a client that WAF now rejects.
    wafBlockedRequestsPerMinute: 100,
    advisorScheduleMinutes: 5,
    advisorWindowMinutes: 60,
  },
  // Experiments rehearse production's failure modes; dev is single-AZ where it matters.
  resilience: { experiments: false, zoneIndex: 0, faultMinutes: 5 },
  // dev keeps each tier's shorter log retention (cost); prod sets the one-year floor governed
  // accounts ask for.
  compliance: { packs: [] },
};

const prod: EnvironmentConfig = {
  ...dev,
  tags: { project: 'scalable-backend', environment: 'prod' },
  network: { ...dev.network, cidr: '10.20.0.0/16', maxAzs: 3, natGateways: 3, flowLogRetentionDays: 365 },
  service: {
    ...dev.service,
    cpu: 1024,
    memoryMiB: 2048,
    minTasks: 2,
    maxTasks: 20,
    logRetentionDays: 365,
    accessLogExpirationDays: 90,
    deletionProtection: true,
    waf: { ...dev.service.waf, enabled: true, logRetentionDays: 90 },
    deployment: { ...dev.service.deployment, strategy: 'canary' },
  },
  database: {
    ...dev.database,
    instanceClass: 'r7g.large',
    multiAz: true,
    allocatedStorageGiB: 100,
    maxAllocatedStorageGiB: 1000,
    backupRetentionDays: 14,
    deletionProtection: true,
    removalPolicy: 'retain',
    performanceInsightsRetentionDays: 31,
    monitoringIntervalSeconds: 60,
    slowQueryThresholdMs: 250,
    logRetentionDays: 365,
    readReplicas: 2,
    replicaInstanceClass: 'r7g.large',
  },
  cache: {
    ...dev.cache,
    nodeType: 'cache.r7g.large',
    replicas: 1,
    automaticFailover: true,
    multiAz: true,
    snapshotRetentionDays: 7,
    removalPolicy: 'retain',
  },
  observability: {
    ...dev.observability,
    errorRateMinRequestsPerMinute: 100,
    cacheHitRateMinLookupsPerMinute: 100,
    dbFreeableMemoryMiB: 1024,
    dbFreeStorageGiB: 20,
  },
  resilience: { ...dev.resilience, experiments: true },
  compliance: { ...dev.compliance, minimumLogRetentionDays: 365 },
};

/**
 * LocalStack. Pinned AZs (LocalStack has no Fn::GetAZs), LocalStack's default account and region,
 * smallest sizes, no deletion protection, destroy on delete. Synthesized only when asked for.
 */
const local: EnvironmentConfig = {
  ...dev,
  account: '000000000000',
  region: 'us-east-1',
  target: 'localstack',
  tags: { project: 'scalable-backend', environment: 'local' },
  network: {
    ...dev.network,
    cidr: '10.30.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 1,
    flowLogRetentionDays: 1,
  },
  service: { ...dev.service, minTasks: 1, maxTasks: 2, logRetentionDays: 1, accessLogExpirationDays: 1 },
  database: {
    ...dev.database,
    backupRetentionDays: 1,
    deletionProtection: false,
    removalPolicy: 'destroy',
    logRetentionDays: 1,
    rotationDays: 0,
  },
  cache: { ...dev.cache, snapshotRetentionDays: 0, removalPolicy: 'destroy' },
};

export const PRESETS: Readonly<Record<string, EnvironmentConfig>> = { dev, prod, local };

/** Environments `cdk synth` builds when `-c envs=` is not given. `local` only when asked for. */
export const DEFAULT_ENVIRONMENTS = ['dev', 'prod'] as const;
