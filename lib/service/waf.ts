import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { WafConfig } from '../config/schema';

/** Prefix AWS WAF requires of a CloudWatch Logs destination (source: WAF API reference, LoggingConfiguration). */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

/** Headers kept out of the WAF logs: credentials and session tokens of the service's users. */
export const WAF_REDACTED_HEADERS = ['authorization', 'cookie'] as const;

/** Name (and metric name) of the rate-based rule. */
export const RATE_LIMIT_RULE_NAME = 'RateLimitPerClientIp';

export interface EdgeFirewallProps {
  /** Validated `service.waf` settings (only used when `enabled`). */
  readonly config: WafConfig;
  /** The load balancer the web ACL is associated with. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /**
   * Name of the web ACL, also its CloudWatch metric name (the `WebACL` dimension of AWS/WAFV2) and
   * the suffix of its log group. Letters, digits, `-` and `_`, up to 115 characters.
   * @default - the stack name
   */
  readonly name?: string;
}

/**
 * The edge tier: an AWS WAF web ACL (REGIONAL) in front of the load balancer. A per-client-IP rate
 * limit runs first, so one client cannot eat the capacity autoscaling pays for; then the configured
 * AWS managed rule groups. Requests no rule blocks are allowed. Full request logs go to a CloudWatch
 * log group with the Authorization and Cookie headers redacted.
 */
export class EdgeFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  /**
   * The web ACL's metric name: the value of the `WebACL` dimension of its AWS/WAFV2 metrics
   * (source: WAF developer guide, "AWS WAF metrics and dimensions": WebACL = "The metric name of
   * the WebACL"). Fixed and equal to the web ACL name, so alarms and the advisor can name it.
   */
  readonly metricName: string;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const name = props.name ?? stack.stackName;
    if (!/^[A-Za-z0-9_-]{1,115}$/.test(name)) {
      // 128 is WAF's limit for the web ACL name and metric name; the log group adds its prefix.
      throw new Error(
        `edge firewall: name '${name}' must be 1-115 letters, digits, '-' or '_' (web ACL and metric name rules)`,
      );
    }
    this.metricName = name;

    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: RATE_LIMIT_RULE_NAME,
        priority: 0,
        action: { block: {} },
        // AggregateKeyType IP: counted per client IP address as the load balancer sees it (the
        // request origin), over a 5-minute window (the API's default EvaluationWindowSec of 300).
        statement: { rateBasedStatement: { limit: config.rateLimitPer5Minutes, aggregateKeyType: 'IP' } },
        visibilityConfig: visibility(RATE_LIMIT_RULE_NAME),
      },
      ...config.managedRuleGroups.map((group, i): wafv2.CfnWebACL.RuleProperty => ({
        name: group,
        priority: i + 1,
        // "None" keeps each group's own actions (block); "Count" would only observe.
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: group,
            // Rules switched to Count (e.g. the core rule set's 8 KB body limit for an upload API).
            ...countOnly(config.countOnlyRules, group),
          },
        },
        visibilityConfig: visibility(group),
      })),
    ];

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      description: `Front door of ${stack.stackName}: per-IP rate limit and AWS managed rule groups`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      rules,
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    const logGroupName = `${WAF_LOG_GROUP_PREFIX}${name}`;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: config.logRetentionDays as logs.RetentionDays,
      // A fixed name: a retained group would make every later create of this stack fail with
      // AlreadyExists, so the request logs (kept only for `logRetentionDays` anyway) go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group ARN without the trailing ':*' of its GetAtt Arn, the form WAF documents for a
      // CloudWatch Logs destination (source: aws-cdk issue #18253; WAF developer guide, "Sending web
      // ACL traffic logs to an Amazon CloudWatch Logs log group"). WAF adds the log group resource
      // policy for delivery.logs.amazonaws.com itself when logging is enabled (source: WAF API
      // reference, LoggingConfiguration: "For an Amazon CloudWatch Logs log group, AWS WAF creates a
      // resource policy on the log group").
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // FieldToMatch entries; header names are matched case-insensitively (source: CloudFormation
      // AWS::WAFv2::LoggingConfiguration RedactedFields / FieldToMatch SingleHeader).
      redactedFields: WAF_REDACTED_HEADERS.map((header) => ({ singleHeader: { Name: header } })),
    });
    logging.node.addDependency(this.logGroup);
  }

  /**
   * Requests a web-ACL-wide action applied per minute: `BlockedRequests` or `AllowedRequests` with
   * `Rule` = `ALL` (every rule and the default action), in the web ACL's region (`Region` dimension).
   */
  metric(metricName: 'BlockedRequests' | 'AllowedRequests', rule = 'ALL'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap: { WebACL: this.metricName, Rule: rule, Region: Stack.of(this).region },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

/** RuleActionOverrides that make the listed rules of `group` count instead of block. */
function countOnly(
  rules: readonly string[],
  group: string,
): { ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[] } {
  const names = rules.filter((r) => r.startsWith(`${group}/`)).map((r) => r.slice(group.length + 1));
  return names.length
    ? { ruleActionOverrides: names.map((name) => ({ name, actionToUse: { count: {} } })) }
    : {};
}
