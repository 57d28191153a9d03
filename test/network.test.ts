import { Match } from 'aws-cdk-lib/assertions';
import { presets, resourcesOf } from './helpers';

// GIVEN the dev and prod presets and the local preset (pinned AZs), synthesized once
const { templates } = presets();

describe('network', () => {
  test.each([
    ['dev', 2, 1],
    ['prod', 3, 3],
  ])(
    '%s: VPC over %i AZs with public, private-with-egress and isolated subnets and %i NAT gateway(s)',
    (env, azs, nats) => {
      const t = templates[env];
      // THEN one subnet per tier per AZ
      const subnets = resourcesOf(t, 'AWS::EC2::Subnet');
      const byTier = (tier: string) =>
        subnets.filter(([, r]) =>
          (r.Properties!.Tags as { Key: string; Value: string }[]).some(
            (tag) => tag.Key === 'aws-cdk:subnet-name' && tag.Value === tier,
          ),
        );
      expect(byTier('Public')).toHaveLength(azs);
      expect(byTier('Private')).toHaveLength(azs);
      expect(byTier('Isolated')).toHaveLength(azs);
      t.resourceCountIs('AWS::EC2::NatGateway', nats);
      // AND public subnets do not hand out public IPs by default
      for (const [, subnet] of byTier('Public')) expect(subnet.Properties!.MapPublicIpOnLaunch).toBe(false);
    },
  );

  test('isolated subnets have no route to the internet', () => {
    const t = templates.prod;
    const routes = resourcesOf(t, 'AWS::EC2::Route');
    const isolatedTables = Object.keys(t.findResources('AWS::EC2::RouteTable')).filter((id) =>
      id.includes('Isolated'),
    );
    expect(isolatedTables.length).toBe(3);
    expect(routes.filter(([id]) => id.includes('Isolated'))).toEqual([]);
  });

  test('flow logs capture all traffic into a log group with the preset retention', () => {
    templates.prod.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    const groups = resourcesOf(templates.prod, 'AWS::Logs::LogGroup').filter(([id]) =>
      id.startsWith('NetworkFlowLogs'),
    );
    expect(groups).toHaveLength(1);
    expect(groups[0][1].Properties!.RetentionInDays).toBe(365);
    // Kept when the stack goes, but not after a failed first create (a retry starts clean).
    expect(groups[0][1].DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('an S3 gateway endpoint serves the private subnets', () => {
    templates.dev.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])]),
      }),
    });
  });

  test('the default security group is stripped of its rules', () => {
    templates.dev.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('pinned availability zones are used literally (LocalStack has no Fn::GetAZs)', () => {
    const azs = resourcesOf(templates.local, 'AWS::EC2::Subnet').map(
      ([, r]) => r.Properties!.AvailabilityZone,
    );
    expect(new Set(azs)).toEqual(new Set(['us-east-1a', 'us-east-1b']));
    expect(JSON.stringify(templates.local.toJSON())).not.toContain('Fn::GetAZs');
  });

  test('the VPC CIDR comes from config', () => {
    templates.dev.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.10.0.0/16' });
    templates.prod.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.20.0.0/16' });
  });
});
