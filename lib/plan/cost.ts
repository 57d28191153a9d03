/**
 * Monthly cost of a synthesized stack, itemized, at the minimum and at the maximum task count.
 *
 * Pure: reads a template and a price book (`prices.json`, us-east-1 on-demand, each line with its
 * date and source) and applies stated usage assumptions. One pricer per resource type, so a new
 * resource type (a WAF web ACL, another NAT gateway) is priced when it appears in the template;
 * a type that is neither priced nor known to be free is reported in `unpriced`, never silently
 * dropped.
 */
import { priceLine } from './class-prices';
import pricesJson from './prices.json';
import { FREE_OR_USAGE_ONLY, PRICERS, PricingContext } from './pricers';
import { CfnResource, CfnTemplate, requireNumber, resourcesOfType } from './template';
import type { CostLine, PriceBook, UsageAssumptions } from './types';

export type { CostLine, PriceBook, PriceLine, UsageAssumptions } from './types';

export const PRICES: PriceBook = pricesJson as PriceBook;

export const DEFAULT_USAGE: UsageAssumptions = {
  albLcuAtMinTasks: 1,
  natGbPerMonth: 100,
  flowLogGbPerMonth: 5,
  wafMillionRequestsPerMonth: 10,
  lambdaSecondsPerInvocation: 2,
};

export interface CostEstimate {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly atMinTasks: number;
  readonly atMaxTasks: number;
  readonly lines: readonly CostLine[];
  /** Resource types in the template with no pricer and not known to be free: the estimate misses them. */
  readonly unpriced: readonly { readonly type: string; readonly count: number }[];
}

/** What the estimate leaves out, stated with the numbers. */
export const NOT_INCLUDED =
  'data transfer out, CloudWatch Logs ingestion and storage of application, database and access logs, Container Insights metrics, S3 storage of ALB access logs, backups beyond the free allowance, SNS, Step Functions and the rotation function invocations, and free tiers (none are subtracted)';

/** Estimate the monthly cost of one synthesized stack. */
export function estimateMonthlyCost(
  template: CfnTemplate,
  prices: PriceBook = PRICES,
  usage: UsageAssumptions = DEFAULT_USAGE,
): CostEstimate {
  const target = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalableTarget').find(
    ([, r]) => r.Properties?.ScalableDimension === 'ecs:service:DesiredCount',
  );
  const minTasks = target ? requireNumber(target[0], target[1].Properties, 'MinCapacity') : 1;
  const maxTasks = target ? requireNumber(target[0], target[1].Properties, 'MaxCapacity') : minTasks;
  const ctx: PricingContext = {
    template,
    prices,
    usage,
    minTasks,
    maxTasks,
    hours: prices.hoursPerMonth,
    price(key, what) {
      const line = priceLine(prices, key);
      if (!line) {
        throw new Error(
          `no price "${key}" in lib/plan/prices.json for ${what}: add the us-east-1 on-demand rate with its source page and date`,
        );
      }
      return line.usd;
    },
  };

  const lines: CostLine[] = [...fargateLines(ctx)];
  const byType = new Map<string, [string, CfnResource][]>();
  for (const entry of Object.entries(template.Resources)) {
    const list = byType.get(entry[1].Type) ?? [];
    list.push(entry);
    byType.set(entry[1].Type, list);
  }
  const unpriced: { type: string; count: number }[] = [];
  for (const [type, resources] of byType) {
    const pricer = PRICERS[type];
    if (pricer) lines.push(...pricer(ctx, resources));
    else if (!FREE_OR_USAGE_ONLY.has(type) && !type.startsWith('Custom::')) {
      unpriced.push({ type, count: resources.length });
    }
  }
  const rounded = lines.map((l) => ({
    ...l,
    atMinTasks: cents(l.atMinTasks),
    atMaxTasks: cents(l.atMaxTasks),
  }));
  return {
    minTasks,
    maxTasks,
    atMinTasks: cents(rounded.reduce((s, l) => s + l.atMinTasks, 0)),
    atMaxTasks: cents(rounded.reduce((s, l) => s + l.atMaxTasks, 0)),
    lines: rounded,
    unpriced,
  };
}

function fargateLines(ctx: PricingContext): CostLine[] {
  return resourcesOfType(ctx.template, 'AWS::ECS::TaskDefinition').map(([id, r]) => {
    const p = r.Properties ?? {};
    const vcpu = requireNumber(id, p, 'Cpu') / 1024;
    const gb = requireNumber(id, p, 'Memory') / 1024;
    const platform = (p.RuntimePlatform ?? {}) as Record<string, unknown>;
    const arch = platform.CpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
    const perTask =
      ctx.hours *
      (vcpu * ctx.price(`fargate.${arch}.vcpuHour`, id) + gb * ctx.price(`fargate.${arch}.gbHour`, id));
    return {
      item: `Fargate tasks (${vcpu} vCPU, ${gb} GB, ${arch})`,
      quantity: `${ctx.minTasks} to ${ctx.maxTasks} tasks x ${ctx.hours} h`,
      atMinTasks: ctx.minTasks * perTask,
      atMaxTasks: ctx.maxTasks * perTask,
      prices: [`fargate.${arch}.vcpuHour`, `fargate.${arch}.gbHour`],
    };
  });
}

function cents(n: number): number {
  return Math.round(n * 100) / 100;
}
