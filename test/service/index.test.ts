import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { deepMerge, validateEnvironment } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { Network } from '../../lib/network';
import { Service } from '../../lib/service';
import { constructTestApp, findings, presets, resourcesOf, stackName, variant } from '../helpers';
import { TEST_CERTIFICATE_ARN, TEST_ECR_IMAGE } from '../variants';

const CERT = TEST_CERTIFICATE_ARN;

// GIVEN each preset, plus dev with a certificate and every service knob away from its default
// (test/variants.ts), each synthesized once per run
const { templates } = presets();
const custom = variant('serviceCustom').templates.dev;

function scalingAlarm(t: Template, comparison: string) {
  const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(
    ([id, r]) => id.includes('CpuScale') && r.Properties!.ComparisonOperator === comparison,
  );
  expect(alarms).toHaveLength(1);
  return alarms[0][1].Properties!;
}

describe('cluster and task definition', () => {
  test('Container Insights is enabled on the cluster', () => {
    templates.dev.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test.each([
    ['dev', '256', '512'],
    ['prod', '1024', '2048'],
  ])('%s: Fargate task on ARM64 with CPU %s and memory %s', (env, cpu, memory) => {
    templates[env].hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: cpu,
      Memory: memory,
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  test('the architecture is configurable', () => {
    custom.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
  });

  test('the container runs the configured image on the configured port and logs to CloudWatch', () => {
    templates.dev.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Image: 'public.ecr.aws/nginx/nginx-unprivileged:stable',
          PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ]),
    });
  });

  test('a private ECR image: the execution role may pull exactly that repository, and authenticate', () => {
    // GIVEN dev with service.image in another account's ECR registry (serviceCustom)
    const [, policy] = resourcesOf(custom, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('ServiceTaskDefinitionExecutionRoleDefaultPolicy'),
    )[0];
    const statements = (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    // THEN the pull is scoped to the one repository; GetAuthorizationToken has no resource-level
    // permissions, so it is the only action on "*"
    expect(statements.filter((st) => JSON.stringify(st.Action).includes('ecr:'))).toEqual([
      {
        Sid: 'PullTheAppImage',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: 'arn:aws:ecr:eu-west-1:210987654321:repository/team/app',
      },
      { Sid: 'AuthenticateToEcr', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
    custom.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Image: TEST_ECR_IMAGE })]),
    });
  });

  test('AND that variant is free of cdk-nag and CloudFormation findings (the "*" is acknowledged with its reason)', () => {
    expect(findings(variant('serviceCustom').validationReport)).toEqual([]);
  });

  test.each(['dev', 'prod'])('%s: a public image gets no ECR permissions at all', (env) => {
    const policies = JSON.stringify(resourcesOf(templates[env], 'AWS::IAM::Policy'));
    expect(policies).not.toContain('ecr:');
  });

  test('a private non-ECR registry: the container reads its credentials from the configured secret', () => {
    // GIVEN an image on another registry and service.imageCredentialsSecretArn
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf';
    const config = validateEnvironment(
      'dev',
      deepMerge(
        PRESETS.dev as never,
        {
          service: { image: 'registry.example.com/team/app:1.0', imageCredentialsSecretArn: secretArn },
        } as never,
      ),
    );
    const stack = new Stack(constructTestApp(), stackName('dev'));
    const network = new Network(stack, 'Network', { config: config.network });
    new Service(stack, 'Service', { vpc: network.vpc, config: config.service });
    const t = Template.fromStack(stack);
    // THEN the task definition names the secret and the execution role may read it
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: 'registry.example.com/team/app:1.0',
          RepositoryCredentials: { CredentialsParameter: secretArn },
        }),
      ],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: secretArn,
          }),
        ]),
      },
    });
    expect(JSON.stringify(t.toJSON())).not.toContain('ecr:');
  });

  test.each([
    ['dev', 30],
    ['prod', 365],
  ])(
    '%s: the container log group keeps logs %i days and survives stack deletion (not a failed first create)',
    (env, days) => {
      const groups = resourcesOf(templates[env], 'AWS::Logs::LogGroup').filter(([id]) =>
        id.startsWith('ServiceLogs'),
      );
      expect(groups).toHaveLength(1);
      expect(groups[0][1].Properties!.RetentionInDays).toBe(days);
      // Kept when the stack goes, but not after a failed first create (a retry starts clean).
      expect(groups[0][1].DeletionPolicy).toBe('RetainExceptOnCreate');
    },
  );
});

