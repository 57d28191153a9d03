import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { ResilienceConfig } from './config/schema';
import { CACHE_TARGET_TAG, VENDED_LOGS_PREFIX } from './aws-conventions';
import { Network } from './network';
import {
  cacheStatements,
  ecsStatements,
  loggingStatements,
  nagResource,
  networkStatements,
  rdsStatements,
  resolveTargetsStatement,
  wildcardReason,
} from './resilience/permissions';

export interface ResilienceProps {
  /** Validated resilience settings (zone, fault duration). */
  readonly config: ResilienceConfig;
  /** The VPC of {@link Network}: the zonal experiments cut its private and isolated subnets. */
  readonly vpc: ec2.IVpc;
  /** Cluster and service whose tasks the experiments stop. */
  readonly cluster: ecs.ICluster;
  readonly service: ecs.FargateService;
  /** The primary the failover experiment reboots. */
  readonly primary: rds.IDatabaseInstance;
  /**
   * Whether the primary is Multi-AZ. Without a standby there is nothing to fail over to, so the
   * database experiment is left out (RDS refuses ForceFailover on a Single-AZ instance).
   */
  readonly primaryMultiAz: boolean;
  /** ReplicationGroupId of the cache. */
  readonly cacheReplicationGroupId: string;
  /**
   * Whether the cache is Multi-AZ. The power interruption needs a replica in another zone to
   * promote; without one it would only take the cache down, so it is left out.
   */
  readonly cacheMultiAz: boolean;
  /**
   * Alarms that stop every experiment when they go to ALARM: the stack's 5xx-rate and p95
   * response-time alarms (the service is visibly hurt, so the rehearsal has gone too far).
   */
  readonly stopAlarms: readonly cloudwatch.IAlarm[];
  /** Retention of the experiment log group (days). */
  readonly logRetentionDays: number;
}

/** The experiment templates, by name; each has its own role. */
export type ExperimentName = 'StopTasks' | 'PrimaryFailover' | 'CacheZonePower' | 'ZoneNetwork' | 'LoseZone';

/** Logical name of each FIS target and action, shared by the templates and the tests. */
export const TARGETS = {
  tasks: 'ServiceTasks',
  zoneTasks: 'ServiceTasksInZone',
  primary: 'Primary',
  cache: 'Cache',
  zoneSubnets: 'ZoneSubnets',
} as const;

/**
 * AWS Fault Injection Service experiment templates that rehearse the loss of parts of one
 * availability zone against this stack's own resources (by ARN, or by cluster and service name):
 * stop half the tasks, force a Multi-AZ failover of the primary, interrupt the cache's power in one
 * zone, cut one zone's private and isolated subnets, and all zonal faults at once ("lose zone X").
 *
 * Every template stops itself when the stack's 5xx-rate or p95 alarm goes to ALARM, logs to one
 * CloudWatch log group (schema version 2), and runs under its own role that may touch only the
 * resources of its experiment. Templates cost nothing until an experiment runs
 * (AWS FIS pricing: per action-minute).
 *
 * The statements of each role, and why each remaining wildcard cannot be narrower, are in
 * `lib/resilience/permissions.ts`.
 */
export class Resilience extends Construct {
  /** The templates by name (`Ref` is the template id). */
  readonly templates: Partial<Record<ExperimentName, fis.CfnExperimentTemplate>> = {};
  /** The role of each template. */
  readonly roles: Partial<Record<ExperimentName, iam.Role>> = {};
  /** Where FIS writes the experiment log. */
  readonly logGroup: logs.LogGroup;
  /** Name of the zone the zonal experiments hit (a token with `Fn::GetAZs`). */
  readonly zone: string;

  private readonly props: ResilienceProps;

