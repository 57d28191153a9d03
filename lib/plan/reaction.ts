/**
 * How fast the service absorbs a load step, replayed from what the template says: the scale-out and
 * scale-in alarms (period, evaluation periods, datapoints), the step adjustments, cooldowns, min and
 * max capacity and the target group's health check. Pure and deterministic (one-second steps).
 *
 * The model, stated with every result:
 * - Load is measured in "task-percent": the base load puts `minTasks` at `baseCpuPercent` (50 %), a
 *   load step multiplies it. A task serves at most 100 % (CPU saturates), so a saturated service
 *   reports 100 % however large the step.
 * - ECS averages CPU over RUNNING tasks; a task that runs but has not passed the health check yet
 *   gets no traffic and idles (0 %), which pulls the average down.
 * - A new task runs `taskStartSeconds` after the desired count rises and serves after
 *   `healthyThresholdCount` x `intervalSeconds` more.
 * - The alarm evaluates at the end of each period; while in ALARM it runs the policy once per period
 *   (CloudWatch re-invokes Auto Scaling actions every minute in ALARM).
 * - Step scaling uses the average of the evaluated datapoints (MetricAggregationType Average) to pick
 *   the step. Percent steps: x % of the current desired count, above 1 rounded down, between 0 and 1
 *   rounded to 1, then at least MinAdjustmentMagnitude. During a scale-out cooldown the capacity the
 *   initiating step added counts toward the next one (only the difference is added) and the cooldown
 *   is not restarted; scale-in waits for its cooldown.
 *   (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html)
 * - Target tracking at 70 % (the reference): its high alarm needs 3 of 3 one-minute datapoints above
 *   the target (its low alarm 15 of 15; both fixed by the service, aws/containers-roadmap#1208,
 *   aws/copilot-cli#4233), then it sizes the service to the measured load, ceil(used CPU / target), capped at
 *   max; ECS's default cooldowns are 300 s, and during a scale-out cooldown capacity added counts
 *   toward the next scale-out, so it still grows when the breach grows
 *   (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html).
 */
import { CfnTemplate, numberProp, referencedId, requireNumber, resourcesOfType } from './template';

export interface StepInterval {
  /** Lower bound relative to the alarm threshold (inclusive); -Infinity when open. */
  readonly lower: number;
  /** Upper bound relative to the alarm threshold (exclusive); Infinity when open. */
  readonly upper: number;
  readonly adjustment: number;
}

export interface StepPolicyModel {
  readonly thresholdPercent: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly adjustmentType: 'ChangeInCapacity' | 'PercentChangeInCapacity';
  readonly minAdjustmentMagnitude: number;
  readonly steps: readonly StepInterval[];
  readonly cooldownSeconds: number;
}

export interface ScalingModel {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly scaleOut: StepPolicyModel;
  readonly scaleIn: StepPolicyModel;
  readonly healthCheckIntervalSeconds: number;
  readonly healthyThresholdCount: number;
}

export interface ReactionAssumptions {
  /** Seconds from a desired-count increase until the new task runs (placement, image pull, start). */
  readonly taskStartSeconds: number;
  /** CPU (%) of the base load at the minimum task count. */
  readonly baseCpuPercent: number;
  /** The target-tracking reference: target CPU (%), high-alarm datapoints (1-minute), cooldown. */
  readonly targetTrackingPercent: number;
  readonly targetTrackingDatapoints: number;
  readonly targetTrackingCooldownSeconds: number;
  /** How long the replay runs before giving up (minutes). */
  readonly horizonMinutes: number;
}

export const DEFAULT_REACTION_ASSUMPTIONS: ReactionAssumptions = {
  taskStartSeconds: 60,
  baseCpuPercent: 50,
  targetTrackingPercent: 70,
  targetTrackingDatapoints: 3,
  targetTrackingCooldownSeconds: 300,
  horizonMinutes: 240,
};

export interface ScaleOutResult {
  /** Minutes from the step until serving capacity brings CPU under the scale-out line (or max serves). */
  readonly minutes: number | null;
  /** Tasks needed to bring CPU under the line. */
  readonly tasksNeeded: number;
  /** Desired count when capacity was reached (tasks still starting included). */
  readonly desiredTasks: number;
  /** `maxTasks` is below `tasksNeeded`: `minutes` is when max serves, CPU stays above the line. */
  readonly cappedAtMax: boolean;
  /** Every scale-out decision: when (seconds after the step), the metric value it saw, the new count. */
  readonly decisions: readonly {
    readonly atSeconds: number;
    readonly cpuPercent: number;
    readonly desired: number;
  }[];
}

