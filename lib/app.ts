import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadEnvironments } from './config/load';
import { ScalableBackendStack } from './scalable-backend-stack';

/** Stack name of an environment. */
export const stackName = (envName: string): string => `ScalableBackend-${envName}`;

/**
 * Build every selected environment into `app`: read the context once, validate it into typed
 * configs (throws a ConfigError naming each bad key before any construct exists), create one stack
 * per environment and register cdk-nag's AwsSolutions pack as a validation plugin.
 */
export function buildApp(app: App): ScalableBackendStack[] {
  const environments = loadEnvironments(app.node.getAllContext());
  const stacks = environments.map(
    ({ name, config }) =>
      new ScalableBackendStack(app, stackName(name), {
        envName: name,
        config,
        env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
        description: `scalable-backend (${name}): ALB + Fargate, RDS PostgreSQL + replicas + RDS Proxy, ElastiCache, alarms`,
        terminationProtection: config.target === 'aws' && config.database.deletionProtection,
      }),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
