import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NetworkConfig } from './config/schema';

export interface NetworkProps {
  /** Validated network settings of the environment. */
  readonly config: NetworkConfig;
}

/**
 * The VPC: public subnets (ALB, NAT), private subnets with egress (Fargate tasks) and isolated
 * subnets (database, cache), flow logs of all traffic, and an S3 gateway endpoint so image layers and
 * S3 traffic skip the NAT gateways.
 */
export class Network extends Construct {
  /** Subnet group names, for placement by other tiers. */
  static readonly PUBLIC = 'Public';
  static readonly PRIVATE = 'Private';
  static readonly ISOLATED = 'Isolated';

  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { config } = props;

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.flowLogRetentionDays as logs.RetentionDays,
      // Flow logs are an audit record; keep them when the stack goes, but not after a failed first
      // create (nothing to keep, and a retry should start clean).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.cidr),
      ...(config.availabilityZones
        ? { availabilityZones: config.availabilityZones }
        : { maxAzs: config.maxAzs }),
      natGateways: config.natGateways,
      // No cidrMask: CDK splits the block evenly, so each of the 3 tiers gets equal room per AZ.
      subnetConfiguration: [
        { name: Network.PUBLIC, subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: Network.PRIVATE, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: Network.ISOLATED, subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    if (config.availabilityZones) {
      for (const subnet of [
        ...this.vpc.publicSubnets,
        ...this.vpc.privateSubnets,
        ...this.vpc.isolatedSubnets,
      ]) {
        Validations.of(subnet).acknowledge({
          id: 'CloudFormation-Validate::W3010',
          reason:
            'AZs are pinned on purpose by network.availabilityZones (LocalStack has no Fn::GetAZs; reproducible placement).',
        });
      }
    }

    // The construct that strips the default security group's rules is a CDK-provided custom
    // resource whose Lambda runtime and managed policy we do not control.
    const restrict = this.vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource');
    if (restrict) {
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-managed provider that removes all rules from the default security group; basic execution role only.',
      });
    }
  }
}
