import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './cli';

/** One output of a deployed stack, or a CliError that says why it is missing and what to do. */
export async function readStackOutput(
  cloudFormation: CloudFormationClient,
  stackName: string,
  outputKey: string,
  what: string,
): Promise<string> {
  let stacks;
  try {
    stacks = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) {
      throw new CliError(
        `Stack ${stackName} not found. Check the environment name and pass --region or set AWS_REGION if it lives elsewhere.`,
      );
    }
    throw e;
  }
  const value = stacks[0]?.Outputs?.find((o) => o.OutputKey === outputKey)?.OutputValue;
  if (!value) {
    throw new CliError(
      `Stack ${stackName} has no output ${outputKey}: it was deployed before ${what} existed. ` +
        'Deploy the current version of the app and try again.',
    );
  }
  return value;
}
