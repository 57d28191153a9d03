import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError, loadEnvironments, validateEnvironment } from '../lib/config/load';
import { PRESETS } from '../lib/config/presets';
import {
  CONTEXT_LOCALSTACK_ENDPOINT,
  LOCALSTACK_ACCOUNT,
  REQUIRED_SERVICES,
  assertLocalEndpoint,
  classifyEndpoint,
  decideFromHealth,
  endpointProblems,
  localStackDeployProblems,
  localStackEnvironment,
  s3EndpointFor,
} from '../lib/localstack';
import {
  assertLocalStackReachable,
  cdkLocalArgs,
  contextFromArgs,
  main as localMain,
  parseLocalArgs,
} from '../bin/local';
import { CheckCollector, buildExpectations } from './integration/expectations';
import { CDK_JSON_CONTEXT, presets } from './helpers';

// GIVEN the local preset as synthesized once per jest run (global setup), and its stack object
// built from the same context (constructs only, no second synthesis)
const templates = presets().templates;
const local = templates.local;
const [localStack] = buildApp(
  new App({ context: { ...CDK_JSON_CONTEXT, envs: 'local', 'aws:cdk:bundling-stacks': [] } }),
);
const localConfig = PRESETS.local;

describe('endpoint guard', () => {
  test.each([
    'http://localhost:4566',
    'http://127.0.0.1:4566',
    'http://[::1]:4566',
    'https://localhost.localstack.cloud:4566',
    'http://localstack:4566',
    'http://my-localstack.localstack:4566',
    'http://api.localhost:4566',
  ])('accepts the local endpoint %s', (endpoint) => {
    // WHEN the endpoint is classified THEN it counts as local
    expect(classifyEndpoint(endpoint)).toMatchObject({ local: true });
  });

  test.each([
    ['https://cloudformation.us-east-1.amazonaws.com', /AWS endpoint/],
    ['https://cloudformation.cn-north-1.amazonaws.com.cn', /AWS endpoint/],
    // A PrivateLink endpoint for CloudFormation has a private IP: private is not local.
    ['http://10.0.0.5:4566', /not a loopback or LocalStack host/],
    ['http://192.168.1.20:4566', /not a loopback or LocalStack host/],
    ['http://localhost.evil.example.com:4566', /not a loopback or LocalStack host/],
    ['http://localstack.example.com', /not a loopback or LocalStack host/],
    ['ftp://localhost:4566', /speaks http or https/],
    ['localhost:4566', /LocalStack speaks http or https|not a URL/],
    ['not a url', /not a URL/],
  ])('refuses %s', (endpoint, reason) => {
    // WHEN a non-local endpoint is classified THEN it is refused with the reason
    const verdict = classifyEndpoint(endpoint);
    expect(verdict.local).toBe(false);
    expect(!verdict.local && verdict.reason).toMatch(reason);
    // AND the asserting form throws an error that tells the user what to do
    expect(() => assertLocalEndpoint(endpoint)).toThrow(
      /Refusing to use .* for a LocalStack deployment.*AWS_ENDPOINT_URL/,
    );
  });

  test('the S3 endpoint matches the edge endpoint with an s3. label, on the same port', () => {
    expect(s3EndpointFor('http://localhost:4566')).toBe('http://s3.localhost.localstack.cloud:4566');
    expect(s3EndpointFor('http://127.0.0.1:4510')).toBe('http://s3.localhost.localstack.cloud:4510');
    expect(s3EndpointFor('https://localhost.localstack.cloud:4566')).toBe(
      'https://s3.localhost.localstack.cloud:4566',
    );
    expect(s3EndpointFor('http://localstack:4566')).toBe('http://s3.localstack:4566');
  });
});

