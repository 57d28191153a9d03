import { Template } from 'aws-cdk-lib/assertions';
import { presets, resourcesOf } from './helpers';

// GIVEN every preset, synthesized once for the whole run
const { templates } = presets();

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Security groups by what they guard; anything else keeps its logical id and shows up in a diff. */
const ROLES: [RegExp, string][] = [
  [/^ServiceLoadBalancerSecurityGroup[0-9A-F]{8}$/, 'alb'],
  [/^ServiceServiceSecurityGroup[0-9A-F]{8}$/, 'service'],
  [/^DatabaseProxySecurityGroup[0-9A-F]{8}$/, 'proxy'],
  [/^DatabasePrimarySecurityGroup[0-9A-F]{8}$/, 'primary'],
  [/^DatabaseReplicaSecurityGroup[0-9A-F]{8}$/, 'replicas'],
  [/^DatabaseRotationSecurityGroup[0-9A-F]{8}$/, 'rotation'],
  [/^DatabaseAppRoleSecurityGroup[0-9A-F]{8}$/, 'provisioner'],
  [/^QueryAdvisorSecurityGroup[0-9A-F]{8}$/, 'queryadvisor'],
  [/^CacheSecurityGroup[0-9A-F]{8}$/, 'cache'],
  [/^ScalingAdvisorFunctionSecurityGroup[0-9A-F]{8}$/, 'advisor'],
];

/** CDK's placeholder egress of a group without outbound rules: matches no traffic. */
const NO_TRAFFIC = { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };

function roleOf(logicalId: string): string {
  return ROLES.find(([re]) => re.test(logicalId))?.[1] ?? logicalId;
}

/** `{ Fn::GetAtt: [sg, 'GroupId'] }` -> role of sg. */
function groupRef(resources: Resources, value: unknown): string {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (!getAtt || getAtt[1] !== 'GroupId' || resources[getAtt[0]]?.Type !== 'AWS::EC2::SecurityGroup') {
    throw new Error(`unexpected security group reference ${JSON.stringify(value)}`);
  }
  return roleOf(getAtt[0]);
}

/** A port literal, or an instance's `Endpoint.Port`, resolved to the instance's configured Port. */
function port(resources: Resources, value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && getAtt[1] === 'Endpoint.Port' && resources[getAtt[0]]?.Type === 'AWS::RDS::DBInstance') {
    return String(resources[getAtt[0]].Properties!.Port);
  }
  throw new Error(`unexpected port ${JSON.stringify(value)}`);
}

function describeRule(
  resources: Resources,
  rule: Record<string, unknown>,
  peerKey: 'source' | 'destination',
): string {
  const peer =
    (rule.CidrIp as string | undefined) ??
    (rule.CidrIpv6 as string | undefined) ??
    (rule.SourcePrefixListId as string | undefined) ??
    groupRef(resources, peerKey === 'source' ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId);
  const from = port(resources, rule.FromPort);
  const to = port(resources, rule.ToPort);
  return `${peer} ${rule.IpProtocol}/${from === to ? from : `${from}-${to}`}`;
}

/** Every ingress rule of a template, inline or standalone, as "peer -> group proto/port". */
function ingressRules(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  const out: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const rule of r.Properties?.SecurityGroupIngress ?? []) {
        out.push(`${describeRule(resources, rule, 'source').replace(' ', ` -> ${roleOf(id)} `)}`);
      }
    } else if (r.Type === 'AWS::EC2::SecurityGroupIngress') {
      out.push(
        describeRule(resources, r.Properties!, 'source').replace(
          ' ',
          ` -> ${groupRef(resources, r.Properties!.GroupId)} `,
        ),
      );
    }
  }
  return out.sort();
}

