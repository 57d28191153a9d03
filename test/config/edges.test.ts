/**
 * Bad values that used to get through the loader (or fail late, after templates were written) now
 * fail in validation, naming the key, the value and what is allowed.
 */
import { loadEnvironments } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { CACHE_NODE_TYPES, RDS_INSTANCE_CLASSES } from '../../lib/config/tables/instance-classes';
import { POSTGRES_ENGINE_VERSIONS } from '../../lib/config/tables/engine-versions';
import { WAF_MANAGED_RULES } from '../../lib/config/tables/waf-rules';
import { windowsOverlap } from '../../lib/config/windows';
import { postgresMaxConnections } from '../../lib/observability/database';
import { configErrorOf } from '../config-error';

const CERT = (region: string, account = '123456789012') =>
  `arn:aws:acm:${region}:${account}:certificate/12345678-1234-1234-1234-123456789012`;

describe('values checked against tables with sources', () => {
  test.each([
    ['database.instanceClass', 't4g.mega'],
    ['database.replicaInstanceClass', 'r7g.huge'],
  ])('%s %s is not a class of the table', (key, value) => {
    expect(configErrorOf({ envs: 'dev', [`dev.${key}`]: value })).toContain(
      `dev.${key}: got "${value}"; is not an RDS for PostgreSQL instance class this stack offers (without the db. prefix, e.g. r7g.large); allowed families and sizes: t3 (micro,`,
    );
  });

  test('a class written with the db. prefix says to drop it', () => {
    expect(configErrorOf({ envs: 'prod', 'prod.database.instanceClass': 'db.r7g.2xlarge' })).toContain(
      'prod.database.instanceClass: got "db.r7g.2xlarge"; must be written without the db. prefix (r7g.2xlarge)',
    );
  });

  test('a cache node type outside the table is refused', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.cache.nodeType': 'cache.t4g.mega' })).toContain(
      'dev.cache.nodeType: got "cache.t4g.mega"; is not an ElastiCache node type this stack offers (e.g. cache.t4g.micro); allowed families and sizes (cache.<family>.<size>): t3 (micro, small, medium)',
    );
  });

  test('every class of the table is accepted, and max_connections is derived for each', () => {
    for (const c of RDS_INSTANCE_CLASSES) {
      const name = c.name.slice('db.'.length);
      const [env] = loadEnvironments({ envs: 'prod', 'prod.database.instanceClass': name });
      expect(env.config.database.instanceClass).toBe(name);
      expect(postgresMaxConnections(name)).toBe(
        Math.min(Math.floor((c.memoryGiB * 2 ** 30) / 9531392), 5000),
      );
    }
    for (const c of CACHE_NODE_TYPES) {
      expect(() => loadEnvironments({ envs: 'prod', 'prod.cache.nodeType': c.name })).not.toThrow();
    }
  });

  test('an engine version RDS does not offer names database.engineVersion', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.database.engineVersion': '17.99' })).toContain(
      'dev.database.engineVersion: got "17.99"; is not a PostgreSQL version RDS can create; allowed: a major version or one of its minors: 14 (or 14.18,',
    );
    expect(configErrorOf({ envs: 'dev', 'dev.database.engineVersion': '17.4' })).toContain(
      'dev.database.engineVersion: got "17.4"',
    );
    for (const [major, minors] of Object.entries(POSTGRES_ENGINE_VERSIONS)) {
      for (const v of [major, ...minors]) {
        expect(() => loadEnvironments({ envs: 'dev', 'dev.database.engineVersion': v })).not.toThrow();
      }
    }
  });

  test('an unknown region is refused when pinned', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.region': 'eu-west-9' })).toContain(
      'dev.region: got "eu-west-9"; is not an AWS region; allowed: af-south-1,',
    );
    expect(() => loadEnvironments({ envs: 'dev', 'dev.region': 'eu-central-2' })).not.toThrow();
  });

  test('a countOnlyRules rule the group does not have is refused with the rules of the group', () => {
    const message = configErrorOf({
      envs: 'dev',
      'dev.service.waf.countOnlyRules': '["AWSManagedRulesCommonRuleSet/SizeRestriction_BODY"]',
    });
    expect(message).toContain(
      'dev.service.waf.countOnlyRules.0: got "AWSManagedRulesCommonRuleSet/SizeRestriction_BODY"; AWSManagedRulesCommonRuleSet has no rule SizeRestriction_BODY; its rules: NoUserAgent_HEADER,',
    );
    expect(message).toContain('SizeRestrictions_BODY');
  });

  test('every rule of every offered group can be set to count', () => {
    for (const [group, rules] of Object.entries(WAF_MANAGED_RULES)) {
      const context = {
        envs: 'prod',
        'prod.service.waf.managedRuleGroups': JSON.stringify([group]),
        'prod.service.waf.countOnlyRules': JSON.stringify(rules.map((r) => `${group}/${r}`)),
      };
      expect(() => loadEnvironments(context)).not.toThrow();
    }
  });

  test('a managed rule group this stack does not offer is refused', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.service.waf.managedRuleGroups': '["AWSManagedRulesCommonRuleSets"]',
      }),
    ).toContain(
      'dev.service.waf.managedRuleGroups.0: got "AWSManagedRulesCommonRuleSets"; is not an AWS managed rule group this stack offers; allowed: AWSManagedRulesCommonRuleSet,',
    );
  });
});