describe('environment for cdklocal and the SDK', () => {
  test('GIVEN no settings THEN the default endpoint, a matching S3 endpoint, test credentials and the preset region', () => {
    const env = localStackEnvironment({ PATH: '/usr/bin' }, { region: 'us-east-1' });
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    // cdklocal strips AWS_* variables that are not allow-listed: keep the ones chosen here
    expect(env.AWS_ENVAR_ALLOWLIST.split(',')).toEqual(
      expect.arrayContaining(['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']),
    );
  });

  test('GIVEN an AWS profile and a session token THEN they are dropped, so a local run cannot pick up a real account', () => {
    const env = localStackEnvironment(
      { AWS_PROFILE: 'prod-admin', AWS_SESSION_TOKEN: 'x', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      { region: 'us-east-1' },
    );
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL_S3).toBe('http://s3.localhost.localstack.cloud:4566');
  });

  test('GIVEN a non-local AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3 THEN the environment is refused', () => {
    expect(() =>
      localStackEnvironment(
        { AWS_ENDPOINT_URL: 'https://cloudformation.eu-west-1.amazonaws.com' },
        { region: 'us-east-1' },
      ),
    ).toThrow(/Refusing/);
    expect(() =>
      localStackEnvironment(
        { AWS_ENDPOINT_URL_S3: 'https://s3.eu-west-1.amazonaws.com' },
        { region: 'us-east-1' },
      ),
    ).toThrow(/Refusing/);
  });

  test('the wrapper runs cdklocal on the local stack only, with the endpoint as context', () => {
    const args = cdkLocalArgs('deploy', localConfig, 'http://localhost:4566', [
      '-c',
      'local.service.maxTasks=3',
    ]);
    expect(args.slice(0, 2)).toEqual(['deploy', 'ScalableBackend-local']);
    expect(args).toEqual(
      expect.arrayContaining(['envs=local', `${CONTEXT_LOCALSTACK_ENDPOINT}=http://localhost:4566`]),
    );
    expect(cdkLocalArgs('bootstrap', localConfig, 'http://localhost:4566')[1]).toBe(
      `aws://${LOCALSTACK_ACCOUNT}/us-east-1`,
    );
    expect(cdkLocalArgs('destroy', localConfig, 'http://localhost:4566')).toEqual(
      expect.arrayContaining(['destroy', '--force']),
    );
    expect(
      contextFromArgs(['-c', 'local.service.maxTasks=3', '--context=local.cache.replicas=1', '--verbose']),
    ).toEqual({
      'local.service.maxTasks': '3',
      'local.cache.replicas': '1',
    });
  });
});

