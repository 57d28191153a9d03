/** The per-environment scaling dashboard: a title, the status of every alarm, then each tier's rows. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/**
 * Creates the dashboard `<stack>-scaling` as `Dashboard` in `scope`: a title, an alarm status widget
 * over `alarms`, then `rows` (one dashboard row each, in order).
 */
export function scalingDashboard(
  scope: Construct,
  stackName: string,
  envName: string,
  alarms: cloudwatch.IAlarm[],
  rows: readonly cloudwatch.IWidget[][],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${stackName}-scaling`,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        `# ${stackName} (${envName}): is it time to scale?\n` +
        'Each alarm description says which lever to pull; docs/alarms.md maps them to the scaling levers.',
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 }));
  for (const row of rows) dashboard.addWidgets(...row);
  return dashboard;
}
