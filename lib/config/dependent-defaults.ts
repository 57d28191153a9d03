import { ScaleOutStep } from './scale-out-steps';

/**
 * Preset values that depend on other keys follow those keys when the user changes them and not the
 * dependent value itself, so an override of one key never fails on a preset value the user did not
 * set.
 *
 * `service.scaling.scaleOutSteps` depends on `scaleOutCpuPercent` (the first step starts there) and
 * on `service.maxTasks` (a list mixing `addTasks` and `addPercent` needs at most 100 tasks). Unless
 * the user sets the steps themselves:
 * - the first step moves to `scaleOutCpuPercent`, and later steps at or below it are dropped;
 * - above 100 tasks, `addTasks` steps become `addPercent` steps of the same number (one policy has
 *   one adjustment type; 1 % of more than 100 tasks is at least one task).
 */
export function followDependentDefaults(
  merged: Record<string, unknown>,
  patch: Record<string, unknown>,
): void {
  const service = asObject(merged.service);
  const scaling = asObject(service?.scaling);
  if (!service || !scaling || !Array.isArray(scaling.scaleOutSteps)) return;
  const setByUser = (...path: string[]) => isSetIn(patch, ['service', ...path]);
  if (setByUser('scaling', 'scaleOutSteps')) return;

  const preset = scaling.scaleOutSteps as ScaleOutStep[];
  let steps = preset;
  const threshold = scaling.scaleOutCpuPercent;
  if (setByUser('scaling', 'scaleOutCpuPercent') && isIntIn(threshold, 1, 100) && steps.length > 0) {
    steps = [
      { ...steps[0], atCpuPercent: threshold },
      ...steps.slice(1).filter((s) => s.atCpuPercent > threshold),
    ];
  }
  const maxTasks = service.maxTasks;
  const mixed = steps.some((s) => s.addPercent !== undefined) && steps.some((s) => s.addTasks !== undefined);
  if (setByUser('maxTasks') && isIntIn(maxTasks, 101, 1000) && mixed) {
    steps = steps.map((s) =>
      s.addTasks !== undefined ? { atCpuPercent: s.atCpuPercent, addPercent: s.addTasks } : s,
    );
  }
  // New objects, and only on a change: the merged config shares unchanged branches with the presets.
  if (steps !== preset) service.scaling = { ...scaling, scaleOutSteps: steps };
}

/** Whether `path` is present in the user's overrides (a `null` that unsets it counts as set). */
export function isSetIn(patch: unknown, path: readonly (string | number)[]): boolean {
  let node: unknown = patch;
  for (const seg of path) {
    // An array is set as a whole: every path inside it was set by the user.
    if (Array.isArray(node)) return true;
    const obj = asObject(node);
    if (!obj || !Object.prototype.hasOwnProperty.call(obj, seg)) return false;
    node = obj[seg];
  }
  return true;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
