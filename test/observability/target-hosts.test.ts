/**
 * Host counts follow the traffic: the UnhealthyTargets alarm and the dashboard's host graph read the
 * one target group of a rolling service (dev) and both groups of a canary service (prod), whose
 * groups swap roles every release.
 */
import { resourcesOf } from '../helpers';
import { Env, Props, alarm, mathOf, templates, topicRef } from './helpers';

/** Logical id of the one target group whose id starts with `prefix`. */
function targetGroup(env: Env, prefix: string): string {
  const ids = resourcesOf(templates[env], 'AWS::ElasticLoadBalancingV2::TargetGroup')
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The dimensions of a metric, with `Fn::GetAtt` of a target group's full name as `<logicalId>`. */
function dimensionsOf(metric: Props): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of metric.Dimensions as { Name: string; Value: unknown }[]) {
    const v = d.Value as { 'Fn::GetAtt'?: [string, string] };
    out[d.Name] = v['Fn::GetAtt'] ? `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>` : 'OTHER';
  }
  return out;
}

const full = (id: string) => `<${id}.TargetGroupFullName>`;

describe('UnhealthyTargets alarm', () => {
  test('dev (rolling, one target group): the group its tasks serve from, Maximum per minute', () => {
    const props = alarm('dev', 'UnhealthyTargets');
    expect(props).toMatchObject({
      MetricName: 'UnHealthyHostCount',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Maximum',
      Period: 60,
    });
    expect(dimensionsOf(props).TargetGroup).toBe(full(targetGroup('dev', 'ServiceTargetGroup')));
    expect(Object.keys(dimensionsOf(props)).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
  });

  test('prod (canary, two target groups): the sum over both groups, whichever serves', () => {
    const props = alarm('prod', 'UnhealthyTargets');
    const { expression, metrics } = mathOf(props);
    expect(expression).toBe('FILL(unhealthy0, 0) + FILL(unhealthy1, 0)');
    const groups = Object.fromEntries(
      Object.entries(metrics).map(([id, m]) => [id, dimensionsOf(m).TargetGroup]),
    );
    expect(groups).toEqual({
      unhealthy0: full(targetGroup('prod', 'ServiceTargetGroup')),
      unhealthy1: full(targetGroup('prod', 'ServiceReleaseAlternateTargetGroup')),
    });
    for (const m of Object.values(metrics)) {
      expect(m).toMatchObject({
        MetricName: 'UnHealthyHostCount',
        Namespace: 'AWS/ApplicationELB',
        Stat: 'Maximum',
        Period: 60,
        ReturnData: false,
      });
      expect(Object.keys(dimensionsOf(m)).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    }
  });

  test.each(['dev', 'prod'] as const)(
    '%s: same rule, name and logical id as before (runbooks and history keep it)',
    (env) => {
      const props = alarm(env, 'UnhealthyTargets');
      expect(props).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef(templates[env])],
        OKActions: [topicRef(templates[env])],
      });
      const ids = resourcesOf(templates[env], 'AWS::CloudWatch::Alarm')
        .filter(([, r]) => r.Properties!.AlarmName === props.AlarmName)
        .map(([id]) => id);
      expect(ids).toEqual(['ObservabilityUnhealthyTargets06FF811D']);
    },
  );
});

describe('dashboard: Healthy / unhealthy targets', () => {
  /** The host graph's lines, with every token of the dashboard body written as `<logicalId.attr>`. */
  function hostGraph(env: Env): unknown[][] {
    const [[, board]] = resourcesOf(templates[env], 'AWS::CloudWatch::Dashboard');
    const body = board.Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1]
      .map((p) => {
        if (typeof p === 'string') return p;
        const att = (p as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        return att ? `<${att[0]}.${att[1]}>` : 'TOKEN';
      })
      .join('');
    const widgets = JSON.parse(text).widgets as { properties: Props }[];
    const graph = widgets.find((w) => w.properties.title === 'Healthy / unhealthy targets');
    return graph!.properties.metrics as unknown[][];
  }

  test('dev: the one target group, healthy Minimum and unhealthy Maximum', () => {
    const tg = full(targetGroup('dev', 'ServiceTargetGroup'));
    const lines = hostGraph('dev');
    expect(lines).toHaveLength(2);
    expect(lines[0].slice(0, 4)).toEqual([
      'AWS/ApplicationELB',
      'HealthyHostCount',
      'LoadBalancer',
      expect.any(String),
    ]);
    expect(lines[0]).toContain(tg);
    expect(lines[0][lines[0].length - 1]).toMatchObject({ label: 'Healthy', stat: 'Minimum', period: 60 });
    expect(lines[1][1]).toBe('UnHealthyHostCount');
    expect(lines[1]).toContain(tg);
    expect(lines[1][lines[1].length - 1]).toMatchObject({ label: 'Unhealthy', stat: 'Maximum', period: 60 });
  });

  test('prod: each line sums both target groups', () => {
    const groups = [
      full(targetGroup('prod', 'ServiceTargetGroup')),
      full(targetGroup('prod', 'ServiceReleaseAlternateTargetGroup')),
    ];
    const lines = hostGraph('prod');
    const expressions = lines.filter((l) => (l[0] as Props).expression);
    expect(expressions.map((l) => l[0])).toEqual([
      expect.objectContaining({ expression: 'FILL(healthy0, 0) + FILL(healthy1, 0)', label: 'Healthy' }),
      expect.objectContaining({
        expression: 'FILL(unhealthy0, 0) + FILL(unhealthy1, 0)',
        label: 'Unhealthy',
      }),
    ]);
    const metricLines = lines.filter((l) => !(l[0] as Props).expression);
    const used = metricLines.map((l) => [
      l[1],
      l.find((v) => groups.includes(v as string)),
      (l[l.length - 1] as Props).id,
    ]);
    expect(used).toEqual(
      expect.arrayContaining([
        ['HealthyHostCount', groups[0], 'healthy0'],
        ['HealthyHostCount', groups[1], 'healthy1'],
        ['UnHealthyHostCount', groups[0], 'unhealthy0'],
        ['UnHealthyHostCount', groups[1], 'unhealthy1'],
      ]),
    );
    expect(metricLines).toHaveLength(4);
  });
});
