import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { QUERY_ADVISOR_FUNCTION_ENV } from '../lambda/scaling-advisor/index';
import { ADVISOR_TARGETS_ENV, parseTargets } from '../lambda/scaling-advisor/targets';
import { PRESETS } from '../lib/config/presets';
import { Network } from '../lib/network';
import { Observability } from '../lib/observability';
import { ScalingAdvisor } from '../lib/scaling-advisor';
import { Service } from '../lib/service';
import { importedDatabase, presets, resourcesOf, stackName } from './helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run by the global setup
const { templates } = presets();
const ENVS = ['dev', 'prod'] as const;
type Env = (typeof ENVS)[number];
type Props = Record<string, unknown>;

function only(t: Template, type: string, prefix: string): [string, Props] {
  const found = resourcesOf(t, type).filter(([id]) => id.startsWith(prefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return [found[0][0], found[0][1].Properties as Props];
}
const advisorFunction = (env: Env) => only(templates[env], 'AWS::Lambda::Function', 'ScalingAdvisorFunction');
const queryAdvisorId = (env: Env) => only(templates[env], 'AWS::Lambda::Function', 'QueryAdvisorFunction')[0];
const topicId = (env: Env) => only(templates[env], 'AWS::SNS::Topic', 'ObservabilityAlarmTopic')[0];
const keyId = (env: Env) => only(templates[env], 'AWS::KMS::Key', 'ObservabilityTopicKey')[0];

/**
 * Render an `Fn::Join` the way CloudFormation would, with a stand-in for each reference: the topic's
 * ARN (which the function validates as an SNS ARN) or `<LogicalId>` for anything else.
 */
function render(t: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  const [sep, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const types = t.toJSON().Resources as Record<string, { Type: string }>;
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const ref = (p as { Ref?: string }).Ref ?? (p as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
      return types[ref]?.Type === 'AWS::SNS::Topic'
        ? `arn:aws:sns:eu-west-1:123456789012:${ref}`
        : `<${ref}>`;
    })
    .join(sep);
}

describe('the advisor function', () => {
  test.each(ENVS)('%s: Node.js 24 on ARM64, handler index.handler, no reserved concurrency', (env) => {
    const [, fn] = advisorFunction(env);
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
    });
    // Any reservation fails to create in accounts whose concurrency limit is 10 (Lambda keeps 10
    // unreserved); overlapping runs are harmless instead (handler tests).
    expect(fn).not.toHaveProperty('ReservedConcurrentExecutions');
    // Timeout sized for the GetMetricData pages of a 60-minute window (one page here) plus retries
    // (40 s) plus 20 s for the query advisor's findings on a database verdict
    expect(fn.Timeout).toBe(60);
  });

  test.each(ENVS)('%s: failed scheduled runs are not retried (the next run replaces them)', (env) => {
    const [fnId] = advisorFunction(env);
    templates[env].hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: PRESETS[env].observability.advisorScheduleMinutes * 60,
    });
  });

  test.each(ENVS)('%s: logs to its own log group with the environment’s retention', (env) => {
    const [logsId, logs] = only(templates[env], 'AWS::Logs::LogGroup', 'ScalingAdvisorLogs');
    expect(logs.RetentionInDays).toBe(PRESETS[env].service.logRetentionDays);
    expect(advisorFunction(env)[1].LoggingConfig).toEqual({ LogGroup: { Ref: logsId } });
  });

  test.each(ENVS)('%s: runs every advisorScheduleMinutes on an EventBridge schedule', (env) => {
    const [fnId] = advisorFunction(env);
    const [, rule] = only(templates[env], 'AWS::Events::Rule', 'ScalingAdvisorSchedule');
    expect(rule).toMatchObject({
      ScheduleExpression: `rate(${PRESETS[env].observability.advisorScheduleMinutes} minutes)`,
      State: 'ENABLED',
      Targets: [
        { Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
        // The query advisor runs on the same schedule.
        { Arn: { 'Fn::GetAtt': [queryAdvisorId(env), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
      ],
    });
    templates[env].hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('least privilege', () => {
  test.each(ENVS)('%s: its own role, no managed policies, exactly these statements', (env) => {
    const [roleId, role] = only(templates[env], 'AWS::IAM::Role', 'ScalingAdvisorRole');
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(advisorFunction(env)[1].Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });

    const policies = resourcesOf(templates[env], 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties!.Roles).includes(roleId),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0][1].Properties!.PolicyDocument as { Statement: Props[] }).Statement;
    const logsId = only(templates[env], 'AWS::Logs::LogGroup', 'ScalingAdvisorLogs')[0];
    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logsId, 'Arn'] },
      },
      // The API has no resource-level permissions (acknowledged AwsSolutions-IAM5)
      { Sid: 'ReadMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
      // PutMetricData only into the advisor's namespace
      {
        Sid: 'PublishOwnMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'ScalableBackend/Advisor' } },
      },
      // Publish only to the alarm topic, and use only that topic's key
      {
        Sid: 'NotifyVerdictChanges',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: { Ref: topicId(env) },
      },
      {
        Sid: 'EncryptForTheTopic',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId(env), 'Arn'] },
      },
      {
        // In the private subnets (governed accounts require functions in a VPC): its network
        // interfaces, actions without resource-level permissions.
        Sid: 'VpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
      {
        // For a database verdict: the query advisor's findings go into the notification.
        Sid: 'InvokeTheQueryAdvisor',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [queryAdvisorId(env), 'Arn'] },
      },
    ]);
  });
});

