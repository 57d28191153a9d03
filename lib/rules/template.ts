/**
 * A read-only view of one synthesized CloudFormation template, as the rules of the pack see it: the
 * template CloudFormation will receive (property overrides and deletions included), not the
 * construct tree. The helpers resolve only what the template itself shows (literals, `Fn::Join` of
 * literals, `Ref`/`Fn::GetAtt` to resources of the same template); whatever needs a deployed stack to
 * be known (pseudo parameters, parameters, imports) stays unknown, and each rule decides what an
 * unknown means for it.
 */

/** One resource of a template. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

/** A finding of a rule on one resource: where in the resource, and what is wrong there. */
export interface Finding {
  /** Path inside the resource, e.g. `Properties/Dimensions/0/Value`. */
  readonly location: string;
  /** What is wrong, naming the values involved. */
  readonly message: string;
}

/** One rule of the pack. */
export interface Rule {
  /** Rule name in the report; acknowledge it as `ScalableBackend::<id>`. */
  readonly id: string;
  /** What must hold and why, in one or two sentences (the report's description). */
  readonly description: string;
  /** The AWS document or issue thread the rule encodes (the report's `fix` link). */
  readonly source: string;
  /** Resource types the rule looks at. */
  readonly resourceTypes: readonly string[];
  check(resource: TemplateResource, template: StackTemplate): Finding[];
}

/** An IAM policy statement as it appears in a template (single values not yet wrapped in arrays). */
export interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Sid?: string;
}

/** Placeholder for a part of a string the template cannot show (a pseudo parameter, an attribute). */
export const UNKNOWN = '\u0000';

export class StackTemplate {
  private readonly resources: Record<string, TemplateResource>;

  constructor(json: { Resources?: Record<string, Record<string, unknown>> }) {
    this.resources = Object.fromEntries(
      Object.entries(json.Resources ?? {}).map(([logicalId, r]) => [
        logicalId,
        {
          logicalId,
          type: String(r.Type),
          properties: (r.Properties as Record<string, unknown>) ?? {},
          deletionPolicy: r.DeletionPolicy as string | undefined,
          updateReplacePolicy: r.UpdateReplacePolicy as string | undefined,
        },
      ]),
    );
  }

  /** Every resource, in template order. */
  all(): TemplateResource[] {
    return Object.values(this.resources);
  }

  resource(logicalId: string): TemplateResource | undefined {
    return this.resources[logicalId];
  }

  /**
   * The resource a value points at: `{Ref: X}` or `{"Fn::GetAtt": [X, attr]}` (or `"X.attr"`) where X
   * is a resource of this template; undefined for anything else (literals, parameters, pseudo
   * parameters, other functions).
   */
  referenced(value: unknown): { resource: TemplateResource; attribute?: string } | undefined {
    if (!isObject(value)) return undefined;
    if (typeof value.Ref === 'string') {
      const resource = this.resources[value.Ref];
      return resource && { resource };
    }
    const getAtt = value['Fn::GetAtt'];
    if (getAtt !== undefined) {
      const [id, attribute] = Array.isArray(getAtt)
        ? [getAtt[0], getAtt[1]]
        : String(getAtt).split(/\.(.*)/, 2);
      const resource = typeof id === 'string' ? this.resources[id] : undefined;
      return resource && { resource, attribute: typeof attribute === 'string' ? attribute : undefined };
    }
    return undefined;
  }

  /**
   * A string value as far as the template shows it: literals and `Fn::Join`/`Fn::Sub` parts that are
   * literal are kept; every other part becomes UNKNOWN. Undefined when the value is not a string at all.
   */
  render(value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (!isObject(value)) return undefined;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part) => this.render(part) ?? UNKNOWN).join(join[0]);
    }
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string' || (Array.isArray(sub) && typeof sub[0] === 'string')) {
      const text = typeof sub === 'string' ? sub : (sub[0] as string);
      return text.replace(/\$\{(?!!)[^}]*\}/g, UNKNOWN);
    }
    return UNKNOWN;
  }

  /**
   * Every statement that applies to an IAM role of this template: the role's inline `Policies`, and
   * the `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` resources that name the role in `Roles`.
   * AWS managed policies attached by ARN are returned separately (their content is not in the template).
   */
  statementsOfRole(roleLogicalId: string): { statements: PolicyStatement[]; managedPolicyArns: string[] } {
    const role = this.resources[roleLogicalId];
    const statements: PolicyStatement[] = [];
    const managedPolicyArns: string[] = [];
    if (!role) return { statements, managedPolicyArns };
    for (const inline of asArray(role.properties.Policies)) {
      if (isObject(inline)) statements.push(...statementsOf(inline.PolicyDocument));
    }
    for (const arn of asArray(role.properties.ManagedPolicyArns)) {
      const managed = this.referenced(arn);
      if (managed?.resource.type === 'AWS::IAM::ManagedPolicy') {
        statements.push(...statementsOf(managed.resource.properties.PolicyDocument));
      } else {
        const rendered = this.render(arn);
        if (rendered) managedPolicyArns.push(rendered);
      }
    }
    for (const policy of this.all()) {
      if (policy.type !== 'AWS::IAM::Policy' && policy.type !== 'AWS::IAM::ManagedPolicy') continue;
      const roles = asArray(policy.properties.Roles);
      if (roles.some((r) => this.referenced(r)?.resource.logicalId === roleLogicalId)) {
        statements.push(...statementsOf(policy.properties.PolicyDocument));
      }
    }
    return { statements, managedPolicyArns };
  }

  /** The KMS key resource of this template a `KmsKeyId`/`KmsMasterKeyId` value points at, if any. */
  kmsKey(value: unknown): TemplateResource | undefined {
    const target = this.referenced(value);
    if (target?.resource.type === 'AWS::KMS::Key') return target.resource;
    if (target?.resource.type === 'AWS::KMS::Alias')
      return this.kmsKey(target.resource.properties.TargetKeyId);
    return undefined;
  }
}

/** The statements of a policy document (empty for anything that is not one). */
export function statementsOf(document: unknown): PolicyStatement[] {
  if (!isObject(document)) return [];
  return asArray(document.Statement).filter(isObject) as PolicyStatement[];
}

/** Whether an IAM action pattern (`ecr:*`, `ecr:Get*`, `*`) covers an action (case-insensitive, as IAM). */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), action.toLowerCase());
}

/** Whether an IAM-style pattern (`*` any run, `?` one character) matches a whole string. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
    's',
  );
  return regex.test(text);
}

/** Whether an Allow statement grants `action` (Action patterns; NotAction is treated as not granting). */
export function allowsAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Effect !== 'Allow') return false;
  return asArray(statement.Action).some((a) => typeof a === 'string' && actionMatches(a, action));
}

/** The service principals of a statement (`Principal: {Service: ...}`), rendered. */
export function servicePrincipals(statement: PolicyStatement, template: StackTemplate): string[] {
  if (!isObject(statement.Principal)) return [];
  return asArray(statement.Principal.Service)
    .map((s) => template.render(s))
    .filter((s): s is string => s !== undefined);
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rendered value for messages: UNKNOWN parts shown as `…`. */
export function shown(value: string): string {
  return value.split(UNKNOWN).join('…');
}
