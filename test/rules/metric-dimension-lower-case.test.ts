import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as rds from 'aws-cdk-lib/aws-rds';
import { metricDimensionLowerCase } from '../../lib/rules/metric-dimension-lower-case';
import { checkStack } from './check';

const RULE = metricDimensionLowerCase.id;

/** An L1 proxy (all the L2 needs is irrelevant here): only its name matters to the rule. */
function proxy(stack: Stack, name?: string): rds.CfnDBProxy {
  return new rds.CfnDBProxy(stack, 'Proxy', {
    dbProxyName: name as string,
    engineFamily: 'POSTGRESQL',
    roleArn: 'arn:aws:iam::123456789012:role/proxy',
    vpcSubnetIds: ['subnet-1', 'subnet-2'],
    auth: [{ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' }],
  });
}

const proxyMetric = (name: string) =>
  new cloudwatch.Metric({
    namespace: 'AWS/RDS',
    metricName: 'QueryResponseLatency',
    dimensionsMap: { ProxyName: name },
  });

function alarm(stack: Stack, id: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, { metric, threshold: 1, evaluationPeriods: 1 });
}

describe('MetricDimensionLowerCase', () => {
  test('an alarm on a proxy whose name has upper-case letters is reported at its dimension', () => {
    // GIVEN an alarm whose ProxyName dimension is the Ref of a proxy named in mixed case
    const { findings } = checkStack((stack) => {
      const p = proxy(stack, 'StackDatabaseProxyAB12');
      alarm(stack, 'ProxyLatency', proxyMetric(p.ref));
    }, RULE);
    // THEN the dimension is reported with the name AWS really publishes under
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/ProxyLatency/Resource',
        location: 'Properties/Dimensions/0/Value',
        description: expect.stringContaining('AWS publishes the metrics under "stackdatabaseproxyab12"'),
      }),
    ]);
  });

  test('a metric-math alarm with a mixed-case cache cluster literal is reported at the metric', () => {
    // GIVEN a metric-math alarm whose second metric names CacheClusterId "Cache-001"
    const { findings } = checkStack((stack) => {
      const node = (id: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName: 'Evictions',
          dimensionsMap: { CacheClusterId: id },
        });
      alarm(
        stack,
        'Evictions',
        new cloudwatch.MathExpression({
          expression: 'a + b',
          usingMetrics: { a: node('cache-001'), b: node('Cache-002') },
        }),
      );
    }, RULE);
    // THEN only the mixed-case one is reported
    expect(findings.map((f) => [f.path, f.location])).toEqual([
      ['Test/Evictions/Resource', 'Properties/Metrics/2/MetricStat/Metric/Dimensions/0/Value'],
    ]);
  });

  test('a DB instance without an explicit identifier cannot be shown lower case', () => {
    // GIVEN an alarm on an instance whose identifier CloudFormation generates
    const { findings } = checkStack((stack) => {
      const instance = new rds.CfnDBInstance(stack, 'Db', {
        dbInstanceClass: 'db.t4g.micro',
        engine: 'postgres',
      });
      alarm(
        stack,
        'DbCpu',
        new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'CPUUtilization',
          dimensionsMap: { DBInstanceIdentifier: instance.ref },
        }),
      );
    }, RULE);
    // THEN the rule asks for an explicit lower-case identifier
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/DbCpu/Resource',
        description: expect.stringContaining('give it an explicit lower-case DBInstanceIdentifier'),
      }),
    ]);
  });

  test('a dashboard graph of a mixed-case proxy is reported on the dashboard', () => {
    // GIVEN a dashboard graphing the proxy metric by its Ref
    const { findings } = checkStack((stack) => {
      const p = proxy(stack, 'MixedCaseProxy');
      new cloudwatch.Dashboard(stack, 'Dashboard', {
        widgets: [[new cloudwatch.GraphWidget({ left: [proxyMetric(p.ref)] })]],
      });
    }, RULE);
    // THEN the dashboard body is reported
    expect(findings.map((f) => [f.path, f.location])).toEqual([
      ['Test/Dashboard/Resource', 'Properties/DashboardBody'],
    ]);
  });

  test('lower-case names pass: explicit proxy name, literal ids, dashboard', () => {
    // GIVEN the same alarms and dashboard with lower-case names throughout
    const { findings, pluginError } = checkStack((stack) => {
      const p = proxy(stack, 'stack-db-proxy');
      alarm(stack, 'ProxyLatency', proxyMetric(p.ref));
      alarm(
        stack,
        'Evictions',
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName: 'Evictions',
          dimensionsMap: { CacheClusterId: 'cache-001' },
        }),
      );
      new cloudwatch.Dashboard(stack, 'Dashboard', {
        widgets: [[new cloudwatch.GraphWidget({ left: [proxyMetric(p.ref)] })]],
      });
    }, RULE);
    // THEN nothing is reported
    expect(pluginError).toBeUndefined();
    expect(findings).toEqual([]);
  });
});
