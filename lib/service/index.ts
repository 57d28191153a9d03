import {
  Annotations,
  Aws,
  CfnCondition,
  CfnMapping,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EcrImage, ecrRepositoryArn, parseEcrImage } from '../config/image';
import { renderScaleOutSteps } from '../config/scale-out-steps';
import { ServiceConfig } from '../config/schema';
import { hardenedContainerOptions } from '../container-hardening';
import { ServiceDomain } from './domain';
import { Network } from '../network';
import { ReleaseTraffic, deploymentStrategyProps } from './deployment';
import { APP_LOG_STREAM_PREFIX } from '../task-outputs';
import { acknowledgeBuiltImagePull, appSecrets, builtImage, grantAppPermissions } from './app';

export interface ServiceProps {
  /** VPC with the subnet groups of {@link Network}. */
  readonly vpc: ec2.IVpc;
  /** Validated service settings of the environment. */
  readonly config: ServiceConfig;
  /**
   * Plain environment values the data tier hands to the container (endpoints, ports, flags).
   * Merged over `config.environment`; the schema forbids overlapping names.
   * @default - only `config.environment`
   */
  readonly dataEnvironment?: Record<string, string>;
  /**
   * Secrets the container receives as environment variables, resolved by ECS from Secrets Manager at
   * task start (never plain values in the task definition).
   * @default - no secrets
   */
  readonly secrets?: Record<string, ecs.Secret>;
}

/**
 * The stateless app tier: an internet-facing ALB in the public subnets in front of an ECS Fargate
 * service in the private subnets, with CPU step scaling (scale out fast, scale in slow).
 */
