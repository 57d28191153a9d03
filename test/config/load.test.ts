import { ConfigError, deepMerge, loadEnvironments } from '../../lib/config/load';
import { configErrorOf } from '../config-error';
import { PRESETS } from '../../lib/config/presets';
import { referenceRows } from '../../bin/config-docs';

describe('environment selection', () => {
  test('without envs, every default preset is built and local is not', () => {
    expect(loadEnvironments({}).map((e) => e.name)).toEqual(['dev', 'prod']);
  });

  test('envs narrows the selection (comma-separated)', () => {
    expect(loadEnvironments({ envs: 'prod' }).map((e) => e.name)).toEqual(['prod']);
    expect(loadEnvironments({ envs: 'local, dev' }).map((e) => e.name)).toEqual(['local', 'dev']);
  });

  test('an unknown environment is named with the allowed ones', () => {
    expect(configErrorOf({ envs: 'qa' })).toContain('envs: got "qa"; allowed environments: dev, prod, local');
  });
});

describe('presets', () => {
  test.each(Object.keys(PRESETS))('%s validates as is', (name) => {
    expect(() => loadEnvironments({ envs: name })).not.toThrow();
  });

  test('dev and prod differ in size, count and safety only', () => {
    const [dev, prod] = loadEnvironments({}).map((e) => e.config);
    expect([dev.service.minTasks, dev.service.maxTasks]).toEqual([1, 4]);
    expect([prod.service.minTasks, prod.service.maxTasks]).toEqual([2, 20]);
    expect([dev.network.maxAzs, dev.network.natGateways]).toEqual([2, 1]);
    expect([prod.network.maxAzs, prod.network.natGateways]).toEqual([3, 3]);
    // The scaling policy itself is the same everywhere.
    expect(prod.service.scaling).toEqual(dev.service.scaling);
  });
});