describe('service deployment', () => {
  test('rolling (dev): circuit breaker with rollback, min healthy 100%, max 200%, private subnets, no public IP', () => {
    templates.dev.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          AssignPublicIp: 'DISABLED',
          Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('NetworkVpcPrivateSubnet1') }]),
        }),
      },
    });
  });

  test('a deploy never resets the autoscaled task count: no DesiredCount on the service', () => {
    for (const t of Object.values(templates)) {
      const [[, service]] = resourcesOf(t, 'AWS::ECS::Service');
      expect(service.Properties).not.toHaveProperty('DesiredCount');
    }
  });

  test('availability-zone rebalancing is on, so tasks return to a zone after its outage', () => {
    // WHEN each preset is synthesized
    for (const t of Object.values(templates)) {
      // THEN the service sets it explicitly (ECS keeps an existing service's old setting otherwise)
      t.hasResourceProperties('AWS::ECS::Service', { AvailabilityZoneRebalancing: 'ENABLED' });
    }
  });

  test('ECS Exec is off by default and on by config', () => {
    templates.dev.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: false });
    custom.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
  });
});

describe('load balancer', () => {
  test('internet-facing ALB in the public subnets that drops invalid header fields and logs access', () => {
    const [[, alb]] = resourcesOf(templates.dev, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties!.Scheme).toBe('internet-facing');
    expect(JSON.stringify(alb.Properties!.Subnets)).toMatch(/NetworkVpcPublicSubnet/);
    const attrs = Object.fromEntries(
      (alb.Properties!.LoadBalancerAttributes as { Key: string; Value: unknown }[]).map((a) => [
        a.Key,
        a.Value,
      ]),
    );
    expect(attrs['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
    expect(attrs['access_logs.s3.enabled']).toBe('true');
    expect(attrs['access_logs.s3.prefix']).toBe('alb');
  });

  test('access logs go to an encrypted, TLS-only, private bucket that expires them', () => {
    templates.prod.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    templates.prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: Match.objectLike({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }),
          }),
        ]),
      },
    });
  });

  test('target group: IP targets on the container port, health check and deregistration delay from config', () => {
    templates.dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: '200-399' },
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        { Key: 'load_balancing.algorithm.type', Value: 'round_robin' },
      ]),
    });
  });

  test('the routing algorithm is configurable', () => {
    custom.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
      ]),
    });
  });

  test('without a certificate: one HTTP listener that forwards to the service', () => {
    const listeners = resourcesOf(templates.dev, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners).toHaveLength(1);
    expect(listeners[0][1].Properties).toMatchObject({
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward' }],
    });
  });

  test('with a certificate: HTTPS with a TLS 1.3 + 1.2 policy, and HTTP redirects to HTTPS', () => {
    const listeners = resourcesOf(custom, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, r]) => r.Properties!,
    );
    expect(listeners).toHaveLength(2);
    const https = listeners.find((l) => l.Port === 443)!;
    expect(https).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward' }],
    });
    expect(https.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    const http = listeners.find((l) => l.Port === 80)!;
    expect(http).toMatchObject({
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
  });
  test('adopting HTTPS keeps the one port-80 listener (same logical id), only its default action changes', () => {
    // GIVEN dev without and with a certificate
    const port80 = (template: Template) =>
      resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener')
        .filter(([, r]) => r.Properties!.Port === 80)
        .map(([id]) => id);
    // THEN both have exactly one port-80 listener, under the same logical id: CloudFormation updates
    // it in place instead of creating a second listener on port 80 next to the old one
    expect(port80(templates.dev)).toHaveLength(1);
    expect(port80(custom)).toEqual(port80(templates.dev));
  });
});

