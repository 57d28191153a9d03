/**
 * Shared by the observability tests: the dev and prod preset templates and lookups of the alarm
 * topic, an alarm by name and a metric-math alarm's queries, and the alarm count a config implies.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../lib/config/schema';
import { MAX_METRICS_PER_ALARM } from '../../lib/observability';
import { presets, resourcesOf, stackName } from '../helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run by the global setup
export const { templates } = presets();
export const ENVS = ['dev', 'prod'] as const;
export type Env = (typeof ENVS)[number];

export type Props = Record<string, unknown>;

export function topicRef(t: Template): { Ref: string } {
  const topics = resourcesOf(t, 'AWS::SNS::Topic').filter(([id]) => id.startsWith('ObservabilityAlarmTopic'));
  expect(topics).toHaveLength(1);
  return { Ref: topics[0][0] };
}

export function alarm(env: Env, id: string): Props {
  const name = `${stackName(env)}-${id}`;
  const found = resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').filter(
    ([, r]) => r.Properties!.AlarmName === name,
  );
  expect(found.map(([, r]) => r.Properties!.AlarmName)).toEqual([name]);
  return found[0][1].Properties as Props;
}

/** The metric queries of a metric-math alarm, keyed by id, and its expression. */
export function mathOf(props: Props): { expression: string; metrics: Record<string, Props> } {
  const queries = props.Metrics as Props[];
  const expression = queries.find((q) => q.Expression)!.Expression as string;
  const metrics: Record<string, Props> = {};
  for (const q of queries.filter((q) => q.MetricStat)) {
    const stat = q.MetricStat as { Metric: Props; Period: number; Stat: string };
    metrics[q.Id as string] = {
      ...stat.Metric,
      Period: stat.Period,
      Stat: stat.Stat,
      ReturnData: q.ReturnData,
    };
  }
  return { expression, metrics };
}

export const cacheNodes = (c: EnvironmentConfig) => c.cache.shards * (c.cache.replicas + 1);

/** Alarms the Observability construct must create for a config (the two scaling alarms are the service's). */
export function expectedAlarmCount(c: EnvironmentConfig): number {
  const app = 5 + (c.service.maxTasks > c.service.minTasks ? 1 : 0); // p95, 5xx, unhealthy, CPU, memory (+ exhausted)
  const db = 6 + 2 + 2 * c.database.readReplicas; // primary 6, proxy 2, lag + CPU per replica
  const groups = (perNode: number) => Math.ceil(cacheNodes(c) / Math.floor(MAX_METRICS_PER_ALARM / perNode));
  const cache = groups(1) * 3 + groups(2) + (c.cache.replicas > 0 ? groups(1) : 0); // CPU, memory, evictions, hit rate, lag
  const edge = c.service.waf.enabled ? 1 : 0; // blocked requests
  return app + db + cache + edge;
}