describe('overrides', () => {
  test('cdk.json overrides.<env> and -c <env>.<path> merge over the preset, command line last', () => {
    const [prod] = loadEnvironments({
      envs: 'prod',
      overrides: { prod: { service: { maxTasks: 30, minTasks: 3 } } },
      'prod.service.maxTasks': '40',
    });
    expect(prod.config.service.maxTasks).toBe(40);
    expect(prod.config.service.minTasks).toBe(3);
    // untouched keys keep the preset value
    expect(prod.config.service.cpu).toBe(PRESETS.prod.service.cpu);
  });

  test('overrides given as a JSON string on the command line are parsed', () => {
    const [dev] = loadEnvironments({
      envs: 'dev',
      overrides: '{"dev":{"service":{"enableExecuteCommand":true}}}',
    });
    expect(dev.config.service.enableExecuteCommand).toBe(true);
  });

  test('string values from -c stay strings when they are not JSON', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.image': 'my-registry/app:1.2.3' });
    expect(dev.config.service.image).toBe('my-registry/app:1.2.3');
  });

  test('a value for a string setting stays a string, leading zeros included', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.account': '012345678901', 'dev.region': 'eu-west-1' });
    expect(dev.config.account).toBe('012345678901');
  });

  test('null removes an optional setting', () => {
    const [local] = loadEnvironments({ envs: 'local', 'local.network.availabilityZones': 'null' });
    expect(local.config.network.availabilityZones).toBeUndefined();
  });

  // One set value per optional key of the schema; a new optional key without a sample fails below.
  const OPTIONAL_SAMPLES: Record<string, unknown> = {
    account: '123456789012',
    region: 'eu-west-1',
    'network.availabilityZones': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    'service.certificateArn':
      'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
    'service.imageCredentialsSecretArn':
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-credentials-AbCdEf',
    'database.replicaInstanceClass': 'r7g.large',
    'observability.alarmEmail': 'oncall@example.com',
    'observability.dbMaxConnections': 500,
    'service.user': '1000:1000',
    'compliance.minimumLogRetentionDays': 400,
    'service.secrets': { API_KEY: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/key-AbCdEf' },
    'service.taskRole.policyStatements': [
      { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:123456789012:q'] },
    ],
    'service.taskRole.managedPolicyArns': ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'],
    'service.command': ['node', 'worker.js'],
    'service.entryPoint': ['/bin/sh', '-c'],
    'service.build.file': 'Dockerfile',
    'service.build.buildArgs': { APP_VERSION: '1' },
    'service.build.target': 'release',
  };
  /** Settings a sample needs beside it (a build needs its directory). */
  const SIBLINGS: Record<string, object> = Object.fromEntries(
    ['service.build.file', 'service.build.buildArgs', 'service.build.target'].map((k) => [
      k,
      { service: { build: { directory: 'test/fixtures/app' } } },
    ]),
  );
  // service.image is optional only because service.build may replace it: one of them is required
  // (test/config/environments.test.ts).
  const optionalKeys = referenceRows()
    .flatMap((s) => s.rows)
    .filter((r) => r.type.endsWith('(optional)') && r.key !== 'service.image')
    .map((r) => r.key);

  test('every optional key of the schema has a sample for the null tests', () => {
    expect(Object.keys(OPTIONAL_SAMPLES).sort()).toEqual([...optionalKeys].sort());
  });

  test.each(optionalKeys)('GIVEN %s set in cdk.json WHEN -c prod.<key>=null THEN the key is unset', (key) => {
    const path = key.split('.');
    const setting = deepMerge(
      (SIBLINGS[key] ?? {}) as never,
      path.reduceRight<unknown>((inner, seg) => ({ [seg]: inner }), OPTIONAL_SAMPLES[key]) as never,
    );
    const valueOf = (config: object) =>
      path.reduce<unknown>((o, seg) => (o as Record<string, unknown>)?.[seg], config);
    // GIVEN the key is set persistently
    const [before] = loadEnvironments({ envs: 'prod', overrides: { prod: setting } });
    expect(valueOf(before.config)).toEqual(OPTIONAL_SAMPLES[key]);
    // WHEN the command line sets it to null (as the CDK CLI passes it: the string "null")
    const [after] = loadEnvironments({ envs: 'prod', overrides: { prod: setting }, [`prod.${key}`]: 'null' });
    // THEN it is unset
    expect(valueOf(after.config)).toBeUndefined();
  });

  test('null in cdk.json overrides unsets a value the preset sets', () => {
    // GIVEN the local preset pins availability zones
    expect(PRESETS.local.network.availabilityZones).toBeDefined();
    // WHEN cdk.json sets them to null
    const [local] = loadEnvironments({
      envs: 'local',
      overrides: { local: { network: { availabilityZones: null } } },
    });
    // THEN they are unset
    expect(local.config.network.availabilityZones).toBeUndefined();
  });

  test('null for a required key fails naming the key', () => {
    expect(configErrorOf({ envs: 'prod', 'prod.service.containerPort': 'null' })).toContain(
      'prod.service.containerPort: got nothing; is required (expected number): it has no default, so it cannot be unset with null',
    );
  });

  test('deepMerge merges objects, replaces arrays and scalars', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 2,
    });
  });

  test('nothing half-applies: one bad key rejects the whole environment', () => {
    expect(() =>
      loadEnvironments({ envs: 'dev', 'dev.service.maxTasks': '8', 'dev.service.minTasks': '-1' }),
    ).toThrow(ConfigError);
  });
});

