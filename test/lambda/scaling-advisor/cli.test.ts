import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricDataCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { CliDeps, CliError, main, parseArgs } from '../../../bin/advisor';
import { NO_REGION_MESSAGE, resolveRegion } from '../../../bin/cli';
import { healthyFixture, makeTargets, MINUTES, T0 } from './fixtures';
import { deployedStack } from '../../deployed-stack';

const cfn = mockClient(CloudFormationClient);
const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);

const targets = makeTargets();

function deps(out: string[], said: string[] = []): CliDeps {
  return {
    say: (text) => said.push(text),
    cloudFormation: (region) => new CloudFormationClient({ region: region ?? 'eu-west-1' }),
    clients: (region) => ({
      cloudWatch: new CloudWatchClient({ region: region ?? 'eu-west-1' }),
      sns: new SNSClient({ region: region ?? 'eu-west-1' }),
    }),
    out: (text) => out.push(text),
    now: () => new Date(T0 + MINUTES * 60_000),
    sleep: async () => undefined,
    region: (flag) => flag ?? 'eu-west-1',
  };
}

function stackWithOutputs(outputs: { OutputKey: string; OutputValue: string }[]) {
  cfn
    .on(DescribeStacksCommand)
    .resolves(
      deployedStack(
        'ScalableBackend-prod',
        Object.fromEntries(outputs.map((o) => [o.OutputKey, o.OutputValue])),
      ),
    );
}

beforeEach(() => {
  cfn.reset();
  cw.reset();
  sns.reset();
  const fixture = healthyFixture(targets);
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: input.MetricDataQueries!.map((q) => ({
      Id: q.Id,
      Timestamps: (fixture[q.Id!]?.timestamps ?? []).map((t) => new Date(t)),
      Values: [...(fixture[q.Id!]?.values ?? [])],
      StatusCode: 'Complete',
    })),
  }));
  cw.on(PutMetricDataCommand).resolves({});
  sns.on(PublishCommand).resolves({});
});

describe('advisor CLI', () => {
  test('GIVEN a deployed stack THEN it prints the table and writes nothing (read-only by default)', async () => {
    stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
    const out: string[] = [];

    await expect(main(['ScalableBackend-prod'], deps(out))).resolves.toBe(0);

    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({
      StackName: 'ScalableBackend-prod',
    });
    expect(out[0]).toMatch(/^Scaling advisor: ScalableBackend-prod\n/);
    expect(out[0]).toMatch(/^Verdict: HEALTHY \(code 0\)$/m);
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('GIVEN --publish THEN it writes the verdict metrics and notifies on a change, like the Lambda', async () => {
    stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
    const out: string[] = [];

    const said: string[] = [];

    await main(['ScalableBackend-prod', '--publish'], deps(out, said));

    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(out).toHaveLength(1);
    expect(said).toEqual(['Published the verdict metrics and notified the topic (the verdict changed).']);
  });

  test.each([[['--json']], [['--json', '--publish']], [['--publish', '--json', '--region', 'eu-west-1']]])(
    'GIVEN %j THEN stdout is exactly one JSON document, whatever else is asked',
    async (flags) => {
      stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
      const out: string[] = [];
      await main(['ScalableBackend-prod', ...flags], deps(out));
      expect(out).toHaveLength(1);
      expect(JSON.parse(out.join('\n'))).toMatchObject({
        stackName: 'ScalableBackend-prod',
        verdict: 'HEALTHY',
        published: flags.includes('--publish'),
      });
    },
  );

  test('GIVEN throttling that outlasts the retries THEN one line says so and that a later try helps', async () => {
    stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const error = await main(['ScalableBackend-prod'], deps([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(
      /^AWS kept throttling the advisor while reading the metrics of ScalableBackend-prod \(ThrottlingException: GetMetricData still throttled after 5 attempts: Rate exceeded\)\. .*try again in a minute\.$/,
    );
  });

  test('GIVEN a server error (HTTP 500) THEN one line names it and says it is on the AWS side', async () => {
    stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('Internal failure.\n  at somewhere'), {
        name: 'InternalServiceFault',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const error = await main(['ScalableBackend-prod'], deps([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(
      'AWS answered with a server error while reading the metrics of ScalableBackend-prod (InternalServiceFault, HTTP 500: Internal failure.). ' +
        'This is on the AWS side; try again in a few minutes (the AWS Health Dashboard shows service events).',
    );
  });

  test('GIVEN --publish without the right to encrypt for the topic THEN the message names every permission publishing needs', async () => {
    stackWithOutputs([{ OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify(targets) }]);
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('User is not authorized to perform kms:GenerateDataKey'), {
        name: 'KMSAccessDeniedException',
      }),
    );
    const error = await main(['ScalableBackend-prod', '--publish'], deps([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^Access denied while reading the metrics of ScalableBackend-prod and publishing its verdict:/,
    );
    for (const permission of [
      'cloudwatch:GetMetricData',
      'cloudwatch:PutMetricData',
      'sns:Publish',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]) {
      expect(message).toContain(permission);
    }
  });

  test('GIVEN an unknown stack THEN it says the stack was not found, and where it looked', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(main(['nope', '--region', 'us-east-2'], deps([]))).rejects.toThrow(
      /^Stack ScalableBackend-nope not found in region us-east-2\./,
    );
  });

  test('GIVEN a stack without the AdvisorTargets output THEN it says to deploy the advisor', async () => {
    stackWithOutputs([{ OutputKey: 'ServiceUrl', OutputValue: 'http://x' }]);
    await expect(main(['ScalableBackend-prod'], deps([]))).rejects.toThrow(
      /has no output AdvisorTargets: it was deployed without the scaling advisor/,
    );
  });

  test('GIVEN no credentials THEN it says how to configure them', async () => {
    cfn.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const error = await main(['ScalableBackend-prod'], deps([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/^No AWS credentials found\. Configure them \(aws configure/);
  });

  test('GIVEN a malformed output THEN the validation problems are shown', async () => {
    stackWithOutputs([
      { OutputKey: 'AdvisorTargets', OutputValue: JSON.stringify({ ...targets, maxTasks: 0 }) },
    ]);
    await expect(main(['ScalableBackend-prod'], deps([]))).rejects.toThrow(
      /output AdvisorTargets of stack ScalableBackend-prod is invalid:\n {2}- maxTasks must be a positive integer/,
    );
  });

  test('GIVEN no region anywhere THEN the one-line no-region message and no AWS call', async () => {
    cfn.reset();
    const noRegion = {
      ...deps([]),
      region: (flag?: string) => resolveRegion(flag, { AWS_REGION: '' }, () => undefined).region,
    };
    await expect(main(['prod'], noRegion)).rejects.toThrow(NO_REGION_MESSAGE);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('arguments: stack name, --region, --publish, --json; mistakes exit 2 with usage', () => {
    expect(parseArgs(['ScalableBackend-staging', '--region=eu-west-1', '--publish'])).toEqual({
      stackName: 'ScalableBackend-staging',
      region: 'eu-west-1',
      publish: true,
      json: false,
    });
    expect(parseArgs(['staging']).stackName).toBe('ScalableBackend-staging');
    for (const bad of [[], ['--bogus', 's'], ['a', 'b'], ['s', '--region'], ['Not_An_Env']]) {
      let error: CliError | undefined;
      try {
        parseArgs(bad);
      } catch (e) {
        error = e as CliError;
      }
      expect(error?.exitCode).toBe(2);
      expect(error?.message).toMatch(/Usage: npm run advisor -- <env or stack name>/);
    }
  });
});
