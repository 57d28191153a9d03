/**
 * RDS maintenance and backup windows as minutes of the week, to find an overlap RDS would refuse at
 * deploy ("Must not conflict with the preferred maintenance window",
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
 */
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY = 1440;
const WEEK = 7 * DAY;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** [start, end) in minutes of the week, end > start (a window may wrap past Sunday midnight). */
type Interval = readonly [number, number];

/** `ddd:hh:mm-ddd:hh:mm` as an interval of the week. */
export function weeklyWindow(window: string): Interval {
  const [from, to] = window.split('-').map((part) => {
    const [day, ...time] = part.split(':');
    return DAYS.indexOf(day) * DAY + minutes(time.join(':'));
  });
  return [from, from + ((to - from + WEEK) % WEEK)];
}

/** `hh:mm-hh:mm` (daily) as the seven intervals of the week it occupies. */
export function dailyWindows(window: string): Interval[] {
  const [from, to] = window.split('-').map(minutes);
  const length = (to - from + DAY) % DAY;
  return DAYS.map((_, d) => [d * DAY + from, d * DAY + from + length] as const);
}

function overlaps(a: Interval, b: Interval): boolean {
  // Compare on the circle of the week: shift b by one week either way.
  return [-WEEK, 0, WEEK].some((shift) => a[0] < b[1] + shift && b[0] + shift < a[1]);
}

/** Whether the daily backup window and the weekly maintenance window share a minute. */
export function windowsOverlap(backupWindow: string, maintenanceWindow: string): boolean {
  const maintenance = weeklyWindow(maintenanceWindow);
  return dailyWindows(backupWindow).some((w) => overlaps(w, maintenance));
}
