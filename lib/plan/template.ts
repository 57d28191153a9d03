/**
 * A synthesized CloudFormation template as the plan reads it: only what the cost and reaction
 * models need, read from the JSON that would deploy (never from the config).
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/** Resources of one type, as [logicalId, resource] pairs in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id a `{ Ref: id }` or `{ Fn::GetAtt: [id, attr] }` points at, if any. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    // A Fn::Join that builds an ARN from a Ref (e.g. a replica's SourceDBInstanceIdentifier).
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      for (const part of join[1] as unknown[]) {
        const id = referencedId(part);
        if (id && !id.startsWith('AWS::')) return id;
      }
    }
  }
  return undefined;
}

/**
 * Every logical id `value` references anywhere inside it: `Ref` and `Fn::GetAtt`, also within
 * `Fn::Join`, `Fn::Sub` variable maps and nested objects (pseudo parameters such as `AWS::Region`
 * included; callers keep the ids of their template).
 */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (!value || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return [o.Ref];
  const getAtt = o['Fn::GetAtt'];
  if (getAtt !== undefined) return [String(Array.isArray(getAtt) ? getAtt[0] : String(getAtt).split('.')[0])];
  return Object.values(o).flatMap(referencedIds);
}

/** A numeric property that CloudFormation accepts as number or numeric string. */
export function numberProp(props: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = props?.[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/** A required numeric property; the error names the resource and the key. */
export function requireNumber(id: string, props: Record<string, unknown> | undefined, key: string): number {
  const n = numberProp(props, key);
  if (n === undefined) throw new Error(`${id}: ${key} is missing or not a number in the template`);
  return n;
}
