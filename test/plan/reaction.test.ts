import {
  DEFAULT_REACTION_ASSUMPTIONS,
  ScalingModel,
  StepPolicyModel,
  replayScaleIn,
  replayStepScaling,
  replayTargetTracking,
  scalingModelFromTemplate,
  stepChange,
  stepScalingDecision,
} from '../../lib/plan/reaction';
import { presets } from '../helpers';

// GIVEN the shape of the presets' policy, written out by hand: 2 of 2 one-minute datapoints at
// >= 70 %; +1 task (1 % with a minimum of 1), +25 % from 85 %, +50 % from 95 %; 60 s cooldown;
// scale-in -1 task after 15 of 15 minutes <= 30 %, 300 s cooldown; health check 2 x 15 s.
const graduated: StepPolicyModel = {
  thresholdPercent: 70,
  periodSeconds: 60,
  evaluationPeriods: 2,
  datapointsToAlarm: 2,
  adjustmentType: 'PercentChangeInCapacity',
  minAdjustmentMagnitude: 1,
  steps: [
    { lower: 0, upper: 15, adjustment: 1 },
    { lower: 15, upper: 25, adjustment: 25 },
    { lower: 25, upper: Infinity, adjustment: 50 },
  ],
  cooldownSeconds: 60,
};
const scaleIn: StepPolicyModel = {
  thresholdPercent: 30,
  periodSeconds: 60,
  evaluationPeriods: 15,
  datapointsToAlarm: 15,
  adjustmentType: 'ChangeInCapacity',
  minAdjustmentMagnitude: 0,
  steps: [{ lower: -Infinity, upper: 0, adjustment: -1 }],
  cooldownSeconds: 300,
};
const model = (over: Partial<ScalingModel> = {}): ScalingModel => ({
  minTasks: 2,
  maxTasks: 20,
  scaleOut: graduated,
  scaleIn,
  healthCheckIntervalSeconds: 15,
  healthyThresholdCount: 2,
  ...over,
});
// Task start 60 s + health check 2 x 15 s: a task launched at t serves at t + 90 s.
const A = DEFAULT_REACTION_ASSUMPTIONS;

describe('step scaling replay (hand-computed)', () => {
  test('a breach that stays under 85 %: one task at a time; a cooldown shorter than start + health check overshoots', () => {
    // WHEN 1.5x: 150 task-% on 2 tasks = 75 %, under the 85 % step
    const r = replayStepScaling(model(), 1.5, A);
    // THEN 2 of 2 breaching minutes -> +1 at 120 s; that task serves at 210 s, when 3 x 70 > 150
    expect(r.tasksNeeded).toBe(3);
    expect(r.minutes).toBe(3.5);
    // the 60 s cooldown ended at 180 s while the new task was still starting: a second +1 (overshoot)
    expect(r.decisions).toEqual([
      { atSeconds: 120, cpuPercent: 75, desired: 3 },
      { atSeconds: 180, cpuPercent: 75, desired: 4 },
    ]);
  });

  test('cooldown overlap: while the cooldown runs, the same step adds nothing more', () => {
    // GIVEN a cooldown (300 s) longer than a task needs to serve (90 s)
    const r = replayStepScaling(model({ scaleOut: { ...graduated, cooldownSeconds: 300 } }), 1.5, A);
    // THEN the 180 s execution applies +1 to the pre-step count (2 + 1 = 3 = desired): no change
    expect(r.decisions).toEqual([{ atSeconds: 120, cpuPercent: 75, desired: 3 }]);
    expect(r.minutes).toBe(3.5);
  });

  test('cooldown overlap: a larger step during the cooldown adds only the difference (AWS example: +2, then +3 adds 1)', () => {
    const decide = stepScalingDecision(
      {
        ...graduated,
        adjustmentType: 'ChangeInCapacity',
        cooldownSeconds: 300,
        steps: [
          { lower: 0, upper: 15, adjustment: 2 },
          { lower: 15, upper: Infinity, adjustment: 3 },
        ],
      },
      20,
    );
    expect(decide(0, 4, 80)).toBe(6); // +2, cooldown until 300 s from base 4
    expect(decide(60, 6, 90)).toBe(7); // +3 on base 4 = 7: one more task, not three
    expect(decide(120, 7, 80)).toBeUndefined(); // +2 on base 4 = 6 < 7
    expect(decide(300, 7, 80)).toBe(9); // cooldown over: +2 on 7
  });

  test('a saturated service sees only 100 %: a 10x step gets the same first decisions as 5x', () => {
    // WHEN 5x: 500 task-% on 2 tasks -> CPU 100 % (not 250 %)
    const five = replayStepScaling(model(), 5, A);
    const ten = replayStepScaling(model(), 10, A);
    // THEN both start with +50 % of 2 = 1 task at 120 s and again at 180 s (cooldown over)
    expect(five.decisions.slice(0, 2)).toEqual([
      { atSeconds: 120, cpuPercent: 100, desired: 3 },
      { atSeconds: 180, cpuPercent: 100, desired: 4 },
    ]);
    expect(ten.decisions.slice(0, 2)).toEqual(five.decisions.slice(0, 2));
    // 240 s: minute 180-240 had 3 running, 2 serving until 210 s: (30 x 66.67 + 30 x 100) / 60 = 83.33;
    // mean of 100 and 83.33 = 91.67 -> the 85 % step, +25 % of 4 = 1
    expect(five.decisions[2]).toEqual({ atSeconds: 240, cpuPercent: 91.67, desired: 5 });
    // 8 tasks are needed (8 x 70 > 500); the 8th was launched at 420 s and serves at 510 s
    expect(five.tasksNeeded).toBe(8);
    expect(five.minutes).toBe(8.5);
  });

  test('capped at max: 5x needs 8 tasks, max is 4: minutes until 4 serve, flagged', () => {
    const r = replayStepScaling(model({ maxTasks: 4 }), 5, A);
    // 3 at 120 s, 4 at 180 s (serves at 270 s), and nothing beyond the cap
    expect(r).toMatchObject({ cappedAtMax: true, tasksNeeded: 8, minutes: 4.5, desiredTasks: 4 });
    expect(r.decisions.map((d) => d.desired)).toEqual([3, 4]);
  });

  test('percent steps round like Application Auto Scaling: above 1 down, under 1 up to the minimum', () => {
    expect(stepChange(graduated, 25, 4)).toBe(1); // 1.0
    expect(stepChange(graduated, 25, 7)).toBe(1); // 1.75 -> 1
    expect(stepChange(graduated, 50, 9)).toBe(4); // 4.5 -> 4
    expect(stepChange(graduated, 1, 99)).toBe(1); // 0.99 -> the minimum magnitude, one task
    expect(stepChange({ ...graduated, minAdjustmentMagnitude: 2 }, 25, 4)).toBe(2);
  });
});

