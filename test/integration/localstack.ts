#!/usr/bin/env node
/**
 * `npm run test:localstack`: the opt-in integration test of the local preset. Not part of `npm test`
 * (jest only runs `*.test.ts`), because it needs a LocalStack with a paid plan and takes minutes.
 *
 * 1. Probe `<AWS_ENDPOINT_URL>/_localstack/health` (default http://localhost:4566, 2 s timeout). No
 *    LocalStack there: print `skipped: no LocalStack at <endpoint> (...)` and exit 0.
 * 2. LocalStack answers but lacks a service the stack needs (free plan): fail with the list.
 * 3. Otherwise bootstrap, deploy `ScalableBackend-local` with cdklocal (through bin/local.ts, so the
 *    endpoint guard applies), check with the AWS SDK that the VPC, ALB, service, autoscaling,
 *    database, proxy, cache, alarms and advisor exist with the configured settings, invoke the
 *    advisor once, and destroy the stack in a `finally`, even when a check or the deploy fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudFormationClient,
  StackResourceSummary,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeDBInstancesCommand,
  DescribeDBProxiesCommand,
  DescribeDBProxyTargetGroupsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { stackName } from '../../lib/app';
import { EnvironmentConfig } from '../../lib/config/schema';
import {
  DEFAULT_LOCALSTACK_ENDPOINT,
  NotLocalEndpointError,
  decideFromHealth,
  localStackEnvironment,
  probeLocalStack,
} from '../../lib/localstack';
import { LOCAL_ENV, LOCAL_OUTDIR, localConfig, runCdkLocal } from '../../bin/local';
import { CheckCollector, Expectations, buildExpectations } from './expectations';

const ROOT = path.join(__dirname, '..', '..');
const STACK = stackName(LOCAL_ENV);

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** A deployed resource: its template entry and its physical id. */
interface Deployed {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly status: string;
  readonly template: TemplateResource;
  /** Construct path (`aws:cdk:path` metadata), e.g. `ScalableBackend-local/Service/Service`. */
  readonly path: string;
}

