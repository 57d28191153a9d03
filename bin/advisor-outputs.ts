import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './cli';

/**
 * One output of a deployed stack, or a CliError that says why it is missing and what to do.
 * `deployedWithout` completes "it was deployed ..." (e.g. "before the query advisor existed");
 * `explain` turns other SDK errors (credentials, permissions) into instructions.
 */
export async function readStackOutput(
  cloudFormation: CloudFormationClient,
  stackName: string,
  outputKey: string,
  deployedWithout: string,
  explain: (e: unknown) => Error = (e) => e as Error,
): Promise<string> {
  let stacks;
  try {
    stacks = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) {
      throw new CliError(
        `Stack ${stackName} not found in region ${(await regionOf(cloudFormation)) ?? '(unknown)'}. ` +
          'Check the name (e.g. ScalableBackend-prod) and pass --region or set AWS_REGION if it lives elsewhere.',
      );
    }
    throw explain(e);
  }
  const stack = stacks[0];
  if (!stack) throw new CliError(`Stack ${stackName} not found.`);
  const value = stack.Outputs?.find((o) => o.OutputKey === outputKey)?.OutputValue;
  if (!value) {
    throw new CliError(
      `Stack ${stackName} has no output ${outputKey}: it was deployed ${deployedWithout}. ` +
        'Deploy the current version of the app and try again.',
    );
  }
  return value;
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}
