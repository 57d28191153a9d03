/**
 * The capacity plan of one stack: monthly cost at min and max tasks, and the modeled reaction to
 * load steps, from its synthesized template. `planStack` is pure; `bin/plan.ts` feeds it templates.
 */
import {
  CostEstimate,
  CostLine,
  DEFAULT_USAGE,
  NOT_INCLUDED,
  PRICES,
  UsageAssumptions,
  estimateMonthlyCost,
} from './cost';
import {
  DEFAULT_REACTION_ASSUMPTIONS,
  LoadStepResult,
  ReactionAssumptions,
  ScalingModel,
  reactionTable,
  scalingModelFromTemplate,
} from './reaction';
import { CfnTemplate } from './template';
import { priceLine } from './class-prices';

export const LOAD_MULTIPLES = [1.5, 2, 3, 5] as const;

/** The `--json` document of one stack. */
export interface StackPlanJson {
  readonly monthlyUsd: {
    readonly atMinTasks: number;
    readonly atMaxTasks: number;
    readonly lines: readonly CostLine[];
  };
  readonly reaction: readonly {
    readonly loadMultiple: number;
    readonly minutesToCapacity: number | null;
    readonly targetTrackingMinutes: number | null;
  }[];
  readonly assumptions: Record<string, unknown>;
}

export interface StackPlan {
  readonly stackName: string;
  readonly region?: string;
  readonly cost: CostEstimate;
  readonly model: ScalingModel;
  readonly reaction: readonly LoadStepResult[];
  readonly usage: UsageAssumptions;
  readonly reactionAssumptions: ReactionAssumptions;
  /** Plain sentences for every assumption and caveat, printed next to the numbers. */
  readonly notes: readonly string[];
}

export function planStack(
  stackName: string,
  template: CfnTemplate,
  options: { region?: string; usage?: UsageAssumptions; reaction?: ReactionAssumptions } = {},
): StackPlan {
  const usage = options.usage ?? DEFAULT_USAGE;
  const reactionAssumptions = options.reaction ?? DEFAULT_REACTION_ASSUMPTIONS;
  const cost = estimateMonthlyCost(template, PRICES, usage);
  const model = scalingModelFromTemplate(template);
  const reaction = reactionTable(model, LOAD_MULTIPLES, reactionAssumptions);
  const notes: string[] = [];
  if (options.region && options.region !== PRICES.region) {
    notes.push(
      `The stack deploys to ${options.region}; the figures are ${PRICES.region}'s on-demand prices.`,
    );
  } else if (!options.region) {
    notes.push(`The stack is environment-agnostic; the figures are ${PRICES.region}'s on-demand prices.`);
  }
  const unverified = new Set(
    cost.lines.flatMap((l) => l.prices).filter((k) => priceLine(PRICES, k)?.status === 'unverified'),
  );
  if (unverified.size) {
    notes.push(
      `Unverified prices (not confirmed from a stored page, see lib/plan/prices.json): ${[...unverified].join(', ')}.`,
    );
  }
  const derived = [...new Set(cost.lines.flatMap((l) => l.prices))]
    .map((k) => [k, priceLine(PRICES, k)] as const)
    .filter(([, line]) => line?.status === 'derived');
  for (const [key, line] of derived) notes.push(`Derived price ${key}: ${line!.usd} USD, ${line!.source}.`);
  for (const u of cost.unpriced)
    notes.push(`Not priced: ${u.count} x ${u.type} (no pricer in lib/plan/cost.ts).`);
  for (const r of reaction) {
    if (!r.stepScaling.cappedAtMax && r.stepScaling.tasksNeeded === model.maxTasks) {
      notes.push(
        `${r.loadMultiple}x needs all ${model.maxTasks} tasks (maxTasks): it is absorbed, with no headroom left for more.`,
      );
    }
    if (r.stepScaling.cappedAtMax) {
      notes.push(
        `${r.loadMultiple}x needs ${r.stepScaling.tasksNeeded} tasks but maxTasks is ${model.maxTasks}: CPU stays above ${model.scaleOut.thresholdPercent} % at the cap; the minutes are until ${model.maxTasks} tasks serve.`,
      );
    }
  }
  return { stackName, region: options.region, cost, model, reaction, usage, reactionAssumptions, notes };
}

