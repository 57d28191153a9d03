/**
 * What a first deploy waits for, read from the synthesized template: CloudFormation creates a
 * resource only after every resource it references (Ref, Fn::GetAtt, DependsOn), so the slow
 * resources on the ECS service's dependency path are created one after another.
 */
import { CfnResource, CfnTemplate, referencedIds, resourcesOfType } from './template';

/** The slow resource types of this stack (each takes minutes to create, not seconds). */
const SLOW_TYPES = [
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBProxy',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
] as const;

export interface FirstDeployPath {
  /** Logical ids of the primary DB instances (no source instance). */
  readonly primaries: string[];
  /** Logical ids of the read replicas, each of which references its primary. */
  readonly replicas: string[];
  /** The slow resources the ECS service waits for (transitively), by logical id. */
  readonly serviceWaitsFor: string[];
}

function directDependencies(resource: CfnResource & { DependsOn?: string | string[] }): Set<string> {
  return new Set([...referencedIds(resource.Properties ?? {}), ...[resource.DependsOn ?? []].flat()]);
}

/** The slow resources a first deploy creates before the ECS service, and the replica chain. */
export function firstDeployPath(template: CfnTemplate): FirstDeployPath {
  const resources = template.Resources as Record<string, CfnResource & { DependsOn?: string | string[] }>;
  const instances = resourcesOfType(template, 'AWS::RDS::DBInstance');
  const replicas = instances.filter(([, r]) => r.Properties?.SourceDBInstanceIdentifier !== undefined);
  const primaries = instances.filter(([, r]) => r.Properties?.SourceDBInstanceIdentifier === undefined);
  const services = resourcesOfType(template, 'AWS::ECS::Service');
  const seen = new Set<string>();
  const stack = services.map(([id]) => id);
  while (stack.length) {
    const id = stack.pop()!;
    for (const dep of directDependencies(resources[id])) {
      if (dep in resources && !seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return {
    primaries: primaries.map(([id]) => id),
    replicas: replicas.map(([id]) => id),
    serviceWaitsFor: [...seen].filter((id) => (SLOW_TYPES as readonly string[]).includes(resources[id].Type)),
  };
}
