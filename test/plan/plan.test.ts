import { planJson, planStack } from '../../lib/plan';
import { CfnTemplate } from '../../lib/plan/template';
import { presets } from '../helpers';

// GIVEN the dev and prod templates the test run synthesized once
const { templates } = presets();
const plan = (env: string, region?: string) =>
  planStack(`ScalableBackend-${env}`, templates[env].toJSON() as unknown as CfnTemplate, { region });

describe('plan of the presets', () => {
  test('prod absorbs a 3x step no slower than target tracking at 70 % plus 2 minutes', () => {
    const three = planJson(plan('prod')).reaction.find((r) => r.loadMultiple === 3)!;
    expect(three.minutesToCapacity).not.toBeNull();
    expect(three.minutesToCapacity!).toBeLessThanOrEqual(three.targetTrackingMinutes! + 2);
  });

  test('the JSON has exactly the documented shape', () => {
    const j = planJson(plan('prod'));
    expect(Object.keys(j)).toEqual(['monthlyUsd', 'reaction', 'assumptions']);
    expect(Object.keys(j.monthlyUsd)).toEqual(['atMinTasks', 'atMaxTasks', 'lines']);
    expect(j.reaction.map((r) => Object.keys(r))).toEqual(
      Array(4).fill(['loadMultiple', 'minutesToCapacity', 'targetTrackingMinutes']),
    );
    expect(j.reaction.map((r) => r.loadMultiple)).toEqual([1.5, 2, 3, 5]);
    // totals are the sums of the lines
    const sum = (k: 'atMinTasks' | 'atMaxTasks') =>
      Math.round(j.monthlyUsd.lines.reduce((s, l) => s + l[k], 0) * 100) / 100;
    expect(j.monthlyUsd.atMinTasks).toBe(sum('atMinTasks'));
    expect(j.monthlyUsd.atMaxTasks).toBe(sum('atMaxTasks'));
  });

  test('prod costs more than dev, and 18 more tasks cost 18 x one task of Fargate plus their LCUs', () => {
    const dev = plan('dev').cost;
    const prod = plan('prod').cost;
    expect(prod.atMinTasks).toBeGreaterThan(dev.atMinTasks);
    const fargate = prod.lines.find((l) => l.item.startsWith('Fargate'))!;
    // 1 vCPU x 0.03238 + 2 GB x 0.00356 = 0.0395/h x 730 h = 28.835 per task
    expect(fargate.atMinTasks).toBeCloseTo(2 * 28.835, 1);
    expect(fargate.atMaxTasks).toBeCloseTo(20 * 28.835, 1);
    expect(prod.unpriced).toEqual([]);
  });

  test('Multi-AZ doubles the prod primary; every resource type of the presets is priced or known free', () => {
    const primary = plan('prod').cost.lines.find((l) => l.item.startsWith('RDS primary db.'))!;
    expect(primary.item).toMatch(/Multi-AZ/);
    expect(primary.atMinTasks).toBeCloseTo(2 * 730 * 0.24, 2);
    expect(plan('dev').cost.unpriced).toEqual([]);
  });

  test('where a 5x step meets maxTasks, the plan says so', () => {
    // dev: 5 x 50 task-% = 250 needs 4 tasks (4 x 70 > 250), exactly dev's maxTasks
    expect(plan('dev').notes).toContain(
      '5x needs all 4 tasks (maxTasks): it is absorbed, with no headroom left for more.',
    );
    expect(plan('prod').notes.some((n) => /maxTasks/.test(n))).toBe(false);
  });

  test('a stack pinned to another region says the figures are us-east-1 prices', () => {
    expect(plan('prod', 'eu-west-1').notes[0]).toBe(
      "The stack deploys to eu-west-1; the figures are us-east-1's on-demand prices.",
    );
    expect(plan('prod', 'us-east-1').notes.some((n) => /figures are/.test(n))).toBe(false);
  });

  test('the assumptions name the task start time, the health check and the target-tracking shape', () => {
    const r = planJson(plan('prod')).assumptions.reaction as Record<string, unknown>;
    expect(r).toMatchObject({
      taskStartSeconds: 60,
      healthCheck: '2 x 15 s before a running task serves',
      targetTracking: expect.stringMatching(/70 % target, 3 of 3 one-minute datapoints/),
    });
  });
});