describe('reserved names', () => {
  test.each(['rds_superuser', 'rds_replication', 'rdsadmin', 'pg_monitor', 'postgres'])(
    'masterUsername %s',
    (name) => {
      expect(configErrorOf({ envs: 'dev', 'dev.database.masterUsername': name })).toContain(
        `dev.database.masterUsername: got "${name}"; must not be a reserved name (postgres, rdsadmin, admin, root,`,
      );
    },
  );

  test.each(['postgres', 'template0', 'template1', 'rdsadmin', 'Postgres'])('databaseName %s', (name) => {
    expect(configErrorOf({ envs: 'dev', 'dev.database.databaseName': name })).toContain(
      `dev.database.databaseName: got "${name}"; must not be a database PostgreSQL or RDS creates itself (postgres, template0, template1, rdsadmin)`,
    );
  });
});

describe('cross-field rules', () => {
  test('a certificate of another region than the pinned one', () => {
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.region': 'eu-west-1',
        'dev.service.certificateArn': CERT('us-east-1'),
      }),
    ).toContain(
      `dev.service.certificateArn: got "${CERT('us-east-1')}"; is a certificate of region us-east-1, but the stack is pinned to region eu-west-1`,
    );
  });

  test('a certificate of another account than the pinned one', () => {
    const arn = CERT('eu-west-1', '210987654321');
    expect(
      configErrorOf({
        envs: 'dev',
        'dev.region': 'eu-west-1',
        'dev.account': '123456789012',
        'dev.service.certificateArn': arn,
      }),
    ).toContain(
      `dev.service.certificateArn: got "${arn}"; is a certificate of account 210987654321, but the stack is pinned to account 123456789012`,
    );
  });

  test('a certificate of the pinned region and account is accepted', () => {
    expect(() =>
      loadEnvironments({
        envs: 'dev',
        'dev.region': 'eu-west-1',
        'dev.account': '123456789012',
        'dev.service.certificateArn': CERT('eu-west-1'),
      }),
    ).not.toThrow();
  });

  test('a backup window inside the maintenance window is refused', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.database.preferredBackupWindow': '03:30-04:30' })).toContain(
      'dev.database.preferredBackupWindow: got "03:30-04:30"; overlaps database.preferredMaintenanceWindow (sun:04:00-sun:05:00); RDS needs them apart',
    );
  });

  test('a maintenance window moved onto the backup window blames the maintenance window', () => {
    expect(
      configErrorOf({ envs: 'dev', 'dev.database.preferredMaintenanceWindow': 'tue:03:15-tue:03:45' }),
    ).toContain(
      'dev.database.preferredMaintenanceWindow: got "tue:03:15-tue:03:45"; conflicts with database.preferredBackupWindow ("03:00-03:30", not set by you), which overlaps database.preferredMaintenanceWindow',
    );
  });

  test.each([
    ['03:00-03:30', 'sun:04:00-sun:05:00', false],
    ['03:00-04:00', 'sun:04:00-sun:05:00', false], // touching ends do not share a minute
    ['03:00-04:01', 'sun:04:00-sun:05:00', true],
    ['23:30-00:30', 'mon:00:00-mon:00:30', true], // the backup window wraps midnight
    ['01:00-01:30', 'sun:23:00-mon:01:15', true], // the maintenance window wraps the week
    ['02:00-02:30', 'sun:23:00-mon:01:15', false],
  ])('backup %s and maintenance %s overlap: %s', (backup, maintenance, expected) => {
    expect(windowsOverlap(backup, maintenance)).toBe(expected);
  });
});

