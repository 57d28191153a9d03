/**
 * ECS deployment lifecycle hook (stage POST_TEST_TRAFFIC_SHIFT): the test listener rule now sends
 * requests with the release header to the new revision, no production request reaches it yet. The
 * hook answers `SUCCEEDED` when every smoke-test path answers as expected, `FAILED` otherwise, which
 * makes ECS roll the deployment back (hookStatus values:
 * docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 */
import { SMOKE_TEST_ENV, SmokeTestSettings, runSmokeTest } from './check';

/** The part of the lifecycle hook payload this function logs. */
export interface LifecycleHookEvent {
  readonly serviceArn?: string;
  readonly targetServiceRevisionArn?: string;
  readonly testTrafficWeights?: Record<string, number>;
  readonly productionTrafficWeights?: Record<string, number>;
}

export interface LifecycleHookAnswer {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED';
}

export async function handler(event: LifecycleHookEvent): Promise<LifecycleHookAnswer> {
  const raw = process.env[SMOKE_TEST_ENV];
  if (!raw) throw new Error(`${SMOKE_TEST_ENV} is not set`);
  const settings = JSON.parse(raw) as SmokeTestSettings;
  const result = await runSmokeTest(settings);
  // One JSON line per run: the release command and the docs point at this log group.
  console.log(
    JSON.stringify({
      message: result.passed ? 'smoke test passed' : 'smoke test failed',
      serviceRevision: event.targetServiceRevisionArn,
      testTrafficWeights: event.testTrafficWeights,
      results: result.results,
    }),
  );
  return { hookStatus: result.passed ? 'SUCCEEDED' : 'FAILED' };
}
