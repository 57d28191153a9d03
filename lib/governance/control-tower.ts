import * as fs from 'fs';
import * as path from 'path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/** Name of the plugin in the validation report; its rules are acknowledged as `ControlTower::CT.<...>`. */
export const CONTROL_TOWER_PLUGIN_NAME = 'ControlTower';

/**
 * The AWS Control Tower proactive-control rules as AWS publishes them in Guard: the
 * `@cdklabs/cdk-validator-cfnguard` package ships them with a cfn-guard binary per platform
 * (Linux/macOS, x86_64/arm64), which it runs locally: nothing is downloaded at synth.
 */
export const CONTROL_TOWER_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** A published rule: its Guard rule name, its control id and what it requires. */
export interface ControlTowerRule {
  /** Guard rule name, e.g. `ecs_task_definition_nonroot_user_check`. */
  readonly guardName: string;
  /** Every top-level rule name of the file (Guard reports a finding under one of them). */
  readonly guardRuleNames: readonly string[];
  /** Control Tower control id, e.g. `CT.ECS.PR.3`. */
  readonly controlId: string;
  /** What the control requires, as AWS words it. */
  readonly title: string;
  /** Resource types the rule reports on. */
  readonly resourceTypes: readonly string[];
  /** The rule file. */
  readonly file: string;
}

let catalog: readonly ControlTowerRule[] | undefined;

/** Every rule of the published set, read once from the rule files. */
export function controlTowerRules(): readonly ControlTowerRule[] {
  if (catalog) return catalog;
  const files = fs
    .readdirSync(CONTROL_TOWER_RULES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.guard'))
    .map((f) => path.join(CONTROL_TOWER_RULES_DIR, f))
    .sort();
  catalog = files.map((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const guardName = /Rule (?:Identifier|Name):\s*\n#\s*(\S+)/.exec(text)?.[1];
    const control = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]:\s*(.+)/.exec(text);
    const reportsOn = /Reports on:\s*\n#\s*(.+)/.exec(text)?.[1] ?? '';
    if (!guardName || !control) throw new Error(`Unexpected Control Tower rule file layout: ${file}`);
    return {
      guardName,
      guardRuleNames: [guardName, ...[...text.matchAll(/^rule (\w+) when/gm)].map((m) => m[1])],
      controlId: control[1],
      title: control[2].trim(),
      resourceTypes: reportsOn.split(',').map((t) => t.trim()),
      file,
    };
  });
  return catalog;
}

/**
 * AWS Control Tower's proactive controls as a CDK policy-validation plugin, next to cdk-nag and the
 * project's own pack. Control Tower enforces these rules as CloudFormation hooks in a governed
 * account, where a stack that breaks one is refused; running them at synth shows the same verdict
 * before any deploy. Findings are named by control id (`CT.ECS.PR.3`), so an exception reads
 * `Validations.of(scope).acknowledge({ id: 'ControlTower::CT.ECS.PR.3', reason })`; every exception
 * of this app lives in `lib/governance/exceptions.ts`.
 *
 * Only the rule files whose resource types occur in the synthesized templates are passed to Guard:
 * the verdict is the same (a rule on an absent type skips), and the run is shorter.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  public readonly name = CONTROL_TOWER_PLUGIN_NAME;
  public readonly version: string;
  public readonly ruleIds = controlTowerRules().map((r) => r.controlId);

  constructor() {
    this.version = JSON.parse(
      fs.readFileSync(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'), 'utf8'),
    ).version;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const types = new Set<string>();
    for (const templatePath of context.templatePaths) {
      const resources = JSON.parse(fs.readFileSync(templatePath, 'utf8')).Resources ?? {};
      for (const r of Object.values<{ Type: string }>(resources)) types.add(r.Type);
    }
    const rules = controlTowerRules().filter((r) => r.resourceTypes.some((t) => types.has(t)));
    if (rules.length === 0) return { success: true, violations: [] };
    const guard = new CfnGuardValidator({
      controlTowerRulesEnabled: false,
      rules: rules.map((r) => r.file),
      // Guard's JSON report on a large template runs into megabytes.
      maxBuffer: 256 * 1024 * 1024,
    });
    const report = guard.validate(context);
    const byGuardName = new Map(controlTowerRules().flatMap((r) => r.guardRuleNames.map((n) => [n, r])));
    const violations = report.violations.map((v) => {
      const rule = byGuardName.get(v.ruleName);
      return {
        ...v,
        ruleName: rule?.controlId ?? v.ruleName,
        description: rule ? `${rule.title} (${v.ruleName})` : v.description,
        severity: 'error',
      };
    });
    return { success: violations.length === 0, violations };
  }
}
