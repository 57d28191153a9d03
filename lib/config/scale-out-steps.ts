import { z } from 'zod';

/**
 * Graduated scale-out: the steps of `service.scaling.scaleOutSteps`, their rules and how they render
 * into the one StepScaling policy of the service (which has ONE adjustment type for all its steps).
 */

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** One step of graduated scale-out: from `atCpuPercent` up to the next step's, add tasks or a percentage. */
export const scaleOutStepSchema = z.strictObject({
  atCpuPercent: int(1, 100),
  addTasks: int(1, 100).optional(),
  addPercent: int(1, 1000).optional(),
});

export type ScaleOutStep = z.infer<typeof scaleOutStepSchema>;

/**
 * The rules a list of scale-out steps must follow: exactly one of `addTasks`/`addPercent` per item,
 * ascending thresholds starting at `scaleOutCpuPercent`, adjustments that never shrink as the
 * breach grows, and one unit the single step scaling policy can express (see
 * {@link renderScaleOutSteps}).
 */
export function scaleOutStepProblems(
  steps: readonly ScaleOutStep[],
  scaleOutCpuPercent: number,
  maxTasks: number,
): { at: (string | number)[]; message: string; input: unknown }[] {
  const problems: { at: (string | number)[]; message: string; input: unknown }[] = [];
  steps.forEach((step, i) => {
    if ((step.addTasks === undefined) === (step.addPercent === undefined)) {
      problems.push({ at: [i], message: 'needs exactly one of addTasks or addPercent', input: step });
    }
  });
  if (problems.length > 0) return problems;
  if (steps.length > 0 && steps[0].atCpuPercent !== scaleOutCpuPercent) {
    problems.push({
      at: [0, 'atCpuPercent'],
      message: `must equal service.scaling.scaleOutCpuPercent (${scaleOutCpuPercent}): the first step starts where the scale-out alarm fires`,
      input: steps[0].atCpuPercent,
    });
  }
  for (let i = 1; i < steps.length; i++) {
    const [prev, step] = [steps[i - 1], steps[i]];
    if (step.atCpuPercent <= prev.atCpuPercent) {
      problems.push({
        at: [i, 'atCpuPercent'],
        message: `must be above the previous step's atCpuPercent (${prev.atCpuPercent}): steps ascend and do not overlap`,
        input: step.atCpuPercent,
      });
    }
    const key = step.addTasks !== undefined ? 'addTasks' : 'addPercent';
    const [before, now] = [prev[key], step[key]];
    if (before !== undefined && now !== undefined && now < before) {
      problems.push({
        at: [i, key],
        message: `must not be below the previous step's ${key} (${before}): a larger breach never adds less`,
        input: now,
      });
    }
  }
  const mixed = steps.some((s) => s.addPercent !== undefined) && steps.some((s) => s.addTasks !== undefined);
  if (mixed) {
    steps.forEach((step, i) => {
      if (step.addTasks !== undefined && step.addTasks !== 1) {
        problems.push({
          at: [i, 'addTasks'],
          message:
            'must be 1 in a list with addPercent steps: one step scaling policy has one adjustment type (PercentChangeInCapacity), which expresses exactly one task only; use addPercent here',
          input: step.addTasks,
        });
      }
    });
    if (maxTasks > 100) {
      problems.push({
        at: [],
        message: `mixes addTasks and addPercent, which needs service.maxTasks <= 100 (got ${maxTasks}): above that even 1 % adds more than one task; use addPercent only`,
        input: steps,
      });
    }
  }
  return problems;
}

/** How the steps render into the one scale-out policy (adjustments relative to the alarm threshold). */
export interface RenderedScaleOutSteps {
  readonly adjustmentType: 'ChangeInCapacity' | 'PercentChangeInCapacity';
  /** Set with PercentChangeInCapacity: a small service still grows by whole tasks. */
  readonly minAdjustmentMagnitude?: number;
  readonly steps: readonly { readonly atCpuPercent: number; readonly change: number }[];
}

/**
 * Render validated steps for one StepScaling policy, which has ONE AdjustmentType for all its steps
 * (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html).
 * Tasks only: ChangeInCapacity, exact. Any percent: PercentChangeInCapacity with
 * MinAdjustmentMagnitude 1, and `addTasks: 1` becomes 1 %: below 100 tasks (the schema's limit for
 * mixed lists) 1 % is less than one task, which the minimum magnitude lifts to exactly one.
 */
export function renderScaleOutSteps(steps: readonly ScaleOutStep[]): RenderedScaleOutSteps {
  const percent = steps.some((s) => s.addPercent !== undefined);
  if (!percent) {
    return {
      adjustmentType: 'ChangeInCapacity',
      steps: steps.map((s) => ({ atCpuPercent: s.atCpuPercent, change: s.addTasks! })),
    };
  }
  return {
    adjustmentType: 'PercentChangeInCapacity',
    minAdjustmentMagnitude: 1,
    steps: steps.map((s) => ({
      atCpuPercent: s.atCpuPercent,
      change: s.addPercent ?? 1,
    })),
  };
}