describe('values from -c keep their type', () => {
  test('a choice of strings, string maps and tags stay strings', () => {
    const [dev] = loadEnvironments({
      envs: 'dev',
      'dev.service.minimumTlsVersion': '1.3',
      'dev.service.environment.WORKERS': '4',
      'dev.tags.costcenter': '1234',
    });
    expect(dev.config.service.minimumTlsVersion).toBe('1.3');
    expect(dev.config.service.environment).toEqual({ WORKERS: '4' });
    expect(dev.config.tags.costcenter).toBe('1234');
  });

  test('a JSON string literal for a choice is the string inside it', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.cache.maxmemoryPolicy': '"noeviction"' });
    expect(dev.config.cache.maxmemoryPolicy).toBe('noeviction');
  });

  test.each(['__proto__', 'constructor', 'prototype'])(
    'the path segment %s is refused by name',
    (segment) => {
      const message = configErrorOf({ envs: 'dev', [`dev.${segment}.polluted`]: '1' });
      expect(message).toContain(`dev.${segment}.polluted: the key segment "${segment}" is not allowed`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  test('a prototype key inside an overrides object is refused too', () => {
    const message = configErrorOf({
      envs: 'dev',
      overrides: '{"dev":{"service":{"__proto__":{"polluted":1}}}}',
    });
    expect(message).toContain('overrides.dev.service.__proto__: the key segment "__proto__" is not allowed');
  });
});

describe('defaults follow the keys they depend on', () => {
  test('maxTasks above 100 with the preset steps: addTasks steps become addPercent', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.maxTasks': '150' });
    expect(dev.config.service.scaling.scaleOutSteps).toEqual([
      { atCpuPercent: 70, addPercent: 1 },
      { atCpuPercent: 85, addPercent: 25 },
      { atCpuPercent: 95, addPercent: 50 },
    ]);
    expect(PRESETS.dev.service.scaling.scaleOutSteps[0]).toEqual({ atCpuPercent: 70, addTasks: 1 });
  });

  test('scaleOutCpuPercent alone moves the first step and drops the steps below it', () => {
    const [dev] = loadEnvironments({ envs: 'dev', 'dev.service.scaling.scaleOutCpuPercent': '90' });
    expect(dev.config.service.scaling.scaleOutSteps).toEqual([
      { atCpuPercent: 90, addTasks: 1 },
      { atCpuPercent: 95, addPercent: 50 },
    ]);
  });

  test('steps the user sets are never changed', () => {
    const message = configErrorOf({
      envs: 'dev',
      'dev.service.scaling.scaleOutSteps': '[{"atCpuPercent":60,"addTasks":2}]',
    });
    expect(message).toContain(
      'dev.service.scaling.scaleOutSteps.0.atCpuPercent: got 60; must equal service.scaling.scaleOutCpuPercent (70)',
    );
  });

  test('an error never blames a key the user did not set', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.service.scaling.scaleOutCpuPercent': '20' })).toContain(
      'dev.service.scaling.scaleOutCpuPercent: got 20; conflicts with service.scaling.scaleInCpuPercent (30, not set by you), which must be below service.scaling.scaleOutCpuPercent (20)',
    );
    expect(configErrorOf({ envs: 'dev', 'dev.service.maxTasks': '0' })).not.toContain('dev.service.minTasks');
    expect(configErrorOf({ envs: 'dev', 'dev.service.scaling.scaleOutCpuPercent': '150' })).not.toContain(
      'scaleOutSteps',
    );
  });
});

