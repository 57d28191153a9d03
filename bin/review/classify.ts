import { fullDiff, ResourceDifference, ResourceImpact, TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { HazardAction, liveStackHazards } from './hazards';
import { CfnTemplate, statefulKind, TemplateResource } from './stateful';

export type { CfnTemplate } from './stateful';

/**
 * The pure half of `npm run review`: given the synthesized templates of the base and of the change,
 * say what changes per stack and which stateful resources the change would replace or remove.
 * It uses the same diff engine as `cdk diff` (`@aws-cdk/cloudformation-diff`), which marks each
 * property whose change requires (or may cause) a replacement from the CloudFormation resource
 * specification and propagates replacements to the resources that reference a replaced one.
 */

/** Templates of one cloud assembly, by stack name. */
export type StackTemplates = Readonly<Record<string, CfnTemplate>>;

/** `new`: only in the change; `removed`: only in the base (everything in it is removed). */
export type StackStatus = 'new' | 'removed' | 'changed' | 'unchanged';

export interface ResourceCounts {
  readonly added: number;
  readonly removed: number;
  /** Replaced or possibly replaced (`cdk diff` marks both). */
  readonly replaced: number;
  /** Updated in place. */
  readonly modified: number;
}

/** IAM and security-group changes, counted the way `cdk diff` tabulates them. */
export interface SecurityChanges {
  readonly iamStatementsAdded: number;
  readonly iamStatementsRemoved: number;
  readonly managedPoliciesAdded: number;
  readonly managedPoliciesRemoved: number;
  /** `cdk diff`'s "potentially sensitive changes": a statement or rule added. */
  readonly permissionsBroadened: boolean;
  readonly securityGroupRulesAdded: number;
  readonly securityGroupRulesRemoved: number;
}

export interface StackReview {
  readonly stackName: string;
  readonly status: StackStatus;
  readonly counts: ResourceCounts;
  readonly security: SecurityChanges;
  /** The full diff, for rendering with `formatDifferences`. */
  readonly diff: TemplateDiff;
}

/**
 * How a change loses the data of a resource, or (see `hazards.ts`) fails on a deployed stack: a
 * create-before-delete conflict, an instance whose network is replaced, a regenerated credential.
 */
export type DataLossAction = 'replace' | 'may-replace' | 'destroy' | 'orphan' | HazardAction;

/** A property whose change replaces the resource (`requires` it, or `may` cause it). */
export interface ReplacingProperty {
  readonly name: string;
  readonly certainty: 'requires' | 'may';
}

/** A stateful resource that the change replaces or removes. */
export interface StatefulChange {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** e.g. "primary database instance", "secret" (see `statefulKind`). */
  readonly kind: string;
  readonly action: DataLossAction;
  /** For replacements: the properties that force it (empty when the diff names none). */
  readonly replacingProperties: readonly ReplacingProperty[];
  /** Acknowledged with `--allow-replace`. */
  readonly acknowledged: boolean;
  /** For conflicts and network changes: the other resource involved (both logical ids are named). */
  readonly otherLogicalId?: string;
  /** For conflicts, network and credential changes: what collides or changes, in words. */
  readonly detail?: string;
}

export interface Review {
  readonly stacks: readonly StackReview[];
  /** Every stateful resource replaced or removed, acknowledged or not. */
  readonly statefulChanges: readonly StatefulChange[];
  /** The unacknowledged ones: the gate fails when this is not empty. */
  readonly blocked: readonly StatefulChange[];
  /** `--allow-replace` values that matched nothing (most likely a typo). */
  readonly unusedAllowances: readonly string[];
  readonly hasDifferences: boolean;
}

const EMPTY_TEMPLATE: CfnTemplate = {};

/**
 * Compare `base` with `head` stack by stack. `allowReplace` holds logical ids (`DatabasePrimaryEDE0B3D0`,
 * any stack) or `Stack/LogicalId` (one stack) whose replacement or removal is deliberate.
 */
export function reviewTemplates(
  base: StackTemplates,
  head: StackTemplates,
  allowReplace: readonly string[] = [],
): Review {
  const stackNames = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const stacks: StackReview[] = [];
  const statefulChanges: StatefulChange[] = [];
  const usedAllowances = new Set<string>();
  for (const stackName of stackNames) {
    const before = base[stackName];
    const after = head[stackName];
    const diff = fullDiff(before ?? EMPTY_TEMPLATE, after ?? EMPTY_TEMPLATE);
    const status: StackStatus = !before ? 'new' : !after ? 'removed' : diff.isEmpty ? 'unchanged' : 'changed';
    stacks.push({ stackName, status, counts: countResources(diff), security: securityChanges(diff), diff });
    const allowed = (logicalId: string) => {
      const allowance = allowReplace.find((a) => a === logicalId || a === `${stackName}/${logicalId}`);
      if (allowance) usedAllowances.add(allowance);
      return allowance !== undefined;
    };
    diff.resources.forEachDifference((logicalId, change) => {
      const action = dataLossAction(change);
      const kind = statefulKind(change.oldValue as TemplateResource | undefined);
      if (!action || !kind) return;
      statefulChanges.push({
        stackName,
        logicalId,
        resourceType: change.oldResourceType ?? change.oldValue?.Type ?? 'unknown',
        kind,
        action,
        replacingProperties: replacingProperties(change),
        acknowledged: allowed(logicalId),
      });
    });
    // Changes that fail on a deployed stack (or silently break credentials) although no stateful
    // resource is replaced: acknowledged by the logical id of the resource they are reported on.
    if (before && after) {
      const reported = new Set(
        statefulChanges.filter((c) => c.stackName === stackName).map((c) => c.logicalId),
      );
      // A stateful resource already reported as replaced or removed is not reported twice.
      for (const hazard of liveStackHazards(before, after, diff).filter((h) => !reported.has(h.logicalId))) {
        statefulChanges.push({
          stackName,
          replacingProperties: [],
          ...hazard,
          acknowledged: allowed(hazard.logicalId),
        });
      }
    }
  }
  return {
    stacks,
    statefulChanges,
    blocked: statefulChanges.filter((c) => !c.acknowledged),
    unusedAllowances: allowReplace.filter((a) => !usedAllowances.has(a)),
    hasDifferences: stacks.some((s) => s.status !== 'unchanged'),
  };
}

/** How `change` loses the existing resource's data, if it does. */
function dataLossAction(change: ResourceDifference): DataLossAction | undefined {
  switch (change.changeImpact) {
    case ResourceImpact.WILL_REPLACE:
      return 'replace';
    case ResourceImpact.MAY_REPLACE:
      return 'may-replace';
    case ResourceImpact.WILL_DESTROY:
      return 'destroy';
    case ResourceImpact.WILL_ORPHAN:
      // DeletionPolicy Retain keeps the resource in the account, but the stack no longer manages it
      // (and a new one under the same fixed name fails to create): still a removal to acknowledge.
      // (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html)
      return 'orphan';
    default:
      return undefined;
  }
}

function replacingProperties(change: ResourceDifference): ReplacingProperty[] {
  const properties: ReplacingProperty[] = [];
  if (change.resourceTypeChanged) properties.push({ name: 'Type', certainty: 'requires' });
  for (const [name, diff] of Object.entries(change.propertyUpdates).sort(([a], [b]) => a.localeCompare(b))) {
    if (diff.changeImpact === ResourceImpact.WILL_REPLACE) properties.push({ name, certainty: 'requires' });
    else if (diff.changeImpact === ResourceImpact.MAY_REPLACE) properties.push({ name, certainty: 'may' });
  }
  return properties;
}

function countResources(diff: TemplateDiff): ResourceCounts {
  let added = 0;
  let removed = 0;
  let replaced = 0;
  let modified = 0;
  diff.resources.forEachDifference((_id, change) => {
    if (change.isAddition) added++;
    else if (change.isRemoval) removed++;
    else if (
      change.changeImpact === ResourceImpact.WILL_REPLACE ||
      change.changeImpact === ResourceImpact.MAY_REPLACE
    )
      replaced++;
    else modified++;
  });
  return { added, removed, replaced, modified };
}

function securityChanges(diff: TemplateDiff): SecurityChanges {
  const iam = diff.iamChanges;
  const sg = diff.securityGroupChanges;
  return {
    iamStatementsAdded: iam.statements.additions.length,
    iamStatementsRemoved: iam.statements.removals.length,
    managedPoliciesAdded: iam.managedPolicies.additions.length,
    managedPoliciesRemoved: iam.managedPolicies.removals.length,
    permissionsBroadened: diff.permissionsBroadened,
    securityGroupRulesAdded: sg.ingress.additions.length + sg.egress.additions.length,
    securityGroupRulesRemoved: sg.ingress.removals.length + sg.egress.removals.length,
  };
}
