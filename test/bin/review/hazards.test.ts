import { reviewTemplates } from '../../../bin/review/classify';
import { cidrsOverlap } from '../../../bin/review/hazards';
import { describeLoss } from '../../../bin/review/report';
import { DEV, devTemplate, PRIMARY } from './fixture';

/**
 * The classes of change that fail on a deployed stack although no stateful resource is replaced:
 * create-before-delete conflicts, instances whose network is replaced, regenerated credentials;
 * and the "may be replaced" path of the stateful gate.
 */

const VPC = 'NetworkVpc7FB7348F';
const SUBNET_1 = 'NetworkVpcIsolatedSubnet1Subnet0400477E';
const SUBNET_2 = 'NetworkVpcIsolatedSubnet2SubnetF65B365A';
const LB = 'ServiceLoadBalancerBE9EEC3A';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The fixture plus a VPC with the two isolated subnets its subnet group names, and the load balancer. */
function withNetwork(edit: (r: Resources) => void = () => undefined) {
  return devTemplate((r) => {
    r[VPC] = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.10.0.0/16' } };
    r[SUBNET_1] = {
      Type: 'AWS::EC2::Subnet',
      Properties: { VpcId: { Ref: VPC }, CidrBlock: '10.10.128.0/19', AvailabilityZone: 'eu-west-1a' },
    };
    r[SUBNET_2] = {
      Type: 'AWS::EC2::Subnet',
      Properties: { VpcId: { Ref: VPC }, CidrBlock: '10.10.160.0/19', AvailabilityZone: 'eu-west-1b' },
    };
    r[LB] = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Scheme: 'internet-facing' } };
    r.ServiceLoadBalancerHttp = {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn: { Ref: LB },
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'TargetGroup' } }],
      },
    };
    edit(r as Resources);
  });
}

const review = (head: ReturnType<typeof withNetwork>, allow: string[] = []) =>
  reviewTemplates({ [DEV]: withNetwork() }, { [DEV]: head }, allow);

describe('create-before-delete conflicts', () => {
  test('GIVEN the port-80 listener moves to a new logical id THEN the gate blocks and names both ids and the key', () => {
    // GIVEN HTTPS adopted the old way: the forwarding listener removed, a redirect listener added on port 80
    const head = withNetwork((r) => {
      delete r.ServiceLoadBalancerHttp;
      r.ServiceLoadBalancerRedirect80To443 = {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: { Ref: LB },
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443' } }],
        },
      };
    });
    // WHEN reviewed
    const { blocked } = review(head);
    // THEN one conflict, on the new listener, naming the old one and the port and load balancer
    expect(blocked).toEqual([
      expect.objectContaining({
        logicalId: 'ServiceLoadBalancerRedirect80To443',
        otherLogicalId: 'ServiceLoadBalancerHttp',
        action: 'conflict',
        kind: 'listener',
        detail: `listener port 80 of load balancer ${LB}`,
      }),
    ]);
    expect(describeLoss(blocked[0])).toContain(
      'ServiceLoadBalancerHttp still holds the same listener port 80',
    );
  });

  test('GIVEN the same listener only changes its default action THEN the gate passes', () => {
    const head = withNetwork((r) => {
      r.ServiceLoadBalancerHttp.Properties.DefaultActions = [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ];
    });
    expect(review(head).blocked).toEqual([]);
  });

  test('GIVEN a resource with a fixed name moves to a new logical id THEN the conflict names both ids', () => {
    // GIVEN the primary re-created under a new id with the same DBInstanceIdentifier
    const head = withNetwork((r) => {
      r.DatabasePrimaryMoved = r[PRIMARY];
      delete r[PRIMARY];
    });
    const conflicts = review(head).blocked.filter((c) => c.action === 'conflict');
    expect(conflicts).toEqual([
      expect.objectContaining({
        logicalId: 'DatabasePrimaryMoved',
        otherLogicalId: PRIMARY,
        detail: 'AWS::RDS::DBInstance DBInstanceIdentifier scalablebackend-dev-primary',
      }),
    ]);
  });

  test('GIVEN subnets re-carved in the same VPC (maxAzs) THEN overlapping new and old CIDRs are conflicts', () => {
    // GIVEN subnet 1 shrinks to a /20 inside its old /19 and subnet 2 moves into subnet 1's old range
    const head = withNetwork((r) => {
      r[SUBNET_1].Properties.CidrBlock = '10.10.128.0/20';
      r[SUBNET_2].Properties.CidrBlock = '10.10.144.0/20';
    });
    const conflicts = review(head).blocked.filter((c) => c.action === 'conflict');
    expect(conflicts.map((c) => [c.logicalId, c.otherLogicalId])).toEqual([
      [SUBNET_1, SUBNET_1],
      [SUBNET_2, SUBNET_1],
    ]);
    expect(conflicts[0].detail).toBe(`subnet CIDR 10.10.128.0/20 in VPC ${VPC}`);
  });
});

