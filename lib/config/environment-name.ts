/**
 * What an environment may be called. The name becomes the stack name `ScalableBackend-<name>` and
 * a part of fixed physical names (alarms, dashboards, log groups, the proxy, DB identifiers), so it
 * is lower case (RDS stores identifiers in lower case) and short enough for the tightest of them.
 */

/** Lower-case letters, digits and single hyphens, starting with a letter. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/**
 * The longest environment name: `scalablebackend-` (16) + 24 = 40 characters, what the DB identifier
 * base (lib/database/index.ts `physicalNameBase`, 63 minus the longest suffix `-replica-15`) and the
 * ElastiCache replication group id (40, lib/cache.ts) keep. A longer name would be cut short, and
 * two environments could then share a fixed name (test/config/fixed-names.test.ts).
 */
export const ENVIRONMENT_NAME_MAX_LENGTH = 24;

/** The stack of an environment. */
export const STACK_NAME_PREFIX = 'ScalableBackend-';

/** Why `name` cannot name an environment, or undefined when it can. */
export function environmentNameProblem(name: string): string | undefined {
  if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
    return 'an environment name is lower-case letters, digits and single hyphens, starting with a letter (e.g. staging, dev-alice)';
  }
  if (name.length > ENVIRONMENT_NAME_MAX_LENGTH) {
    return `an environment name has at most ${ENVIRONMENT_NAME_MAX_LENGTH} characters (it is part of fixed resource names)`;
  }
  return undefined;
}