/** Egress rules of the given groups, as "group -> peer proto/port" (the no-traffic placeholder dropped). */
function egressRules(template: Template, roles: string[]): string[] {
  const resources = template.toJSON().Resources as Resources;
  const out: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::EC2::SecurityGroup' && roles.includes(roleOf(id))) {
      for (const rule of r.Properties?.SecurityGroupEgress ?? []) {
        if (rule.CidrIp === NO_TRAFFIC.CidrIp && rule.IpProtocol === NO_TRAFFIC.IpProtocol) continue;
        out.push(`${roleOf(id)} -> ${describeRule(resources, rule, 'destination')}`);
      }
    } else if (r.Type === 'AWS::EC2::SecurityGroupEgress') {
      const owner = groupRef(resources, r.Properties!.GroupId);
      if (roles.includes(owner))
        out.push(`${owner} -> ${describeRule(resources, r.Properties!, 'destination')}`);
    }
  }
  return out.sort();
}

const CHAIN = [
  'alb',
  'service',
  'proxy',
  'primary',
  'replicas',
  'rotation',
  'provisioner',
  'queryadvisor',
  'cache',
  'advisor',
];

describe('security-group chain', () => {
  test.each([
    ['dev', true],
    ['prod', true],
    ['local', false],
  ] as const)(
    '%s: ingress is exactly the chain (rotation rule: %s), nothing else anywhere',
    (env, rotation) => {
      // WHEN every ingress rule of the template is listed
      const rules = ingressRules(templates[env]);
      // THEN it is exactly: internet -> ALB, ALB -> tasks on the container port, tasks -> proxy,
      // proxy -> primary, tasks -> replicas, tasks -> cache, the role provisioning function ->
      // primary, the query advisor -> primary and replicas, and the rotation function -> primary
      expect(rules).toEqual(
        [
          '0.0.0.0/0 -> alb tcp/80',
          'alb -> service tcp/8080',
          'service -> proxy tcp/5432',
          'proxy -> primary tcp/5432',
          'service -> replicas tcp/5432',
          'service -> cache tcp/6379',
          'provisioner -> primary tcp/5432',
          // The query advisor reads the statistics of every instance.
          'queryadvisor -> primary tcp/5432',
          'queryadvisor -> replicas tcp/5432',
          ...(rotation ? ['rotation -> primary tcp/5432'] : []),
        ].sort(),
      );
    },
  );

  test.each(['dev', 'prod', 'local'] as const)(
    '%s: egress of the chain matches its ingress (and HTTPS out only)',
    (env) => {
      const rotation = env !== 'local';
      expect(egressRules(templates[env], CHAIN)).toEqual(
        [
          'alb -> service tcp/8080',
          'service -> 0.0.0.0/0 tcp/443',
          // The scaling advisor: HTTPS for the CloudWatch and SNS APIs only.
          'advisor -> 0.0.0.0/0 tcp/443',
          'service -> proxy tcp/5432',
          'service -> replicas tcp/5432',
          'service -> cache tcp/6379',
          'proxy -> primary tcp/5432',
          // The role provisioning function: the primary only, and HTTPS for the Secrets Manager
          // API and CloudFormation's response URL.
          'provisioner -> 0.0.0.0/0 tcp/443',
          'provisioner -> primary tcp/5432',
          // The query advisor: every instance, and HTTPS for the Secrets Manager API.
          'queryadvisor -> 0.0.0.0/0 tcp/443',
          'queryadvisor -> primary tcp/5432',
          'queryadvisor -> replicas tcp/5432',
          ...(rotation ? ['rotation -> 0.0.0.0/0 tcp/443', 'rotation -> primary tcp/5432'] : []),
        ].sort(),
      );
    },
  );

  test.each(['dev', 'prod', 'local'] as const)(
    '%s: no 0.0.0.0/0 or ::/0 ingress except on the ALB',
    (env) => {
      const open = ingressRules(templates[env]).filter((r) => /^(0\.0\.0\.0\/0|::\/0) /.test(r));
      expect(open.every((r) => / -> alb /.test(r))).toBe(true);
    },
  );

  test.each(['dev', 'prod'] as const)('%s: the tasks reach the primary only through the proxy', (env) => {
    const rules = ingressRules(templates[env]);
    expect(
      rules
        .filter((r) => / -> primary /.test(r))
        .map((r) => r.split(' ')[0])
        .sort(),
    ).toEqual(['provisioner', 'proxy', 'queryadvisor', 'rotation']);
    // The primary's own group guards the primary only (replicas have theirs).
    const [, primary] = resourcesOf(templates[env], 'AWS::RDS::DBInstance').find(([id]) =>
      id.startsWith('DatabasePrimary'),
    )!;
    expect(
      (primary.Properties!.VPCSecurityGroups as unknown[]).map((g) =>
        groupRef(templates[env].toJSON().Resources, g),
      ),
    ).toEqual(['primary']);
  });
});

