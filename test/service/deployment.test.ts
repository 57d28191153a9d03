import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  RELEASE_TEST_HEADER,
  PRODUCTION_RULE_PRIORITY,
  TEST_RULE_PRIORITY,
} from '../../lib/service/deployment';
import { findings, presets, resourcesOf, variant } from '../helpers';

// GIVEN the presets (dev rolling, prod canary) and the other strategies (test/variants.ts:
// serviceCustom is dev linear on HTTPS without a domain, prodDomain is prod blue/green on its own
// domain), each synthesized once per run
const { templates } = presets();
const custom = variant('serviceCustom');
const onDomain = variant('prodDomain');
const linearDev = custom.templates.dev;
const blueGreenProd = onDomain.templates.prod;

const RELEASE_ALARMS = ['ErrorRate', 'ResponseTimeP95', 'UnhealthyTargets'];

function deploymentConfiguration(t: Template): Record<string, unknown> {
  const [[, service]] = resourcesOf(t, 'AWS::ECS::Service');
  return (service.Properties as { DeploymentConfiguration: Record<string, unknown> }).DeploymentConfiguration;
}

function listenerRules(t: Template) {
  return resourcesOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').map(
    ([, r]) => r.Properties as never,
  ) as {
    Priority: number;
    ListenerArn: { Ref: string };
    Conditions: { Field: string; HttpHeaderConfig?: { HttpHeaderName: string; Values: unknown[] } }[];
    Actions: {
      Type: string;
      ForwardConfig: { TargetGroups: { TargetGroupArn: { Ref: string }; Weight: number }[] };
    }[];
  }[];
}

function smokeTestSettings(t: Template): Record<string, unknown> {
  const fns = resourcesOf(t, 'AWS::Lambda::Function').filter(([id]) =>
    id.startsWith('ReleaseGuardSmokeTest'),
  );
  expect(fns).toHaveLength(1);
  const raw = (fns[0][1].Properties as { Environment: { Variables: { SMOKE_TEST: unknown } } }).Environment
    .Variables.SMOKE_TEST;
  // toJsonString renders an Fn::Join whose tokens sit inside JSON strings: name them TOKEN.
  const parts = (raw as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

describe('strategy per environment', () => {
  test('dev (rolling): circuit breaker, no strategy, one target group, no release rules or hook', () => {
    const d = deploymentConfiguration(templates.dev);
    expect(d.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(d).not.toHaveProperty('Strategy');
    expect(d).not.toHaveProperty('LifecycleHooks');
    templates.dev.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    templates.dev.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
  });

  test('prod (canary): 10 % for 10 minutes, 10 minutes bake, no circuit breaker (rolling only)', () => {
    const d = deploymentConfiguration(templates.prod);
    expect(d).toMatchObject({
      Strategy: 'CANARY',
      CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 10 },
      BakeTimeInMinutes: 10,
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
    expect(d).not.toHaveProperty('DeploymentCircuitBreaker');
    expect(d).not.toHaveProperty('LinearConfiguration');
  });

  test('dev linear: 20 % every 3 minutes', () => {
    expect(deploymentConfiguration(linearDev)).toMatchObject({
      Strategy: 'LINEAR',
      LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 3 },
      BakeTimeInMinutes: 10,
    });
  });

  test('prod blue/green: all at once, the configured 30 minutes bake', () => {
    const d = deploymentConfiguration(blueGreenProd);
    expect(d).toMatchObject({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 30 });
    expect(d).not.toHaveProperty('CanaryConfiguration');
  });

  test('cdk-nag, the CloudFormation validator and the rule pack stay clean for every strategy', () => {
    expect(findings(custom.validationReport)).toEqual([]);
    expect(findings(onDomain.validationReport)).toEqual([]);
  });
});

describe.each([
  ['prod canary on HTTP', templates.prod, 'ServiceLoadBalancerHttp'],
  ['dev linear on HTTPS', linearDev, 'ServiceLoadBalancerHttps'],
  ['prod blue/green on its domain (HTTPS)', blueGreenProd, 'ServiceLoadBalancerHttps'],
])('%s: traffic shifting', (_name, t, servingListener) => {
  test('a second target group with the same port and health check as the first', () => {
    const groups = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([, r]) => r.Properties!);
    expect(groups).toHaveLength(2);
    const pick = ({ Port, Protocol, TargetType, HealthCheckPath, Matcher }: Record<string, unknown>) => ({
      Port,
      Protocol,
      TargetType,
      HealthCheckPath,
      Matcher,
    });
    expect(pick(groups[1])).toEqual(pick(groups[0]));
  });

  test('the production rule (every path) and the header-only test rule live on the serving listener and forward to both groups, 100/0', () => {
    const rules = listenerRules(t);
    expect(rules.map((r) => r.Priority).sort((a, b) => a - b)).toEqual([
      TEST_RULE_PRIORITY,
      PRODUCTION_RULE_PRIORITY,
    ]);
    for (const rule of rules) {
      expect(rule.ListenerArn.Ref).toMatch(new RegExp(`^${servingListener}[0-9A-F]{8}$`));
      expect(rule.Actions).toHaveLength(1);
      expect(rule.Actions[0].Type).toBe('forward');
      expect(rule.Actions[0].ForwardConfig.TargetGroups.map((g) => g.Weight)).toEqual([100, 0]);
    }
    const test = rules.find((r) => r.Priority === TEST_RULE_PRIORITY)!;
    expect(test.Conditions).toEqual([
      {
        Field: 'http-header',
        HttpHeaderConfig: {
          HttpHeaderName: RELEASE_TEST_HEADER,
          // the stack's own UUID: unknown outside the account
          Values: [{ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }],
        },
      },
    ]);
    const production = rules.find((r) => r.Priority === PRODUCTION_RULE_PRIORITY)!;
    expect(production.Conditions).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }]);
  });

  test('the service names the alternate group, both rules and the role ECS shifts traffic with', () => {
    t.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [
        Match.objectLike({
          TargetGroupArn: { Ref: Match.stringLikeRegexp('^ServiceTargetGroup') },
          AdvancedConfiguration: {
            AlternateTargetGroupArn: { Ref: Match.stringLikeRegexp('^ServiceReleaseAlternateTargetGroup') },
            ProductionListenerRule: { Ref: Match.stringLikeRegexp('^ServiceReleaseProductionRule') },
            TestListenerRule: { Ref: Match.stringLikeRegexp('^ServiceReleaseTestRule') },
            RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServiceTrafficShiftRole'), 'Arn'] },
          },
        }),
      ],
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers',
            ],
          ],
        },
      ],
    });
  });

  test('the smoke test runs after test traffic shifts, through a role that may invoke only that function', () => {
    const d = deploymentConfiguration(t) as { LifecycleHooks: Record<string, unknown>[] };
    expect(d.LifecycleHooks).toEqual([
      {
        HookTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseGuardSmokeTest[0-9A-F]{8}$/), 'Arn'] },
        LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseGuardSmokeTestInvokeRole/), 'Arn'] },
      },
    ]);
    const invokePolicies = resourcesOf(t, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('ReleaseGuardSmokeTestInvokeRole'),
    );
    expect(invokePolicies).toHaveLength(1);
    expect(invokePolicies[0][1].Properties!.PolicyDocument).toEqual({
      Statement: [
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseGuardSmokeTest[0-9A-F]{8}$/), 'Arn'] },
        },
      ],
      Version: '2012-10-17',
    });
  });

  test('ECS rolls back on the six release alarms (three per target group)', () => {
    const d = deploymentConfiguration(t) as {
      Alarms: { AlarmNames: string[]; Enable: boolean; Rollback: boolean };
    };
    expect(d.Alarms.Enable).toBe(true);
    expect(d.Alarms.Rollback).toBe(true);
    const stack = d.Alarms.AlarmNames[0].split('-Release')[0];
    expect(d.Alarms.AlarmNames).toEqual(
      ['Primary', 'Alternate'].flatMap((g) => RELEASE_ALARMS.map((a) => `${stack}-Release${g}${a}`)),
    );
    const names = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!.AlarmName);
    for (const name of d.Alarms.AlarmNames) expect(names).toContain(name);
  });
});

