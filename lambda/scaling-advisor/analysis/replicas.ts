import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import { headroom, minOf, pct, round, SeriesReader, sustained, sustainedLevel, withHeadroom } from './series';
import type { Finding, TierAssessment, TierState } from './verdicts';

/** The read replicas: lag and CPU per replica. */

export function assessReplicas(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const notes: string[] = [];
  if (targets.replicaInstanceIds.length === 0) {
    return {
      assessment: { state: 'NOT_DEPLOYED', summary: 'no read replicas' } as TierAssessment,
      notes,
      okReason: undefined,
      lagFinding: undefined as Finding | undefined,
      readFinding: undefined as Finding | undefined,
    };
  }
  const lagging: string[] = [];
  const hot: string[] = [];
  const noData: string[] = [];
  const parts: string[] = [];
  const headrooms: number[] = [];
  targets.replicaInstanceIds.forEach((id, i) => {
    const lag = r.required(ids.replicaLag(i), `ReplicaLag of replica ${id}`);
    const cpu = r.required(ids.replicaCpu(i), `CPUUtilization of replica ${id}`);
    if (!lag.enough || !cpu.enough) {
      noData.push(id);
      parts.push(`${id}: no data`);
      return;
    }
    const negative = lag.values.filter((v) => v < 0).length;
    if (negative > 0) {
      notes.push(
        `Replica ${id} reported a negative ReplicaLag in ${negative} minute(s): replication was not running then.`,
      );
    }
    const lagLevel = sustainedLevel(lag.values.filter((v) => v >= 0));
    const cpuLevel = sustained(cpu);
    parts.push(
      `${id}: lag ${Number.isFinite(lagLevel) ? `${round(lagLevel, 1)} s` : 'n/a'}, CPU ${pct(cpuLevel)}`,
    );
    headrooms.push(headroom(lagLevel, t.replicaLagSeconds), headroom(cpuLevel, t.dbCpuPercent));
    if (crosses(lagLevel, t, 'replicaLagSeconds')) lagging.push(`${id} ${round(lagLevel, 1)} s`);
    if (crosses(cpuLevel, t, 'dbCpuPercent')) hot.push(`${id} CPU ${pct(cpuLevel)}`);
  });
  if (noData.length > 0) {
    notes.push(
      `No data for replica(s) ${noData.join(', ')}: a replica being created, deleted or broken; check it in the RDS console.`,
    );
  }
  const summary = parts.join('; ');
  // A replica without data may be the one without headroom: no tier headroom rather than a flattering one.
  const h = noData.length > 0 ? undefined : minOf(headrooms);
  const lagFinding: Finding | undefined =
    lagging.length > 0
      ? {
          verdict: 'REPLICA_LAG',
          tier: 'replicas',
          recommendation:
            'Reads from the replicas may be stale. Send read-your-own-writes traffic to the writer (proxy) ' +
            'endpoint; look for long-running queries on the replicas and write bursts on the primary; give the ' +
            'replicas the primary’s size (database.replicaInstanceClass).',
          reasons: [`Replica lag over ${t.replicaLagSeconds} s: ${lagging.join(', ')}.`],
        }
      : undefined;
  const readFinding: Finding | undefined =
    hot.length > 0
      ? {
          verdict: 'DB_READ_BOUND',
          tier: 'replicas',
          recommendation:
            'The replicas are saturated by reads: cache the expensive reads in Redis first; then add replicas ' +
            `(database.readReplicas, now ${targets.replicaInstanceIds.length}) or larger replica instances ` +
            '(database.replicaInstanceClass).',
          reasons: [`Read replicas over the ${t.dbCpuPercent}% CPU line: ${hot.join(', ')}.`],
        }
      : undefined;
  const state: TierState = lagFinding || readFinding ? 'PRESSURE' : noData.length > 0 ? 'NO_DATA' : 'OK';
  return {
    assessment: { state, ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: state === 'OK' ? `Replicas: ${summary}.` : undefined,
    lagFinding,
    readFinding,
  };
}
