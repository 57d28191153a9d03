import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CfnTemplate, reviewTemplates, StackTemplates, StatefulChange } from '../../bin/review/classify';
import { buildApp } from '../../lib/app';

/**
 * Upgrades of a deployed stack, table-driven: each row synthesizes a "before" and an "after"
 * configuration in process and runs both through the review engine (`npm run review` without git),
 * then asserts the gate's verdict and the resources it names. Adding HTTPS must pass with no
 * conflict; changes that would fail on a live stack or lose data must be blocked, naming both sides.
 *
 * About 20 synths: it runs with `npm run test:e2e` (.ci/run), not in `npm test`.
 */
const CDK_JSON_CONTEXT = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;
const DOMAIN = JSON.stringify({
  name: 'api.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  zoneName: 'example.com',
});
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

const PRIMARY = 'DatabasePrimaryEDE0B3D0';
const CACHE = 'CacheReplicationGroupBFE59FF3';
const VPC = 'NetworkVpc7FB7348F';

const outdirs: string[] = [];
const cache = new Map<string, StackTemplates>();
/** Termination protection of the prod stack per synthesized context (it is not in the template). */
const terminationProtection = new Map<string, boolean>();

/** The templates of `env` with `context` (`<env>.<key>` pairs), synthesized once per distinct context. */
function templates(env: string, context: Record<string, string>): StackTemplates {
  const key = JSON.stringify([env, context]);
  const hit = cache.get(key);
  if (hit) return hit;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-upgrade-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: {
      ...CDK_JSON_CONTEXT,
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'aws:cdk:bundling-stacks': [],
      envs: env,
      ...context,
    },
  });
  const stacks = buildApp(app);
  const assembly = app.synth();
  const result: Record<string, CfnTemplate> = {};
  for (const stack of stacks) {
    terminationProtection.set(key, stack.terminationProtection === true);
    result[stack.stackName] = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8'),
    );
  }
  cache.set(key, result);
  return result;
}

