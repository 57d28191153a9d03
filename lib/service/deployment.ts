/**
 * How a new revision of the service reaches production (`service.deployment`): the ECS deployment
 * strategy of the Fargate service, and for every strategy but `rolling` the second target group
 * and the two listener rules ECS shifts traffic with.
 *
 * ECS native blue/green, linear and canary deployments on an Application Load Balancer need an
 * alternate target group, a production listener rule, optionally a test listener rule, and a role
 * ECS assumes to change them (AdvancedConfiguration of AWS::ECS::Service LoadBalancers:
 * docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html).
 */
import { Annotations, Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DeploymentConfig } from '../config/schema';

/** Header a request must carry to reach the new revision through the test listener rule. */
export const RELEASE_TEST_HEADER = 'X-Release-Test';
/**
 * Priorities of the two rules on the serving listener: the test rule first (it is the narrower
 * one), the production rule, matching every path, after it. Gaps leave room for rules of the app.
 */
export const TEST_RULE_PRIORITY = 10;
export const PRODUCTION_RULE_PRIORITY = 50_000;

/**
 * Deployment props of the Fargate service for a strategy. `rolling` keeps the deployment circuit
 * breaker with rollback; the other strategies leave it out, since the ECS API documents it for the
 * rolling update only (DeploymentConfiguration.deploymentCircuitBreaker:
 * docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html): they roll
 * back on the release alarms and the smoke test instead. minimumHealthyPercent and maximumPercent
 * apply to the rolling update only (same page), so the service keeps 100 / 200 for every strategy.
 */
export function deploymentStrategyProps(
  config: DeploymentConfig,
): Pick<
  ecs.FargateServiceProps,
  'circuitBreaker' | 'deploymentStrategy' | 'canaryConfiguration' | 'linearConfiguration' | 'bakeTime'
> {
  // bakeTimeInMinutes is required with BLUE_GREEN and applies to canary and linear too (same page).
  const bakeTime = Duration.minutes(config.bakeMinutes);
  switch (config.strategy) {
    case 'rolling':
      return { circuitBreaker: { enable: true, rollback: true } };
    case 'canary':
      return {
        deploymentStrategy: ecs.DeploymentStrategy.CANARY,
        canaryConfiguration: {
          stepPercent: config.canaryPercent,
          stepBakeTime: Duration.minutes(config.canaryBakeMinutes),
        },
        bakeTime,
      };
    case 'linear':
      return {
        deploymentStrategy: ecs.DeploymentStrategy.LINEAR,
        linearConfiguration: {
          stepPercent: config.linearStepPercent,
          stepBakeTime: Duration.minutes(config.linearIntervalMinutes),
        },
        bakeTime,
      };
    case 'blueGreen':
      return { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime };
  }
}

export interface ReleaseTrafficProps {
  /** The listener that serves production traffic (HTTPS with a certificate, else HTTP). */
  readonly listener: elbv2.ApplicationListener;
  /** The service's first target group (production traffic before the first release). */
  readonly primaryTargetGroup: elbv2.ApplicationTargetGroup;
  /** Creates the alternate target group with the primary's settings (port, health check, ...). */
  readonly newTargetGroup: (scope: Construct, id: string) => elbv2.ApplicationTargetGroup;
}

/**
 * The traffic parts of a non-rolling strategy: the alternate target group, the production rule
 * (every path, both groups weighted 100/0, ECS moves the weights), the test rule (the same two
 * groups, only for requests with the {@link RELEASE_TEST_HEADER} header carrying this stack's
 * {@link testHeaderValue}), and the {@link alternateTarget} to pass to `loadBalancerTarget`.
 *
 * Every rule only forwards: ECS refuses blue/green deployments on listeners whose rules mix forward
 * with redirect or fixed-response actions (alb-resources-for-blue-green.html, Limitations).
 */
export class ReleaseTraffic extends Construct {
  readonly alternateTargetGroup: elbv2.ApplicationTargetGroup;
  readonly productionRule: elbv2.ApplicationListenerRule;
  readonly testRule: elbv2.ApplicationListenerRule;
  /** What the service's load balancer target carries for ECS (role created here). */
  readonly alternateTarget: ecs.AlternateTarget;
  /**
   * The value the test rule expects in {@link RELEASE_TEST_HEADER}: the unique id of this stack
   * (the UUID at the end of its stack id), unknown outside the account and different per stack.
   */
  readonly testHeaderValue: string;

  constructor(scope: Construct, id: string, props: ReleaseTrafficProps) {
    super(scope, id);
    const { listener, primaryTargetGroup } = props;
    this.alternateTargetGroup = props.newTargetGroup(this, 'AlternateTargetGroup');
    const bothGroups = () =>
      elbv2.ListenerAction.weightedForward([
        { targetGroup: primaryTargetGroup, weight: 100 },
        { targetGroup: this.alternateTargetGroup, weight: 0 },
      ]);
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    this.testHeaderValue = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.testRule = new elbv2.ApplicationListenerRule(this, 'TestRule', {
      listener,
      priority: TEST_RULE_PRIORITY,
      conditions: [elbv2.ListenerCondition.httpHeader(RELEASE_TEST_HEADER, [this.testHeaderValue])],
      action: bothGroups(),
    });
    this.productionRule = new elbv2.ApplicationListenerRule(this, 'ProductionRule', {
      listener,
      priority: PRODUCTION_RULE_PRIORITY,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
      action: bothGroups(),
    });
    this.alternateTarget = new ecs.AlternateTarget('TrafficShift', {
      alternateTargetGroup: this.alternateTargetGroup,
      productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.productionRule),
      testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.testRule),
    });
  }

  /**
   * Acknowledge, with their reasons, the managed policy of the role `AlternateTarget` creates (call
   * after binding) and CDK's advice to enable the circuit breaker.
   */
  acknowledge(service: ecs.FargateService): void {
    Annotations.of(service).acknowledgeWarning(
      '@aws-cdk/aws-ecs:shouldUseCircuitBreaker',
      'The circuit breaker is for rolling updates; this strategy rolls back on the release alarms and the smoke-test hook.',
    );
    const role = service.node.tryFindChild('TrafficShiftRole');
    if (!role) return;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
      reason:
        'The role ECS assumes to move listener-rule weights and register targets during blue/green, canary and linear ' +
        'deployments uses the AWS managed policy made for exactly that (docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html); ' +
        'AWS extends it as the feature grows, an inline copy would go stale.',
    });
  }
}
