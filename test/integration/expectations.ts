import { EnvironmentConfig } from '../../lib/config/schema';

/**
 * What the deployed local stack must look like, derived from the same validated config object the
 * CDK app deployed. Pure, so `test/local.test.ts` checks the derivation without LocalStack.
 */
export interface Expectations {
  readonly vpc: {
    readonly cidr: string;
    readonly availabilityZones: readonly string[];
    /** Public, private and isolated subnet per AZ. */
    readonly subnetCount: number;
  };
  readonly loadBalancer: {
    readonly scheme: 'internet-facing';
    /** 443 with a certificate (80 then only redirects), else 80. */
    readonly listenerPorts: readonly number[];
    readonly targetPort: number;
    readonly healthCheckPath: string;
    readonly healthCheckIntervalSeconds: number;
    readonly healthCheckTimeoutSeconds: number;
    readonly healthyThresholdCount: number;
    readonly unhealthyThresholdCount: number;
    readonly deregistrationDelaySeconds: string;
    readonly algorithm: string;
  };
  readonly service: {
    readonly launchType: 'FARGATE';
    readonly cpu: string;
    readonly memory: string;
    readonly cpuArchitecture: string;
    readonly image: string;
    readonly containerPort: number;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly scaleOutCpuPercent: number;
    readonly scaleInCpuPercent: number;
    /** Plain environment variables the user configured (the data-tier ones are added by the stack). */
    readonly environment: Readonly<Record<string, string>>;
  };
  readonly database: {
    readonly engine: 'postgres';
    /** Deployed version starts with this (a major alone lets RDS pick the minor). */
    readonly engineVersionPrefix: string;
    readonly instanceClass: string;
    readonly multiAz: boolean;
    readonly allocatedStorageGiB: number;
    readonly backupRetentionDays: number;
    readonly deletionProtection: boolean;
    readonly databaseName: string;
    readonly masterUsername: string;
    readonly readReplicas: number;
    readonly storageEncrypted: true;
  };
  readonly proxy: {
    readonly engineFamily: 'POSTGRESQL';
    readonly requireTls: true;
    readonly idleClientTimeoutSeconds: number;
    readonly maxConnectionsPercent: number;
    readonly maxIdleConnectionsPercent: number;
    readonly connectionBorrowTimeoutSeconds: number;
  };
  readonly cache: {
    readonly engine: string;
    readonly nodeType: string;
    readonly port: number;
    readonly clusterMode: boolean;
    readonly nodeGroups: number;
    readonly nodeCount: number;
    readonly automaticFailover: 'enabled' | 'disabled';
    readonly transitEncryption: true;
    readonly atRestEncryption: true;
    readonly authToken: true;
  };
  readonly advisor: {
    /** `rate(N minutes)` as EventBridge spells it (singular for 1). */
    readonly scheduleExpression: string;
  };
}

export function buildExpectations(config: EnvironmentConfig): Expectations {
  const { network, service, database, cache, observability } = config;
  const azs = network.availabilityZones ?? [];
  if (!service.image)
    throw new Error('these expectations compare a pushed image: set service.image, not service.build');
  return {
    vpc: { cidr: network.cidr, availabilityZones: azs, subnetCount: 3 * azs.length },
    loadBalancer: {
      scheme: 'internet-facing',
      listenerPorts: service.certificateArn || service.domain ? [80, 443] : [80],
      targetPort: service.containerPort,
      healthCheckPath: service.healthCheck.path,
      healthCheckIntervalSeconds: service.healthCheck.intervalSeconds,
      healthCheckTimeoutSeconds: service.healthCheck.timeoutSeconds,
      healthyThresholdCount: service.healthCheck.healthyThresholdCount,
      unhealthyThresholdCount: service.healthCheck.unhealthyThresholdCount,
      deregistrationDelaySeconds: String(service.deregistrationDelaySeconds),
      algorithm: service.loadBalancingAlgorithm,
    },
    service: {
      launchType: 'FARGATE',
      cpu: String(service.cpu),
      memory: String(service.memoryMiB),
      cpuArchitecture: service.cpuArchitecture,
      image: service.image,
      containerPort: service.containerPort,
      minTasks: service.minTasks,
      maxTasks: service.maxTasks,
      scaleOutCpuPercent: service.scaling.scaleOutCpuPercent,
      scaleInCpuPercent: service.scaling.scaleInCpuPercent,
      environment: service.environment,
    },
    database: {
      engine: 'postgres',
      engineVersionPrefix: database.engineVersion,
      instanceClass: `db.${database.instanceClass}`,
      multiAz: database.multiAz,
      allocatedStorageGiB: database.allocatedStorageGiB,
      backupRetentionDays: database.backupRetentionDays,
      deletionProtection: database.deletionProtection,
      databaseName: database.databaseName,
      masterUsername: database.masterUsername,
      readReplicas: database.readReplicas,
      storageEncrypted: true,
    },
    proxy: {
      engineFamily: 'POSTGRESQL',
      requireTls: true,
      idleClientTimeoutSeconds: database.proxy.idleClientTimeoutSeconds,
      maxConnectionsPercent: database.proxy.maxConnectionsPercent,
      maxIdleConnectionsPercent: database.proxy.maxIdleConnectionsPercent,
      connectionBorrowTimeoutSeconds: database.proxy.connectionBorrowTimeoutSeconds,
    },
    cache: {
      engine: cache.engine,
      nodeType: cache.nodeType,
      port: cache.port,
      clusterMode: cache.clusterMode,
      nodeGroups: cache.shards,
      nodeCount: cache.shards * (cache.replicas + 1),
      automaticFailover: cache.automaticFailover ? 'enabled' : 'disabled',
      transitEncryption: true,
      atRestEncryption: true,
      authToken: true,
    },
    advisor: {
      scheduleExpression:
        observability.advisorScheduleMinutes === 1
          ? 'rate(1 minute)'
          : `rate(${observability.advisorScheduleMinutes} minutes)`,
    },
  };
}

/** One verified property of the deployed stack. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Collects checks instead of stopping at the first failure, so one run reports every difference
 * between the configuration and what LocalStack created.
 */
export class CheckCollector {
  readonly results: CheckResult[] = [];

  /** Deep equality of JSON-like values. */
  equal(name: string, actual: unknown, expected: unknown): void {
    const ok = stableJson(actual) === stableJson(expected);
    this.results.push({
      name,
      ok,
      detail: ok ? stableJson(actual) : `expected ${stableJson(expected)}, got ${stableJson(actual)}`,
    });
  }

  /** A condition with a description of what was seen. */
  that(name: string, ok: boolean, detail: string): void {
    this.results.push({ name, ok, detail });
  }

  /** Run a group of checks; an exception (missing resource, API error) fails the group, not the run. */
  async group(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.results.push({ name, ok: false, detail: `error: ${(err as Error).message}` });
    }
  }

  get failed(): CheckResult[] {
    return this.results.filter((r) => !r.ok);
  }

  report(): string {
    return this.results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`).join('\n');
  }
}

/** JSON with sorted object keys, so equality does not depend on key order. */
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
          )
        : v,
    ) ?? 'undefined'
  );
}
