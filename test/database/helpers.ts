/**
 * Shared by the database tests: the dev and prod preset templates, the Database construct built
 * alone for a config variant, and lookups of the primary, the replicas and the secret attachments.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deepMerge, validateEnvironment } from '../../lib/config/load';
import { PRESETS } from '../../lib/config/presets';
import { Database } from '../../lib/database';
import { Network } from '../../lib/network';
import { constructTestApp, presets, resourcesOf, singleResource, stackName } from '../helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run (validators included)
export const { templates } = presets();
export const ENVS = ['dev', 'prod'] as const;

/**
 * GIVEN a config variant of a preset, WHEN only the network and the Database construct are built
 * (no validators, no other tiers: a few hundred milliseconds), THEN its template and construct.
 */
export function databaseOnly(env: 'dev' | 'prod', overrides: Record<string, unknown>) {
  const config = validateEnvironment(env, deepMerge(PRESETS[env] as never, overrides as never));
  const stack = new Stack(constructTestApp(), stackName(env));
  const network = new Network(stack, 'Network', { config: config.network });
  const database = new Database(stack, 'Database', { vpc: network.vpc, config: config.database });
  return { database, template: Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }) };
}

export const primaryOf = (t: Template) => singleResource(t, 'AWS::RDS::DBInstance', 'DatabasePrimary');
/** The secret attachment (the secret's id with host and port) of the master or the service's user. */
export const attachmentOf = (t: Template, user: 'master' | 'app') =>
  singleResource(
    t,
    'AWS::SecretsManager::SecretTargetAttachment',
    user === 'master' ? 'DatabasePrimarySecretAttachment' : 'DatabaseAppSecretAttachment',
  );
export const replicasOf = (t: Template) =>
  resourcesOf(t, 'AWS::RDS::DBInstance').filter(([id]) => /^DatabaseReplica\d+/.test(id));