describe('target-tracking reference (hand-computed)', () => {
  test('3x on 2 tasks: 3 of 3 minutes over 70 %, then sized to the measured load', () => {
    const r = replayTargetTracking(model(), 3, A);
    // 180 s: used 200 (2 saturated tasks) -> ceil(200/70) = 3; 300 s: minute 240-300 used 250 -> 4;
    // 360 s: used 300 -> ceil(300/70) = 5, which serves at 450 s (5 x 70 > 300)
    expect(r.decisions.map((d) => [d.atSeconds, d.desired])).toEqual([
      [180, 3],
      [300, 4],
      [360, 5],
    ]);
    expect(r.minutes).toBe(7.5);
  });
});

describe('scale-in after the load returns to base', () => {
  test('from 9 tasks at 100 task-%: one task per 15 + 5 + 5 ... minutes until CPU is above 30 %', () => {
    // 9 -> 8 at 15 min (15 of 15), then one per 300 s cooldown: 7@20, 6@25, 5@30, 4@35, 3@40;
    // at 3 tasks CPU is 33 %, above the 30 % line, so it settles there (not at min 2, where it would be 50 %)
    expect(replayScaleIn(model(), 9, A)).toEqual({ minutes: 40, settledTasks: 3 });
  });

  test('a single-task minimum comes all the way back', () => {
    // base 50 task-%: 3 tasks 16.7 %, 2 tasks 25 %: both under 30 % -> 2 at 15 min, 1 at 20 min
    expect(replayScaleIn(model({ minTasks: 1, maxTasks: 4 }), 3, A)).toEqual({
      minutes: 20,
      settledTasks: 1,
    });
  });
});

describe('model read from the synthesized prod template', () => {
  const { templates } = presets();
  test('the step scaling, capacity and health check of the template', () => {
    const m = scalingModelFromTemplate(templates.prod.toJSON() as never);
    expect(m).toEqual(model());
    // THEN the prod scale-out policy has at least two step adjustments, scale-in one
    expect(m.scaleOut.steps.length).toBeGreaterThanOrEqual(2);
    expect(m.scaleIn.steps).toHaveLength(1);
  });
});