describe('ADVISOR_TARGETS: the contract with the function', () => {
  test.each(ENVS)('%s: the environment variable is JSON the function’s own validator accepts', (env) => {
    const [, fn] = advisorFunction(env);
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual([
      ADVISOR_TARGETS_ENV,
      'NODE_OPTIONS',
      QUERY_ADVISOR_FUNCTION_ENV,
    ]);
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(variables[QUERY_ADVISOR_FUNCTION_ENV]).toEqual({ Ref: queryAdvisorId(env) });

    // WHEN the JSON is rendered with stand-ins for the references and validated as the function does
    const targets = parseTargets(JSON.parse(render(templates[env], variables[ADVISOR_TARGETS_ENV])), 'test');

    // THEN it names every resource of this stack and carries the config's numbers
    const c = PRESETS[env];
    const o = c.observability;
    const ref = (type: string, prefix = '') => {
      const ids = resourcesOf(templates[env], type)
        .map(([id]) => id)
        .filter((id) => id.startsWith(prefix));
      expect(ids).toHaveLength(1);
      return `<${ids[0]}>`;
    };
    expect(targets).toEqual({
      stackName: stackName(env),
      namespace: 'ScalableBackend/Advisor',
      windowMinutes: o.advisorWindowMinutes,
      loadBalancerFullName: ref('AWS::ElasticLoadBalancingV2::LoadBalancer'),
      targetGroupFullName: ref('AWS::ElasticLoadBalancingV2::TargetGroup', 'ServiceTargetGroup'),
      // prod releases with canary: host counts are summed over both target groups; dev is rolling
      ...(c.service.deployment.strategy === 'rolling'
        ? {}
        : {
            alternateTargetGroupFullName: ref(
              'AWS::ElasticLoadBalancingV2::TargetGroup',
              'ServiceReleaseAlternateTargetGroup',
            ),
          }),
      clusterName: ref('AWS::ECS::Cluster'),
      serviceName: ref('AWS::ECS::Service'),
      minTasks: c.service.minTasks,
      maxTasks: c.service.maxTasks,
      dbInstanceId: ref('AWS::RDS::DBInstance', 'DatabasePrimary'),
      replicaInstanceIds: Array.from({ length: c.database.readReplicas }, (_, i) =>
        expect.stringMatching(new RegExp(`^<DatabaseReplica${i + 1}`)),
      ),
      proxyName: ref('AWS::RDS::DBProxy'),
      cacheReplicationGroupId: `scalablebackend-${env}`,
      cacheClusterIds: Array.from(
        { length: c.cache.replicas + 1 },
        (_, i) => `scalablebackend-${env}-00${i + 1}`,
      ),
      topicArn: `arn:aws:sns:eu-west-1:123456789012:${topicId(env)}`,
      // With WAF (prod), the web ACL whose blocked requests are not app load.
      ...(c.service.waf.enabled ? { webAcl: { metricName: stackName(env), region: '<AWS::Region>' } } : {}),
      thresholds: {
        p95ResponseTimeSeconds: o.p95ResponseTimeSeconds,
        errorRatePercent: o.errorRatePercent,
        errorRateMinRequestsPerMinute: o.errorRateMinRequestsPerMinute,
        serviceCpuPercent: o.serviceCpuPercent,
        serviceMemoryPercent: o.serviceMemoryPercent,
        scaleOutCpuPercent: c.service.scaling.scaleOutCpuPercent,
        scaleInCpuPercent: c.service.scaling.scaleInCpuPercent,
        dbCpuPercent: o.dbCpuPercent,
        dbFreeableMemoryMiB: o.dbFreeableMemoryMiB,
        dbConnectionsPercent: o.dbConnectionsPercent,
        dbLatencyMs: o.dbLatencyMs,
        replicaLagSeconds: o.replicaLagSeconds,
        cacheCpuPercent: o.cacheCpuPercent,
        cacheMemoryPercent: o.cacheMemoryPercent,
        cacheEvictionsPerMinute: o.cacheEvictionsPerMinute,
        cacheHitRatePercent: o.cacheHitRatePercent,
        cacheHitRateMinLookupsPerMinute: o.cacheHitRateMinLookupsPerMinute,
        cacheReplicationLagSeconds: o.cacheReplicationLagSeconds,
      },
    });
  });

  test.each(ENVS)('%s: stack outputs AdvisorTargets (the same JSON) and AdvisorFunctionName', (env) => {
    const [fnId, fn] = advisorFunction(env);
    const outputs = templates[env].toJSON().Outputs as Record<string, { Value: unknown }>;
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(outputs.AdvisorTargets.Value).toEqual(variables[ADVISOR_TARGETS_ENV]);
    expect(outputs.AdvisorFunctionName.Value).toEqual({ Ref: fnId });
  });
});