describe('instances whose network is replaced', () => {
  test('GIVEN a subnet of the database and cache is replaced THEN every instance in it is blocked, naming the subnet', () => {
    const head = withNetwork((r) => (r[SUBNET_1].Properties.CidrBlock = '10.10.192.0/19'));
    const network = review(head).blocked.filter((c) => c.action === 'network-replaced');
    // THEN the primary and the replica (through the DB subnet group) are named, with the subnet
    expect(network.map((c) => [c.logicalId, c.otherLogicalId])).toEqual([
      [PRIMARY, SUBNET_1],
      ['DatabaseReplica1ED560A1F', SUBNET_1],
    ]);
    expect(describeLoss(network[0])).toContain(`AWS::EC2::Subnet ${SUBNET_1} is replaced`);
  });

  test('GIVEN the VPC CIDR changes THEN the VPC is named first (its subnets follow)', () => {
    const head = withNetwork((r) => (r[VPC].Properties.CidrBlock = '10.40.0.0/16'));
    const network = review(head).blocked.filter((c) => c.action === 'network-replaced');
    expect(network.map((c) => c.otherLogicalId)).toEqual([VPC, VPC]);
    // AND no subnet conflict: the new subnets live in the new VPC
    expect(review(head).blocked.filter((c) => c.action === 'conflict')).toEqual([]);
  });

  test('GIVEN the change is acknowledged for the instance THEN it passes', () => {
    const head = withNetwork((r) => (r[SUBNET_1].Properties.CidrBlock = '10.10.192.0/19'));
    expect(review(head, [PRIMARY, 'DatabaseReplica1ED560A1F']).blocked).toEqual([]);
  });
});

describe('credential changes', () => {
  test('GIVEN the AUTH token secret changes its GenerateSecretString THEN the gate blocks it as a credential change', () => {
    const head = withNetwork((r) => {
      (r.CacheAuthToken04672416.Properties.GenerateSecretString as Record<string, unknown>).PasswordLength =
        128;
    });
    const { blocked } = review(head);
    expect(blocked).toEqual([
      expect.objectContaining({
        logicalId: 'CacheAuthToken04672416',
        action: 'credential-change',
        kind: 'secret',
      }),
    ]);
    expect(describeLoss(blocked[0])).toMatch(/^credential change: GenerateSecretString changed/);
  });

  test('GIVEN only the description of a secret changes THEN the gate passes', () => {
    const head = withNetwork((r) => (r.CacheAuthToken04672416.Properties.Description = 'reworded'));
    expect(review(head).blocked).toEqual([]);
  });
});

describe('"may be replaced" stateful changes', () => {
  test('GIVEN the primary gains a DBSnapshotIdentifier THEN it may be replaced, and the gate blocks it', () => {
    const head = withNetwork((r) => (r[PRIMARY].Properties.DBSnapshotIdentifier = 'restore-from-this'));
    const { blocked } = review(head);
    expect(blocked).toEqual([
      expect.objectContaining({
        logicalId: PRIMARY,
        action: 'may-replace',
        replacingProperties: [{ name: 'DBSnapshotIdentifier', certainty: 'may' }],
      }),
    ]);
    expect(describeLoss(blocked[0])).toBe('may be replaced: DBSnapshotIdentifier may cause replacement');
  });
});

describe('cidrsOverlap', () => {
  test.each([
    ['10.0.0.0/19', '10.0.16.0/20', true],
    ['10.0.0.0/20', '10.0.16.0/20', false],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.32.0/19', '10.0.32.0/19', true],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(cidrsOverlap(a, b)).toBe(expected);
  });
});
