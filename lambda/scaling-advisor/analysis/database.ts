import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import { headroom, mean, minOf, pct, round, SeriesReader, sustained, withHeadroom } from './series';
import type { Finding, TierAssessment } from './verdicts';

/** The database primary: CPU, latency and IOPS decide whether it is read- or write-bound. */

export function assessDatabase(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const id = targets.dbInstanceId;
  const cpu = r.required(ids.dbCpu, `CPUUtilization of ${id}`);
  const readLatency = r.required(ids.dbReadLatency, `ReadLatency of ${id}`);
  const writeLatency = r.required(ids.dbWriteLatency, `WriteLatency of ${id}`);
  const readIops = r.required(ids.dbReadIops, `ReadIOPS of ${id}`);
  const writeIops = r.required(ids.dbWriteIops, `WriteIOPS of ${id}`);
  const freeable = r.optional(ids.dbFreeableMemory, `FreeableMemory of ${id}`);
  const connections = r.optional(ids.dbConnections, `DatabaseConnections of ${id}`);
  const notes: string[] = [];

  if (!cpu.enough || !readLatency.enough || !writeLatency.enough) {
    return {
      assessment: { state: 'NO_DATA', summary: 'not enough RDS metrics for the primary' } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
    };
  }
  const cpuLevel = sustained(cpu);
  const readMs = sustained(readLatency) * 1000;
  const writeMs = sustained(writeLatency) * 1000;
  const cpuHot = crosses(cpuLevel, t, 'dbCpuPercent');
  const readSlow = crosses(readMs, t, 'dbLatencyMs');
  const writeSlow = crosses(writeMs, t, 'dbLatencyMs');
  const h = minOf([headroom(cpuLevel, t.dbCpuPercent), headroom(Math.max(readMs, writeMs), t.dbLatencyMs)]);
  const iops =
    readIops.enough && writeIops.enough
      ? { read: mean(readIops.values), write: mean(writeIops.values) }
      : undefined;
  const summary =
    `CPU ${pct(cpuLevel)}, read ${round(readMs, 2)} ms, write ${round(writeMs, 2)} ms` +
    (iops ? `, IOPS ${round(iops.read, 0)} read / ${round(iops.write, 0)} write` : '') +
    (connections.enough ? `, ${round(Math.max(...connections.values), 0)} connections` : '');

  if (freeable.enough) {
    const lowMiB = Math.min(...freeable.values) / (1024 * 1024);
    if (crosses(lowMiB, t, 'dbFreeableMemoryMiB')) {
      notes.push(
        `Primary freeable memory fell to ${round(lowMiB, 0)} MiB (floor ${t.dbFreeableMemoryMiB} MiB): the working set may not fit; a larger instance class helps reads most.`,
      );
    }
  }

  if (!cpuHot && !readSlow && !writeSlow) {
    return {
      assessment: { state: 'OK', ...withHeadroom(h), summary } as TierAssessment,
      notes,
      okReason: `Database primary: ${summary}.`,
      finding: undefined as Finding | undefined,
    };
  }

  // Read- or write-bound. Latency names the side when only one side is slow. When CPU (or both
  // latencies) breach, the IOPS split decides; a tie goes to reads, because caching is the cheaper
  // lever to try first. IOPS undercount cached reads, so the reason shows the numbers.
  let side: 'read' | 'write';
  let why: string;
  if (readSlow && !writeSlow) {
    side = 'read';
    why = `read latency ${round(readMs, 2)} ms is over ${t.dbLatencyMs} ms, write latency is not`;
  } else if (writeSlow && !readSlow) {
    side = 'write';
    why = `write latency ${round(writeMs, 2)} ms is over ${t.dbLatencyMs} ms, read latency is not`;
  } else if (iops) {
    side = iops.write > iops.read ? 'write' : 'read';
    why = `${cpuHot ? `CPU ${pct(cpuLevel)} (line ${t.dbCpuPercent}%)` : 'both latencies over the line'} with ${round(iops.read, 0)} read vs ${round(iops.write, 0)} write IOPS`;
  } else {
    side = 'read';
    why = `CPU ${pct(cpuLevel)} (line ${t.dbCpuPercent}%); IOPS missing, so reads are assumed (the cheaper lever first)`;
  }
  const finding: Finding =
    side === 'read'
      ? {
          verdict: 'DB_READ_BOUND',
          tier: 'database',
          // The Performance Insights console redirects to CloudWatch Database Insights since 2026-07-31; the API
          // remains (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Enabling.html).
          recommendation:
            'Cache the expensive reads in Redis first; then add read replicas (database.readReplicas, now ' +
            `${targets.replicaInstanceIds.length}) and send read-only queries to the reader endpoint. ` +
            'CloudWatch Database Insights (top SQL) shows which queries to start with.',
          reasons: [`Database primary is read-bound: ${why}.`],
        }
      : {
          verdict: 'DB_WRITE_BOUND',
          tier: 'database',
          recommendation:
            'Optimize the slow writes first (CloudWatch Database Insights top SQL: missing indexes, row-by-row writes, ' +
            'hot rows); then move to a larger primary (database.instanceClass). Replicas and caches do not help writes.',
          reasons: [`Database primary is write-bound: ${why}.`],
        };
  return {
    assessment: { state: 'PRESSURE', ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: undefined,
    finding,
  };
}