describe('invalid input fails with the key, the value and what is allowed', () => {
  test.each<[string, Record<string, unknown>, string]>([
    // unknown keys (typos), at every level
    [
      'typo in a service key',
      { 'dev.service.maxTask': '3' },
      'dev.service.maxTask: unknown key; allowed keys here: image,',
    ],
    [
      'typo in a section',
      { 'dev.servce.maxTasks': '3' },
      'dev.servce: unknown key; allowed keys here: account, region',
    ],
    [
      'typo in a nested key',
      { 'dev.service.scaling.scaleOutCpu': '80' },
      'dev.service.scaling.scaleOutCpu: unknown key; allowed keys here: scaleOutCpuPercent',
    ],
    [
      'unknown environment in a dotted key',
      { 'prd.service.maxTasks': '3' },
      'prd.service.maxTasks: unknown environment "prd"',
    ],
    [
      'unknown environment in overrides',
      { overrides: { stage: {} } },
      'overrides.stage: unknown environment',
    ],
    // the service's database user
    [
      'app user name that is not a lower-case identifier',
      { 'dev.database.appUsername': 'App-User' },
      'dev.database.appUsername: got "App-User"; must be 1-16 lower-case letters, digits or _ starting with a letter',
    ],
    [
      'app user name reserved by PostgreSQL or RDS',
      { 'dev.database.appUsername': 'rdsproxy' },
      'dev.database.appUsername: got "rdsproxy"; must not be a reserved name (postgres, rdsadmin, admin, root, public',
    ],
    [
      'app user name that collides with the derived roles',
      { 'dev.database.appUsername': 'orders_clone' },
      'dev.database.appUsername: got "orders_clone"; must not end with _clone or _owner',
    ],
    [
      'app user equal to the master',
      { 'dev.database.appUsername': 'app_admin' },
      'dev.database.appUsername: got "app_admin"; must differ from database.masterUsername (app_admin)',
    ],
    [
      "app user whose clone would be the master's name",
      { 'dev.database.appUsername': 'svc', 'dev.database.masterUsername': 'svc_owner' },
      'dev.database.appUsername: got "svc"; must differ from database.masterUsername (svc_owner), also as svc_owner',
    ],
    // wrong types
    [
      'a string where a number belongs',
      { 'dev.service.maxTasks': 'many' },
      'dev.service.maxTasks: got "many"; expected number',
    ],
    [
      'a number where a boolean belongs',
      { 'dev.service.enableExecuteCommand': '1' },
      'dev.service.enableExecuteCommand: got 1; expected boolean',
    ],
    // out-of-range numbers
    [
      'CPU threshold above 100',
      { 'dev.service.scaling.scaleOutCpuPercent': '150' },
      'dev.service.scaling.scaleOutCpuPercent: got 150; Too big: expected number to be <=100',
    ],
    [
      'a fractional task count',
      { 'dev.service.maxTasks': '2.5' },
      'dev.service.maxTasks: got 2.5; expected int',
    ],
    [
      'a container port out of range',
      { 'dev.service.containerPort': '70000' },
      'dev.service.containerPort: got 70000; Too big',
    ],
    [
      'an unsupported Fargate CPU',
      { 'dev.service.cpu': '300' },
      'dev.service.cpu: got 300; must be one of 256, 512, 1024',
    ],
    [
      'a retention CloudWatch does not offer',
      { 'dev.service.logRetentionDays': '10' },
      'dev.service.logRetentionDays: got 10; must be one of the CloudWatch Logs retention values',
    ],
    [
      'more replicas than RDS allows',
      { 'dev.database.readReplicas': '16' },
      'dev.database.readReplicas: got 16; Too big: expected number to be <=15',
    ],
    // negative counts
    [
      'negative min tasks',
      { 'dev.service.minTasks': '-1' },
      'dev.service.minTasks: got -1; Too small: expected number to be >=1',
    ],
    [
      'negative replicas',
      { 'dev.database.readReplicas': '-2' },
      'dev.database.readReplicas: got -2; Too small: expected number to be >=0',
    ],
    [
      'negative scale-in step',
      { 'dev.service.scaling.scaleInStep': '-1' },
      'dev.service.scaling.scaleInStep: got -1; Too small',
    ],
    // inconsistent pairs
    [
      'scale-in threshold >= scale-out threshold',
      { 'dev.service.scaling.scaleInCpuPercent': '70' },
      'dev.service.scaling.scaleInCpuPercent: got 70; must be below service.scaling.scaleOutCpuPercent (70)',
    ],
    // graduated scale-out steps: the error names the key and the item
    [
      'a scale-out step with both units',
      { 'dev.service.scaling.scaleOutSteps': '[{"atCpuPercent":70,"addTasks":1,"addPercent":10}]' },
      'dev.service.scaling.scaleOutSteps.0: got {"atCpuPercent":70,"addTasks":1,"addPercent":10}; needs exactly one of addTasks or addPercent',
    ],
    [
      'a scale-out step with neither unit',
      { 'dev.service.scaling.scaleOutSteps': '[{"atCpuPercent":70}]' },
      'dev.service.scaling.scaleOutSteps.0: got {"atCpuPercent":70}; needs exactly one of addTasks or addPercent',
    ],
    [
      'first scale-out step away from the alarm threshold',
      { 'dev.service.scaling.scaleOutSteps': '[{"atCpuPercent":75,"addTasks":1}]' },
      'dev.service.scaling.scaleOutSteps.0.atCpuPercent: got 75; must equal service.scaling.scaleOutCpuPercent (70)',
    ],
    [
      'overlapping scale-out steps',
      {
        'dev.service.scaling.scaleOutSteps':
          '[{"atCpuPercent":70,"addTasks":1},{"atCpuPercent":90,"addTasks":2},{"atCpuPercent":90,"addTasks":3}]',
      },
      "dev.service.scaling.scaleOutSteps.2.atCpuPercent: got 90; must be above the previous step's atCpuPercent (90)",
    ],
    [
      'a larger breach that adds less',
      {
        'dev.service.scaling.scaleOutSteps':
          '[{"atCpuPercent":70,"addPercent":50},{"atCpuPercent":90,"addPercent":20}]',
      },
      "dev.service.scaling.scaleOutSteps.1.addPercent: got 20; must not be below the previous step's addPercent (50)",
    ],
    [
      'addTasks above 1 next to percent steps (one adjustment type per policy)',
      {
        'dev.service.scaling.scaleOutSteps':
          '[{"atCpuPercent":70,"addTasks":2},{"atCpuPercent":90,"addPercent":50}]',
      },
      'dev.service.scaling.scaleOutSteps.0.addTasks: got 2; must be 1 in a list with addPercent steps',
    ],
    [
      'mixed units above 100 tasks',
      {
        'dev.service.maxTasks': '150',
        'dev.service.scaling.scaleOutSteps':
          '[{"atCpuPercent":70,"addTasks":1},{"atCpuPercent":85,"addPercent":25},{"atCpuPercent":95,"addPercent":50}]',
      },
      'dev.service.scaling.scaleOutSteps: got [{"atCpuPercent":70,"addTasks":1},{"atCpuPercent":85,"addPercent":25},{"atCpuPercent":95,"addPercent":50}]; mixes addTasks and addPercent, which needs service.maxTasks <= 100 (got 150)',
    ],
    [
      'a scale-out percent beyond range',
      { 'dev.service.scaling.scaleOutSteps': '[{"atCpuPercent":70,"addPercent":2000}]' },
      'dev.service.scaling.scaleOutSteps.0.addPercent: got 2000; Too big: expected number to be <=1000',
    ],
    [
      'no scale-out step at all',
      { 'dev.service.scaling.scaleOutSteps': '[]' },
      'dev.service.scaling.scaleOutSteps: got []; Too small',
    ],
    [
      'min capacity > max capacity',
      { 'dev.service.minTasks': '5' },
      'dev.service.minTasks: got 5; must not exceed service.maxTasks (4)',
    ],
    [
      'datapoints above evaluation periods',
      { 'dev.service.scaling.scaleOutDatapointsToAlarm': '3' },
      'dev.service.scaling.scaleOutDatapointsToAlarm: got 3; must not exceed service.scaling.scaleOutEvaluationPeriods (2)',
    ],
    [
      'memory that does not fit the CPU',
      { 'dev.service.memoryMiB': '4096' },
      'dev.service.memoryMiB: got 4096; is not a Fargate size for cpu 256; allowed: 512, 1024, 2048',
    ],
    [
      'more NAT gateways than AZs',
      { 'dev.network.natGateways': '3' },
      'dev.network.natGateways: got 3; must not exceed the number of availability zones (2)',
    ],
    [
      'health-check timeout >= interval',
      { 'dev.service.healthCheck.timeoutSeconds': '15' },
      'dev.service.healthCheck.timeoutSeconds: got 15; must be less than',
    ],
    [
      'storage ceiling below the allocation',
      { 'dev.database.maxAllocatedStorageGiB': '10' },
      'dev.database.maxAllocatedStorageGiB: got 10',
    ],
    [
      'cache failover without a replica',
      { 'dev.cache.automaticFailover': 'true' },
      'dev.cache.automaticFailover: got true; needs cache.replicas >= 1',
    ],
    [
      'data-losing removal outside LocalStack',
      { 'prod.database.removalPolicy': '"destroy"' },
      'prod.database.removalPolicy: got "destroy"; \'destroy\' would lose data',
    ],
    [
      'a reserved container variable',
      { 'dev.service.environment': '{"DB_PASSWORD":"x"}' },
      'dev.service.environment.DB_PASSWORD: got "DB_PASSWORD"; is reserved',
    ],
    // malformed ARNs and CIDRs
    [
      'a malformed certificate ARN',
      { 'dev.service.certificateArn': 'arn:aws:acm:eu-west-1:123:cert/x' },
      'dev.service.certificateArn: got "arn:aws:acm:eu-west-1:123:cert/x"; must be an ACM certificate ARN',
    ],
    [
      'a CIDR that is not one',
      { 'dev.network.cidr': '10.0.0/16' },
      'dev.network.cidr: got "10.0.0/16"; must be an IPv4 CIDR block',
    ],
    [
      'a CIDR too large to split',
      { 'dev.network.cidr': '10.0.0.0/8' },
      'dev.network.cidr: got "10.0.0.0/8"; must be an IPv4 CIDR block with a prefix between /16 and /20',
    ],
    [
      'a CIDR with host bits set',
      { 'dev.network.cidr': '10.0.0.1/16' },
      'dev.network.cidr: got "10.0.0.1/16"; must be a network address',
    ],
    [
      'a malformed account id',
      { 'dev.account': '12345' },
      'dev.account: got "12345"; must be a 12-digit AWS account id',
    ],
    [
      'a malformed region',
      { 'dev.region': 'europe' },
      'dev.region: got "europe"; must be a region such as eu-west-1',
    ],
    // what AWS would refuse only at deploy time
    [
      'availability zones of two regions (no region set)',
      { 'dev.network.availabilityZones': '["us-east-1a","eu-west-1b"]' },
      'dev.network.availabilityZones: got ["us-east-1a","eu-west-1b"]; must all be zones of one region (got zones of us-east-1, eu-west-1)',
    ],
    [
      'availability zones of another region than the pinned one',
      { 'dev.region': 'eu-west-1', 'dev.network.availabilityZones': '["us-east-1a","us-east-1b"]' },
      'dev.network.availabilityZones: got ["us-east-1a","us-east-1b"]; must all be zones of region eu-west-1',
    ],
    [
      'more zones than the pinned region has',
      { 'prod.region': 'us-west-1' },
      'prod.network.maxAzs: got 3; asks for 3 availability zones, but region us-west-1 has 2 for new accounts',
    ],
    [
      'an ECR image that is not a valid reference',
      { 'dev.service.image': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/App:1.0' },
      'dev.service.image: got "123456789012.dkr.ecr.eu-west-1.amazonaws.com/App:1.0"; names an Amazon ECR registry but is not',
    ],
    [
      'registry credentials for an ECR image',
      {
        'dev.service.image': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0',
        'dev.service.imageCredentialsSecretArn':
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf',
      },
      'dev.service.imageCredentialsSecretArn: got "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf"; is for private registries other than Amazon ECR',
    ],
    [
      'registry credentials that are not a complete secret ARN',
      {
        'dev.service.imageCredentialsSecretArn':
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry',
      },
      'dev.service.imageCredentialsSecretArn: got "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry"; must be the complete ARN',
    ],
  ])('%s', (_name, context, expected) => {
    const env = Object.keys(context)[0].split('.')[0];
    const message = configErrorOf({ envs: ['dev', 'prod'].includes(env) ? env : 'dev,prod', ...context });
    expect(message).toContain(expected);
  });

  test('every problem is listed at once, not only the first', () => {
    const message = configErrorOf({ envs: 'dev', 'dev.service.maxTask': '3', 'dev.network.cidr': 'x' });
    expect(message).toContain('dev.service.maxTask: unknown key');
    expect(message).toContain('dev.network.cidr: got "x"');
  });

  test('problems with envs and the overrides format are listed together with key problems', () => {
    // GIVEN an unknown environment, a malformed overrides string and a bad key
    const message = configErrorOf({
      envs: 'prod,staging',
      overrides: '{not json',
      'prod.service.maxTasks': '5000',
    });
    // THEN one error lists all three
    expect(message).toContain('envs: got "staging"; allowed environments: dev, prod, local');
    expect(message).toContain('overrides: got "{not json"; must be a JSON object keyed by environment');
    expect(message).toContain('prod.service.maxTasks: got 5000; Too big');
  });

  test('a certificate ARN without a UUID at the end is refused with the expected form', () => {
    const message = configErrorOf({
      envs: 'dev',
      'dev.service.certificateArn': 'arn:aws:acm:eu-west-1:123456789012:certificate/my-cert',
    });
    expect(message).toContain(
      'dev.service.certificateArn: got "arn:aws:acm:eu-west-1:123456789012:certificate/my-cert"',
    );
    expect(message).toContain('ending in the certificate id, a UUID');
  });

  test('a valid certificate ARN is accepted', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.certificateArn': arn });
    expect(dev.config.service.certificateArn).toBe(arn);
  });
});
