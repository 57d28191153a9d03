import { loadEnvironments } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { configErrorOf } from '../config-error';

describe('environments declared with extends', () => {
  test('GIVEN staging extends prod THEN it has prod config plus its own overrides, prod unchanged', () => {
    const context = {
      envs: 'staging,prod',
      overrides: {
        staging: { extends: 'prod', service: { maxTasks: 6 } },
        prod: { service: { minTasks: 3 } },
      },
    };
    const [staging, prod] = loadEnvironments(context);
    expect(staging.name).toBe('staging');
    expect(staging.config.database).toEqual(PRESETS.prod.database);
    // the parent's own overrides carry over; the child's do not flow back
    expect([staging.config.service.minTasks, staging.config.service.maxTasks]).toEqual([3, 6]);
    expect(prod.config.service.maxTasks).toBe(PRESETS.prod.service.maxTasks);
  });

  test('GIVEN a chain and -c keys of a declared environment THEN both apply', () => {
    const [alice] = loadEnvironments({
      envs: 'dev-alice',
      overrides: JSON.stringify({
        team: { extends: 'dev', service: { maxTasks: 3 } },
        'dev-alice': { extends: 'team' },
      }),
      'dev-alice.service.minTasks': '2',
    });
    expect([alice.config.service.minTasks, alice.config.service.maxTasks]).toEqual([2, 3]);
    expect(alice.config.network).toEqual(PRESETS.dev.network);
  });

  test('GIVEN -c <env>.extends THEN the environment is declared from the command line', () => {
    const [qa] = loadEnvironments({ envs: 'qa', 'qa.extends': 'dev', 'qa.service.maxTasks': '2' });
    expect(qa.config.service.maxTasks).toBe(2);
  });

  test.each([
    [
      'an unknown parent',
      { a: { extends: 'prd' } },
      'overrides.a.extends: got "prd"; must name a preset or a declared environment: dev, prod, local, a',
    ],
    [
      'a cycle',
      { a: { extends: 'b' }, b: { extends: 'a' } },
      'environments extend each other in a cycle: a -> b -> a',
    ],
    [
      'no extends',
      { stage: {} },
      'overrides.stage: unknown environment; declare it with "extends": "<parent>"',
    ],
    [
      'an invalid name',
      { Staging_1: { extends: 'prod' } },
      'overrides.Staging_1: not a valid environment name; an environment name is lower-case letters, digits and single hyphens',
    ],
    [
      'a name too long for fixed resource names',
      { ['a'.repeat(25)]: { extends: 'dev' } },
      'an environment name has at most 24 characters',
    ],
    [
      'extends on a preset',
      { prod: { extends: 'dev' } },
      'overrides.prod.extends: prod is a preset and extends nothing',
    ],
  ])('GIVEN %s THEN the synth stops naming it', (_what, overrides, message) => {
    expect(configErrorOf({ envs: 'dev', overrides })).toContain(message);
  });

  test('GIVEN a declared environment that is not selected THEN envs lists it among the allowed ones', () => {
    expect(configErrorOf({ envs: 'qa', overrides: { staging: { extends: 'prod' } } })).toContain(
      'envs: got "qa"; allowed environments: dev, prod, local, staging',
    );
  });
});

describe('service.image and service.build', () => {
  const build = { directory: 'test/fixtures/app' };

  test('GIVEN build in an environment THEN it replaces the image it inherits', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.build': JSON.stringify(build) });
    expect(dev.config.service.image).toBeUndefined();
    expect(dev.config.service.build).toEqual(build);
  });

  test('GIVEN an image in a child of an environment that builds THEN the image replaces the build', () => {
    const [child] = loadEnvironments({
      envs: 'child',
      overrides: {
        parent: { extends: 'dev', service: { build } },
        child: { extends: 'parent', service: { image: 'nginx:1' } },
      },
    });
    expect([child.config.service.image, child.config.service.build]).toEqual(['nginx:1', undefined]);
  });

  test('GIVEN image and build in the same environment THEN refused with both named', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.service.build': JSON.stringify(build),
        'dev.service.image': 'nginx:1',
      }),
    ).toContain('dev.service.build: service.image and service.build exclude each other in one environment');
  });

  test('GIVEN a build directory without a Dockerfile THEN refused naming the path', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.service.build': '{"directory":"test/fixtures"}' })).toContain(
      'dev.service.build.directory: got "test/fixtures"; has no Dockerfile at test/fixtures/Dockerfile',
    );
  });

  test('GIVEN a build directory outside the project THEN refused', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.service.build': '{"directory":"../other"}' })).toContain(
      'dev.service.build.directory: got "../other"; must be a directory inside the project, relative to cdk.json',
    );
  });

  test('GIVEN neither image nor build THEN refused', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.service.image': 'null' })).toContain(
      'dev.service.image: got nothing; is required unless service.build is set',
    );
  });
});
