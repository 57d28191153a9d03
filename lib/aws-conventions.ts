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