export interface ScaleInResult {
  /** Minutes from the load's return to base until the last task is removed (0 when none is). */
  readonly minutes: number;
  /** Where the count settles: the base load keeps CPU above the scale-in line from there. */
  readonly settledTasks: number;
}

export interface LoadStepResult {
  readonly loadMultiple: number;
  readonly stepScaling: ScaleOutResult;
  readonly targetTracking: ScaleOutResult;
  readonly scaleIn: ScaleInResult;
}

/** Read the service's step scaling, capacity and health check from a synthesized template. */
export function scalingModelFromTemplate(template: CfnTemplate): ScalingModel {
  const target = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalableTarget').find(
    ([, r]) => r.Properties?.ScalableDimension === 'ecs:service:DesiredCount',
  );
  if (!target) throw new Error('no ECS scalable target (ecs:service:DesiredCount) in the template');
  const policies = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(
    ([, r]) => r.Properties?.PolicyType === 'StepScaling',
  );
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const policyModel = (direction: 'out' | 'in'): StepPolicyModel => {
    for (const [policyId, policy] of policies) {
      const alarm = alarms.find(([, a]) =>
        ((a.Properties?.AlarmActions as unknown[]) ?? []).some((action) => referencedId(action) === policyId),
      );
      if (!alarm) continue;
      const a = alarm[1].Properties ?? {};
      const up = String(a.ComparisonOperator).startsWith('GreaterThan');
      if (up !== (direction === 'out')) continue;
      const c = (policy.Properties?.StepScalingPolicyConfiguration ?? {}) as Record<string, unknown>;
      const type = String(c.AdjustmentType);
      if (type !== 'ChangeInCapacity' && type !== 'PercentChangeInCapacity') {
        throw new Error(`${policyId}: adjustment type ${type} is not modelled`);
      }
      const steps = ((c.StepAdjustments as Record<string, unknown>[]) ?? []).map((s) => ({
        lower: numberProp(s, 'MetricIntervalLowerBound') ?? -Infinity,
        upper: numberProp(s, 'MetricIntervalUpperBound') ?? Infinity,
        adjustment: requireNumber(policyId, s, 'ScalingAdjustment'),
      }));
      const evaluationPeriods = requireNumber(alarm[0], a, 'EvaluationPeriods');
      return {
        thresholdPercent: requireNumber(alarm[0], a, 'Threshold'),
        periodSeconds: requireNumber(alarm[0], a, 'Period'),
        evaluationPeriods,
        datapointsToAlarm: numberProp(a, 'DatapointsToAlarm') ?? evaluationPeriods,
        adjustmentType: type,
        minAdjustmentMagnitude: numberProp(c, 'MinAdjustmentMagnitude') ?? 0,
        steps,
        // Application Auto Scaling's default for ECS services when the policy sets none.
        cooldownSeconds: numberProp(c, 'Cooldown') ?? 300,
      };
    }
    throw new Error(`no step scaling policy with a scale-${direction} alarm in the template`);
  };
  const tg = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')[0];
  if (!tg) throw new Error('no target group in the template');
  return {
    minTasks: requireNumber(target[0], target[1].Properties, 'MinCapacity'),
    maxTasks: requireNumber(target[0], target[1].Properties, 'MaxCapacity'),
    scaleOut: policyModel('out'),
    scaleIn: policyModel('in'),
    // Defaults of an ALB target group when the template leaves them out.
    healthCheckIntervalSeconds: numberProp(tg[1].Properties, 'HealthCheckIntervalSeconds') ?? 30,
    healthyThresholdCount: numberProp(tg[1].Properties, 'HealthyThresholdCount') ?? 5,
  };
}

/** Tasks a step adds (or removes) at `capacity`, as Application Auto Scaling rounds it. */
export function stepChange(policy: StepPolicyModel, adjustment: number, capacity: number): number {
  if (policy.adjustmentType === 'ChangeInCapacity') return adjustment;
  const raw = (capacity * adjustment) / 100;
  const magnitude = Math.abs(raw) > 1 ? Math.floor(Math.abs(raw)) : Math.abs(raw) > 0 ? 1 : 0;
  return Math.sign(adjustment) * Math.max(policy.minAdjustmentMagnitude, magnitude);
}

