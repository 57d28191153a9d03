/** Schema of the VPC settings (`network`): CIDR block, availability zones, NAT gateways, flow logs. */
import { z } from 'zod';
import { IN_PLACE, doc, int, logRetention } from './common';

const cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/,
    'must be an IPv4 CIDR block with a prefix between /16 and /20 (room for 3 subnet tiers in up to 6 AZs), e.g. 10.0.0.0/16',
  )
  .refine(
    (v) => {
      const [ip, prefix] = v.split('/');
      const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
      return n % 2 ** (32 - Number(prefix)) === 0;
    },
    { message: 'must be a network address: the host bits after the prefix must be zero (e.g. 10.0.0.0/16)' },
  );

/**
 * Regions where an account may use fewer than three availability zones; every other region has at
 * least three ("Each Region has at least three Availability Zones":
 * docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html). US West
 * (N. California) lists three, but "new customers can access two Availability Zones" (fine print
 * of aws.amazon.com/about-aws/global-infrastructure/regions_az/). Subnets are placed with
 * Fn::Select over Fn::GetAZs, which fails the deploy when the region has fewer zones than asked.
 */
export const REGIONS_WITH_FEWER_THAN_THREE_ZONES: Readonly<Record<string, number>> = {
  'us-west-1': 2,
};

/** `eu-west-1b` -> `eu-west-1`. */
export function regionOfZone(zone: string): string {
  return zone.replace(/[a-z]$/, '');
}

const availabilityZone = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an availability zone name such as eu-west-1a');

export const networkSchema = z
  .strictObject({
    cidr: doc(cidr, {
      description: 'IPv4 CIDR block of the VPC.',
      onChange:
        'needs a new VPC, so new subnets, database and cache: CloudFormation refuses (fixed resource names) and nothing is lost, but the update fails: choose it before the first deploy',
    }),
    maxAzs: doc(int(2, 6), {
      description: 'Number of availability zones the VPC spans (ignored when `availabilityZones` is set).',
      onChange:
        're-carves every subnet (CDK splits the block evenly by zone count): the new CIDRs overlap the old ones, so the update fails (npm run review blocks it); choose it before the first deploy',
    }),
    availabilityZones: doc(z.array(availabilityZone).min(2).max(6).optional(), {
      description:
        'Pin the availability zones by name (needed for LocalStack, which has no Fn::GetAZs, and for reproducible placement).',
      onChange: 'replaces the subnets in AZs that change',
    }),
    natGateways: doc(int(1, 6), {
      description: 'NAT gateways for the private subnets (one per AZ for zonal resilience, 1 to save cost).',
      onChange: 'adds or removes NAT gateways; tasks lose egress briefly while routes move',
    }),
    flowLogRetentionDays: doc(logRetention, {
      description: 'Retention of the VPC flow log group (days).',
      onChange: IN_PLACE,
    }),
  })
  .meta({ description: 'The VPC: public, private-with-egress and isolated subnets over several AZs.' });
