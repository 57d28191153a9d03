import { loadEnvironments } from '../../lib/config/load';
import { configErrorOf } from '../config-error';

describe('service.deployment defaults', () => {
  test('GIVEN the presets THEN prod releases by canary and dev (and local) roll', () => {
    const byName = Object.fromEntries(
      loadEnvironments({ envs: 'dev,prod,local' }).map((e) => [e.name, e.config.service.deployment]),
    );
    expect(byName.prod).toMatchObject({
      strategy: 'canary',
      canaryPercent: 10,
      canaryBakeMinutes: 10,
      bakeMinutes: 10,
    });
    expect(byName.dev.strategy).toBe('rolling');
    expect(byName.local.strategy).toBe('rolling');
    expect(byName.prod.smokeTest).toEqual({ paths: ['/'], expectedStatus: '200-399', maxResponseMs: 2000 });
  });
});

describe('service.deployment refusals at synth (key, value, what is allowed)', () => {
  test.each([
    [
      { 'prod.service.deployment.strategy': 'codeDeploy' },
      'prod.service.deployment.strategy: got "codeDeploy"; Invalid option: expected one of "rolling"|"canary"|"linear"|"blueGreen"',
    ],
    [
      { 'prod.service.deployment.canaryPercent': '100' },
      'prod.service.deployment.canaryPercent: got 100; must be below 100 with strategy canary (100 % at once is strategy blueGreen); allowed: 0.1 to 99.9 in steps of 0.1',
    ],
    [
      { 'prod.service.deployment.canaryPercent': '2.55' },
      'prod.service.deployment.canaryPercent: got 2.55; must be a multiple of 0.1',
    ],
    [
      { 'prod.service.deployment.canaryPercent': '0' },
      'prod.service.deployment.canaryPercent: got 0; Too small: expected number to be >=0.1',
    ],
    [
      { 'dev.service.deployment.strategy': 'linear', 'dev.service.deployment.linearStepPercent': '2' },
      'dev.service.deployment.linearStepPercent: got 2; Too small: expected number to be >=3',
    ],
    [
      { 'dev.service.deployment.strategy': 'linear', 'dev.service.deployment.linearStepPercent': '100' },
      'dev.service.deployment.linearStepPercent: got 100; must be below 100 with strategy linear',
    ],
    [
      { 'prod.service.deployment.bakeMinutes': '1441' },
      'prod.service.deployment.bakeMinutes: got 1441; Too big: expected number to be <=1440',
    ],
    [
      { 'prod.service.deployment.smokeTest.paths': '["/","/"]' },
      'prod.service.deployment.smokeTest.paths: got ["/","/"]; must not list a path twice',
    ],
    [
      { 'prod.service.deployment.smokeTest.paths': '["health"]' },
      'prod.service.deployment.smokeTest.paths.0: got "health"; must start with / and contain no spaces',
    ],
    [
      { 'prod.service.deployment.smokeTest.expectedStatus': '2xx' },
      'prod.service.deployment.smokeTest.expectedStatus: got "2xx"; must look like 200 or 200-299 or 200,204',
    ],
    [
      { 'prod.service.deployment.circuitBreaker': 'true' },
      'prod.service.deployment.circuitBreaker: unknown key; allowed keys here: strategy, canaryPercent, canaryBakeMinutes, linearStepPercent, linearIntervalMinutes, bakeMinutes, smokeTest',
    ],
  ])('%j is refused', (context, message) => {
    expect(configErrorOf({ envs: 'dev,prod', ...context })).toContain(message);
  });

  test('canary settings are not judged under another strategy (a switch back keeps them)', () => {
    expect(() =>
      loadEnvironments({
        envs: 'prod',
        'prod.service.deployment.strategy': 'blueGreen',
        'prod.service.deployment.canaryPercent': '100',
      }),
    ).not.toThrow();
  });
});
