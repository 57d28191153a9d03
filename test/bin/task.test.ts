import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { CliError, NO_REGION_MESSAGE, resolveRegion } from '../../bin/cli';
import {
  POLL_INTERVAL_MS,
  STARTED_BY,
  TIMEOUT_EXIT_CODE,
  TaskDeps,
  explainTaskError,
  main,
  parseTaskArgs,
} from '../../bin/task';
import { stackName } from '../../lib/app';
import { TASK_OUTPUTS } from '../../lib/task-outputs';
import { deployedStack } from '../deployed-stack';

const cfn = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/ScalableBackend-prod-Cluster/0123456789abcdef';
const OUTPUTS: Record<string, string> = {
  [TASK_OUTPUTS.clusterName]: 'ScalableBackend-prod-Cluster',
  [TASK_OUTPUTS.serviceName]: 'ScalableBackend-prod-Service',
  [TASK_OUTPUTS.taskDefinitionArn]:
    'arn:aws:ecs:eu-west-1:123456789012:task-definition/ScalableBackendprod:7',
  [TASK_OUTPUTS.containerName]: 'App',
  [TASK_OUTPUTS.subnetIds]: 'subnet-a,subnet-b',
  [TASK_OUTPUTS.securityGroupId]: 'sg-123',
  [TASK_OUTPUTS.logGroupName]: 'ScalableBackend-prod-ServiceLogs',
};

function stack(outputs: Record<string, string> = OUTPUTS) {
  cfn.on(DescribeStacksCommand).resolves(deployedStack('ScalableBackend-prod', outputs));
}

interface Run {
  deps: TaskDeps;
  out: string[];
  slept: number[];
}

/** Deps over the mocked clients with a fake clock that advances by each sleep. */
function run(): Run {
  let clock = 0;
  const out: string[] = [];
  const slept: number[] = [];
  return {
    out,
    slept,
    deps: {
      cloudFormation: () => new CloudFormationClient({ region: 'eu-west-1' }),
      ecs: () => new ECSClient({ region: 'eu-west-1' }),
      logs: () => new CloudWatchLogsClient({ region: 'eu-west-1' }),
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
      now: () => clock,
      out: (line) => out.push(line),
      region: (flag) => flag ?? 'eu-west-1',
    },
  };
}

const stopped = (exitCode?: number, extra: Record<string, unknown> = {}) => ({
  tasks: [
    {
      taskArn: TASK_ARN,
      lastStatus: 'STOPPED',
      containers: [{ name: 'App', ...(exitCode !== undefined ? { exitCode } : {}) }],
      ...extra,
    },
  ],
});

let stderr: jest.SpyInstance;
let stdout: jest.SpyInstance;
beforeEach(() => {
  cfn.reset();
  ecs.reset();
  logs.reset();
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stderr.mockRestore();
  stdout.mockRestore();
});
const stderrText = () => stderr.mock.calls.map((c) => String(c[0])).join('');

