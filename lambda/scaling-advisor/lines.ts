import type { AdvisorThresholds } from './targets';

/**
 * How each line of {@link AdvisorThresholds} is crossed: the comparison operator of the alarm on
 * that line. The alarms (lib/observability/) take their operator from this table and the advisor
 * judges with it, so at exactly the threshold both say the same thing (a GreaterThanThreshold alarm
 * stays OK at the threshold, and so does the advisor).
 */
export type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';

export const LINE_COMPARISONS = {
  p95ResponseTimeSeconds: 'GreaterThanThreshold',
  errorRatePercent: 'GreaterThanThreshold',
  serviceCpuPercent: 'GreaterThanThreshold',
  serviceMemoryPercent: 'GreaterThanThreshold',
  // The step scaling alarm (aws-cdk-lib `scaleOnMetric`) fires at or above the scale-out line.
  scaleOutCpuPercent: 'GreaterThanOrEqualToThreshold',
  dbCpuPercent: 'GreaterThanThreshold',
  dbFreeableMemoryMiB: 'LessThanThreshold',
  dbConnectionsPercent: 'GreaterThanOrEqualToThreshold',
  dbLatencyMs: 'GreaterThanThreshold',
  replicaLagSeconds: 'GreaterThanThreshold',
  cacheCpuPercent: 'GreaterThanThreshold',
  cacheMemoryPercent: 'GreaterThanThreshold',
  cacheEvictionsPerMinute: 'GreaterThanThreshold',
  cacheHitRatePercent: 'LessThanThreshold',
  cacheReplicationLagSeconds: 'GreaterThanThreshold',
} as const satisfies Partial<Record<keyof AdvisorThresholds, Comparison>>;

export type Line = keyof typeof LINE_COMPARISONS;

/** Whether `value` is over (or under) the line `line` the way its alarm judges it. */
export function crosses(value: number, t: AdvisorThresholds, line: Line): boolean {
  const threshold = t[line];
  switch (LINE_COMPARISONS[line] as Comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
  }
}
