import type { DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';

/**
 * CloudFormation's DescribeStacks answer for one deployed stack (UPDATE_COMPLETE) with these outputs,
 * for the tools' tests that read a stack's outputs through a mocked client.
 */
export function deployedStack(
  stackName: string,
  outputs: Readonly<Record<string, string>>,
): Partial<DescribeStacksCommandOutput> {
  return {
    Stacks: [
      {
        StackName: stackName,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}