  constructor(scope: Construct, id: string, props: ResilienceProps) {
    super(scope, id);
    this.props = props;
    const { config, vpc } = props;
    const stack = Stack.of(this);
    if (props.stopAlarms.length === 0) {
      throw new Error('Resilience: at least one stop alarm is required; an experiment must be stoppable');
    }
    if (config.zoneIndex >= vpc.availabilityZones.length) {
      throw new Error(
        `Resilience: resilience.zoneIndex ${config.zoneIndex} is not a zone of the VPC (it has ${vpc.availabilityZones.length})`,
      );
    }
    this.zone = vpc.availabilityZones[config.zoneIndex];

    this.logGroup = new logs.LogGroup(this, 'ExperimentLogs', {
      // FIS delivers a vended log: under /aws/vendedlogs/ one log resource policy statement covers every
      // such group, instead of one ARN per group in a policy limited to 5,120 characters (CloudWatch
      // Logs User Guide, "Logs sent to CloudWatch Logs").
      logGroupName: `${VENDED_LOGS_PREFIX}fis/${stack.stackName}-experiments`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // FIS delivers its log as a vended log. The log group needs a resource policy that lets
    // delivery.logs.amazonaws.com write to it; CloudWatch Logs adds it when delivery is set up, "if
    // needed", using the setup permissions of loggingStatements() in resilience/permissions.ts (CloudWatch Logs User Guide, "Logs
    // sent to CloudWatch Logs"). Not declared here: account-level resource policies are limited to 10
    // per Region (CloudWatch Logs API, PutResourcePolicy), and CloudFormation's AWS::Logs::ResourcePolicy
    // in this CDK version has no per-log-group ResourceArn, so one per stack could exhaust the quota.

    const fault = `PT${config.faultMinutes}M`;
    const zoneSubnetArns = this.zoneSubnetArns();
    const tasks = {
      resourceType: 'aws:ecs:task',
      // Target parameters of aws:ecs:task: cluster and service (AWS FIS User Guide, "Targets").
      parameters: { cluster: props.cluster.clusterName, service: props.service.serviceName },
    };

    this.addExperiment('StopTasks', {
      description: 'Stop half of the service tasks; the ALB and ECS must replace them without 5xx',
      targets: { [TARGETS.tasks]: { ...tasks, selectionMode: 'PERCENT(50)' } },
      actions: {
        StopTasks: { actionId: 'aws:ecs:stop-task', targets: { Tasks: TARGETS.tasks } },
      },
      statements: ecsStatements(stack, props.cluster),
    });

    if (props.primaryMultiAz) {
      this.addExperiment('PrimaryFailover', {
        description: 'Reboot the primary with a forced Multi-AZ failover; writes resume through RDS Proxy',
        targets: {
          [TARGETS.primary]: {
            resourceType: 'aws:rds:db',
            resourceArns: [props.primary.instanceArn],
            selectionMode: 'ALL',
          },
        },
        actions: {
          FailoverPrimary: {
            actionId: 'aws:rds:reboot-db-instances',
            parameters: { forceFailover: 'true' },
            targets: { DBInstances: TARGETS.primary },
          },
        },
        statements: rdsStatements(props.primary),
      });
    }

    const cacheTarget = {
      resourceType: 'aws:elasticache:replicationgroup',
      // By tag, not ARN: FIS refuses a target that combines resource ARNs with parameters (AWS FIS User
      // Guide, "Targets": identify targets by ARNs, or by tags, filters and parameters). The cache
      // carries this tag with its own id, so it selects exactly this replication group.
      resourceTags: { [CACHE_TARGET_TAG]: props.cacheReplicationGroupId },
      // Required target parameter: the zone whose nodes lose power (AWS FIS User Guide, "Targets").
      parameters: { availabilityZoneIdentifier: this.zone },
      selectionMode: 'ALL',
    };
    // Action id checked against the AWS FIS actions reference (formerly
    // aws:elasticache:interrupt-cluster-az-power on aws:elasticache:redis-replicationgroup).
    const cacheAction = {
      actionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
      parameters: { duration: fault },
      targets: { ReplicationGroups: TARGETS.cache },
    };
    if (props.cacheMultiAz) {
      this.addExperiment('CacheZonePower', {
        description: 'Interrupt power to the cache nodes in the chosen zone; a replica elsewhere is promoted',
        targets: { [TARGETS.cache]: cacheTarget },
        actions: { InterruptCacheZonePower: cacheAction },
        statements: cacheStatements(stack, props.cacheReplicationGroupId),
      });
    }

    const subnetTarget = {
      resourceType: 'aws:ec2:subnet',
      resourceArns: zoneSubnetArns,
      selectionMode: 'ALL',
    };
    // scope "all" denies all traffic in and out of the subnets, as a zone outage would.
    const networkAction = {
      actionId: 'aws:network:disrupt-connectivity',
      parameters: { duration: fault, scope: 'all' },
      targets: { Subnets: TARGETS.zoneSubnets },
    };
    this.addExperiment('ZoneNetwork', {
      description: 'Cut all traffic of the private and isolated subnets of the chosen zone',
      targets: { [TARGETS.zoneSubnets]: subnetTarget },
      actions: { DisruptZoneNetwork: networkAction },
      statements: networkStatements(stack, vpc, zoneSubnetArns),
    });

    if (props.cacheMultiAz) {
      this.addExperiment('LoseZone', {
        description:
          'Lose the chosen zone: cut its subnets, interrupt cache power there and stop the tasks running there',
        targets: {
          [TARGETS.zoneSubnets]: subnetTarget,
          [TARGETS.cache]: cacheTarget,
          // The task's own AvailabilityZone (DescribeTasks), as a filter path in Pascal case.
          [TARGETS.zoneTasks]: {
            ...tasks,
            filters: [{ path: 'AvailabilityZone', values: [this.zone] }],
            selectionMode: 'ALL',
          },
        },
        actions: {
          DisruptZoneNetwork: networkAction,
          InterruptCacheZonePower: cacheAction,
          StopZoneTasks: { actionId: 'aws:ecs:stop-task', targets: { Tasks: TARGETS.zoneTasks } },
        },
        // No task may be in the zone at that moment; the other faults still run.
        emptyTargetResolutionMode: 'skip',
        statements: [
          ...networkStatements(stack, vpc, zoneSubnetArns),
          ...cacheStatements(stack, props.cacheReplicationGroupId),
          ...ecsStatements(stack, props.cluster),
        ],
      });
    }
  }

  private addExperiment(
    name: ExperimentName,
    spec: {
      description: string;
      targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
      actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
      statements: iam.PolicyStatement[];
      emptyTargetResolutionMode?: 'fail' | 'skip';
    },
  ): void {
    const stack = Stack.of(this);
    const role = new iam.Role(this, `${name}Role`, {
      description: `${stack.stackName}: AWS FIS experiment ${name}`,
      // Confused-deputy guard: only FIS experiments of this account may assume it
      // (AWS FIS User Guide, "Prepare IAM roles for experiments").
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:fis:${stack.region}:${stack.account}:experiment/*`,
          },
        },
      }),
      inlinePolicies: {
        Experiment: new iam.PolicyDocument({
          statements: [...spec.statements, resolveTargetsStatement(), ...loggingStatements(stack)],
        }),
      },
    });
    this.roles[name] = role;
    // Each wildcard is acknowledged by its exact cdk-nag finding id, with the reason it cannot be narrower.
    const wildcards = new Set(
      [...spec.statements, resolveTargetsStatement(), ...loggingStatements(stack)]
        .flatMap((statement) => statement.resources)
        .filter((resource) => resource.includes('*')),
    );
    for (const resource of wildcards) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
        reason: wildcardReason(resource),
      });
    }

    this.templates[name] = new fis.CfnExperimentTemplate(this, `${name}Template`, {
      description: `${stack.stackName}: ${spec.description}`,
      roleArn: role.roleArn,
      targets: spec.targets,
      actions: spec.actions,
      stopConditions: this.props.stopAlarms.map((alarm) => ({
        source: 'aws:cloudwatch:alarm',
        value: alarm.alarmArn,
      })),
      logConfiguration: {
        logSchemaVersion: 2,
        cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn },
      },
      experimentOptions: {
        accountTargeting: 'single-account',
        emptyTargetResolutionMode: spec.emptyTargetResolutionMode ?? 'fail',
      },
      tags: { Name: `${stack.stackName}-${name}` },
    });
  }

  /** ARNs of the private and isolated subnets in the chosen zone (one per subnet group). */
  private zoneSubnetArns(): string[] {
    const stack = Stack.of(this);
    const arns: string[] = [];
    for (const group of [Network.PRIVATE, Network.ISOLATED]) {
      const inZone = this.props.vpc
        .selectSubnets({ subnetGroupName: group })
        .subnets.filter((subnet) => subnet.availabilityZone === this.zone);
      if (inZone.length !== 1) {
        throw new Error(
          `Resilience: expected one ${group} subnet in zone index ${this.props.config.zoneIndex}`,
        );
      }
      arns.push(stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: inZone[0].subnetId }));
    }
    return arns;
  }
}
