import { ConfigError, loadEnvironments } from '../lib/config/load';

/**
 * The ConfigError message loading `context` produces (fails the test when it loads). Kept apart from
 * test/helpers.ts so config tests do not load aws-cdk-lib.
 */
export function configErrorOf(context: Record<string, unknown>): string {
  try {
    loadEnvironments(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
}
