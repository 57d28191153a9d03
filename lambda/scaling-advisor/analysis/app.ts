import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import {
  combine,
  headroom,
  minOf,
  pct,
  round,
  SeriesReader,
  sustained,
  sustainedCount,
  sustainedLevel,
  withHeadroom,
} from './series';
import type { Finding, TierAssessment, TierState } from './verdicts';

/** The app tier: the ECS service's CPU, memory and running tasks against its autoscaling range. */

export function assessApp(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const cpu = r.required(ids.appCpu, `CPUUtilization of service ${targets.serviceName}`);
  const memory = r.required(ids.appMemory, `MemoryUtilization of service ${targets.serviceName}`);
  const tasks = r.required(
    ids.appTasks,
    `RunningTaskCount of service ${targets.serviceName} (Container Insights)`,
  );
  const notes: string[] = [];
  if (!cpu.enough || !memory.enough || !tasks.enough) {
    return {
      assessment: { state: 'NO_DATA', summary: 'not enough ECS metrics' } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
      overProvisioned: undefined as { recommendation: string; reasons: string[] } | undefined,
    };
  }
  const cpuLevel = sustained(cpu);
  const memLevel = sustained(memory);
  const atMaxPoints = tasks.values.filter((v) => v >= targets.maxTasks).length;
  const atMax = atMaxPoints >= sustainedCount(tasks.values.length);
  const maxRunning = Math.max(...tasks.values);
  const minutesAtMax = `${atMaxPoints} of ${tasks.values.length} minutes`;

  // CPU headroom counts the tasks autoscaling may still add: used capacity (tasks x CPU per task)
  // against the capacity at max tasks, each at the CPU alarm line.
  const cpuCapacity = combine(tasks, cpu, (n, c) => n * c);
  const cpuHeadroom = headroom(sustainedLevel(cpuCapacity), targets.maxTasks * t.serviceCpuPercent);
  const memHeadroom = headroom(memLevel, t.serviceMemoryPercent);
  const h = minOf([cpuHeadroom, memHeadroom]);
  const summary = `CPU ${pct(cpuLevel)}, memory ${pct(memLevel)}, tasks up to ${round(maxRunning, 0)} (min ${targets.minTasks}, max ${targets.maxTasks})`;

  let finding: Finding | undefined;
  let state: TierState = 'OK';
  if (atMax && crosses(cpuLevel, t, 'scaleOutCpuPercent')) {
    state = 'SATURATED';
    finding = {
      verdict: 'APP_SATURATED_AT_MAX',
      tier: 'app',
      recommendation:
        `Raise service.maxTasks (now ${targets.maxTasks}): autoscaling wants more tasks and cannot add them. ` +
        'If the work does not spread over more tasks, give each task more CPU (service.cpu, service.memoryMiB).',
      reasons: [
        `App tier at its maximum of ${targets.maxTasks} tasks for ${minutesAtMax} with CPU at ${pct(cpuLevel)} ` +
          `(scale-out line ${t.scaleOutCpuPercent}%).`,
      ],
    };
  } else if (crosses(memLevel, t, 'serviceMemoryPercent')) {
    // Autoscaling follows CPU only, so memory pressure never adds a task: the tier cannot relieve
    // itself, which is what "saturated" means here, at max tasks or not.
    state = 'SATURATED';
    finding = {
      verdict: 'APP_SATURATED_AT_MAX',
      tier: 'app',
      recommendation:
        'Give each task more memory (service.memoryMiB, with a matching service.cpu): CPU-based autoscaling ' +
        'does not add tasks for memory. If memory grows with load per task, also lower the scale-out CPU line.',
      reasons: [
        `App tier memory at ${pct(memLevel)} (line ${t.serviceMemoryPercent}%) with ${round(maxRunning, 0)} of at most ` +
          `${targets.maxTasks} tasks: CPU autoscaling cannot relieve memory.`,
      ],
    };
  } else if (crosses(cpuLevel, t, 'serviceCpuPercent')) {
    state = 'PRESSURE';
    notes.push(
      `App CPU at ${pct(cpuLevel)} (line ${t.serviceCpuPercent}%) with room to scale (${round(maxRunning, 0)} of ${targets.maxTasks} tasks): autoscaling is on it.`,
    );
  }

  // Over-provisioned: the service sat at its minimum the whole window and would still be below the
  // scale-in line with one task fewer (per-task CPU rises by min/(min-1)). With minTasks = 1 there is
  // nothing to lower: task size cannot be judged from utilization alone.
  let overProvisioned: { recommendation: string; reasons: string[] } | undefined;
  if (!finding && targets.minTasks > 1 && maxRunning <= targets.minTasks) {
    const projected = (cpuLevel * targets.minTasks) / (targets.minTasks - 1);
    if (projected < t.scaleInCpuPercent) {
      state = 'IDLE';
      overProvisioned = {
        recommendation:
          `Lower service.minTasks (now ${targets.minTasks}): the service never left its minimum and one task fewer ` +
          `would still run below the scale-in line. Keep at least 2 in production for availability across AZs.`,
        reasons: [
          `App tier at its minimum of ${targets.minTasks} tasks the whole window with CPU at ${pct(cpuLevel)}; ` +
            `with ${targets.minTasks - 1} task(s) it would be about ${pct(projected)} (scale-in line ${t.scaleInCpuPercent}%).`,
        ],
      };
    }
  }

  return {
    assessment: { state, ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: state === 'OK' || state === 'IDLE' ? `App tier: ${summary}.` : undefined,
    finding,
    overProvisioned,
  };
}
