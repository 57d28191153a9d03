import * as fs from 'fs';
import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { alarmHasAction } from './alarm-has-action';
import { alarmTopicKeyAllowsCloudWatch } from './alarm-topic-key';
import { awsLogsWritable } from './aws-logs-writable';
import { containerInsightsForAlarms } from './container-insights-for-alarms';
import { ecrPullPermissions } from './ecr-pull-permissions';
import { ecsSecretsReadable } from './ecs-secrets-readable';
import { fisTargetSelection } from './fis-target-selection';
import { healthCheckMissingData } from './health-check-missing-data';
import { keyServiceGrantScoped } from './key-service-grant-scoped';
import { logGroupKeyAllowsLogs } from './log-group-key-allows-logs';
import { metricDimensionLowerCase } from './metric-dimension-lower-case';
import { noReservedConcurrency } from './no-reserved-concurrency';
import { retainExceptOnCreate } from './retain-except-on-create';
import { vendedLogPrefix } from './vended-log-prefix';
import { Rule, StackTemplate } from './template';

export { Rule } from './template';

/** Name of the pack in the validation report; rule ids are acknowledged as `ScalableBackend::<rule>`. */
export const RULE_PACK_NAME = 'ScalableBackend';

/** Every rule of the pack, in the order the report lists them. */
export const RULES: readonly Rule[] = [
  metricDimensionLowerCase,
  ecrPullPermissions,
  ecsSecretsReadable,
  awsLogsWritable,
  noReservedConcurrency,
  retainExceptOnCreate,
  alarmHasAction,
  alarmTopicKeyAllowsCloudWatch,
  keyServiceGrantScoped,
  logGroupKeyAllowsLogs,
  containerInsightsForAlarms,
  healthCheckMissingData,
  fisTargetSelection,
  vendedLogPrefix,
];

/** The acknowledgement id of a rule, for `Validations.of(construct).acknowledge({ id, reason })`. */
export const ruleId = (rule: Rule): string => `${RULE_PACK_NAME}::${rule.id}`;

/**
 * The project's own rule pack: run-time facts of AWS that schema validation and cdk-nag do not see
 * (names AWS lower-cases, permissions a service needs at run time, quotas, deletion behaviour on a
 * failed create, encrypted topics and log groups), checked on every synthesized template.
 *
 * It is a CDK policy-validation plugin, registered next to cdk-nag's AwsSolutions
 * (`Validations.of(app).addPlugins(new ScalableBackendChecks())`). Its findings are errors: they fail
 * the synth and land in `cdk.out/validation-report.json` (and `policy-validation-report.json` with the
 * `@aws-cdk/core:validationReportJson` flag). The CDK maps each finding to its construct path and
 * applies acknowledgements itself: `Validations.of(construct).acknowledge({ id:
 * 'ScalableBackend::<rule>', reason })` moves a finding to the report's `suppressedViolations` with
 * its reason.
 */
export class ScalableBackendChecks implements IPolicyValidationPlugin {
  public readonly name = RULE_PACK_NAME;
  public readonly version = '1.0.0';
  public readonly ruleIds = RULES.map((r) => r.id);

  constructor(private readonly rules: readonly Rule[] = RULES) {}

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const { templatePath } of context.stackTemplates) {
      const template = new StackTemplate(JSON.parse(fs.readFileSync(templatePath, 'utf8')));
      for (const resource of template.all()) {
        for (const rule of this.rules) {
          if (!rule.resourceTypes.includes(resource.type)) continue;
          for (const finding of rule.check(resource, template)) {
            violations.push({
              ruleName: rule.id,
              description: `${finding.message}. ${rule.description}`,
              fix: rule.source,
              severity: 'error',
              violatingResources: [
                { resourceLogicalId: resource.logicalId, templatePath, locations: [finding.location] },
              ],
            });
          }
        }
      }
    }
    return { success: violations.length === 0, violations };
  }
}
