import { App, Token } from 'aws-cdk-lib';
import { buildApp, stackName } from '../lib/app';
import { ConfigError } from '../lib/config/load';
import { CDK_JSON_CONTEXT } from './helpers';

// Building (not synthesizing) the app is cheap: these tests check how context becomes stacks.
const build = (context: Record<string, unknown>) =>
  buildApp(new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } }));

describe('the app', () => {
  test('one stack per environment, named ScalableBackend-<env>', () => {
    expect(build({}).map((s) => s.stackName)).toEqual(['ScalableBackend-dev', 'ScalableBackend-prod']);
    expect(stackName('local')).toBe('ScalableBackend-local');
  });

  test('without account and region the stacks stay environment-agnostic (synthesize offline)', () => {
    for (const stack of build({})) {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(Token.isUnresolved(stack.region)).toBe(true);
    }
  });

  test('account and region from config pin the stack', () => {
    const [prod] = build({ envs: 'prod', 'prod.account': '123456789012', 'prod.region': 'eu-west-1' });
    expect(prod.account).toBe('123456789012');
    expect(prod.region).toBe('eu-west-1');
  });

  test('prod is termination-protected, dev is not', () => {
    const [dev, prod] = build({});
    expect(dev.terminationProtection).toBe(false);
    expect(prod.terminationProtection).toBe(true);
  });

  test('a config error stops the build before any stack exists (nothing half-applies)', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'dev.service.maxTasks': '0' } });
    expect(() => buildApp(app)).toThrow(ConfigError);
    expect(app.node.children).toHaveLength(0);
  });
});