export class Service extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The app container of {@link taskDefinition}. */
  readonly container: ecs.ContainerDefinition;
  /** Log group of the app container (kept when the stack is deleted). */
  readonly logGroup: logs.LogGroup;
  /** Security group of the tasks; the data tier admits it. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly scaleOutAlarm: cloudwatch.Alarm;
  readonly scaleInAlarm: cloudwatch.Alarm;
  /** URL of the service: https when a certificate is configured, on `service.domain` when set. */
  readonly url: string;
  /** Certificate and alias records of `service.domain`; absent without a domain. */
  readonly domain?: ServiceDomain;
  /** Whether the load balancer serves HTTPS (a domain or a certificate ARN is configured). */
  readonly https: boolean;
  /** The listener that serves the app: HTTPS when a certificate is configured, else HTTP. */
  readonly listener: elbv2.ApplicationListener;
  /**
   * Second target group and listener rules ECS shifts traffic with; absent with
   * `service.deployment.strategy` `rolling`.
   */
  readonly release?: ReleaseTraffic;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { vpc, config } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const logGroup = (this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      // Kept when the stack goes (the app's history), not after a failed first create.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    }));

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: config.cpu,
      memoryLimitMiB: config.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.of(config.cpuArchitecture),
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const container = (this.container = this.taskDefinition.addContainer('App', {
      // A built image (service.build) is an asset whose pull CDK grants; fromRegistry grants
      // nothing: private ECR images get their pull permissions below, other private registries read
      // their credentials from the configured secret (which CDK lets the execution role read).
      image: config.build
        ? builtImage(config.build, config)
        : ecs.ContainerImage.fromRegistry(
            config.image!,
            config.imageCredentialsSecretArn
              ? {
                  credentials: secretsmanager.Secret.fromSecretCompleteArn(
                    this,
                    'ImageCredentials',
                    config.imageCredentialsSecretArn,
                  ),
                }
              : undefined,
          ),
      essential: true,
      portMappings: [{ containerPort: config.containerPort, protocol: ecs.Protocol.TCP }],
      environment: { ...config.environment, ...props.dataEnvironment },
      // The schema refuses app secret names that the data tier sets.
      secrets: {
        ...appSecrets(config.secrets, () => this.taskDefinition.obtainExecutionRole()),
        ...props.secrets,
      },
      ...(config.command ? { command: config.command } : {}),
      ...(config.entryPoint ? { entryPoint: config.entryPoint } : {}),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: APP_LOG_STREAM_PREFIX }),
      ...hardenedContainerOptions(this, config),
    }));
    const ecrImage = config.image && !config.build ? parseEcrImage(config.image) : undefined;
    if (ecrImage) this.grantEcrPull(ecrImage, container);
    if (config.build) acknowledgeBuiltImagePull(this.taskDefinition);
    grantAppPermissions(this, this.taskDefinition.taskRole, config.taskRole);
    if (Object.keys(props.dataEnvironment ?? {}).length > 0) {
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'Plain environment values are only non-secret endpoints, ports and flags of the data tier; credentials and the cache token come from Secrets Manager as ECS secrets.',
      });
    }

    // Tasks accept traffic only from the ALB (rule added by addTargets below) and talk out on 443
    // (image pulls, AWS APIs) plus whatever the data tier opens for them.
    const serviceSecurityGroup = (this.securityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'Fargate tasks: ingress from the ALB only',
      allowAllOutbound: false,
    }));
    serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to image registries and AWS APIs',
    );

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: { subnetGroupName: Network.PRIVATE },
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      // No desiredCount: CloudFormation then leaves the running count alone on updates, so a deploy
      // never resets what autoscaling chose.
      // Circuit breaker (rolling) or the traffic-shifting strategy of service.deployment.
      ...deploymentStrategyProps(config.deployment),
      // Tasks return to a zone after its outage: ECS moves tasks until the zones are even again.
      // Explicit, because ECS enables it by default only for services created after June 2025, and
      // an update without the value keeps the old setting (ECS API UpdateService,
      // availabilityZoneRebalancing); it needs maxHealthyPercent > 100 (CDK FargateServiceProps).
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: config.enableExecuteCommand,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    if (config.enableExecuteCommand) {
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ECS Exec (service.enableExecuteCommand) needs the ssmmessages channel actions on the task role, which support no resource-level permissions (docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).',
      });
    }

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs support SSE-S3 only, not SSE-KMS
      // (docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Versioned: a log object overwritten or deleted stays recoverable until the noncurrent
      // version expires with the logs themselves.
      versioned: true,
      lifecycleRules: [
        {
          expiration: Duration.days(config.accessLogExpirationDays),
          noncurrentVersionExpiration: Duration.days(config.accessLogExpirationDays),
        },
      ],
      // Plain Retain on purpose: the name is generated (a retried create makes a new bucket), and
      // a rollback could not delete a bucket the load balancer has already written to.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the access-log destination of the ALB; logging it again would recurse.',
    });

    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'Public ALB: HTTP/HTTPS from the internet, out to the tasks only',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: Network.PUBLIC },
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: config.deletionProtection,
    });
    enableAccessLogs(this.loadBalancer, accessLogs, 'alb');

    const newTargetGroup = (scope: Construct, id: string) =>
      new elbv2.ApplicationTargetGroup(scope, id, {
        vpc,
        targetType: elbv2.TargetType.IP,
        port: config.containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        deregistrationDelay: Duration.seconds(config.deregistrationDelaySeconds),
        loadBalancingAlgorithmType:
          config.loadBalancingAlgorithm === 'least_outstanding_requests'
            ? elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS
            : elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN,
        healthCheck: {
          path: config.healthCheck.path,
          interval: Duration.seconds(config.healthCheck.intervalSeconds),
          timeout: Duration.seconds(config.healthCheck.timeoutSeconds),
          healthyThresholdCount: config.healthCheck.healthyThresholdCount,
          unhealthyThresholdCount: config.healthCheck.unhealthyThresholdCount,
          healthyHttpCodes: config.healthCheck.healthyHttpCodes,
        },
      });
    this.targetGroup = newTargetGroup(this, 'TargetGroup');

    if (config.domain) {
      this.domain = new ServiceDomain(this, 'Domain', {
        config: config.domain,
        loadBalancer: this.loadBalancer,
      });
    }
    const certificate = this.domain
      ? this.domain.certificate
      : config.certificateArn
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn)
        : undefined;
    this.https = certificate !== undefined;
    let httpsListener: elbv2.ApplicationListener | undefined;
    if (certificate) {
      httpsListener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        // TLS13-1-2 accepts TLS 1.3 and 1.2, TLS13-1-3 only 1.3 (source:
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
        sslPolicy:
          config.minimumTlsVersion === '1.3' ? elbv2.SslPolicy.TLS13_13 : elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: true,
      });
      this.url = `https://${this.domain ? this.domain.name : this.loadBalancer.loadBalancerDnsName}`;
    } else {
      this.url = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }
    // One port-80 listener under one logical id whether or not HTTPS is on; only its default action
    // changes. A separate redirect listener would be created before the old one is deleted, and the
    // load balancer refuses a second listener on a port ("A listener already exists on this port",
    // github.com/aws/aws-cdk/issues/34235).
    const httpListener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: true,
      ...(this.https
        ? {
            defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
          }
        : { defaultTargetGroups: [this.targetGroup] }),
    });
    // The listener that serves the app carries the release rules (a redirect listener cannot: ECS
    // refuses listeners that mix forward with redirect actions).
    this.listener = httpsListener ?? httpListener;
    if (config.deployment.strategy !== 'rolling') {
      this.release = new ReleaseTraffic(this, 'Release', {
        listener: this.listener,
        primaryTargetGroup: this.targetGroup,
        newTargetGroup,
      });
    }
    this.targetGroup.addTarget(
      this.service.loadBalancerTarget({
        containerName: container.containerName,
        containerPort: config.containerPort,
        alternateTarget: this.release?.alternateTarget,
      }),
    );
    this.release?.acknowledge(this.service);
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Internet-facing load balancer: HTTP/HTTPS from anywhere is its purpose; tasks stay private.',
    });

    // --- CPU step scaling -----------------------------------------------------------------------
    const scaling = config.scaling;
    const taskCount = this.service.autoScaleTaskCount({
      minCapacity: config.minTasks,
      maxCapacity: config.maxTasks,
    });
    // ScalableTaskCount.scaleOnMetric returns nothing; its ScalableTarget returns the policy, whose
    // alarms the observability tier and the tests need.
    const target = taskCount.node.findChild('Target') as appscaling.ScalableTarget;
    // The service metric defaults to 5 minutes; 1-minute datapoints let scale-out react in ~2 minutes.
    const cpu = this.service.metricCpuUtilization({ period: Duration.minutes(1), statistic: 'Average' });

    // One policy per direction, so each has its own evaluation window and cooldown: an interval
    // with change 0 yields no alarm, leaving exactly one alarm per policy.
    // Graduated scale-out: one policy and one alarm (at scaleOutCpuPercent) whose steps grow with the
    // breach. A StepScaling policy has one AdjustmentType for all its steps; renderScaleOutSteps
    // picks it and sets MinAdjustmentMagnitude 1 for percent steps so a small service grows by whole
    // tasks (AdjustmentType, MinAdjustmentMagnitude:
    // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html).
    const outSteps = renderScaleOutSteps(scaling.scaleOutSteps);
    const scaleOut = target.scaleOnMetric('CpuScaleOut', {
      metric: cpu,
      adjustmentType:
        outSteps.adjustmentType === 'PercentChangeInCapacity'
          ? appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY
          : appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      minAdjustmentMagnitude: outSteps.minAdjustmentMagnitude,
      scalingSteps: [
        { upper: scaling.scaleOutCpuPercent, change: 0 },
        ...outSteps.steps.map((step) => ({ lower: step.atCpuPercent, change: +step.change })),
      ],
      evaluationPeriods: scaling.scaleOutEvaluationPeriods,
      datapointsToAlarm: scaling.scaleOutDatapointsToAlarm,
      cooldown: Duration.seconds(scaling.scaleOutCooldownSeconds),
      metricAggregationType: appscaling.MetricAggregationType.AVERAGE,
    });
    const scaleIn = target.scaleOnMetric('CpuScaleIn', {
      metric: cpu,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: scaling.scaleInCpuPercent, change: -scaling.scaleInStep },
        { lower: scaling.scaleInCpuPercent, change: 0 },
      ],
      evaluationPeriods: scaling.scaleInEvaluationPeriods,
      datapointsToAlarm: scaling.scaleInDatapointsToAlarm,
      cooldown: Duration.seconds(scaling.scaleInCooldownSeconds),
      metricAggregationType: appscaling.MetricAggregationType.AVERAGE,
    });
    this.scaleOutAlarm = scaleOut.upperAlarm!;
    this.scaleInAlarm = scaleIn.lowerAlarm!;
  }

  /**
   * Pull permissions for an image in a private ECR repository (this account's or another's): the
   * Fargate agent calls GetAuthorizationToken, then BatchGetImage and GetDownloadUrlForLayer
   * (docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html). Another account's repository
   * must also allow this role in its repository policy.
   */
  private grantEcrPull(image: EcrImage, container: ecs.ContainerDefinition): void {
    const role = this.taskDefinition.obtainExecutionRole();
    Annotations.of(container).acknowledgeWarning(
      '@aws-cdk/aws-ecs:ecrImageRequiresPolicy',
      'The execution role gets the pull permissions on the repository of service.image right here.',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PullTheAppImage',
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [ecrRepositoryArn(image)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuthenticateToEcr',
        // GetAuthorizationToken has no resource-level permissions: IAM requires "*"
        // (docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource-level permissions (IAM requires "*"); the image pulls themselves are limited to the one repository of service.image.',
    });
  }
}