describe('npm run local:* checks that LocalStack answers before cdklocal runs', () => {
  const healthy = JSON.stringify({ services: {} });

  test('GIVEN nothing listening THEN "LocalStack is not reachable at <url>" with the cause', async () => {
    await expect(
      assertLocalStackReachable('http://localhost:4566', async () => ({
        kind: 'error',
        message: 'ECONNREFUSED',
      })),
    ).rejects.toThrow(/^LocalStack is not reachable at http:\/\/localhost:4566 \(ECONNREFUSED\)\. Start it/);
  });

  test('GIVEN LocalStack down WHEN local:bootstrap runs THEN it exits 2 and cdklocal never starts', async () => {
    const run = jest.fn(() => 0);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const probed: string[] = [];
    const status = await localMain(['bootstrap'], {
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' },
      probe: async (endpoint) => {
        probed.push(endpoint);
        return { kind: 'error', message: 'ECONNREFUSED' };
      },
      run,
    });
    expect(status).toBe(2);
    expect(probed).toEqual(['http://127.0.0.1:4599']);
    expect(run).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledWith(
      expect.stringMatching(/^LocalStack is not reachable at http:\/\/127\.0\.0\.1:4599/),
    );
    errors.mockRestore();
  });

  test('GIVEN a non-local endpoint THEN the guard refuses before anything is probed', async () => {
    const probe = jest.fn();
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const status = await localMain(['deploy'], {
      env: { AWS_ENDPOINT_URL: 'https://cloudformation.eu-west-1.amazonaws.com' },
      probe,
    });
    expect(status).toBe(2);
    expect(probe).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  test('GIVEN LocalStack answering THEN cdklocal runs with the arguments and its status is returned', async () => {
    const run = jest.fn(() => 7);
    const status = await localMain(['deploy', '-c', 'local.service.maxTasks=3'], {
      env: {},
      probe: async () => ({ kind: 'response', status: 200, body: healthy }),
      run,
    });
    expect(status).toBe(7);
    expect(run).toHaveBeenCalledWith('deploy', ['-c', 'local.service.maxTasks=3'], {});
  });
});

describe("local: arguments with the tools' parser", () => {
  test('GIVEN -c pairs and cdk arguments after -- THEN cdk gets both, in order', () => {
    expect(parseLocalArgs(['deploy', '-c', 'local.service.maxTasks=3', '--', '--verbose'])).toEqual({
      command: 'deploy',
      cdkArgs: ['-c', 'local.service.maxTasks=3', '--verbose'],
    });
  });

  test.each([
    [['deploy', '--verbose'], /unknown option --verbose/],
    [['launch'], /expected one of bootstrap, deploy, destroy, got launch/],
    [[], /missing the command/],
  ])('GIVEN %j THEN usage and exit 2, nothing probed', async (argv, message) => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const probe = jest.fn();
    expect(await localMain(argv, { env: {}, probe })).toBe(2);
    expect(probe).not.toHaveBeenCalled();
    expect(String(errors.mock.calls[0][0])).toMatch(message);
    expect(String(errors.mock.calls[0][0])).toContain('usage: npm run local:');
    errors.mockRestore();
  });
});

describe('health probe decision', () => {
  const endpoint = 'http://localhost:4566';
  const allAvailable = Object.fromEntries(REQUIRED_SERVICES.map((s) => [s, 'available']));

  test('GIVEN nothing listening THEN skip with "no LocalStack at <endpoint>"', () => {
    const decision = decideFromHealth(endpoint, { kind: 'error', message: 'ECONNREFUSED' });
    expect(decision).toEqual({ run: false, reason: 'no LocalStack at http://localhost:4566 (ECONNREFUSED)' });
  });

  test.each([
    [{ kind: 'response' as const, status: 404, body: 'not found' }, /HTTP 404/],
    [{ kind: 'response' as const, status: 200, body: '<html>' }, /did not return JSON/],
    [{ kind: 'response' as const, status: 200, body: '{"status":"ok"}' }, /no "services" map/],
  ])('GIVEN another server on the port (%o) THEN skip', (result, reason) => {
    const decision = decideFromHealth(endpoint, result);
    expect(decision.run).toBe(false);
    expect(!decision.run && decision.reason).toMatch(/^no LocalStack at http:\/\/localhost:4566/);
    expect(!decision.run && decision.reason).toMatch(reason);
  });

  test('GIVEN a LocalStack with every service THEN run with nothing missing', () => {
    const body = JSON.stringify({ services: { ...allAvailable, ecs: 'running' }, edition: 'pro' });
    expect(decideFromHealth(endpoint, { kind: 'response', status: 200, body })).toMatchObject({
      run: true,
      missing: [],
    });
  });

  test('GIVEN a free-plan LocalStack (paid services disabled) THEN run is possible but the paid services are missing', () => {
    const services = { ...allAvailable, ecs: 'disabled', rds: 'disabled' } as Record<string, string>;
    delete services['application-autoscaling'];
    const decision = decideFromHealth(endpoint, {
      kind: 'response',
      status: 200,
      body: JSON.stringify({ services }),
    });
    expect(decision).toMatchObject({ run: true, missing: ['ecs', 'rds', 'application-autoscaling'] });
  });
});

describe('expected values of the integration test', () => {
  test('GIVEN the local preset THEN the expectations come from its config', () => {
    const e = buildExpectations(localConfig);
    expect(e.vpc).toEqual({
      cidr: '10.30.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      subnetCount: 6,
    });
    expect(e.loadBalancer.listenerPorts).toEqual([80]);
    expect(e.service).toMatchObject({
      cpu: '256',
      memory: '512',
      minTasks: 1,
      maxTasks: 2,
      scaleOutCpuPercent: 70,
      scaleInCpuPercent: 30,
    });
    expect(e.database).toMatchObject({
      instanceClass: 'db.t4g.micro',
      deletionProtection: false,
      readReplicas: 1,
    });
    expect(e.cache).toMatchObject({
      nodeCount: 1,
      automaticFailover: 'disabled',
      transitEncryption: true,
      authToken: true,
    });
    expect(e.advisor.scheduleExpression).toBe('rate(5 minutes)');
  });

  test('GIVEN a certificate, cluster mode and a 1-minute advisor THEN ports, node counts and the rate follow', () => {
    const config = validateEnvironment('local', {
      ...localConfig,
      service: {
        ...localConfig.service,
        certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/12345678-1234-1234-1234-123456789012',
      },
      cache: { ...localConfig.cache, clusterMode: true, shards: 3, replicas: 1, automaticFailover: true },
      observability: { ...localConfig.observability, advisorScheduleMinutes: 1 },
    });
    const e = buildExpectations(config);
    expect(e.loadBalancer.listenerPorts).toEqual([80, 443]);
    expect(e.cache).toMatchObject({
      clusterMode: true,
      nodeGroups: 3,
      nodeCount: 6,
      automaticFailover: 'enabled',
    });
    expect(e.advisor.scheduleExpression).toBe('rate(1 minute)');
  });

  test('the check collector reports every difference instead of stopping at the first', async () => {
    const checks = new CheckCollector();
    checks.equal('same objects in any key order', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 });
    checks.equal('different', 5, 6);
    await checks.group('throws', async () => {
      throw new Error('DescribeDBProxies: not implemented');
    });
    expect(checks.failed.map((f) => f.name)).toEqual(['different', 'throws']);
    expect(checks.report()).toMatch(/FAIL different: expected 6, got 5/);
  });
});