interface Task {
  readonly runningAt: number;
  readonly servingAt: number;
}

type Sizer = (ctx: { now: number; desired: number; datapoints: number[]; usedCpu: number[] }) => {
  desired: number | undefined;
  cpuPercent: number;
};

/** Replay a load step with a scale-out rule; `decide` returns the new desired count, if any. */
function replayScaleOut(
  model: ScalingModel,
  loadMultiple: number,
  a: ReactionAssumptions,
  alarm: {
    threshold: number;
    strictlyAbove: boolean;
    periodSeconds: number;
    evaluationPeriods: number;
    datapoints: number;
  },
  decide: Sizer,
): ScaleOutResult {
  const demand = loadMultiple * a.baseCpuPercent * model.minTasks;
  const line = model.scaleOut.thresholdPercent;
  const tasksNeeded = Math.floor(demand / line) + 1;
  const readyAfter = a.taskStartSeconds + model.healthCheckIntervalSeconds * model.healthyThresholdCount;
  const tasks: Task[] = Array.from({ length: model.minTasks }, () => ({
    runningAt: -Infinity,
    servingAt: -Infinity,
  }));
  let desired = model.minTasks;
  const datapoints: number[] = [];
  const usedCpu: number[] = [];
  const decisions: { atSeconds: number; cpuPercent: number; desired: number }[] = [];
  let cpuSum = 0;
  let usedSum = 0;
  for (let t = 0; t <= a.horizonMinutes * 60; t++) {
    const running = tasks.filter((k) => k.runningAt <= t).length;
    const serving = tasks.filter((k) => k.servingAt <= t).length;
    if (serving * line > demand) {
      return { minutes: t / 60, tasksNeeded, desiredTasks: desired, cappedAtMax: false, decisions };
    }
    if (serving >= model.maxTasks) {
      return { minutes: t / 60, tasksNeeded, desiredTasks: desired, cappedAtMax: true, decisions };
    }
    const used = Math.min(demand, 100 * serving);
    cpuSum += running > 0 ? used / running : 0;
    usedSum += used;
    if ((t + 1) % alarm.periodSeconds !== 0) continue;
    datapoints.push(cpuSum / alarm.periodSeconds);
    usedCpu.push(usedSum / alarm.periodSeconds);
    cpuSum = 0;
    usedSum = 0;
    const window = datapoints.slice(-alarm.evaluationPeriods);
    const breaching = window.filter((v) =>
      alarm.strictlyAbove ? v > alarm.threshold : v >= alarm.threshold,
    ).length;
    if (breaching < alarm.datapoints) continue;
    const { desired: next, cpuPercent } = decide({ now: t + 1, desired, datapoints: window, usedCpu });
    if (next !== undefined && next > desired) {
      decisions.push({ atSeconds: t + 1, cpuPercent: Math.round(cpuPercent * 100) / 100, desired: next });
      const start = t + 1;
      for (let i = desired; i < next; i++) {
        tasks.push({ runningAt: start + a.taskStartSeconds, servingAt: start + readyAfter });
      }
      desired = next;
    }
  }
  return {
    minutes: null,
    tasksNeeded,
    desiredTasks: desired,
    cappedAtMax: tasksNeeded > model.maxTasks,
    decisions,
  };
}

/** Minutes until the template's step scaling brings CPU under its scale-out line after a load step. */
export function replayStepScaling(
  model: ScalingModel,
  loadMultiple: number,
  a: ReactionAssumptions = DEFAULT_REACTION_ASSUMPTIONS,
): ScaleOutResult {
  const p = model.scaleOut;
  const decide = stepScalingDecision(p, model.maxTasks);
  return replayScaleOut(
    model,
    loadMultiple,
    a,
    {
      threshold: p.thresholdPercent,
      strictlyAbove: false,
      periodSeconds: p.periodSeconds,
      evaluationPeriods: p.evaluationPeriods,
      datapoints: p.datapointsToAlarm,
    },
    ({ now, desired, datapoints }) => {
      // MetricAggregationType Average: the step is chosen by the mean of the evaluated datapoints.
      const value = datapoints.reduce((sum, v) => sum + v, 0) / datapoints.length;
      return { desired: decide(now, desired, value), cpuPercent: value };
    },
  );
}

