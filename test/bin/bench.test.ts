import { CliError } from '../../bin/cli';
import { parseBenchArgs } from '../../bin/bench';

describe('npm run bench: arguments', () => {
  test('GIVEN nothing THEN each preset, then dev,prod, five runs each', () => {
    expect(parseBenchArgs([])).toEqual({ cases: ['dev', 'prod', 'local', 'dev,prod'], runs: 5 });
  });

  test('GIVEN environments, stack names and --runs THEN those cases', () => {
    expect(parseBenchArgs(['staging', 'ScalableBackend-dev,prod', '--runs=2'])).toEqual({
      cases: ['staging', 'dev,prod'],
      runs: 2,
    });
  });

  test.each([
    [['--runs', '0'], /--runs must be a positive integer, got 0/],
    [['--fast'], /unknown option --fast/],
  ])('GIVEN %j THEN a usage error (exit 2)', (argv, message) => {
    let error: CliError | undefined;
    try {
      parseBenchArgs(argv);
    } catch (e) {
      error = e as CliError;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
  });
});