describe('the advisor addresses RDS and ElastiCache by the names CloudWatch stores', () => {
  test.each(ENVS)(
    '%s: the proxy, DB instance and cache node names in its targets resolve to lower case',
    (env) => {
      // GIVEN the AdvisorTargets output, with every Ref to a named RDS resource replaced by the name
      // the resource is created with (RDS stores these names in lower case; Ref returns them as given)
      const t = templates[env].toJSON();
      const resources = t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const nameProperty: Record<string, string> = {
        'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
        'AWS::RDS::DBProxy': 'DBProxyName',
      };
      const [, parts] = (t.Outputs.AdvisorTargets.Value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      const text = parts
        .map((p) => {
          if (typeof p === 'string') return p;
          const ref = (p as { Ref?: string }).Ref;
          const property = ref ? nameProperty[resources[ref]?.Type] : undefined;
          return property ? (resources[ref!].Properties[property] as string) : 'TOKEN';
        })
        .join('');
      const targets = JSON.parse(text) as Record<string, unknown>;
      // THEN every name the advisor puts in a dimension is a lower-case literal
      const names = [
        targets.proxyName,
        targets.dbInstanceId,
        ...(targets.replicaInstanceIds as string[]),
        ...(targets.cacheClusterIds as string[]),
        targets.cacheReplicationGroupId,
      ];
      expect(names.length).toBeGreaterThanOrEqual(5);
      for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(targets.proxyName).toBe(`scalablebackend-${env}-proxy`);
    },
  );
});

describe('ScalingAdvisor on its own (construct-level synth, bundling skipped)', () => {
  // GIVEN the dev network and service, imported database handles and a cluster-mode cache of
  // `nodes` nodes, with the advisor reading a day every day
  function build(nodes: number) {
    // The CloudFormation validator (seconds per synth) runs on the presets in nag.test.ts.
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(app, 'Standalone');
    const dev = PRESETS.dev;
    const network = new Network(stack, 'Network', { config: dev.network });
    const service = new Service(stack, 'Service', { vpc: network.vpc, config: dev.service });
    const database = importedDatabase(stack);
    const cache = {
      replicationGroupId: 'cache',
      memberClusterIds: Array.from(
        { length: nodes },
        (_, i) => `cache-${String(i + 1).padStart(4, '0')}-001`,
      ),
    };
    const config = { ...dev.observability, advisorScheduleMinutes: 1440, advisorWindowMinutes: 1440 };
    const observability = new Observability(stack, 'Observability', {
      envName: 'standalone',
      config,
      service,
      database,
      cache,
      limits: {
        minTasks: 1,
        maxTasks: 4,
        dbInstanceClass: 't4g.micro',
        proxyMaxConnectionsPercent: 90,
        cacheReplicas: 0,
      },
    });
    new ScalingAdvisor(stack, 'ScalingAdvisor', {
      config,
      serviceConfig: dev.service,
      service,
      database,
      cache,
      observability,
      logRetentionDays: 7,
    });
    return Template.fromStack(stack);
  }

  test('a daily schedule: events older than Lambda’s 6-hour maximum are dropped, the timeout covers two pages', () => {
    const template = build(12);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 6 * 3600 });
    // 97 queries x 1440 minutes = 139,680 datapoints = 2 GetMetricData pages of 100,800
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30 + 10 * 2 });
  });

  test('targets too large for Lambda’s 4 KB environment fail the synth with the reason', () => {
    expect(() => build(250)).toThrow(/250 cache nodes.*over Lambda's 4096-byte limit/s);
  });
});
