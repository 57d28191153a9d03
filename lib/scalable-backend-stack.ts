import { CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
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

  constructor(scope: Construct, id: string, props: ScalableBackendStackProps) {
    super(scope, id, props);
    const { config } = props;
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
}