async function main(): Promise<number> {
  const endpoint = process.env.AWS_ENDPOINT_URL?.trim() || DEFAULT_LOCALSTACK_ENDPOINT;
  let config: EnvironmentConfig;
  let env: Record<string, string>;
  try {
    config = localConfig();
    env = localStackEnvironment(process.env, { region: config.region ?? 'us-east-1' });
  } catch (err) {
    if (err instanceof NotLocalEndpointError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }

  const decision = decideFromHealth(endpoint, await probeLocalStack(endpoint));
  if (!decision.run) {
    console.log(`skipped: ${decision.reason}`);
    return 0;
  }
  if (decision.missing.length) {
    console.error(
      `LocalStack at ${endpoint} answers but does not offer: ${decision.missing.join(', ')}.\n` +
        'The full stack needs ECS, ELBv2, RDS, ElastiCache and Application Auto Scaling, which require a paid ' +
        'LocalStack plan (start LocalStack with LOCALSTACK_AUTH_TOKEN set). See README: "Trying it offline with LocalStack".',
    );
    return 1;
  }

  const expected = buildExpectations(config);
  const checks = new CheckCollector();
  const started = Date.now();
  try {
    if (runCdkLocal('bootstrap', [], process.env) !== 0) throw new Error('cdklocal bootstrap failed');
    if (runCdkLocal('deploy', [], process.env) !== 0) throw new Error('cdklocal deploy failed');
    await verify(env, expected, checks);
  } catch (err) {
    checks.that('deployment', false, (err as Error).message);
  } finally {
    // Always clean up, so a failed check never leaves a half-verified stack running in LocalStack.
    const destroyStatus = runCdkLocal('destroy', [], process.env);
    checks.that(
      'destroy',
      destroyStatus === 0,
      destroyStatus === 0 ? 'stack deleted' : `cdklocal destroy exited ${destroyStatus}`,
    );
  }

  console.log(`\n${checks.report()}`);
  const failed = checks.failed.length;
  console.log(
    `\n${checks.results.length - failed} passed, ${failed} failed in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  return failed ? 1 : 0;
}

async function verify(
  env: Record<string, string>,
  expected: Expectations,
  checks: CheckCollector,
): Promise<void> {
  const clientConfig = {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
  const cfn = new CloudFormationClient(clientConfig);
  const ec2 = new EC2Client(clientConfig);
  const elbv2 = new ElasticLoadBalancingV2Client(clientConfig);
  const ecs = new ECSClient(clientConfig);
  const scaling = new ApplicationAutoScalingClient(clientConfig);
  const rds = new RDSClient(clientConfig);
  const elasticache = new ElastiCacheClient(clientConfig);
  const cloudwatch = new CloudWatchClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  const secrets = new SecretsManagerClient(clientConfig);

  const template = JSON.parse(
    fs.readFileSync(path.join(ROOT, LOCAL_OUTDIR, `${STACK}.template.json`), 'utf8'),
  ) as {
    Resources: Record<string, TemplateResource>;
  };
  const summaries: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: STACK })) {
    summaries.push(...(page.StackResourceSummaries ?? []));
  }
  const deployed: Deployed[] = summaries.map((s) => {
    const t = template.Resources[s.LogicalResourceId ?? ''] ?? { Type: s.ResourceType ?? '' };
    return {
      logicalId: s.LogicalResourceId ?? '',
      physicalId: s.PhysicalResourceId ?? '',
      status: s.ResourceStatus ?? '',
      template: t,
      path: String(t.Metadata?.['aws:cdk:path'] ?? ''),
    };
  });
  const ofType = (type: string) => deployed.filter((d) => d.template.Type === type);
  const one = (type: string, filter: (d: Deployed) => boolean = () => true): Deployed => {
    const found = ofType(type).filter(filter);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
  };

  const incomplete = deployed.filter((d) => !/_COMPLETE$/.test(d.status) || d.status.includes('ROLLBACK'));
  // Resources behind a CloudFormation condition may legitimately be absent; every other one must exist.
  const unconditional = Object.entries(template.Resources).filter(([, r]) => !('Condition' in r));
  const absent = unconditional.filter(([id]) => !deployed.some((d) => d.logicalId === id)).map(([id]) => id);
  checks.that(
    'stack resources',
    incomplete.length === 0 && absent.length === 0,
    `${deployed.length} of ${Object.keys(template.Resources).length} template resources deployed` +
      (absent.length ? `; missing: ${absent.join(', ')}` : '') +
      (incomplete.length
        ? `; not complete: ${incomplete.map((d) => `${d.logicalId}=${d.status}`).join(', ')}`
        : ''),
  );

  await checks.group('vpc', async () => {
    const vpc = one('AWS::EC2::VPC');
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.physicalId] }));
    checks.equal('vpc cidr', Vpcs?.[0]?.CidrBlock, expected.vpc.cidr);
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.physicalId] }] }),
    );
    checks.equal('vpc subnet count', Subnets?.length, expected.vpc.subnetCount);
    checks.equal(
      'vpc availability zones',
      [...new Set((Subnets ?? []).map((s) => s.AvailabilityZone))].sort(),
      [...expected.vpc.availabilityZones].sort(),
    );
  });

  await checks.group('load balancer', async () => {
    const lb = one('AWS::ElasticLoadBalancingV2::LoadBalancer');
    const { LoadBalancers } = await elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.physicalId] }),
    );
    checks.equal('alb scheme', LoadBalancers?.[0]?.Scheme, expected.loadBalancer.scheme);
    const { Listeners } = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.physicalId }));
    checks.equal(
      'alb listener ports',
      (Listeners ?? []).map((l) => l.Port).sort(),
      expected.loadBalancer.listenerPorts,
    );
    const tg = one('AWS::ElasticLoadBalancingV2::TargetGroup');
    const { TargetGroups } = await elbv2.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.physicalId] }),
    );
    const g = TargetGroups?.[0];
    checks.equal(
      'target group',
      {
        port: g?.Port,
        path: g?.HealthCheckPath,
        interval: g?.HealthCheckIntervalSeconds,
        timeout: g?.HealthCheckTimeoutSeconds,
        healthy: g?.HealthyThresholdCount,
        unhealthy: g?.UnhealthyThresholdCount,
      },
      {
        port: expected.loadBalancer.targetPort,
        path: expected.loadBalancer.healthCheckPath,
        interval: expected.loadBalancer.healthCheckIntervalSeconds,
        timeout: expected.loadBalancer.healthCheckTimeoutSeconds,
        healthy: expected.loadBalancer.healthyThresholdCount,
        unhealthy: expected.loadBalancer.unhealthyThresholdCount,
      },
    );
    const { Attributes } = await elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.physicalId }),
    );
    const attr = (key: string) => Attributes?.find((a) => a.Key === key)?.Value;
    checks.equal(
      'target group deregistration delay',
      attr('deregistration_delay.timeout_seconds'),
      expected.loadBalancer.deregistrationDelaySeconds,
    );
    checks.equal(
      'target group algorithm',
      attr('load_balancing.algorithm.type'),
      expected.loadBalancer.algorithm,
    );
  });

  let clusterName = '';
  let serviceName = '';
  await checks.group('service', async () => {
    clusterName = one('AWS::ECS::Cluster').physicalId;
    const serviceArn = one('AWS::ECS::Service').physicalId;
    serviceName = serviceArn.split('/').pop() ?? serviceArn;
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: clusterName, services: [serviceArn] }),
    );
    const svc = services?.[0];
    checks.equal('service launch type', svc?.launchType, expected.service.launchType);
    const { taskDefinition: td } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: svc?.taskDefinition }),
    );
    const container = td?.containerDefinitions?.[0];
    checks.equal(
      'task definition',
      {
        cpu: td?.cpu,
        memory: td?.memory,
        arch: td?.runtimePlatform?.cpuArchitecture,
        image: container?.image,
      },
      {
        cpu: expected.service.cpu,
        memory: expected.service.memory,
        arch: expected.service.cpuArchitecture,
        image: expected.service.image,
      },
    );
    checks.equal(
      'container port',
      container?.portMappings?.[0]?.containerPort,
      expected.service.containerPort,
    );
    const plain = Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value]));
    for (const [name, value] of Object.entries(expected.service.environment)) {
      checks.equal(`container environment ${name}`, plain[name], value);
    }
    // Credentials arrive as ECS secrets from Secrets Manager, never as plain values.
    const secretNames = (container?.secrets ?? []).map((s) => s.name ?? '');
    checks.that(
      'container secrets',
      secretNames.some((n) => n.startsWith('DB_')) && secretNames.some((n) => n.startsWith('REDIS_')),
      `secrets: ${secretNames.join(', ') || 'none'}`,
    );
    const leaked = Object.keys(plain).filter((n) => /PASSWORD|AUTH_TOKEN|SECRET/.test(n));
    checks.that('no credentials in plain environment', leaked.length === 0, leaked.join(', ') || 'none');
  });

  await checks.group('autoscaling', async () => {
    const { ScalableTargets } = await scaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: [`service/${clusterName}/${serviceName}`],
      }),
    );
    const target = ScalableTargets?.[0];
    checks.equal(
      'scalable target capacity',
      { min: target?.MinCapacity, max: target?.MaxCapacity },
      { min: expected.service.minTasks, max: expected.service.maxTasks },
    );
  });

  await checks.group('database', async () => {
    const instances = ofType('AWS::RDS::DBInstance');
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
    const ours = (DBInstances ?? []).filter((i) =>
      instances.some((d) => d.physicalId === i.DBInstanceIdentifier),
    );
    const primary = ours.filter((i) => !i.ReadReplicaSourceDBInstanceIdentifier);
    checks.equal('database primaries', primary.length, 1);
    const p = primary[0];
    checks.equal(
      'database primary',
      {
        engine: p?.Engine,
        instanceClass: p?.DBInstanceClass,
        multiAz: p?.MultiAZ,
        storage: p?.AllocatedStorage,
        backups: p?.BackupRetentionPeriod,
        deletionProtection: p?.DeletionProtection,
        dbName: p?.DBName,
        user: p?.MasterUsername,
        encrypted: p?.StorageEncrypted,
      },
      {
        engine: expected.database.engine,
        instanceClass: expected.database.instanceClass,
        multiAz: expected.database.multiAz,
        storage: expected.database.allocatedStorageGiB,
        backups: expected.database.backupRetentionDays,
        deletionProtection: expected.database.deletionProtection,
        dbName: expected.database.databaseName,
        user: expected.database.masterUsername,
        encrypted: expected.database.storageEncrypted,
      },
    );
    checks.that(
      'database engine version',
      String(p?.EngineVersion ?? '').startsWith(expected.database.engineVersionPrefix),
      `${p?.EngineVersion} (configured ${expected.database.engineVersionPrefix})`,
    );
    checks.equal('database read replicas', ours.length - primary.length, expected.database.readReplicas);
  });

  await checks.group('proxy', async () => {
    const proxy = one('AWS::RDS::DBProxy');
    const { DBProxies } = await rds.send(new DescribeDBProxiesCommand({ DBProxyName: proxy.physicalId }));
    const px = DBProxies?.[0];
    const { TargetGroups } = await rds.send(
      new DescribeDBProxyTargetGroupsCommand({ DBProxyName: proxy.physicalId }),
    );
    const pool = TargetGroups?.[0]?.ConnectionPoolConfig;
    checks.equal(
      'proxy',
      {
        engineFamily: px?.EngineFamily,
        requireTls: px?.RequireTLS,
        idle: px?.IdleClientTimeout,
        max: pool?.MaxConnectionsPercent,
        maxIdle: pool?.MaxIdleConnectionsPercent,
        borrow: pool?.ConnectionBorrowTimeout,
      },
      {
        engineFamily: expected.proxy.engineFamily,
        requireTls: expected.proxy.requireTls,
        idle: expected.proxy.idleClientTimeoutSeconds,
        max: expected.proxy.maxConnectionsPercent,
        maxIdle: expected.proxy.maxIdleConnectionsPercent,
        borrow: expected.proxy.connectionBorrowTimeoutSeconds,
      },
    );
  });

  await checks.group('cache', async () => {
    const group = one('AWS::ElastiCache::ReplicationGroup');
    const { ReplicationGroups } = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: group.physicalId }),
    );
    const rg = ReplicationGroups?.[0];
    checks.equal(
      'cache',
      {
        engine: rg?.Engine,
        nodeType: rg?.CacheNodeType,
        clusterMode: rg?.ClusterEnabled,
        nodeGroups: rg?.NodeGroups?.length,
        nodes: rg?.MemberClusters?.length,
        failover: rg?.AutomaticFailover,
        transit: rg?.TransitEncryptionEnabled,
        atRest: rg?.AtRestEncryptionEnabled,
        auth: rg?.AuthTokenEnabled,
      },
      {
        engine: expected.cache.engine,
        nodeType: expected.cache.nodeType,
        clusterMode: expected.cache.clusterMode,
        nodeGroups: expected.cache.nodeGroups,
        nodes: expected.cache.nodeCount,
        failover: expected.cache.automaticFailover,
        transit: expected.cache.transitEncryption,
        atRest: expected.cache.atRestEncryption,
        auth: expected.cache.authToken,
      },
    );
    const endpointPort = rg?.ConfigurationEndpoint?.Port ?? rg?.NodeGroups?.[0]?.PrimaryEndpoint?.Port;
    checks.equal('cache port', endpointPort, expected.cache.port);
  });

  await checks.group('secrets', async () => {
    const all = ofType('AWS::SecretsManager::Secret');
    checks.that(
      'secrets exist',
      all.length >= 2,
      `${all.length} secrets (database credentials and cache AUTH token)`,
    );
    for (const s of all) {
      const secret = await secrets.send(new DescribeSecretCommand({ SecretId: s.physicalId }));
      checks.that(`secret ${s.logicalId}`, Boolean(secret.ARN), String(secret.Name));
    }
  });

  await checks.group('alarms', async () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    const names = alarms.map((a) => a.physicalId);
    const found: MetricAlarm[] = [];
    for (let i = 0; i < names.length; i += 100) {
      const { MetricAlarms } = await cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }),
      );
      found.push(...(MetricAlarms ?? []));
    }
    checks.equal('alarm count', found.length, alarms.length);
    // Every alarm deployed with the threshold the config produced (the template was synthesized from it).
    for (const a of alarms) {
      const live = found.find((f) => f.AlarmName === a.physicalId);
      const props = a.template.Properties ?? {};
      checks.equal(
        `alarm ${a.path.replace(`${STACK}/`, '') || a.logicalId}`,
        { threshold: live?.Threshold, operator: live?.ComparisonOperator, periods: live?.EvaluationPeriods },
        { threshold: props.Threshold, operator: props.ComparisonOperator, periods: props.EvaluationPeriods },
      );
    }
    const cpuAlarm = (op: string, threshold: number) =>
      found.some(
        (f) =>
          f.Namespace === 'AWS/ECS' &&
          f.MetricName === 'CPUUtilization' &&
          f.ComparisonOperator === op &&
          f.Threshold === threshold,
      );
    checks.that(
      'scale-out alarm',
      cpuAlarm('GreaterThanOrEqualToThreshold', expected.service.scaleOutCpuPercent),
      `CPU >= ${expected.service.scaleOutCpuPercent}%`,
    );
    checks.that(
      'scale-in alarm',
      cpuAlarm('LessThanOrEqualToThreshold', expected.service.scaleInCpuPercent),
      `CPU <= ${expected.service.scaleInCpuPercent}%`,
    );
  });

  await checks.group('advisor', async () => {
    const fn = one('AWS::Lambda::Function', (d) => /advisor/i.test(d.path || d.logicalId));
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: fn.physicalId }));
    checks.that(
      'advisor function',
      Configuration?.State === 'Active',
      `${Configuration?.FunctionName} ${Configuration?.State}`,
    );
    const schedules = deployed.filter(
      (d) =>
        (d.template.Type === 'AWS::Events::Rule' || d.template.Type === 'AWS::Scheduler::Schedule') &&
        d.template.Properties?.ScheduleExpression !== undefined,
    );
    checks.that(
      'advisor schedule',
      schedules.some(
        (s) =>
          s.template.Properties?.ScheduleExpression === expected.advisor.scheduleExpression &&
          /_COMPLETE$/.test(s.status),
      ),
      schedules.map((s) => `${String(s.template.Properties?.ScheduleExpression)} ${s.status}`).join(', ') ||
        'no schedule',
    );
    // One real invocation with the event a schedule delivers.
    const event = {
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: new Date().toISOString(),
      detail: {},
    };
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: fn.physicalId, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    checks.that(
      'advisor invocation',
      result.StatusCode === 200 && !result.FunctionError,
      `status ${result.StatusCode}${result.FunctionError ? ` ${result.FunctionError}` : ''}: ${payload.slice(0, 500)}`,
    );
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
