/**
 * Region names `region` may pin: the regions of aws-cdk-lib's built-in region table
 * (`aws-cdk-lib/region-info`, `RegionInfo.regions`, updated with each CDK release), so a typo such as
 * `eu-west-9` fails at synth instead of at deploy.
 */
import { RegionInfo } from 'aws-cdk-lib/region-info';

export const KNOWN_REGIONS: readonly string[] = RegionInfo.regions.map((r) => r.name).sort();

export function isKnownRegion(name: string): boolean {
  return KNOWN_REGIONS.includes(name);
}