describe('container contract', () => {
  function container(template: Template) {
    const [[, taskDefinition]] = resourcesOf(template, 'AWS::ECS::TaskDefinition');
    const [app] = taskDefinition.Properties!.ContainerDefinitions as {
      Environment: { Name: string; Value: unknown }[];
      Secrets: { Name: string; ValueFrom: unknown }[];
    }[];
    return {
      environment: Object.fromEntries(app.Environment.map((e) => [e.Name, e.Value])),
      secrets: Object.fromEntries(app.Secrets.map((s) => [s.Name, s.ValueFrom])),
    };
  }
  const idOf = (t: Template, type: string, prefix: string) =>
    resourcesOf(t, type).find(([id]) => id.startsWith(prefix))![0];

  test.each(['dev', 'prod'] as const)(
    '%s: endpoints, port, database, TLS flags as environment values',
    (env) => {
      const t = templates[env];
      const proxy = idOf(t, 'AWS::RDS::DBProxy', 'DatabaseProxy');
      const cache = idOf(t, 'AWS::ElastiCache::ReplicationGroup', 'CacheReplicationGroup');
      const replicas = resourcesOf(t, 'AWS::RDS::DBInstance')
        .filter(([id]) => id.startsWith('DatabaseReplica'))
        .map(([id]) => ({ 'Fn::GetAtt': [id, 'Endpoint.Address'] }));
      const { environment } = container(t);
      expect(environment).toMatchObject({
        DB_WRITER_HOST: { 'Fn::GetAtt': [proxy, 'Endpoint'] },
        DB_READER_HOST: `db-reader.scalablebackend-${env}.internal`,
        DB_REPLICA_HOSTS:
          replicas.length === 1 ? replicas[0] : { 'Fn::Join': ['', [replicas[0], ',', replicas[1]]] },
        DB_PORT: '5432',
        DB_NAME: 'app',
        DB_SSL: 'require',
        REDIS_HOST: { 'Fn::GetAtt': [cache, 'PrimaryEndPoint.Address'] },
        REDIS_READER_HOST: { 'Fn::GetAtt': [cache, 'ReaderEndPoint.Address'] },
        REDIS_PORT: '6379',
        REDIS_TLS: 'true',
        REDIS_CLUSTER_MODE: 'false',
      });
      // Nothing secret travels as a plain value.
      expect(Object.keys(environment).filter((k) => /PASSWORD|TOKEN|SECRET|USERNAME/.test(k))).toEqual([]);
      expect(JSON.stringify(environment)).not.toContain('resolve:secretsmanager');
    },
  );

  test.each(['dev', 'prod'] as const)(
    '%s: credentials and the cache token are ECS secrets from Secrets Manager',
    (env) => {
      const t = templates[env];
      // The service's own secret (attached to the primary for host and port), not the master's.
      const dbSecret = idOf(t, 'AWS::SecretsManager::SecretTargetAttachment', 'DatabaseAppSecretAttachment');
      const masterSecret = idOf(
        t,
        'AWS::SecretsManager::SecretTargetAttachment',
        'DatabasePrimarySecretAttachment',
      );
      const token = idOf(t, 'AWS::SecretsManager::Secret', 'CacheAuthToken');
      expect(container(t).secrets).toEqual({
        DB_USERNAME: { 'Fn::Join': ['', [{ Ref: dbSecret }, ':username::']] },
        DB_PASSWORD: { 'Fn::Join': ['', [{ Ref: dbSecret }, ':password::']] },
        REDIS_AUTH_TOKEN: { Ref: token },
      });
      // The execution role (ECS, at task start) may read exactly these two secrets.
      const reads = resourcesOf(t, 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith('ServiceTaskDefinitionExecutionRole'))
        .flatMap(
          ([, p]) =>
            (p.Properties!.PolicyDocument as { Statement: { Action: string[]; Resource: unknown }[] })
              .Statement,
        )
        .filter((s) => s.Action.includes('secretsmanager:GetSecretValue'));
      expect(reads).toHaveLength(1);
      expect(reads[0].Resource).toEqual(expect.arrayContaining([{ Ref: dbSecret }, { Ref: token }]));
      // ... and never the master secret
      expect(JSON.stringify(reads)).not.toContain(masterSecret);
      expect(JSON.stringify(container(t).secrets)).not.toContain(masterSecret);
    },
  );
});