export function planJson(plan: StackPlan): StackPlanJson {
  const a = plan.reactionAssumptions;
  return {
    monthlyUsd: {
      atMinTasks: plan.cost.atMinTasks,
      atMaxTasks: plan.cost.atMaxTasks,
      lines: plan.cost.lines,
    },
    reaction: plan.reaction.map((r) => ({
      loadMultiple: r.loadMultiple,
      minutesToCapacity: r.stepScaling.minutes,
      targetTrackingMinutes: r.targetTracking.minutes,
    })),
    assumptions: {
      estimate: 'An estimate, not a quote: on-demand list prices times the stated usage.',
      prices: { region: PRICES.region, recorded: PRICES.recorded, file: 'lib/plan/prices.json' },
      hoursPerMonth: PRICES.hoursPerMonth,
      usage: plan.usage,
      notIncluded: NOT_INCLUDED,
      reaction: {
        load: `a step to N x the load that puts minTasks (${plan.model.minTasks}) at ${a.baseCpuPercent} % CPU; CPU saturates at 100 % per task`,
        taskStartSeconds: a.taskStartSeconds,
        healthCheck: `${plan.model.healthyThresholdCount} x ${plan.model.healthCheckIntervalSeconds} s before a running task serves`,
        metric: 'ECS CPU averages over running tasks; tasks not yet serving idle at 0 %',
        scaleOut: describePolicy(plan.model.scaleOut),
        scaleIn: describePolicy(plan.model.scaleIn),
        targetTracking: `${a.targetTrackingPercent} % target, ${a.targetTrackingDatapoints} of ${a.targetTrackingDatapoints} one-minute datapoints above it, sized to ceil(used CPU / target), ${a.targetTrackingCooldownSeconds} s cooldowns`,
        minTasks: plan.model.minTasks,
        maxTasks: plan.model.maxTasks,
      },
      scaleIn: plan.reaction.map((r) => ({
        loadMultiple: r.loadMultiple,
        fromTasks: r.stepScaling.desiredTasks,
        minutes: r.scaleIn.minutes,
        settledTasks: r.scaleIn.settledTasks,
      })),
      notes: plan.notes,
    },
  };
}

function describePolicy(p: ScalingModel['scaleOut']): string {
  const unit = p.adjustmentType === 'PercentChangeInCapacity' ? '%' : ' tasks';
  const steps = p.steps
    .map((s) => {
      const from = Number.isFinite(s.lower) ? p.thresholdPercent + s.lower : undefined;
      const to = Number.isFinite(s.upper) ? p.thresholdPercent + s.upper : undefined;
      const range = from !== undefined ? `>= ${from} %` : `<= ${to} %`;
      const oneTask =
        unit === '%' && s.adjustment === 1 && p.minAdjustmentMagnitude === 1 ? ' (one task)' : '';
      return `${range}: ${s.adjustment > 0 ? '+' : ''}${s.adjustment}${unit}${oneTask}`;
    })
    .join(', ');
  const magnitude = p.minAdjustmentMagnitude ? `, at least ${p.minAdjustmentMagnitude} task` : '';
  return `${p.datapointsToAlarm} of ${p.evaluationPeriods} x ${p.periodSeconds} s datapoints; ${steps}${magnitude}; ${p.cooldownSeconds} s cooldown`;
}

const tasks = (n: number) => `${n} task${n === 1 ? '' : 's'}`;
const usd = (n: number) => `$${n.toFixed(2)}`;
const minutes = (m: number | null) => (m === null ? 'not within the horizon' : `${m.toFixed(1)} min`);

/** The plan as text for the terminal and for docs/costs.md (Markdown). */
export function renderPlan(plan: StackPlan): string {
  const a = plan.reactionAssumptions;
  const j = planJson(plan);
  const r = j.assumptions.reaction as Record<string, unknown>;
  const out: string[] = [
    `### ${plan.stackName}`,
    '',
    `Monthly cost (estimate, ${PRICES.region} on-demand prices recorded ${PRICES.recorded}): **${usd(plan.cost.atMinTasks)}** at ${tasks(plan.cost.minTasks)}, **${usd(plan.cost.atMaxTasks)}** at ${tasks(plan.cost.maxTasks)}.`,
    '',
    '| Item | Quantity | At min tasks | At max tasks |',
    '|---|---|---:|---:|',
    ...plan.cost.lines.map(
      (l) => `| ${l.item} | ${l.quantity} | ${usd(l.atMinTasks)} | ${usd(l.atMaxTasks)} |`,
    ),
    `| **Total** | | **${usd(plan.cost.atMinTasks)}** | **${usd(plan.cost.atMaxTasks)}** |`,
    '',
    `Not included: ${NOT_INCLUDED}.`,
    '',
    `Reaction to a load step (N x the load that puts ${tasks(plan.model.minTasks)} at ${a.baseCpuPercent} % CPU), minutes until serving capacity brings CPU under ${plan.model.scaleOut.thresholdPercent} %:`,
    '',
    '| Load | Tasks needed | This stack (step scaling) | Target tracking at 70 % | Back to base load: scale-in |',
    '|---|---:|---:|---:|---|',
    ...plan.reaction.map(
      (x) =>
        `| ${x.loadMultiple}x | ${x.stepScaling.tasksNeeded}${x.stepScaling.cappedAtMax ? ` (max ${plan.model.maxTasks})` : ''} | ${minutes(x.stepScaling.minutes)} | ${minutes(x.targetTracking.minutes)} | ${x.stepScaling.desiredTasks} -> ${x.scaleIn.settledTasks} tasks in ${x.scaleIn.minutes.toFixed(0)} min |`,
    ),
    '',
    'Assumptions:',
    '',
    `- Task start: ${a.taskStartSeconds} s from the desired-count change to running, then ${r.healthCheck} (the target group's health check).`,
    `- ${r.metric}; ${r.load}.`,
    `- Scale-out (from the template): ${r.scaleOut}.`,
    `- Scale-in (from the template): ${r.scaleIn}. The count settles where the base load keeps CPU above the scale-in line.`,
    `- Target-tracking reference: ${r.targetTracking}.`,
    ...plan.notes.map((n) => `- ${n}`),
  ];
  return out.join('\n');
}
