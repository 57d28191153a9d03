import {
  ADVISOR_TARGETS_ENV,
  AdvisorTargetsError,
  parseTargets,
  targetsFromEnv,
} from '../../../lambda/scaling-advisor/targets';
import { makeTargets, without } from './fixtures';

describe('targets', () => {
  test('GIVEN the JSON the stack writes THEN targetsFromEnv returns it unchanged', () => {
    const targets = makeTargets();
    expect(targetsFromEnv({ [ADVISOR_TARGETS_ENV]: JSON.stringify(targets) })).toEqual(targets);
    expect(ADVISOR_TARGETS_ENV).toBe('ADVISOR_TARGETS');
  });

  test('GIVEN no topic and no replicas THEN they are valid (optional topic, empty list)', () => {
    const rest = without(makeTargets({ replicaInstanceIds: [] }), 'topicArn');
    expect(() => parseTargets(rest, 'test')).not.toThrow();
  });

  test('GIVEN no variable THEN the error says which one and what it should hold', () => {
    expect(() => targetsFromEnv({})).toThrow(
      'environment variable ADVISOR_TARGETS is not set: the stack must pass the advisor targets as JSON',
    );
  });

  test('GIVEN invalid JSON THEN the error says so', () => {
    expect(() => targetsFromEnv({ [ADVISOR_TARGETS_ENV]: '{"stackName":' })).toThrow(
      /environment variable ADVISOR_TARGETS is not valid JSON/,
    );
  });

  test('GIVEN several mistakes THEN every one is listed in one error', () => {
    const bad = {
      ...makeTargets(),
      namespace: 'AWS/ECS',
      windowMinutes: 2,
      minTasks: 5,
      maxTasks: 3,
      replicaInstanceIds: ['a', 'a'],
      topicArn: 'not-an-arn',
      thresholds: { ...makeTargets().thresholds, dbCpuPercent: 'high' },
    };
    let error: AdvisorTargetsError | undefined;
    try {
      parseTargets(bad, 'output AdvisorTargets');
    } catch (e) {
      error = e as AdvisorTargetsError;
    }
    expect(error).toBeInstanceOf(AdvisorTargetsError);
    expect(error!.message).toMatch(/^output AdvisorTargets is invalid:/);
    expect(error!.problems).toEqual([
      'namespace must not start with AWS/ (reserved by AWS), got AWS/ECS',
      'windowMinutes must be an integer from 5 to 1440, got 2',
      'minTasks (5) must not exceed maxTasks (3)',
      'replicaInstanceIds must not repeat an id',
      'topicArn must be an SNS topic ARN when set, got "not-an-arn"',
      'thresholds.dbCpuPercent must be a non-negative number, got "high"',
    ]);
  });

  test('GIVEN targets of an older stack without the hit-rate floor THEN the error says to deploy the current version', () => {
    const { cacheHitRateMinLookupsPerMinute: _floor, ...older } = makeTargets().thresholds;
    void _floor;
    expect(() => parseTargets({ ...makeTargets(), thresholds: older }, 'output AdvisorTargets')).toThrow(
      'thresholds.cacheHitRateMinLookupsPerMinute is missing: the stack was deployed by an older version; deploy the current one',
    );
  });

  test('GIVEN a missing field THEN it is named', () => {
    const rest = without(makeTargets(), 'dbInstanceId');
    expect(() => parseTargets(rest, 'x')).toThrow(/dbInstanceId must be a non-empty string, got nothing/);
    expect(() => parseTargets([], 'x')).toThrow(/x must be a JSON object, got \[\]/);
  });
});
