/** The scaling dashboard of the dev and prod presets: its widgets and their lines. */
import { PRESETS } from '../../lib/config/presets';
import { resourcesOf, stackName } from '../helpers';
import { ENVS, Env, Props, templates } from './helpers';

describe('dashboard', () => {
  /** The dashboard body with every CloudFormation token replaced by a placeholder, parsed. */
  function dashboard(env: Env): { widgets: { type: string; properties: Props }[] } {
    const boards = resourcesOf(templates[env], 'AWS::CloudWatch::Dashboard');
    expect(boards).toHaveLength(1);
    expect(boards[0][1].Properties!.DashboardName).toBe(`${stackName(env)}-scaling`);
    const body = boards[0][1].Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    return JSON.parse(text);
  }

  test.each(ENVS)('%s: one dashboard with every widget the issue lists', (env) => {
    const titles = dashboard(env)
      .widgets.map((w) => w.properties.title)
      .filter(Boolean);
    // THEN requests, latency percentiles, 5xx, tasks vs min/max, CPU/memory, database, replicas,
    // proxy, cache and the advisor's verdict are all there
    expect(titles).toEqual(
      expect.arrayContaining([
        'Alarms',
        'Requests / minute',
        'Target response time (s)',
        '5xx rate (%)',
        'Running tasks (min / max)',
        'Service CPU / memory (%)',
        'Database CPU (%)',
        'Database connections',
        'Primary read / write latency (s)',
        'Replica lag (s)',
        'RDS Proxy connections',
        'RDS Proxy query latency (µs)',
        'Cache hit rate (%)',
        'Cache engine CPU per node (%)',
        'Cache memory per node (%)',
        'Scaling advisor: verdict (latest)',
        'Scaling advisor: headroom per tier (%)',
      ]),
    );
  });

  test.each(ENVS)('%s: latency shows p50/p95/p99 and the task count shows min and max lines', (env) => {
    const widgets = dashboard(env).widgets;
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title)!.properties;
    const latency = byTitle('Target response time (s)').metrics as unknown[][];
    expect(latency.map((m) => (m[m.length - 1] as Props).stat)).toEqual(['p50', 'p95', 'p99']);
    const tasks = byTitle('Running tasks (min / max)').annotations as {
      horizontal: { value: number; label: string }[];
    };
    expect(tasks.horizontal).toEqual([
      expect.objectContaining({ value: PRESETS[env].service.minTasks, label: 'minTasks' }),
      expect.objectContaining({ value: PRESETS[env].service.maxTasks, label: 'maxTasks' }),
    ]);
    const verdict = byTitle('Scaling advisor: verdict (latest)').metrics as unknown[][];
    expect(verdict[0].slice(0, 4)).toEqual(['ScalableBackend/Advisor', 'Verdict', 'Stack', stackName(env)]);
  });
});