describe('smoke test settings', () => {
  test('prod on HTTP: the load balancer over http, the configured path, status and time limit', () => {
    const s = smokeTestSettings(templates.prod);
    expect(s).toMatchObject({
      headerName: 'X-Release-Test',
      paths: ['/'],
      expectedStatus: '200-399',
      maxResponseMs: 2000,
      verifyHostname: true,
    });
    expect(s.baseUrl).toMatch(/^http:\/\//);
  });

  test('on its own domain: https to the domain, whose name the certificate holds', () => {
    const s = smokeTestSettings(blueGreenProd);
    expect(s.baseUrl).toBe('https://api.example.com');
    expect(s.verifyHostname).toBe(true);
  });

  test('with a certificate ARN and no domain: https to the load balancer name, chain checked, host name not', () => {
    const s = smokeTestSettings(linearDev);
    expect(s.baseUrl).toMatch(/^https:\/\//);
    expect(s.verifyHostname).toBe(false);
  });

  test('several paths give the function time for all of them', () => {
    expect(smokeTestSettings(blueGreenProd).paths).toEqual(['/health', '/api/orders?limit=1']);
    blueGreenProd.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Smoke test'),
      // 2 paths x 2 s + 15 s
      Timeout: 19,
    });
  });
});

describe('release alarms and notification', () => {
  test('dev (rolling) also rolls back on the release alarms of its one target group', () => {
    const d = deploymentConfiguration(templates.dev) as {
      Alarms: { AlarmNames: string[]; Rollback: boolean };
    };
    expect(d.Alarms.Rollback).toBe(true);
    expect(d.Alarms.AlarmNames).toEqual(RELEASE_ALARMS.map((a) => `ScalableBackend-dev-ReleasePrimary${a}`));
  });

  test('the 5xx-rate alarm judges one target group from 5 requests a minute, at the stack threshold, 2 of 3 minutes', () => {
    const alarms = resourcesOf(templates.prod, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties!.AlarmName === 'ScalableBackend-prod-ReleaseAlternateErrorRate',
    );
    expect(alarms).toHaveLength(1);
    const p = alarms[0][1].Properties as Record<string, unknown> & {
      Metrics: { Id: string; Expression?: string }[];
    };
    expect(p).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(p.Metrics.find((m) => m.Expression)!.Expression).toBe(
      'IF(requests >= 5, 100 * FILL(errors, 0) / requests, 0)',
    );
    expect((p.AlarmActions as unknown[]).length).toBe(1);
  });

  test('a failed (rolled back) deployment of the service notifies the alarm topic', () => {
    for (const t of [templates.dev, templates.prod]) {
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Deployment State Change'],
          resources: [{ Ref: Match.stringLikeRegexp('^Service9571FDD8') }],
          detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
        },
        Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^ObservabilityAlarmTopic') } })],
      });
    }
  });
});
