import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadEnvironments } from './config/load';
import { applyGovernance, governancePlugins } from './governance';
import { CONTEXT_LOCALSTACK_ENDPOINT, endpointProblems } from './localstack';
import { ScalableBackendChecks } from './rules';
import { ScalableBackendStack } from './scalable-backend-stack';

/** Stack name of an environment. */
export const stackName = (envName: string): string => `ScalableBackend-${envName}`;

export interface BuildAppOptions {
  /**
   * The AWS endpoint the CLI talks to, read by the entry point from `AWS_ENDPOINT_URL` (`cdklocal`
   * always sets it). Together with the `localstack:endpoint` context key that `bin/local.ts` sets,
   * it must be a local endpoint whenever an environment with `target: localstack` is selected.
   * @default - no endpoint: plain `cdk synth` of the local preset works offline; a deploy into AWS is
   * still stopped by the stack's account pin and its LocalStackOnly CloudFormation rule
   */
  readonly endpoint?: string;
  /**
   * Run AWS Control Tower's proactive controls (Guard) at synth. Unit tests that synthesize a
   * variant of their own turn it off: the jest global setup runs it once per preset and variant.
   * @default true
   */
  readonly controlTower?: boolean;
}

/**
 * Build every selected environment into `app`: read the context once, validate it into typed
 * configs (throws a ConfigError naming each bad key before any construct exists), create one stack
 * per environment, harden it for governed accounts (lib/governance), and register cdk-nag's
 * AwsSolutions pack, the project's own rule pack (lib/rules: run-time facts of AWS the templates must
 * respect), AWS Control Tower's proactive controls and the compliance packs an environment asks
 * for (`compliance.packs`) as validation plugins.
 */
export function buildApp(app: App, options: BuildAppOptions = {}): ScalableBackendStack[] {
  const environments = loadEnvironments(app.node.getAllContext());
  // A LocalStack environment must never be synthesized for a real AWS endpoint.
  const endpointIssues = endpointProblems(environments, [
    app.node.tryGetContext(CONTEXT_LOCALSTACK_ENDPOINT),
    options.endpoint,
  ]);
  if (endpointIssues.length) throw new ConfigError(endpointIssues);
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
  environments.forEach(({ config }, i) => applyGovernance(stacks[i], config));
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ScalableBackendChecks(),
    ...governancePlugins(
      environments.map(({ config }, i) => ({ stack: stacks[i], config })),
      { controlTower: options.controlTower },
    ),
  );
  return stacks;
}
