import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { vendedLogPrefix } from '../../lib/rules/vended-log-prefix';
import { checkStack } from './check';

const RULE = vendedLogPrefix.id;

/** GIVEN a state machine that logs to a group named `logGroupName` (CloudFormation's name when unset). */
function stateMachine(stack: Stack, logGroupName?: string) {
  new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')),
    logs: { destination: new logs.LogGroup(stack, 'Logs', { logGroupName }), level: sfn.LogLevel.ALL },
  });
}

describe('VendedLogPrefix', () => {
  test('a state machine logging to a group CloudFormation names is reported', () => {
    const { findings } = checkStack((stack) => stateMachine(stack), RULE);
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Machine/Resource',
        location: 'Properties/LoggingConfiguration/Destinations/0/CloudWatchLogsLogGroup/LogGroupArn',
      }),
    ]);
  });

  test('a name outside /aws/vendedlogs/ is reported with the name', () => {
    const { findings } = checkStack((stack) => stateMachine(stack, '/app/state-machine'), RULE);
    expect(findings).toHaveLength(1);
    expect(findings[0].description).toContain('"/app/state-machine"');
  });

  test('a group under /aws/vendedlogs/ passes, also with the stack name in it', () => {
    const { findings } = checkStack(
      (stack) => stateMachine(stack, `/aws/vendedlogs/states/${stack.stackName}-machine`),
      RULE,
    );
    expect(findings).toEqual([]);
  });
});