describe('npm run task: arguments', () => {
  test('GIVEN env, options and a command after -- THEN each lands in its place', () => {
    expect(
      parseTaskArgs([
        'prod',
        '--region',
        'eu-west-1',
        '--timeout=5',
        '--',
        'npm',
        'run',
        'migrate',
        '--',
        '-x',
      ]),
    ).toEqual({
      env: 'prod',
      stackName: 'ScalableBackend-prod',
      command: ['npm', 'run', 'migrate', '--', '-x'],
      region: 'eu-west-1',
      timeoutMinutes: 5,
      tailLines: 50,
      json: false,
    });
  });

  test('the stack name is the one the CDK app gives the environment', () => {
    expect(parseTaskArgs(['dev', '--', 'true']).stackName).toBe(stackName('dev'));
  });

  test.each([
    [[], /missing the environment/],
    [['prod'], /missing the command: give it after --/],
    [['prod', 'npm', 'run', 'migrate'], /put the command after --/],
    [['prod', '--timeout', '0', '--', 'true'], /--timeout must be an integer >= 1, got 0/],
    [['prod', '--wait', '--', 'true'], /unknown option --wait/],
  ])('GIVEN %j THEN a usage error (exit 2) says what is wrong', (argv, message) => {
    let error: unknown;
    try {
      parseTaskArgs(argv as string[]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  });
});

describe('npm run task: a run', () => {
  test('GIVEN the stack outputs WHEN run THEN RunTask gets the service network and the command override', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves(stopped(0));
    logs.on(GetLogEventsCommand).resolves({ events: [] });

    await main(['prod', '--', 'npm', 'run', 'migrate'], r.deps);

    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({
      StackName: 'ScalableBackend-prod',
    });
    expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
      cluster: 'ScalableBackend-prod-Cluster',
      taskDefinition: OUTPUTS[TASK_OUTPUTS.taskDefinitionArn],
      launchType: 'FARGATE',
      count: 1,
      startedBy: STARTED_BY,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-123'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: 'App', command: ['npm', 'run', 'migrate'] }] },
    });
  });

  test('GIVEN a task that runs, then exits 0 THEN it polls until STOPPED, prints the log tail and exits 0', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PENDING' }] })
      .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] })
      .resolves(stopped(0, { stopCode: 'EssentialContainerExited' }));
    logs.on(GetLogEventsCommand).resolves({ events: [{ message: 'migrating' }, { message: 'done' }] });

    const code = await main(['prod', '--tail', '20', '--', 'npm', 'run', 'migrate'], r.deps);

    expect(code).toBe(0);
    expect(r.slept).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(ecs.commandCalls(DescribeTasksCommand)[0].args[0].input).toEqual({
      cluster: 'ScalableBackend-prod-Cluster',
      tasks: [TASK_ARN],
    });
    // The log stream ECS names <prefix>/<container>/<task id>, newest lines last.
    expect(logs.commandCalls(GetLogEventsCommand)[0].args[0].input).toEqual({
      logGroupName: 'ScalableBackend-prod-ServiceLogs',
      logStreamName: 'app/App/0123456789abcdef',
      limit: 20,
      startFromHead: false,
    });
    expect(r.out).toEqual(['migrating', 'done']);
    expect(stderrText()).toMatch(/Task 0123456789abcdef exited with code 0\./);
  });

  test('GIVEN the command fails with exit code 3 THEN npm run task exits 3', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs
      .on(DescribeTasksCommand)
      .resolves(stopped(3, { stoppedReason: 'Essential container in task exited' }));
    logs.on(GetLogEventsCommand).resolves({ events: [{ message: 'relation "users" already exists' }] });

    expect(await main(['prod', '--', 'npm', 'run', 'migrate'], r.deps)).toBe(3);
    expect(stderrText()).toMatch(/exited with code 3 \(Essential container in task exited\)/);
  });

  test('GIVEN the image cannot be pulled THEN the reason is printed and the exit code is 1', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves(
      stopped(undefined, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      }),
    );
    logs.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );

    expect(await main(['prod', '--', 'true'], r.deps)).toBe(1);
    expect(stderrText()).toMatch(/stopped before its command ran: CannotPullContainerError/);
  });

  test('GIVEN ECS refuses to place the task THEN a one-line error with its reason, nothing polled', async () => {
    const r = run();
    stack();
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no free addresses' }] });

    await expect(main(['prod', '--', 'true'], r.deps)).rejects.toThrow(
      'ECS did not start the task: RESOURCE:ENI: no free addresses',
    );
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  test('GIVEN a task still running at the timeout THEN exit 124 with how to follow or stop it', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });

    let error: CliError | undefined;
    try {
      await main(['prod', '--timeout', '1', '--', 'sleep', '3600'], r.deps);
    } catch (e) {
      error = e as CliError;
    }
    expect(error).toBeInstanceOf(CliError);
    expect(error!.exitCode).toBe(TIMEOUT_EXIT_CODE);
    expect(error!.message).toMatch(/did not stop within 1 minutes \(last status RUNNING\); it keeps running/);
    expect(error!.message).toMatch(
      /aws ecs stop-task --cluster ScalableBackend-prod-Cluster --task 0123456789abcdef/,
    );
    // 60 s of 6-second polls, then the deadline
    expect(r.slept).toHaveLength(60_000 / POLL_INTERVAL_MS);
  });

  test('GIVEN --json THEN stdout holds only the result document', async () => {
    const r = run();
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves(stopped(0));
    logs.on(GetLogEventsCommand).resolves({ events: [{ message: 'ok' }] });

    expect(await main(['prod', '--json', '--', 'true'], r.deps)).toBe(0);
    const json = stdout.mock.calls.map((c) => String(c[0])).join('');
    expect(JSON.parse(json)).toMatchObject({ taskId: '0123456789abcdef', exitCode: 0, logTail: ['ok'] });
    expect(r.out).toEqual([]);
  });

  test('GIVEN a stack deployed before the task outputs existed THEN it says to deploy the current version', async () => {
    const r = run();
    const { [TASK_OUTPUTS.subnetIds]: _subnets, ...older } = OUTPUTS;
    void _subnets;
    stack(older);
    await expect(main(['prod', '--', 'true'], r.deps)).rejects.toThrow(
      /has no output ServiceSubnetIds: .* Deploy the current version \(npx cdk deploy ScalableBackend-prod\)/,
    );
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test('GIVEN no such stack THEN it says so and names the region options', async () => {
    const r = run();
    cfn.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Stack with id ScalableBackend-qa does not exist'), {
        name: 'ValidationError',
      }),
    );
    await expect(main(['qa', '--', 'true'], r.deps)).rejects.toThrow(
      /Stack ScalableBackend-qa not found.*--region/,
    );
  });

  test('GIVEN access denied THEN the message names every permission the tool needs', () => {
    const err = explainTaskError(
      Object.assign(new Error('User is not authorized to perform: ecs:RunTask'), {
        name: 'AccessDeniedException',
      }),
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(
      /cloudformation:DescribeStacks, ecs:RunTask, ecs:DescribeTasks, iam:PassRole .* logs:GetLogEvents/,
    );
  });
});