afterAll(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A finding as `<logical id> <action>[ <other logical id>]`. */
const line = (c: StatefulChange) => [c.logicalId, c.action, c.otherLogicalId].filter(Boolean).join(' ');

interface Upgrade {
  readonly env: 'dev' | 'prod';
  readonly before?: Record<string, string>;
  readonly after: Record<string, string>;
  /** Exactly the findings that block, or (with `contains`) findings that must be among them. */
  readonly blocked: readonly string[];
  readonly contains?: boolean;
}

const UPGRADES: Record<string, Upgrade> = {
  'prod adopts its own domain (HTTPS, redirect on the same port-80 listener)': {
    env: 'prod',
    after: { 'prod.service.domain': DOMAIN },
    blocked: [],
  },
  'prod adopts a certificate ARN': {
    env: 'prod',
    after: { 'prod.service.certificateArn': CERTIFICATE },
    blocked: [],
  },
  'WAF off': { env: 'prod', after: { 'prod.service.waf.enabled': 'false' }, blocked: [] },
  'WAF on again': { env: 'prod', before: { 'prod.service.waf.enabled': 'false' }, after: {}, blocked: [] },
  'replicas 2 -> 0 (the reader name falls back to the writer)': {
    env: 'prod',
    after: { 'prod.database.readReplicas': '0' },
    blocked: [],
  },
  'replicas 0 -> 2': { env: 'prod', before: { 'prod.database.readReplicas': '0' }, after: {}, blocked: [] },
  'experiments on in dev': { env: 'dev', after: { 'dev.resilience.experiments': 'true' }, blocked: [] },
  'a minor engine version': { env: 'prod', after: { 'prod.database.engineVersion': '17.6' }, blocked: [] },
  maxTasks: { env: 'prod', after: { 'prod.service.maxTasks': '40' }, blocked: [] },
  'network.cidr: the data tier would have to move to a new VPC': {
    env: 'prod',
    after: { 'prod.network.cidr': '10.40.0.0/16' },
    blocked: [
      `${PRIMARY} network-replaced ${VPC}`,
      `DatabaseReplica1ED560A1F network-replaced ${VPC}`,
      `DatabaseReplica2035311FF network-replaced ${VPC}`,
      `${CACHE} network-replaced ${VPC}`,
      // the proxy is replaced with it, under its fixed name
      'DatabaseProxyE01FC4E6 conflict DatabaseProxyE01FC4E6',
    ],
  },
  'maxAzs 3 -> 2: subnets re-carved in place, a zone with data removed': {
    env: 'prod',
    after: { 'prod.network.maxAzs': '2', 'prod.network.natGateways': '2' },
    contains: true,
    blocked: [
      `${PRIMARY} network-replaced NetworkVpcIsolatedSubnet1Subnet0400477E`,
      `${CACHE} network-replaced NetworkVpcIsolatedSubnet1Subnet0400477E`,
      'NetworkVpcIsolatedSubnet1Subnet0400477E conflict NetworkVpcIsolatedSubnet3Subnet8C12D961',
      'NetworkVpcPublicSubnet1Subnet36933139 conflict NetworkVpcPublicSubnet1Subnet36933139',
    ],
  },
  'maxAzs 2 -> 3 in dev re-carves the existing subnets too': {
    env: 'dev',
    after: { 'dev.network.maxAzs': '3' },
    contains: true,
    blocked: [
      `${PRIMARY} network-replaced NetworkVpcIsolatedSubnet1Subnet0400477E`,
      'NetworkVpcPublicSubnet1Subnet36933139 conflict NetworkVpcPublicSubnet1Subnet36933139',
    ],
  },
  'cache.engine redis -> valkey: the resource specification replaces the group': {
    env: 'prod',
    after: { 'prod.cache.engine': 'valkey', 'prod.cache.engineVersion': '8.0' },
    blocked: [`${CACHE} replace`],
  },
  'database.databaseName: a new, empty primary': {
    env: 'prod',
    after: { 'prod.database.databaseName': 'other' },
    contains: true,
    blocked: [`${PRIMARY} replace`],
  },
};

describe('upgrades of a deployed stack through the review engine', () => {
  test.each(Object.entries(UPGRADES))('%s', (_name, upgrade) => {
    // GIVEN the stack as deployed and the configuration after the change
    const before = templates(upgrade.env, upgrade.before ?? {});
    const after = templates(upgrade.env, upgrade.after);
    // WHEN the review engine compares them
    const review = reviewTemplates(before, after);
    // THEN the gate's verdict and the resources it names are the expected ones
    const blocked = review.blocked.map(line);
    if (upgrade.contains) {
      expect(blocked).toEqual(expect.arrayContaining([...upgrade.blocked]));
    } else {
      expect(blocked.sort()).toEqual([...upgrade.blocked].sort());
    }
    expect(review.hasDifferences).toBe(true);
  });

  test('docs/first-deploy.md: the first create has no protection, the second deploy turns all three on in place', () => {
    // GIVEN the two commands of the docs, as context pairs
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'first-deploy.md'), 'utf8');
    const block = /<!-- first-create:[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)![1].trim().split('\n');
    const contextOf = (command: string) =>
      Object.fromEntries(
        [...command.matchAll(/-c (\S+?)=(\S+)/g)].filter(([, k]) => k !== 'envs').map(([, k, v]) => [k, v]),
      );
    const [first, second] = block.map(contextOf);
    // WHEN each is synthesized
    const protections = (context: Record<string, string>) => {
      const t = templates('prod', context)['ScalableBackend-prod'].Resources ?? {};
      const primary = Object.values(t).find(
        (r) => r.Type === 'AWS::RDS::DBInstance' && r.Properties?.SourceDBInstanceIdentifier === undefined,
      )!;
      const lb = Object.values(t).find((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')!;
      return {
        termination: terminationProtection.get(JSON.stringify(['prod', context])),
        database: primary.Properties?.DeletionProtection,
        loadBalancer: (lb.Properties?.LoadBalancerAttributes as { Key: string; Value: string }[]).find(
          (a) => a.Key === 'deletion_protection.enabled',
        )?.Value,
      };
    };
    // THEN the first create has none of the three protections, the second deploy all three
    expect(protections(first)).toEqual({ termination: false, database: false, loadBalancer: 'false' });
    expect(protections(second)).toEqual({ termination: true, database: true, loadBalancer: 'true' });
    // AND turning them on passes the review: nothing replaced, nothing blocked
    const review = reviewTemplates(templates('prod', first), templates('prod', second));
    expect(review.blocked).toEqual([]);
    expect(review.stacks[0].counts.replaced).toBe(0);
  });

  test('adopting HTTPS keeps the port-80 listener under its logical id and changes it in place', () => {
    const before = templates('prod', {});
    const after = templates('prod', { 'prod.service.domain': DOMAIN });
    const listeners = (t: StackTemplates) =>
      Object.entries(t['ScalableBackend-prod'].Resources ?? {})
        .filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener' && r.Properties?.Port === 80)
        .map(([id]) => id);
    expect(listeners(after)).toEqual(listeners(before));
    expect(listeners(before)).toHaveLength(1);
  });
});