/**
 * ALB access logs that also work in an environment-agnostic stack. CDK's `logAccessLogs` needs a
 * concrete region because regions launched before August 2022 deliver logs from a regional ELB
 * account while newer ones use the `logdelivery.elasticloadbalancing.amazonaws.com` principal. With
 * an unresolved region we grant both: the service principal, and the regional ELB account looked up
 * in a mapping at deploy time (falling back to this account, which owns the bucket anyway).
 */
function enableAccessLogs(alb: elbv2.ApplicationLoadBalancer, bucket: s3.Bucket, prefix: string): void {
  const stack = Stack.of(alb);
  if (!Token.isUnresolved(stack.region)) {
    alb.logAccessLogs(bucket, prefix);
    return;
  }
  alb.setAttribute('access_logs.s3.enabled', 'true');
  alb.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  alb.setAttribute('access_logs.s3.prefix', prefix);

  const mapping: Record<string, Record<string, string>> = {};
  for (const region of RegionInfo.regions) {
    mapping[region.name] = { account: RegionInfo.get(region.name).elbv2Account ?? 'none' };
  }
  const scope = alb.node.scope as Construct;
  const accounts = new CfnMapping(scope, 'ElbAccountByRegion', { mapping });
  const elbAccount = accounts.findInMap(Aws.REGION, 'account');
  const hasElbAccount = new CfnCondition(scope, 'RegionHasElbAccount', {
    expression: Fn.conditionNot(Fn.conditionEquals(elbAccount, 'none')),
  });
  const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`);
  const regionalAccountArn = Fn.conditionIf(
    hasElbAccount.logicalId,
    `arn:${Aws.PARTITION}:iam::${elbAccount}:root`,
    `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`,
  ).toString();
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      principals: [
        new iam.ArnPrincipal(regionalAccountArn),
        new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com'),
      ],
      resources: [objects],
    }),
  );
  alb.node.addDependency(bucket);
}
