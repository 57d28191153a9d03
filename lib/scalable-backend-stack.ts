import { CfnOutput, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig } from './config/schema';
import { Network } from './network';
import { Service } from './service';

export interface ScalableBackendStackProps extends StackProps {
  /** Environment name (`dev`, `prod`, ...). */
  readonly envName: string;
  /** The validated config of the environment; constructs read nothing else. */
  readonly config: EnvironmentConfig;
}

/** One environment of scalable-backend: network, service, data tier and observability. */
export class ScalableBackendStack extends Stack {
  readonly network: Network;
  readonly service: Service;

  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: ScalableBackendStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.azCount = config.network.maxAzs;
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);

    this.network = new Network(this, 'Network', { config: config.network });

    this.service = new Service(this, 'Service', {
      vpc: this.network.vpc,
      config: config.service,
    });

    new CfnOutput(this, 'ServiceUrl', {
      description: 'URL of the load balancer in front of the service',
      value: this.service.url,
    });
  }

  /**
   * AZs resolved by CloudFormation (`Fn::GetAZs`) instead of a context lookup: an environment-agnostic
   * stack would otherwise get only two, and a pinned account/region would need AWS credentials at
   * synth. `network.availabilityZones` bypasses this with literal names (LocalStack).
   */
  override get availabilityZones(): string[] {
    return Array.from({ length: this.azCount }, (_, i) => Fn.select(i, Fn.getAzs()));
  }
}