describe('npm run task: any environment, the entry point, the region', () => {
  beforeEach(() => {
    cfn.reset();
    ecs.reset();
    logs.reset();
  });

  test.each([['staging'], ['ScalableBackend-staging']])(
    'GIVEN %s THEN the stack ScalableBackend-staging is read and its task runs',
    async (name) => {
      const r = run();
      stack();
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
      ecs.on(DescribeTasksCommand).resolves(stopped(0));
      logs.on(GetLogEventsCommand).resolves({ events: [] });
      expect(await main([name, '--', 'npm', 'run', 'migrate'], r.deps)).toBe(0);
      expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({
        StackName: 'ScalableBackend-staging',
      });
      // Only the command is overridden: an image ENTRYPOINT receives it as arguments.
      expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input.overrides).toEqual({
        containerOverrides: [{ name: 'App', command: ['npm', 'run', 'migrate'] }],
      });
    },
  );

  test('GIVEN --entry-point THEN a one-off revision with that entry point runs and is deregistered', async () => {
    const r = run();
    stack();
    const revision = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/ScalableBackendprod:8';
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        family: 'ScalableBackendprod',
        cpu: '256',
        memory: '512',
        networkMode: 'awsvpc',
        executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        taskRoleArn: 'arn:aws:iam::123456789012:role/task',
        requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'App', image: 'app:1', entryPoint: ['node'], command: ['server.js'] }],
      },
    });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: revision } });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves(stopped(0));
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    logs.on(GetLogEventsCommand).resolves({ events: [] });

    await main(['prod', '--entry-point', '["sh","-c"]', '--', 'echo $DB_NAME'], r.deps);

    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    expect(registered.family).toBe('ScalableBackendprod');
    expect(registered.containerDefinitions).toEqual([
      { name: 'App', image: 'app:1', entryPoint: ['sh', '-c'], command: ['server.js'] },
    ]);
    expect([registered.executionRoleArn, registered.taskRoleArn]).toEqual([
      'arn:aws:iam::123456789012:role/exec',
      'arn:aws:iam::123456789012:role/task',
    ]);
    const runInput = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
    expect(runInput.taskDefinition).toBe(revision);
    expect(runInput.overrides?.containerOverrides?.[0].command).toEqual(['echo $DB_NAME']);
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand)[0].args[0].input).toEqual({
      taskDefinition: revision,
    });
  });

  test('GIVEN --entry-point as words THEN split on spaces', () => {
    expect(parseTaskArgs(['prod', '--entry-point', 'sh -c', '--', 'true']).entryPoint).toEqual(['sh', '-c']);
  });

  test('GIVEN no region anywhere (AWS_REGION empty) THEN the one-line no-region message, no SDK call', async () => {
    const r = run();
    const deps = {
      ...r.deps,
      region: (flag?: string) => resolveRegion(flag, { AWS_REGION: '', HOME: '/nonexistent' }).region,
    };
    await expect(main(['prod', '--', 'true'], deps)).rejects.toThrow(NO_REGION_MESSAGE);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('GIVEN --region THEN every client is made for it', async () => {
    const r = run();
    const regions: (string | undefined)[] = [];
    const deps = {
      ...r.deps,
      cloudFormation: (region?: string) => {
        regions.push(region);
        return new CloudFormationClient({ region });
      },
    };
    stack();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
    ecs.on(DescribeTasksCommand).resolves(stopped(0));
    logs.on(GetLogEventsCommand).resolves({ events: [] });
    await main(['prod', '--region', 'ap-south-1', '--', 'true'], deps);
    expect(regions).toEqual(['ap-south-1']);
  });
});