describe('the local preset never reaches a real account', () => {
  test('GIVEN target localstack WHEN the CDK app sees a non-local endpoint THEN it fails before any stack exists', () => {
    const app = () => new App({ context: { ...CDK_JSON_CONTEXT, envs: 'local' } });
    expect(() => buildApp(app(), { endpoint: 'https://cloudformation.us-east-1.amazonaws.com' })).toThrow(
      ConfigError,
    );
    expect(() =>
      buildApp(
        new App({
          context: {
            ...CDK_JSON_CONTEXT,
            envs: 'local',
            [CONTEXT_LOCALSTACK_ENDPOINT]: 'http://10.1.2.3:4566',
          },
        }),
      ),
    ).toThrow(/local: target localstack refuses endpoint http:\/\/10\.1\.2\.3:4566/);
  });

  test('GIVEN only AWS presets THEN an endpoint setting is not the guard’s business', () => {
    // A dev deploy through a corporate endpoint must not fail because of the LocalStack guard.
    const envs = loadEnvironments({ ...CDK_JSON_CONTEXT, envs: 'dev,prod' });
    expect(endpointProblems(envs, ['https://cloudformation.us-east-1.amazonaws.com'])).toEqual([]);
    // AND the AWS stacks carry no LocalStack rule: they must stay deployable into any account
    for (const env of ['dev', 'prod'] as const) {
      expect(
        Object.keys(templates[env].toJSON().Rules ?? {}).filter((k) => k.startsWith('LocalStackOnly')),
      ).toEqual([]);
    }
  });

  test('the local template carries a rule that refuses every account but LocalStack’s', () => {
    expect(local.toJSON().Rules).toMatchObject({
      [Object.keys(local.toJSON().Rules).find((k) => k.startsWith('LocalStackOnly'))!]: {
        Assertions: [{ Assert: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, LOCALSTACK_ACCOUNT] } }],
      },
    });
  });

  test('the local stack is pinned to LocalStack’s account and region', () => {
    expect(localStack.account).toBe(LOCALSTACK_ACCOUNT);
    expect(localStack.region).toBe('us-east-1');
  });

  test('target localstack without a pinned account or region fails validation', () => {
    const unpinned: Partial<typeof localConfig> = { ...localConfig };
    delete unpinned.account;
    expect(() => validateEnvironment('local', unpinned)).toThrow(
      /local\.account: .*must be set with target: localstack/,
    );
  });

  test('GIVEN the pinned AZs removed WHEN synthesized for a LocalStack endpoint THEN it fails, naming the key', () => {
    // Plain synth stays possible (an offline look at the template); a LocalStack deploy would fail on Fn::GetAZs.
    const context = { ...CDK_JSON_CONTEXT, envs: 'local', 'local.network.availabilityZones': 'null' };
    expect(() => buildApp(new App({ context }), { endpoint: 'http://localhost:4566' })).toThrow(
      /local\.network\.availabilityZones: must be set to deploy to LocalStack, which has no Fn::GetAZs/,
    );
    expect(localStackDeployProblems('local', localConfig)).toEqual([]);
  });
});

describe('the local preset holds nothing LocalStack cannot serve', () => {
  const json = JSON.stringify(local.toJSON());

  test('no Fn::GetAZs (LocalStack cannot resolve it): availability zones are literal', () => {
    expect(json).not.toContain('Fn::GetAZs');
    const azs = Object.values(local.findResources('AWS::EC2::Subnet')).map(
      (s) => s.Properties.AvailabilityZone,
    );
    expect(new Set(azs)).toEqual(new Set(['us-east-1a', 'us-east-1b']));
  });

  test('no secret rotation (it needs a Serverless Application Repository app) and no enhanced monitoring', () => {
    local.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    local.resourceCountIs('AWS::Serverless::Application', 0);
    expect(local.toJSON().Transform).toBeUndefined();
    for (const db of Object.values(local.findResources('AWS::RDS::DBInstance'))) {
      expect(db.Properties.MonitoringInterval ?? 0).toBe(0);
    }
  });

  test('no deletion protection and destroy-on-delete for the data tier, so local:destroy deletes the database and cache', () => {
    for (const type of ['AWS::RDS::DBInstance', 'AWS::ElastiCache::ReplicationGroup']) {
      const resources = Object.values(local.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        expect(r.DeletionPolicy).toBe('Delete');
        expect(r.Properties.DeletionProtection ?? false).toBe(false);
      }
    }
    expect(localStack.terminationProtection).toBe(false);
  });

  test('the smallest sizes', () => {
    expect(localConfig.service.cpu).toBe(256);
    expect(localConfig.service.memoryMiB).toBe(512);
    expect(localConfig.database.instanceClass).toBe('t4g.micro');
    expect(localConfig.cache.nodeType).toBe('cache.t4g.micro');
    expect(localConfig.database.multiAz).toBe(false);
  });
});
