/**
 * Schema of how a new revision of the service reaches production (`service.deployment`): the ECS
 * deployment strategy, its traffic steps and bake times, and the smoke test that runs on the new
 * revision through the test listener rule before any production traffic reaches it.
 */
import { z } from 'zod';
import { IN_PLACE, doc, httpCodes, int } from './common';

/** Strategies of the ECS deployment controller this stack offers (CodeDeploy is not used). */
export const DEPLOYMENT_STRATEGIES = ['rolling', 'canary', 'linear', 'blueGreen'] as const;
export type DeploymentStrategyName = (typeof DEPLOYMENT_STRATEGIES)[number];

/**
 * Traffic percentages ECS accepts: multiples of 0.1, canary 0.1-100 and linear 3-100 (source: the
 * CanaryConfiguration / LinearConfiguration of the ECS API, which aws-cdk-lib checks the same way).
 */
export const CANARY_PERCENT_RANGE = { min: 0.1, max: 100 } as const;
export const LINEAR_STEP_PERCENT_RANGE = { min: 3, max: 100 } as const;
/** Bake times: 0 to 1,440 minutes (24 hours), the range of the ECS API. */
export const BAKE_MINUTES_MAX = 1440;

const tenths = (min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .refine((v) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9, { message: 'must be a multiple of 0.1' });

export const smokeTestSchema = z.strictObject({
  paths: doc(
    z
      .array(
        z
          .string()
          .regex(/^\/[\x21-\x7e]*$/, 'must start with / and contain no spaces')
          .max(1024),
      )
      .min(1)
      .max(10),
    {
      description:
        'Paths the smoke test requests on the new revision (GET, in order) through the test listener rule, before any production traffic reaches it. Only with a strategy other than `rolling`.',
      onChange: IN_PLACE,
    },
  ),
  expectedStatus: doc(httpCodes(100, 599, '200 or 200-299 or 200,204'), {
    description:
      'HTTP status codes a smoke-test answer must have (e.g. `200-299`); any other fails the release.',
    onChange: IN_PLACE,
  }),
  maxResponseMs: doc(int(50, 10_000), {
    description:
      'Slowest acceptable answer per path (milliseconds); a slower one (or none) fails the release and rolls it back.',
    onChange: IN_PLACE,
  }),
});

export const deploymentSchema = z.strictObject({
  strategy: doc(z.enum(DEPLOYMENT_STRATEGIES), {
    description:
      '`rolling`: tasks are replaced in place (circuit breaker rolls back tasks that never get healthy). `canary`: the new revision starts at full size beside the old one, gets `canaryPercent` of production traffic for `canaryBakeMinutes`, then all of it. `linear`: traffic moves in steps of `linearStepPercent` every `linearIntervalMinutes`. `blueGreen`: all traffic moves at once. Every strategy but `rolling` runs the smoke test first and rolls back on the release alarms (5xx rate, p95 latency, unhealthy targets of either target group); see docs/releasing.md.',
    onChange:
      'in place; from `rolling` to another strategy a second target group and two listener rules are added, and the next release uses the new strategy',
  }),
  canaryPercent: doc(tenths(CANARY_PERCENT_RANGE.min, CANARY_PERCENT_RANGE.max), {
    description:
      'Share of production traffic (%) the new revision gets during the canary phase (multiples of 0.1, below 100).',
    onChange: IN_PLACE,
  }),
  canaryBakeMinutes: doc(int(0, BAKE_MINUTES_MAX), {
    description:
      'Minutes the canary share runs, watched by the release alarms, before the rest of the traffic moves.',
    onChange: IN_PLACE,
  }),
  linearStepPercent: doc(tenths(LINEAR_STEP_PERCENT_RANGE.min, LINEAR_STEP_PERCENT_RANGE.max), {
    description: 'Share of production traffic (%) moved per step with `linear` (multiples of 0.1, 3-100).',
    onChange: IN_PLACE,
  }),
  linearIntervalMinutes: doc(int(0, BAKE_MINUTES_MAX), {
    description: 'Minutes between two `linear` steps.',
    onChange: IN_PLACE,
  }),
  bakeMinutes: doc(int(0, BAKE_MINUTES_MAX), {
    description:
      'Minutes the old revision keeps running after all traffic has moved, so a late alarm still rolls back at once (`canary`, `linear`, `blueGreen`).',
    onChange: IN_PLACE,
  }),
  smokeTest: smokeTestSchema.meta({ description: 'The smoke test of a new revision (lifecycle hook).' }),
});

export type DeploymentConfig = z.infer<typeof deploymentSchema>;

/**
 * Cross-field rules of `service.deployment` (path relative to it), checked at synth with the rest of
 * the environment.
 */
export function deploymentProblems(
  d: DeploymentConfig,
): { path: (string | number)[]; message: string; input: unknown }[] {
  const problems: { path: (string | number)[]; message: string; input: unknown }[] = [];
  if (d.strategy === 'canary' && d.canaryPercent >= 100) {
    problems.push({
      path: ['canaryPercent'],
      message:
        'must be below 100 with strategy canary (100 % at once is strategy blueGreen); allowed: 0.1 to 99.9 in steps of 0.1',
      input: d.canaryPercent,
    });
  }
  if (d.strategy === 'linear' && d.linearStepPercent >= 100) {
    problems.push({
      path: ['linearStepPercent'],
      message:
        'must be below 100 with strategy linear (one step of 100 % is strategy blueGreen); allowed: 3 to 99.9 in steps of 0.1',
      input: d.linearStepPercent,
    });
  }
  const paths = d.smokeTest.paths;
  if (new Set(paths).size !== paths.length) {
    problems.push({ path: ['smokeTest', 'paths'], message: 'must not list a path twice', input: paths });
  }
  return problems;
}