describe('messages', () => {
  test('an invalid cpu lists the allowed values and no empty memory list', () => {
    const message = configErrorOf({ envs: 'dev', 'dev.service.cpu': '300' });
    expect(message).toContain(
      'dev.service.cpu: got 300; must be one of 256, 512, 1024, 2048, 4096, 8192, 16384',
    );
    expect(message).not.toMatch(/allowed: ?$/m);
    expect(message).not.toContain('memoryMiB');
  });

  test('null on a required key says it is required', () => {
    expect(configErrorOf({ envs: 'dev', 'dev.database.databaseName': 'null' })).toContain(
      'dev.database.databaseName: got nothing; is required (expected string)',
    );
  });
});

describe('tags and the environment list', () => {
  // AWS's tag rules (ECS, Batch and tagging guides): letters, digits, spaces and + - = . _ : / @;
  // the aws: prefix is reserved, in keys and values, in any case.
  test.each([
    ['aws:owner', 'me', 'dev.tags: got the key "aws:owner"; the aws: prefix is reserved for AWS'],
    ['AWS:Owner', 'me', 'dev.tags: got the key "AWS:Owner"; the aws: prefix is reserved for AWS'],
    ['team', 'aws:core', 'dev.tags.team: got "aws:core"; the aws: prefix is reserved for AWS'],
    ['team', 'R&D', 'dev.tags.team: got "R&D"; may hold only letters, digits, spaces and _ . : / = + - @'],
  ])('tag %s=%s is refused', (key, value, message) => {
    expect(configErrorOf({ envs: 'dev', [`dev.tags.${key}`]: value })).toContain(message);
  });

  test('an empty tag value, spaces and the allowed symbols are accepted; a number stays a string', () => {
    const [dev] = loadEnvironments({
      envs: 'dev',
      'dev.tags.Name': '',
      'dev.tags.cost center': 'a-b_c.d:e/f=g+h@i',
      'dev.tags.costcenter': '1234',
    });
    expect(dev.config.tags).toMatchObject({
      Name: '',
      'cost center': 'a-b_c.d:e/f=g+h@i',
      costcenter: '1234',
    });
  });

  test('more tags than a resource can carry next to the CDK own ones are refused', () => {
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`dev.tags.t${i}`, 'x']));
    expect(configErrorOf({ envs: 'dev', ...many })).toContain('dev.tags: got {');
    expect(configErrorOf({ envs: 'dev', ...many })).toContain('at most 47 tags (AWS allows 50 per resource');
  });

  test.each([',', ' , ', []])('envs %j names no environment and is refused', (envs) => {
    expect(configErrorOf({ envs })).toContain(
      `envs: got ${JSON.stringify(envs)}; name at least one environment: dev, prod, local`,
    );
  });
});

describe('HTTP status codes', () => {
  test.each([
    ['service.healthCheck.healthyHttpCodes', '299-200', 'between 200 and 499, a range from low to high'],
    ['service.healthCheck.healthyHttpCodes', '200,503', 'between 200 and 499, a range from low to high'],
    ['service.healthCheck.healthyHttpCodes', '100-199', 'between 200 and 499, a range from low to high'],
    [
      'service.deployment.smokeTest.expectedStatus',
      '299-200',
      'between 100 and 599, a range from low to high',
    ],
  ])('%s %s is refused', (key, value, allowed) => {
    expect(configErrorOf({ envs: 'dev', [`dev.${key}`]: value })).toContain(
      `dev.${key}: got "${value}"; every code must be ${allowed}`,
    );
  });

  test('codes the load balancer takes are accepted', () => {
    const [dev] = loadEnvironments({
      envs: 'dev',
      'dev.service.healthCheck.healthyHttpCodes': '200-399,401',
    });
    expect(dev.config.service.healthCheck.healthyHttpCodes).toBe('200-399,401');
  });
});
