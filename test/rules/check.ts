import * as fs from 'fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { RULES, ScalableBackendChecks } from '../../lib/rules';

/** One entry of the pack's part of the validation report. */
export interface RuleFinding {
  readonly rule: string;
  /** Construct path of the resource, e.g. `Test/Alarm/Resource`. */
  readonly path: string;
  /** Where in the resource (`Properties/Dimensions/0/Value`, `DeletionPolicy`). */
  readonly location: string;
  readonly description: string;
  /** Reason of the acknowledgement, for suppressed findings. */
  readonly reason?: string;
}

export interface CheckResult {
  /** Findings that fail the synth. */
  readonly findings: RuleFinding[];
  /** Findings acknowledged with a reason. */
  readonly suppressed: RuleFinding[];
  /** Set when the plugin itself failed (threw). */
  readonly pluginError?: string;
}

/**
 * Build a small stack named `Test` in an app that runs only the project's rule pack (no cdk-nag, no
 * CloudFormation validator: these tests are about the pack), synthesize it and return what the pack
 * reported, taken from `validation-report.json` as the CDK wrote it.
 */
export function checkStack(build: (stack: Stack) => void, ruleId?: string): CheckResult {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  Validations.of(app).addPlugins(new ScalableBackendChecks(RULES));
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  build(stack);
  const assembly = app.synth();
  try {
    const reportFile = `${assembly.directory}/validation-report.json`;
    if (!fs.existsSync(reportFile)) return { findings: [], suppressed: [] };
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    const pack = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === 'ScalableBackend');
    if (!pack) return { findings: [], suppressed: [] };
    const flatten = (violations: RawViolation[] = []) =>
      violations
        .filter((v) => ruleId === undefined || v.ruleName === ruleId)
        .flatMap((v) =>
          v.violatingConstructs.map((c) => ({
            rule: v.ruleName,
            path: c.constructPath,
            location: c.cloudFormationResource.propertyPaths.join(','),
            description: v.description,
            ...(v.reason ? { reason: v.reason } : {}),
          })),
        );
    return {
      findings: flatten(pack.violations),
      suppressed: flatten(pack.suppressedViolations),
      pluginError: pack.metadata?.error,
    };
  } finally {
    fs.rmSync(assembly.directory, { recursive: true, force: true });
  }
}

interface RawViolation {
  ruleName: string;
  description: string;
  reason?: string;
  violatingConstructs: { constructPath: string; cloudFormationResource: { propertyPaths: string[] } }[];
}