/**
 * The scale-out decisions of a step scaling policy, with its cooldown state: call it with the time
 * (seconds), the current desired count and the metric value each time the alarm runs the policy;
 * it returns the new desired count, or undefined when nothing changes. During the cooldown the
 * step is applied to the count before the initiating step, so only a larger step adds (the
 * difference), and the cooldown is not restarted.
 */
export function stepScalingDecision(
  p: StepPolicyModel,
  maxTasks: number,
): (now: number, desired: number, value: number) => number | undefined {
  let cooldown: { until: number; base: number } | undefined;
  return (now, desired, value) => {
    const step = p.steps.find(
      (s) => value - p.thresholdPercent >= s.lower && value - p.thresholdPercent < s.upper,
    );
    if (!step || step.adjustment <= 0) return undefined;
    if (cooldown && now < cooldown.until) {
      const candidate = Math.min(maxTasks, cooldown.base + stepChange(p, step.adjustment, cooldown.base));
      return candidate > desired ? candidate : undefined;
    }
    const next = Math.min(maxTasks, desired + stepChange(p, step.adjustment, desired));
    if (next <= desired) return undefined;
    cooldown = { until: now + p.cooldownSeconds, base: desired };
    return next;
  };
}

/** The same load step under a target-tracking policy at `targetTrackingPercent` (the reference). */
export function replayTargetTracking(
  model: ScalingModel,
  loadMultiple: number,
  a: ReactionAssumptions = DEFAULT_REACTION_ASSUMPTIONS,
): ScaleOutResult {
  const target = a.targetTrackingPercent;
  return replayScaleOut(
    { ...model, scaleOut: { ...model.scaleOut, thresholdPercent: target } },
    loadMultiple,
    a,
    {
      threshold: target,
      strictlyAbove: true,
      periodSeconds: 60,
      evaluationPeriods: a.targetTrackingDatapoints,
      datapoints: a.targetTrackingDatapoints,
    },
    // Sized to the measured load; in or out of the cooldown the larger count wins (capacity added
    // by the initiating scale-out counts toward the next), so the cooldown never lowers it.
    ({ usedCpu, datapoints }) => ({
      desired: Math.min(model.maxTasks, Math.ceil(usedCpu[usedCpu.length - 1] / target)),
      cpuPercent: datapoints[datapoints.length - 1],
    }),
  );
}

/**
 * After the load returns to base with `fromTasks` running: minutes until the scale-in policy stops
 * removing tasks, and where the count settles.
 */
export function replayScaleIn(
  model: ScalingModel,
  fromTasks: number,
  a: ReactionAssumptions = DEFAULT_REACTION_ASSUMPTIONS,
): ScaleInResult {
  const p = model.scaleIn;
  const demand = a.baseCpuPercent * model.minTasks;
  let tasks = fromTasks;
  let lastRemoval = 0;
  let cooldownUntil = -Infinity;
  const datapoints: number[] = [];
  for (let end = p.periodSeconds; end <= a.horizonMinutes * 60; end += p.periodSeconds) {
    datapoints.push(Math.min(100, demand / tasks));
    const window = datapoints.slice(-p.evaluationPeriods);
    const breaching = window.filter((v) => v <= p.thresholdPercent).length;
    if (window.length < p.evaluationPeriods || breaching < p.datapointsToAlarm) continue;
    if (end < cooldownUntil || tasks <= model.minTasks) continue;
    const value = window.reduce((s, v) => s + v, 0) / window.length;
    const step = p.steps.find(
      (s) => value - p.thresholdPercent >= s.lower && value - p.thresholdPercent < s.upper,
    );
    if (!step || step.adjustment >= 0) continue;
    tasks = Math.max(model.minTasks, tasks + stepChange(p, step.adjustment, tasks));
    lastRemoval = end;
    cooldownUntil = end + p.cooldownSeconds;
  }
  return { minutes: lastRemoval / 60, settledTasks: tasks };
}

/** Every load step: the template's policy, the target-tracking reference and the way back. */
export function reactionTable(
  model: ScalingModel,
  multiples: readonly number[] = [1.5, 2, 3, 5],
  a: ReactionAssumptions = DEFAULT_REACTION_ASSUMPTIONS,
): LoadStepResult[] {
  return multiples.map((m) => {
    const stepScaling = replayStepScaling(model, m, a);
    return {
      loadMultiple: m,
      stepScaling,
      targetTracking: replayTargetTracking(model, m, a),
      scaleIn: replayScaleIn(model, stepScaling.desiredTasks, a),
    };
  });
}
