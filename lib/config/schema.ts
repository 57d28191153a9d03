/**
 * The validated configuration of one environment (one stack).
 *
 * Config flows one way: presets (`presets.ts`) -> overrides from CDK context (`load.ts`) -> this
 * schema -> constructs. Every field carries documentation in `.meta()`:
 * - `description`: what it does (rendered into the README's configuration reference),
 * - `onChange`: what changing it on a live stack does ("in place", or what is replaced/interrupted).
 *
 * Objects are strict, so a misspelt key fails the synth instead of being ignored.
 *
 * This file is the entry point; the schemas live in `schema/`, one file per concern:
 * - `common.ts`: the `.meta()` helper, number helpers, log retention values and shared ARN patterns,
 * - `network.ts`, `service.ts` (scaling, health check, domain, WAF), `database.ts`, `cache.ts`,
 *   `observability.ts`, `resilience.ts`: one schema per tier,
 * - `environment.ts`: the environment schema, its cross-field rules and the exported config types.
 */
export type { FieldMeta } from './schema/common';
export { ACM_CERTIFICATE_ARN, LOG_RETENTION_DAYS, SECRET_COMPLETE_ARN } from './schema/common';
export { REGIONS_WITH_FEWER_THAN_THREE_ZONES, networkSchema } from './schema/network';
export {
  FARGATE_MEMORY_BY_CPU,
  HOSTED_ZONE_ID,
  WAF_GROUPS_NEEDING_CONFIG,
  WAF_RATE_LIMIT_RANGE,
  domainSchema,
  healthCheckSchema,
  scalingSchema,
  serviceSchema,
  wafSchema,
} from './schema/service';
export { PERFORMANCE_INSIGHTS_RETENTION, databaseSchema } from './schema/database';
export {
  DEPLOYMENT_STRATEGIES,
  deploymentSchema,
  smokeTestSchema,
  type DeploymentStrategyName,
} from './schema/deployment';
export { CACHE_ENGINE_VERSIONS, cacheSchema } from './schema/cache';
export { observabilitySchema } from './schema/observability';
export { resilienceSchema } from './schema/resilience';
export { COMPLIANCE_PACKS, complianceSchema } from './schema/compliance';
export type { CompliancePack } from './schema/compliance';
export {
  RESERVED_ENV_PREFIXES,
  environmentSchema,
  exclusiveSettingProblems,
  validatedEnvironmentSchema,
} from './schema/environment';
export type {
  CacheConfig,
  ComplianceConfig,
  DatabaseConfig,
  DeepPartial,
  DeploymentConfig,
  DomainConfig,
  EnvironmentConfig,
  NetworkConfig,
  ObservabilityConfig,
  ResilienceConfig,
  ResolvedEnvironment,
  ServiceConfig,
  WafConfig,
} from './schema/environment';
