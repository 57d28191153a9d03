import {
  CliError,
  CliSpec,
  NO_REGION_MESSAGE,
  describeError,
  parseCliArgs,
  parseContextPairs,
  resolveRegion,
  resolveTarget,
} from '../../bin/cli';

const spec: CliSpec = {
  usage: 'Usage: tool [--json] [--base <ref>] [-c key=value ...] <stack>',
  flags: ['json'],
  options: ['base'],
  repeatable: ['context'],
  aliases: { c: 'context' },
};

function usageErrorOf(argv: string[]): CliError {
  try {
    parseCliArgs(argv, spec);
  } catch (e) {
    return e as CliError;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseCliArgs', () => {
  test('GIVEN flags, options, repeated aliases and positionals THEN each lands in its place', () => {
    const parsed = parseCliArgs(['S', '--json', '--base=main', '-c', 'envs=dev', '-c', 'x=1'], spec);
    expect(parsed).toEqual({
      positionals: ['S'],
      flags: { json: true },
      options: { base: 'main' },
      repeated: { context: ['envs=dev', 'x=1'] },
    });
  });

  test('GIVEN -- THEN everything after it is positional, options included', () => {
    expect(parseCliArgs(['dev', '--', 'npm', '--json'], spec).positionals).toEqual(['dev', 'npm', '--json']);
  });

  test.each([
    [['--nope'], /unknown option --nope/],
    [['--base'], /--base needs a value/],
    [['--base', '--json'], /--base needs a value/],
    [['--json=yes'], /--json takes no value/],
  ])('GIVEN %j THEN a usage error (exit 2) names the problem and shows the usage', (argv, message) => {
    const error = usageErrorOf(argv);
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('Usage: tool');
  });

  test('GIVEN --help THEN the usage with exit code 0', () => {
    const error = usageErrorOf(['--help']);
    expect(error.exitCode).toBe(0);
    expect(error.message).toBe(spec.usage);
  });
});

describe('describeError', () => {
  test('GIVEN a multi-line error THEN one line with its name', () => {
    const e = new Error('Service unavailable\n    at somewhere');
    e.name = 'InternalServiceError';
    expect(describeError(e)).toBe('InternalServiceError: Service unavailable');
  });
});

describe('parseContextPairs', () => {
  test('GIVEN -c pairs THEN an object of context keys, values kept as text (= inside values too)', () => {
    expect(parseContextPairs(['prod.database.readReplicas=3', 'overrides={"a":"b=c"}'], spec.usage)).toEqual({
      'prod.database.readReplicas': '3',
      overrides: '{"a":"b=c"}',
    });
  });

  test.each([['novalue'], ['=3']])('GIVEN %s THEN a usage error naming the pair', (pair) => {
    let error: CliError | undefined;
    try {
      parseContextPairs([pair], spec.usage);
    } catch (e) {
      error = e as CliError;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toContain(`-c ${pair}: expected key=value`);
  });
});

describe('parseCliArgs on node:util parseArgs', () => {
  test.each([
    [['-x'], /unknown option -x/],
    [['-c'], /-c needs a value/],
    [['--context=a=b', '--json=no'], /--json takes no value \(got --json=no\)/],
  ])('GIVEN %j THEN a one-line reason, the usage and exit 2', (argv, message) => {
    const error = usageErrorOf(argv);
    expect(error.exitCode).toBe(2);
    expect(error.message.split('\n')[0]).toMatch(message);
  });

  test('GIVEN an inline value that starts with a dash THEN it is the value', () => {
    expect(parseCliArgs(['--base=-1', '-cenvs=dev'], spec)).toEqual({
      positionals: [],
      flags: { json: false },
      options: { base: '-1' },
      repeated: { context: ['envs=dev'] },
    });
  });
});

describe('resolveTarget', () => {
  test.each([
    ['prod', 'prod'],
    ['staging', 'staging'],
    ['ScalableBackend-staging', 'staging'],
    ['dev-alice', 'dev-alice'],
  ])('GIVEN %s THEN environment %s and its stack', (arg, env) => {
    expect(resolveTarget(arg, 'usage')).toEqual({ env, stackName: `ScalableBackend-${env}` });
  });

  test.each([['Prod'], ['ScalableBackend-'], ['dev_alice'], ['a'.repeat(25)], ['dev--x']])(
    'GIVEN %s THEN a usage error naming it',
    (arg) => {
      let error: CliError | undefined;
      try {
        resolveTarget(arg, 'usage');
      } catch (e) {
        error = e as CliError;
      }
      expect(error?.exitCode).toBe(2);
      expect(error?.message).toContain(`not an environment or stack name: ${arg}`);
    },
  );
});

describe('resolveRegion, like the AWS CLI', () => {
  const config = [
    '[default]',
    'region = eu-west-1',
    '[profile team]',
    'output = json',
    's3 =',
    '  region = not-this-one',
    'region=us-east-2',
    '[team]',
    'region = ignored-without-profile-prefix',
  ].join('\n');
  const files = (file: string) => (file === '/home/u/.aws/config' ? config : undefined);
  const base = { HOME: '/home/u' };

  test.each([
    ['--region wins', 'ap-south-1', { ...base, AWS_REGION: 'us-west-2' }, 'ap-south-1', '--region'],
    [
      'AWS_REGION before AWS_DEFAULT_REGION',
      undefined,
      { ...base, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-central-1' },
      'us-west-2',
      'AWS_REGION',
    ],
    [
      'an empty AWS_REGION counts as unset',
      undefined,
      { ...base, AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-central-1' },
      'eu-central-1',
      'AWS_DEFAULT_REGION',
    ],
    [
      'the default profile',
      undefined,
      { ...base, AWS_REGION: '' },
      'eu-west-1',
      'profile default in /home/u/.aws/config',
    ],
    [
      'AWS_PROFILE, top-level key only',
      undefined,
      { ...base, AWS_PROFILE: 'team' },
      'us-east-2',
      'profile team in /home/u/.aws/config',
    ],
  ])('%s', (_what, flag, env, region, source) => {
    expect(resolveRegion(flag, env, files)).toEqual({ region, source });
  });

  test('GIVEN AWS_CONFIG_FILE THEN that file is read', () => {
    const read = (file: string) =>
      file === '/etc/aws.cfg' ? '[profile x]\nregion = sa-east-1\n' : undefined;
    expect(resolveRegion(undefined, { AWS_CONFIG_FILE: '/etc/aws.cfg', AWS_PROFILE: 'x' }, read).region).toBe(
      'sa-east-1',
    );
  });

  test.each([
    ['no config file', { ...base }, () => undefined],
    ['a profile without a region', { ...base, AWS_PROFILE: 'other', AWS_REGION: ' ' }, files],
  ])('GIVEN %s THEN the one-line no-region message', (_what, env, read) => {
    expect(() => resolveRegion(undefined, env, read)).toThrow(NO_REGION_MESSAGE);
    expect(NO_REGION_MESSAGE).not.toContain('\n');
  });
});
