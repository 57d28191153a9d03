import { CliError, CliSpec, describeError, parseCliArgs, parseContextPairs } from '../../bin/cli';

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
