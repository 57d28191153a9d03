import * as fs from 'fs';
import * as path from 'path';
import { CfnTemplate } from '../../../bin/review/classify';

/**
 * `cdk synth -c envs=dev` trimmed to the resources the gate cares about (metadata dropped): the
 * primary, one read replica, the subnet group, both secrets, the storage key, the replication group,
 * a retained and a deleted log group, the access-log bucket and the service's scalable target.
 */
export const FIXTURE: CfnTemplate = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'dev.template.json'), 'utf8'),
);
export const DEV = 'ScalableBackend-dev';
export const PRIMARY = 'DatabasePrimaryEDE0B3D0';
export const REPLICA = 'DatabaseReplica1ED560A1F';

type EditableResources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** A deep copy of the fixture, changed by `edit`. */
export function devTemplate(edit: (resources: EditableResources) => void = () => undefined): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(FIXTURE));
  edit(copy.Resources);
  return copy;
}
