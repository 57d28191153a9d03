import { CliError } from '../../../bin/cli';
import { parseReviewArgs } from '../../../bin/review';

describe('npm run review: arguments', () => {
  test('GIVEN -c envs=staging THEN both synths get it as given', () => {
    expect(parseReviewArgs(['-c', 'envs=staging']).context).toEqual(['envs=staging']);
  });

  test('GIVEN environments or stack names as arguments THEN they become -c envs=...', () => {
    expect(
      parseReviewArgs(['staging', 'ScalableBackend-prod', '-c', 'prod.service.maxTasks=9']).context,
    ).toEqual(['prod.service.maxTasks=9', 'envs=staging,prod']);
  });

  test.each([
    [['staging', '-c', 'envs=prod'], /as arguments or as -c envs=..., not both/],
    [['--bogus'], /unknown option --bogus/],
    [['Not_Env'], /not an environment or stack name: Not_Env/],
  ])('GIVEN %j THEN a usage error (exit 2)', (argv, message) => {
    let error: CliError | undefined;
    try {
      parseReviewArgs(argv);
    } catch (e) {
      error = e as CliError;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
  });
});
