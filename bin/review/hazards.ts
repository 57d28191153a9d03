import { ResourceImpact, TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { referencedIds } from '../../lib/plan/template';
import { NAME_PROPERTIES } from '../../lib/rules/retain-except-on-create';
import { CfnTemplate, TemplateResource } from './stateful';

/**
 * What a change does to a stack that is already deployed, beyond losing a stateful resource:
 *
 * - **create-before-delete conflicts.** CloudFormation creates a replacement (or a resource under a
 *   new logical id) before it deletes the old one. When both hold the same unique key (a listener's
 *   load balancer and port, a fixed physical name, a DNS record, a subnet CIDR in the same VPC) the
 *   create fails with AlreadyExists or a conflict, and the update rolls back
 *   (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html;
 *   listeners: github.com/aws/aws-cdk/issues/34235).
 * - **network under data.** The primary, a replica or the cache keeps its instance while the
 *   subnets or VPC it lives in are replaced or removed (`network.cidr`, `network.maxAzs`): RDS and
 *   ElastiCache cannot move an existing instance to another VPC, nor drop a subnet in use from its
 *   subnet group, so the update fails, or the data tier would have to be rebuilt.
 * - **credential changes.** A changed `GenerateSecretString` makes CloudFormation generate a new
 *   value in place, while the database or cache keeps the old password or token
 *   (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html).
 */

export type HazardAction = 'conflict' | 'network-replaced' | 'credential-change';

export interface Hazard {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly kind: string;
  readonly action: HazardAction;
  /** The other resource involved: the one holding the key, or the network resource replaced. */
  readonly otherLogicalId?: string;
  /** What collides or changes, in words (e.g. `listener port 80 of ServiceLoadBalancer…`). */
  readonly detail: string;
}

type Resources = Readonly<Record<string, TemplateResource>>;

/** Network resources an instance lives in; their replacement cannot carry a running instance along. */
const NETWORK_TYPES = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElastiCache::SubnetGroup',
]);

/** Resources that run inside subnets and keep their instances across an update. */
const PLACED_TYPES: Readonly<Record<string, string>> = {
  'AWS::RDS::DBInstance': 'database instance',
  'AWS::RDS::DBCluster': 'database cluster',
  'AWS::ElastiCache::ReplicationGroup': 'cache replication group',
};

export function liveStackHazards(before: CfnTemplate, after: CfnTemplate, diff: TemplateDiff): Hazard[] {
  const old: Resources = before.Resources ?? {};
  const now: Resources = after.Resources ?? {};
  const replaced = new Set<string>();
  diff.resources.forEachDifference((id, change) => {
    if (
      !change.isAddition &&
      !change.isRemoval &&
      (change.changeImpact === ResourceImpact.WILL_REPLACE ||
        change.changeImpact === ResourceImpact.MAY_REPLACE)
    ) {
      replaced.add(id);
    }
  });
  return [
    ...conflicts(old, now, replaced),
    ...networkUnderData(old, now, replaced),
    ...credentialChanges(old, now),
  ];
}

// --- create-before-delete conflicts ------------------------------------------------------------------

/** A unique key of a resource: equal keys cannot exist twice at once. Subnets compare by overlap. */
interface Key {
  readonly text: string;
  readonly subnet?: { vpc: string; cidr: string };
}

function conflicts(old: Resources, now: Resources, replaced: ReadonlySet<string>): Hazard[] {
  // Old physical resources deleted only after the new ones exist, and new ones created meanwhile.
  const leaving = Object.keys(old).filter((id) => replaced.has(id) || !(id in now));
  const arriving = Object.keys(now).filter((id) => replaced.has(id) || !(id in old));
  const hazards: Hazard[] = [];
  for (const newId of arriving) {
    const newKeys = keysOf(now[newId], (id) => (replaced.has(id) || !(id in old) ? `new:${id}` : id));
    if (!newKeys.length) continue;
    for (const oldId of leaving) {
      const oldKeys = keysOf(old[oldId], (id) => (replaced.has(id) || !(id in now) ? `old:${id}` : id));
      const clash = newKeys.find((n) => oldKeys.some((o) => sameKey(n, o)));
      if (!clash) continue;
      hazards.push({
        logicalId: newId,
        resourceType: now[newId].Type,
        kind: kindOf(now[newId].Type),
        action: 'conflict',
        otherLogicalId: oldId,
        detail: clash.text,
      });
    }
  }
  return hazards;
}

function sameKey(a: Key, b: Key): boolean {
  if (a.subnet && b.subnet)
    return a.subnet.vpc === b.subnet.vpc && cidrsOverlap(a.subnet.cidr, b.subnet.cidr);
  return !a.subnet && !b.subnet && a.text === b.text;
}

/**
 * The unique keys of a resource, with references normalized by `ref` (a reference to a resource
 * that is itself replaced points at a different physical resource on each side).
 */