describe('stack outputs', () => {
  test.each(['dev', 'prod'] as const)(
    '%s: endpoints a user needs and secret ARNs, never secret values',
    (env) => {
      const outputs = templates[env].toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining([
          'ServiceUrl',
          'DatabaseProxyEndpoint',
          'DatabaseReaderHost',
          'DatabaseReplicaHosts',
          'DatabaseSecretArn',
          'DatabaseAppSecretArn',
          'RedisEndpoint',
          'RedisReaderEndpoint',
          'RedisAuthTokenSecretArn',
        ]),
      );
      expect(outputs.DatabaseReaderHost.Value).toBe(`db-reader.scalablebackend-${env}.internal`);
      expect(outputs.DatabaseSecretArn.Value).toEqual({
        Ref: expect.stringMatching(/^DatabasePrimarySecretAttachment/),
      });
      expect(outputs.DatabaseAppSecretArn.Value).toEqual({
        Ref: expect.stringMatching(/^DatabaseAppSecretAttachment/),
      });
      expect(outputs.RedisAuthTokenSecretArn.Value).toEqual({
        Ref: expect.stringMatching(/^CacheAuthToken/),
      });
      expect(JSON.stringify(outputs)).not.toMatch(/resolve:secretsmanager|SecretString/);
    },
  );
});

describe('outputs for npm run task: the service network, as the service uses it', () => {
  test.each(['dev', 'prod'] as const)(
    '%s: cluster, task definition, container, subnets, group and log group',
    (env) => {
      // GIVEN the synthesized stack
      const json = templates[env].toJSON() as {
        Outputs: Record<string, { Value: unknown }>;
        Resources: Resources;
      };
      const service = Object.values(json.Resources).find((r) => r.Type === 'AWS::ECS::Service')!.Properties!;
      const taskDefinition = Object.entries(json.Resources).find(
        ([, r]) => r.Type === 'AWS::ECS::TaskDefinition',
      )!;
      const container = taskDefinition[1].Properties!.ContainerDefinitions[0];
      const value = (key: string) => json.Outputs[key]?.Value;
      // THEN each output is what the service itself runs with
      expect(value('ServiceClusterName')).toEqual(service.Cluster);
      expect(value('ServiceTaskDefinitionArn')).toEqual({ Ref: taskDefinition[0] });
      expect(service.TaskDefinition).toEqual({ Ref: taskDefinition[0] });
      expect(value('ServiceContainerName')).toBe(container.Name);
      expect(value('ServiceSubnetIds')).toEqual({
        'Fn::Join': [',', service.NetworkConfiguration.AwsvpcConfiguration.Subnets],
      });
      expect([value('ServiceSecurityGroupId')]).toEqual(
        service.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups,
      );
      expect(value('ServiceLogGroupName')).toEqual(container.LogConfiguration.Options['awslogs-group']);
      expect(container.LogConfiguration.Options['awslogs-stream-prefix']).toBe('app');
    },
  );
});
