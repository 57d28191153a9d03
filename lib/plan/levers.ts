/**
 * What each scaling lever of "Growing the stack" adds to the monthly bill of a stack: the plan's
 * cost estimate of the template with the lever pulled one notch, minus the estimate as it is.
 * The template is changed the way the config change would change it (one more replica is one more
 * DB instance like the others), so the figures come from the same pricers and price book.
 */
import { PRICES, estimateMonthlyCost } from './cost';
import { CfnResource, CfnTemplate, numberProp, resourcesOfType } from './template';

export interface LeverCost {
  /** The lever's name as in the README table. */
  readonly lever: string;
  /** The one-notch change that was priced. */
  readonly change: string;
  /** Added USD per month at the minimum task count; undefined when the lever is not in the template. */
  readonly monthlyUsd: number | undefined;
}

type Edit = (t: MutableTemplate) => boolean;
type MutableTemplate = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

function delta(template: CfnTemplate, edit: Edit): number | undefined {
  const copy = JSON.parse(JSON.stringify(template)) as MutableTemplate;
  if (!edit(copy)) return undefined;
  const before = estimateMonthlyCost(template, PRICES).atMinTasks;
  const after = estimateMonthlyCost(copy as CfnTemplate, PRICES).atMinTasks;
  return Math.round((after - before) * 100) / 100;
}

const first = (t: MutableTemplate, type: string) =>
  resourcesOfType(t as CfnTemplate, type)[0] as
    [string, CfnResource & { Properties: Record<string, unknown> }] | undefined;

/** The cost of pulling each lever one notch, in the order the README lists them. */
export function leverCosts(template: CfnTemplate): LeverCost[] {
  return [
    { lever: '1. Optimize queries', change: 'indexes, fewer queries', monthlyUsd: 0 },
    {
      lever: '2. RDS Proxy settings',
      change: 'pool and timeout settings (the proxy is in every preset)',
      monthlyUsd: 0,
    },
    {
      lever: '3. Cache in front of the database',
      change: 'application code (the cache is in every preset)',
      monthlyUsd: 0,
    },
    {
      lever: '4. Read replicas',
      change: 'one more replica (`database.readReplicas` + 1)',
      monthlyUsd: delta(template, (t) => {
        const replica = resourcesOfType(t as CfnTemplate, 'AWS::RDS::DBInstance').find(
          ([, r]) => r.Properties?.SourceDBInstanceIdentifier,
        );
        const primary = resourcesOfType(t as CfnTemplate, 'AWS::RDS::DBInstance').find(
          ([, r]) => !r.Properties?.SourceDBInstanceIdentifier,
        );
        const model = replica ?? primary;
        if (!model || !primary) return false;
        const props: Record<string, unknown> = {
          ...model[1].Properties,
          SourceDBInstanceIdentifier: { Ref: primary[0] },
          MultiAZ: false,
        };
        if (!replica) props.AllocatedStorage = primary[1].Properties?.AllocatedStorage;
        t.Resources['PlannedExtraReplica'] = { Type: 'AWS::RDS::DBInstance', Properties: props };
        return true;
      }),
    },
    {
      lever: '5. Bigger database (vertical)',
      change:
        'primary one size up, instance only (within a family each size doubles vCPUs, memory and the hourly rate; the proxy follows the vCPUs)',
      monthlyUsd: delta(template, (t) => {
        const primary = resourcesOfType(t as CfnTemplate, 'AWS::RDS::DBInstance').find(
          ([, r]) => !r.Properties?.SourceDBInstanceIdentifier,
        );
        if (!primary) return false;
        // Priced as a second instance of the same class and deployment: the doubling of one size step.
        t.Resources['PlannedPrimarySizeStep'] = {
          Type: 'AWS::RDS::DBInstance',
          Properties: {
            ...(primary[1].Properties as Record<string, unknown>),
            EnablePerformanceInsights: false,
            AllocatedStorage: '0',
          },
        };
        return true;
      }),
    },
    {
      lever: '6. Bigger tasks (vertical app tier)',
      change: 'double `service.cpu` and `service.memoryMiB`, at the minimum task count',
      monthlyUsd: delta(template, (t) => {
        const task = first(t, 'AWS::ECS::TaskDefinition');
        if (!task) return false;
        task[1].Properties.Cpu = String(2 * Number(task[1].Properties.Cpu));
        task[1].Properties.Memory = String(2 * Number(task[1].Properties.Memory));
        return true;
      }),
    },
    {
      lever: '7. More tasks (horizontal)',
      change: 'one more running task (raising `service.maxTasks` costs nothing until tasks run)',
      monthlyUsd: delta(template, (t) => {
        const target = first(t, 'AWS::ApplicationAutoScaling::ScalableTarget');
        if (!target) return false;
        const min = numberProp(target[1].Properties, 'MinCapacity') ?? 1;
        // One more task at the same load per task: LCUs scale with it as in the estimate.
        target[1].Properties.MinCapacity = min + 1;
        target[1].Properties.MaxCapacity = Math.max(
          min + 1,
          numberProp(target[1].Properties, 'MaxCapacity') ?? min + 1,
        );
        return true;
      }),
    },
    {
      lever: '8. Bigger cache nodes, then replicas',
      change: 'one more cache node (`cache.replicas` + 1; a size up roughly doubles each node)',
      monthlyUsd: delta(template, (t) => {
        const group = first(t, 'AWS::ElastiCache::ReplicationGroup');
        if (!group) return false;
        const p = group[1].Properties;
        if (p.NumNodeGroups !== undefined)
          p.ReplicasPerNodeGroup = (numberProp(p, 'ReplicasPerNodeGroup') ?? 0) + 1;
        else p.NumCacheClusters = (numberProp(p, 'NumCacheClusters') ?? 1) + 1;
        return true;
      }),
    },
    {
      lever: '9. Redis cluster mode (sharding)',
      change: 'one more shard (`cache.shards` + 1: a primary and its replicas)',
      monthlyUsd: delta(template, (t) => {
        const group = first(t, 'AWS::ElastiCache::ReplicationGroup');
        if (!group) return false;
        const p = group[1].Properties;
        const perShard =
          p.NumNodeGroups !== undefined
            ? (numberProp(p, 'ReplicasPerNodeGroup') ?? 0) + 1
            : (numberProp(p, 'NumCacheClusters') ?? 1);
        if (p.NumNodeGroups !== undefined) p.NumNodeGroups = (numberProp(p, 'NumNodeGroups') ?? 1) + 1;
        else p.NumCacheClusters = (numberProp(p, 'NumCacheClusters') ?? 1) + perShard;
        return true;
      }),
    },
  ];
}