function keysOf(resource: TemplateResource, ref: (logicalId: string) => string): Key[] {
  const p = resource.Properties ?? {};
  const show = (value: unknown) => normalize(value, ref);
  const keys: Key[] = [];
  const nameProperty = NAME_PROPERTIES[resource.Type];
  if (nameProperty && p[nameProperty] !== undefined) {
    keys.push({ text: `${resource.Type} ${nameProperty} ${show(p[nameProperty])}` });
  }
  switch (resource.Type) {
    case 'AWS::ElasticLoadBalancingV2::Listener':
      keys.push({ text: `listener port ${show(p.Port)} of load balancer ${show(p.LoadBalancerArn)}` });
      break;
    case 'AWS::Route53::RecordSet':
      keys.push({
        text: `DNS record ${show(p.Name)} ${show(p.Type)}${p.SetIdentifier !== undefined ? ` set ${show(p.SetIdentifier)}` : ''} in zone ${show(p.HostedZoneId ?? p.HostedZoneName)}`,
      });
      break;
    case 'AWS::EC2::Subnet':
      if (typeof p.CidrBlock === 'string') {
        const vpc = show(p.VpcId);
        keys.push({ text: `subnet CIDR ${p.CidrBlock} in VPC ${vpc}`, subnet: { vpc, cidr: p.CidrBlock } });
      }
      break;
  }
  return keys;
}

/** A value as a stable string, references replaced by `ref(logicalId)`. */
function normalize(value: unknown, ref: (logicalId: string) => string): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Ref === 'string') return o.Ref.startsWith('AWS::') ? o : { Ref: ref(o.Ref) };
      const getAtt = o['Fn::GetAtt'];
      if (getAtt !== undefined) {
        const [id, attr] = Array.isArray(getAtt) ? getAtt : String(getAtt).split(/\.(.*)/, 2);
        return { 'Fn::GetAtt': [ref(String(id)), attr] };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const w = walk(value);
  // References read as the logical id they point at (`new:`/`old:` marks a replaced one).
  return typeof w === 'string' ? w : JSON.stringify(w).replace(/\{"Ref":"([^"]+)"\}/g, '$1');
}

/** Whether two IPv4 CIDR blocks share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const parse = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    const n = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(n / size) * size;
    return [start, start + size - 1];
  };
  const [a0, a1] = parse(a);
  const [b0, b1] = parse(b);
  return a0 <= b1 && b0 <= a1;
}

function kindOf(type: string): string {
  return (
    {
      'AWS::ElasticLoadBalancingV2::Listener': 'listener',
      'AWS::Route53::RecordSet': 'DNS record',
      'AWS::EC2::Subnet': 'subnet',
    }[type] ?? `resource with a fixed name (${type})`
  );
}

// --- network under data ------------------------------------------------------------------------------

function networkUnderData(old: Resources, now: Resources, replaced: ReadonlySet<string>): Hazard[] {
  const hazards: Hazard[] = [];
  const gone = (id: string) => replaced.has(id) || !(id in now);
  for (const [id, resource] of Object.entries(old)) {
    const kind = PLACED_TYPES[resource.Type];
    // Only instances that stay: a replaced or removed one is the stateful gate's business.
    if (!kind || !(id in now) || replaced.has(id)) continue;
    const reached = networkOf(old, resource);
    const lost = [...reached].filter(gone);
    // Name the outermost resource that goes (the VPC before its subnets), once per instance.
    const order = [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::RDS::DBSubnetGroup',
      'AWS::ElastiCache::SubnetGroup',
    ];
    lost.sort((a, b) => order.indexOf(old[a].Type) - order.indexOf(old[b].Type) || a.localeCompare(b));
    if (!lost.length) continue;
    const first = lost[0];
    hazards.push({
      logicalId: id,
      resourceType: resource.Type,
      kind,
      action: 'network-replaced',
      otherLogicalId: first,
      detail: `${old[first].Type} ${first} ${replaced.has(first) ? 'is replaced' : 'is removed'}${
        lost.length > 1
          ? ` (with ${lost.length - 1} more network resource(s): ${lost.slice(1).join(', ')})`
          : ''
      }`,
    });
  }
  return hazards;
}

/** Network resources (VPC, subnets, subnet groups) a resource reaches through its references. */
function networkOf(resources: Resources, start: TemplateResource): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    for (const id of referencedIds(value)) {
      const target = resources[id];
      if (!target || found.has(id) || !NETWORK_TYPES.has(target.Type)) continue;
      found.add(id);
      visit(target.Properties);
    }
  };
  visit(start.Properties);
  return found;
}

// --- credential changes ------------------------------------------------------------------------------

function credentialChanges(old: Resources, now: Resources): Hazard[] {
  const hazards: Hazard[] = [];
  for (const [id, resource] of Object.entries(now)) {
    const before = old[id];
    if (resource.Type !== 'AWS::SecretsManager::Secret' || before?.Type !== resource.Type) continue;
    const a = before.Properties?.GenerateSecretString;
    const b = resource.Properties?.GenerateSecretString;
    if (a === undefined || b === undefined || JSON.stringify(a) === JSON.stringify(b)) continue;
    hazards.push({
      logicalId: id,
      resourceType: resource.Type,
      kind: 'secret',
      action: 'credential-change',
      detail:
        'GenerateSecretString changed: CloudFormation generates a new value, the database or cache keeps the old one',
    });
  }
  return hazards;
}