describe('TLS policy of the HTTPS listener', () => {
  /** GIVEN dev with a certificate and a minimum TLS version, WHEN only network and service are built. */
  function sslPolicy(minimumTlsVersion: '1.2' | '1.3'): unknown {
    const config = validateEnvironment(
      'dev',
      deepMerge(PRESETS.dev as never, { service: { certificateArn: CERT, minimumTlsVersion } } as never),
    );
    const stack = new Stack(constructTestApp(), stackName('dev'));
    const network = new Network(stack, 'Network', { config: config.network });
    new Service(stack, 'Service', { vpc: network.vpc, config: config.service });
    const template = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
    return resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener')
      .map(([, r]) => r.Properties!)
      .find((l) => l.Port === 443)!.SslPolicy;
  }

  test('GIVEN minimumTlsVersion 1.2 (the default) THEN the TLS 1.3 + 1.2 policy', () => {
    expect(PRESETS.prod.service.minimumTlsVersion).toBe('1.2');
    expect(sslPolicy('1.2')).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  test('GIVEN minimumTlsVersion 1.3 THEN the TLS 1.3-only policy', () => {
    expect(sslPolicy('1.3')).toBe('ELBSecurityPolicy-TLS13-1-3-2021-06');
  });
});

describe('security groups', () => {
  function groups(t: Template) {
    const all = resourcesOf(t, 'AWS::EC2::SecurityGroup');
    const alb = all.find(([id]) => id.startsWith('ServiceLoadBalancerSecurityGroup'))!;
    const svc = all.find(([id]) => id.startsWith('ServiceServiceSecurityGroup'))!;
    return { alb, svc };
  }

  test('the ALB accepts HTTP from anywhere and sends only to the tasks on the container port', () => {
    const t = templates.dev;
    const { alb, svc } = groups(t);
    expect(alb[1].Properties!.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 }),
    ]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [alb[0], 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [svc[0], 'GroupId'] },
      FromPort: 8080,
      ToPort: 8080,
    });
  });

  test('with a certificate the ALB accepts 443 and 80 (for the redirect)', () => {
    const { alb } = groups(custom);
    const ports = (alb[1].Properties!.SecurityGroupIngress as { FromPort: number }[])
      .map((r) => r.FromPort)
      .sort();
    expect(ports).toEqual([443, 80].sort());
  });

  test('tasks accept traffic only from the ALB security group, on the container port', () => {
    const t = templates.prod;
    const { alb, svc } = groups(t);
    expect(svc[1].Properties!.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, r]) =>
        JSON.stringify(r.Properties!.GroupId) === JSON.stringify({ 'Fn::GetAtt': [svc[0], 'GroupId'] }),
    );
    expect(ingress.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [alb[0], 'GroupId'] },
      }),
    ]);
  });
});

describe('CPU step autoscaling', () => {
  test.each([
    ['dev', 1, 4],
    ['prod', 2, 20],
  ])('%s: between %i and %i tasks', (env, min, max) => {
    templates[env].hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: min,
      MaxCapacity: max,
      ScalableDimension: 'ecs:service:DesiredCount',
      ServiceNamespace: 'ecs',
    });
  });

  test.each(['dev', 'prod'])(
    '%s: graduated scale-out: +1 task from 70 %%, +25 %% from 85 %%, +50 %% from 95 %%, whole tasks at least',
    (env) => {
      // THEN one policy, PercentChangeInCapacity (one adjustment type per policy), bounds relative to
      // the 70 % alarm; 1 % with MinAdjustmentMagnitude 1 is exactly one task below 100 tasks
      const out = resourcesOf(templates[env], 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([id]) =>
        id.includes('CpuScaleOut'),
      );
      expect(out).toHaveLength(1);
      expect(out[0][1].Properties!.StepScalingPolicyConfiguration).toEqual({
        AdjustmentType: 'PercentChangeInCapacity',
        MinAdjustmentMagnitude: 1,
        Cooldown: 60,
        MetricAggregationType: 'Average',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 15, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 15, MetricIntervalUpperBound: 25, ScalingAdjustment: 25 },
          { MetricIntervalLowerBound: 25, ScalingAdjustment: 50 },
        ],
      });
    },
  );

  test('scale out: at or above 70% average CPU over 1-minute periods, 2 of 2 (decides within ~2 minutes)', () => {
    const alarm = scalingAlarm(templates.prod, 'GreaterThanOrEqualToThreshold');
    expect(alarm).toMatchObject({
      Threshold: 70,
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/ECS',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
  });

  test('scale in: at or below 30% for 15 of 15 one-minute periods (no flapping), -1 task, 5-minute cooldown', () => {
    const alarm = scalingAlarm(templates.prod, 'LessThanOrEqualToThreshold');
    expect(alarm).toMatchObject({
      Threshold: 30,
      MetricName: 'CPUUtilization',
      Period: 60,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    });
    templates.prod.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 300,
        MetricAggregationType: 'Average',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      },
    });
  });

  test('exactly two scaling policies and two scaling alarms', () => {
    templates.dev.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    expect(
      resourcesOf(templates.dev, 'AWS::CloudWatch::Alarm').filter(([id]) => id.includes('CpuScale')),
    ).toHaveLength(2);
  });

  test('thresholds, steps and windows come from config', () => {
    expect(scalingAlarm(custom, 'GreaterThanOrEqualToThreshold')).toMatchObject({ Threshold: 80 });
    expect(scalingAlarm(custom, 'LessThanOrEqualToThreshold')).toMatchObject({
      Threshold: 20,
      EvaluationPeriods: 12,
      DatapointsToAlarm: 10,
    });
    // tasks-only steps render as ChangeInCapacity, exact, without a minimum magnitude
    custom.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 60,
        MetricAggregationType: 'Average',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 3 },
          { MetricIntervalLowerBound: 10, ScalingAdjustment: 5 },
        ],
      },
    });
    custom.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -2 }],
      }),
    });
  });
});
