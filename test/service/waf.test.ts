import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PRESETS } from '../../lib/config/presets';
import { EdgeFirewall, RATE_LIMIT_RULE_NAME, WAF_LOG_GROUP_PREFIX } from '../../lib/service/waf';
import { constructTestApp, presets, resourcesOf, singleResource, variant } from '../helpers';

// GIVEN the presets and prod with a custom WAF (test/variants.ts: prodDomain), synthesized once per run
const { templates } = presets();
const custom = variant('prodDomain').templates.prod;
const prod = templates.prod;

const webAclOf = (t = prod) => singleResource(t, 'AWS::WAFv2::WebACL');

/** The parts of a web ACL rule these tests read. */
interface Rule {
  Priority: number;
  OverrideAction?: unknown;
  Statement: {
    RateBasedStatement?: { Limit: number };
    ManagedRuleGroupStatement?: { VendorName: string; Name: string; RuleActionOverrides?: unknown };
  };
}
const rulesOf = (t = prod) => webAclOf(t)[1].Properties!.Rules as Rule[];

describe('AWS WAF in front of the load balancer', () => {
  test('GIVEN prod THEN a REGIONAL web ACL allows by default and counts in CloudWatch under its fixed name', () => {
    const [, acl] = webAclOf();
    expect(acl.Properties).toMatchObject({
      Scope: 'REGIONAL',
      Name: 'ScalableBackend-prod',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: 'ScalableBackend-prod' },
    });
  });

  test('GIVEN prod THEN the first rule blocks a client IP above 2000 requests per 5 minutes', () => {
    const [, acl] = webAclOf();
    const rules = acl.Properties!.Rules as Record<string, unknown>[];
    expect(rules[0]).toMatchObject({
      Name: RATE_LIMIT_RULE_NAME,
      Priority: 0,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } },
    });
  });

  test('GIVEN prod THEN the AWS managed groups follow, in config order, with their own (blocking) actions', () => {
    const groups = rulesOf().slice(1);
    expect(groups.map((r) => [r.Priority, r.Statement.ManagedRuleGroupStatement, r.OverrideAction])).toEqual([
      [1, { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' }, { None: {} }],
      [2, { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }, { None: {} }],
      [3, { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' }, { None: {} }],
    ]);
  });

  test('GIVEN a custom rate limit and rule group list THEN the web ACL follows the config', () => {
    const rules = rulesOf(custom);
    expect(rules[0].Statement.RateBasedStatement?.Limit).toBe(500);
    expect(rules.slice(1).map((r) => r.Statement.ManagedRuleGroupStatement?.Name)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesSQLiRuleSet',
    ]);
  });

  test('GIVEN a rule listed in countOnlyRules THEN only that rule of its group counts instead of blocking', () => {
    // GIVEN prodDomain with AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY (an API with bodies over 8 KB)
    const [core, sqli] = rulesOf(custom).slice(1);
    // THEN the core rule set overrides exactly that rule to Count, and the group keeps its own actions
    expect(core.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    expect(core.OverrideAction).toEqual({ None: {} });
    // AND the other group, and the default prod web ACL, override nothing
    expect(sqli.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toBeUndefined();
    expect(rulesOf().some((r) => r.Statement.ManagedRuleGroupStatement?.RuleActionOverrides)).toBe(false);
  });

  test('GIVEN prod THEN the web ACL is associated with the load balancer', () => {
    const [aclId] = webAclOf();
    const [albId] = singleResource(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const [, association] = singleResource(prod, 'AWS::WAFv2::WebACLAssociation');
    expect(association.Properties).toEqual({
      ResourceArn: { Ref: albId },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
  });

  test('GIVEN prod THEN WAF logs go to aws-waf-logs-<stack> with Authorization and Cookie redacted', () => {
    const [aclId] = webAclOf();
    const [, logging] = singleResource(prod, 'AWS::WAFv2::LoggingConfiguration');
    expect(logging.Properties!.ResourceArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(logging.Properties!.LogDestinationConfigs)).toContain(
      ':log-group:aws-waf-logs-ScalableBackend-prod"',
    );
    expect(logging.Properties!.RedactedFields).toEqual([
      { SingleHeader: { Name: 'authorization' } },
      { SingleHeader: { Name: 'cookie' } },
    ]);
  });

  test('GIVEN prod THEN the log group has the required prefix, a retention raised to the one-year floor and can be re-created', () => {
    const groups = resourcesOf(prod, 'AWS::Logs::LogGroup').filter(([, r]) =>
      String(r.Properties!.LogGroupName ?? '').startsWith(WAF_LOG_GROUP_PREFIX),
    );
    expect(groups).toHaveLength(1);
    const [, group] = groups[0];
    expect(group.Properties).toMatchObject({
      LogGroupName: 'aws-waf-logs-ScalableBackend-prod',
      // waf.logRetentionDays is 90, compliance.minimumLogRetentionDays 365 in prod
      RetentionInDays: 365,
    });
    // A fixed name must never be plain Retain: a failed create would leave it behind and block the retry.
    expect(group.DeletionPolicy).toBe('Delete');
    const custom30 = resourcesOf(custom, 'AWS::Logs::LogGroup').find(
      ([, r]) => r.Properties!.LogGroupName === 'aws-waf-logs-ScalableBackend-prod',
    );
    // waf.logRetentionDays 30 in the variant, raised to prod's floor of 365 days as well
    expect(custom30?.[1].Properties!.RetentionInDays).toBe(365);
  });

  test('GIVEN dev or local THEN there is no web ACL (it costs money)', () => {
    for (const env of ['dev', 'local']) {
      expect(resourcesOf(templates[env], 'AWS::WAFv2::WebACL')).toEqual([]);
      expect(resourcesOf(templates[env], 'AWS::WAFv2::WebACLAssociation')).toEqual([]);
    }
  });
});

describe('edge alarm, dashboard and advisor', () => {
  test('GIVEN prod THEN blocked requests over 100 a minute in 3 of 5 minutes alarm the topic, by WebACL, Rule ALL and Region', () => {
    const [, acl] = webAclOf();
    const alarms = resourcesOf(prod, 'AWS::CloudWatch::Alarm').filter(
      ([, r]) => r.Properties!.AlarmName === 'ScalableBackend-prod-WafBlockedRequests',
    );
    expect(alarms).toHaveLength(1);
    const p = alarms[0][1].Properties!;
    const [topicId] = singleResource(prod, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic');
    expect(p).toMatchObject({
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    // The WebACL dimension is the web ACL's metric name, which is fixed to its name.
    expect(p.Dimensions).toEqual([
      { Name: 'Region', Value: { Ref: 'AWS::Region' } },
      { Name: 'Rule', Value: 'ALL' },
      { Name: 'WebACL', Value: (acl.Properties!.VisibilityConfig as { MetricName: string }).MetricName },
    ]);
  });

  test('GIVEN dev THEN no WAF alarm', () => {
    const names = resourcesOf(templates.dev, 'AWS::CloudWatch::Alarm').map(
      ([, r]) => r.Properties!.AlarmName,
    );
    expect(names).not.toContain('ScalableBackend-dev-WafBlockedRequests');
  });

  test('GIVEN prod THEN the dashboard graphs allowed and blocked requests of the web ACL', () => {
    const [, dashboard] = singleResource(prod, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    expect(body).toContain('AWS WAF requests / minute');
    expect(body).toMatch(/AWS\/WAFV2.*AllowedRequests.*WebACL.*ScalableBackend-prod/);
    expect(body).toMatch(/AWS\/WAFV2.*BlockedRequests/);
  });

  test('GIVEN prod THEN the advisor is told the web ACL, so it does not count blocked requests as load', () => {
    const targets = JSON.stringify(prod.toJSON().Outputs.AdvisorTargets.Value);
    expect(targets).toContain('\\"webAcl\\":{\\"metricName\\":\\"ScalableBackend-prod\\",\\"region\\":\\"');
    expect(JSON.stringify(templates.dev.toJSON().Outputs.AdvisorTargets.Value)).not.toContain('webAcl');
  });
});

describe('load balancer deletion protection', () => {
  const attribute = (env: string) => {
    const [, alb] = singleResource(templates[env], 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    return (alb.Properties!.LoadBalancerAttributes as { Key: string; Value: string }[]).find(
      (a) => a.Key === 'deletion_protection.enabled',
    )?.Value;
  };

  test('GIVEN prod THEN deletion_protection.enabled is true', () => {
    expect(attribute('prod')).toBe('true');
  });

  test('GIVEN dev or local THEN the load balancer can be deleted', () => {
    expect(attribute('dev')).not.toBe('true');
    expect(attribute('local')).not.toBe('true');
  });
});

describe('EdgeFirewall on its own', () => {
  test('GIVEN a name WAF would reject THEN the synth fails naming the rule', () => {
    const stack = new Stack(constructTestApp(), 'Edge');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    expect(
      () =>
        new EdgeFirewall(stack, 'Edge', { config: PRESETS.prod.service.waf, loadBalancer, name: 'my acl' }),
    ).toThrow("edge firewall: name 'my acl' must be 1-115 letters, digits, '-' or '_'");
  });

  test('GIVEN an explicit name THEN web ACL, metric dimension and log group all use it', () => {
    const stack = new Stack(constructTestApp(), 'Edge');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    const edge = new EdgeFirewall(stack, 'Edge', {
      config: PRESETS.prod.service.waf,
      loadBalancer,
      name: 'api-edge',
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: 'api-edge',
      VisibilityConfig: { MetricName: 'api-edge' },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-api-edge' });
    expect(stack.resolve(edge.metric('BlockedRequests').dimensions)).toEqual({
      WebACL: 'api-edge',
      Rule: 'ALL',
      Region: { Ref: 'AWS::Region' },
    });
  });
});
