/**
 * Names AWS services expect, shared by the tiers that create the resources and the rule pack that
 * checks them.
 */

/**
 * Log groups that AWS services write to (vended logs: Step Functions, FIS) start with this prefix:
 * CloudWatch Logs resource policies are limited to 5,120 characters, and one statement for
 * `/aws/vendedlogs/*` covers every such group instead of one ARN per group
 * (docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
 */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/';

/**
 * Tag key the cache experiments select the replication group by (value: its ReplicationGroupId).
 * FIS identifies targets by ARNs or by tags, and a target with parameters (the zone) must use tags
 * (docs.aws.amazon.com/fis/latest/userguide/targets.html).
 */
export const CACHE_TARGET_TAG = 'scalable-backend:cache';

/**
 * `ScalableBackend-prod` -> `scalablebackend-prod`: the form RDS and ElastiCache identifiers must
 * take (a letter first, then lower-case letters, digits and single hyphens, no hyphen at the end),
 * cut to `maxLength`; `fallback` when nothing of the name is left.
 */
export function lowerCaseIdentifier(name: string, maxLength: number, fallback: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .slice(0, maxLength)
      .replace(/-+$/, '') || fallback
  );
}
