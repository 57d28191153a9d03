/**
 * Shared alarm helpers of the observability tier files: the alarm factory every tier creates its
 * alarms through (one scope, one naming rule, one notification topic), chunking over the
 * metric-math limit, the dashboard's percent graph, and the periods, operators and units they use.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { LINE_COMPARISONS, Line } from '../../lambda/scaling-advisor/lines';
import { Construct } from 'constructs';

/**
 * CloudWatch alarms can reference at most 10 metrics in one metric-math expression. Signals over
 * more cache nodes than that are split into several alarms of up to this many metrics each.
 */
export const MAX_METRICS_PER_ALARM = 10;

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

export const ONE_MINUTE = Duration.minutes(1);
export const FIVE_MINUTES = Duration.minutes(5);
export const { GREATER_THAN_THRESHOLD, GREATER_THAN_OR_EQUAL_TO_THRESHOLD, LESS_THAN_THRESHOLD } =
  cloudwatch.ComparisonOperator;
export const { NOT_BREACHING, MISSING } = cloudwatch.TreatMissingData;

/**
 * The comparison of the alarm on an advisor line: one table (lambda/scaling-advisor/lines.ts) for the
 * alarms and the advisor, so both judge a value at exactly the threshold the same way.
 */
export function lineComparison(line: Line): cloudwatch.ComparisonOperator {
  return LINE_COMPARISONS[line] as cloudwatch.ComparisonOperator;
}

/** Sizing facts the alarm thresholds are derived from. */
export interface ObservedLimits {
  /** Minimum task count of the service (drawn on the dashboard). */
  readonly minTasks: number;
  /** Maximum task count: reaching it for 15 minutes means autoscaling is exhausted. */
  readonly maxTasks: number;
  /** RDS instance class of the primary without the `db.` prefix, e.g. `t4g.micro`. */
  readonly dbInstanceClass: string;
  /** `database.proxy.maxConnectionsPercent`: the proxy's pool ceiling as a share of max_connections. */
  readonly proxyMaxConnectionsPercent: number;
  /** Replicas per cache node group; replication lag is alarmed only when there are replicas. */
  readonly cacheReplicas: number;
}

/** One alarm: metric, rule and the operator's instructions. */
export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** What the alarm means and which scaling lever to pull. */
  readonly description: string;
}

/**
 * Creates the alarms of every tier. All of them are children of one scope (the `Observability`
 * construct), whichever file defines them, so their construct paths and logical ids stay
 * `<Observability>/<AlarmId>`; each is named after the stack and notifies `action` on ALARM and OK.
 */
export class AlarmFactory {
  /**
   * @param scope the construct every alarm is created in
   * @param stackName prefix of every alarm name
   * @param action what every alarm notifies, on ALARM and on OK
   * @param alarms where every created alarm is appended, in creation order
   */
  constructor(
    readonly scope: Construct,
    private readonly stackName: string,
    private readonly action: cloudwatch.IAlarmAction,
    private readonly alarms: cloudwatch.Alarm[],
  ) {}

  addAlarm(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      // A readable name: it is the subject of every notification.
      alarmName: `${this.stackName}-${id}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * One alarm per group of nodes that fits the 10-metric limit of metric math: `Name` for the
   * first group, `Name2`, `Name3`... for more (cluster mode with many shards).
   */
  addChunkedAlarms(
    id: string,
    nodes: readonly string[],
    metricsPerNode: number,
    spec: (ids: readonly string[]) => AlarmSpec,
  ): void {
    chunk(nodes, Math.floor(MAX_METRICS_PER_ALARM / metricsPerNode)).forEach((ids, i) => {
      this.addAlarm(i === 0 ? id : `${id}${i + 1}`, spec(ids));
    });
  }
}

/** A dashboard graph of percentages (0-100) with its alarm line. */
export function percentGraph(
  title: string,
  left: cloudwatch.IMetric[],
  alarmAt: number,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    leftAnnotations: [{ value: alarmAt, label: 'alarm' }],
    leftYAxis: { min: 0, max: 100 },
    width: 8,
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** MAX or SUM over nodes; a single node needs no math (a plain metric alarm reads better). */
export function aggregate(
  fn: 'MAX' | 'SUM',
  ids: readonly string[],
  metric: (id: string) => cloudwatch.Metric,
  label: string,
): cloudwatch.IMetric {
  if (ids.length === 1) return metric(ids[0]);
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  ids.forEach((id, i) => (usingMetrics[`node${i}`] = metric(id)));
  const first = metric(ids[0]);
  return new cloudwatch.MathExpression({
    expression: `${fn}([${ids.map((_, i) => `node${i}`).join(', ')}])`,
    usingMetrics,
    period: first.period,
    label,
  });
}
