import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
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
  /**
   * Every resource type the rule reads: the ones it reports on and the ones it names when it follows
   * a reference; undefined when it looks resources up by logical id (it may read any type).
   */
  readonly readsTypes?: readonly string[];
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
    const code = text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
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
      readsTypes: /Resources\s*\[\s*keys/.test(code)
        ? undefined
        : [
            ...new Set([
              ...reportsOn.split(',').map((t) => t.trim()),
              ...(code.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []),
            ]),
          ],
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
 * Only the rule files whose resource types occur in the synthesized templates are passed to Guard,
 * each with only the resources of its types: the verdict is the same (a rule on an absent type
 * skips), and a synth pays well under a second per template instead of several.
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
    const templates = context.templatePaths.map((templatePath) => ({
      templatePath,
      resources: Object.entries<Resource[1]>(
        JSON.parse(fs.readFileSync(templatePath, 'utf8')).Resources ?? {},
      ),
    }));
    const byGuardName = new Map(
      controlTowerRules().flatMap((r) => r.guardRuleNames.map((n) => [n, r] as const)),
    );
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-guard-'));
    const violations: PolicyViolation[] = [];
    try {
      for (const [index, group] of groupRules(templates).entries()) {
        // Each group's rules see only the resources of the types they read (the types they report on
        // and those their text names), plus, for rules that look a resource up by its logical id, every
        // resource those reference: Guard's time grows with rules x template size, so small inputs
        // keep a synth fast. The verdict is the same (test/governance/control-tower.test.ts compares
        // it with a run of every rule on whole templates).
        const original = new Map<string, string>();
        templates.forEach(({ templatePath, resources }, i) => {
          const subset = withReferences(
            resources,
            resources.filter(([, r]) => group.types.has(r.Type)),
            group.followReferences,
          );
          if (subset.length === 0) return;
          const file = path.join(workDir, `${index}-${i}.template.json`);
          fs.writeFileSync(file, JSON.stringify({ Resources: Object.fromEntries(subset) }));
          original.set(file, templatePath);
        });
        if (original.size === 0) continue;
        const guard = new CfnGuardValidator({
          controlTowerRulesEnabled: false,
          rules: group.rules.map((r) => r.file),
          // Guard's JSON report on many findings runs into megabytes.
          maxBuffer: 256 * 1024 * 1024,
        });
        const report = guard.validate({ ...context, templatePaths: [...original.keys()] });
        for (const v of report.violations) {
          const rule = byGuardName.get(v.ruleName);
          violations.push({
            ...v,
            ruleName: rule?.controlId ?? v.ruleName,
            description: rule ? `${rule.title} (${v.ruleName})` : v.description,
            severity: 'error',
            violatingResources: v.violatingResources.map((r) => ({
              ...r,
              templatePath: original.get(r.templatePath) ?? r.templatePath,
            })),
          });
        }
      }
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    return { success: violations.length === 0, violations };
  }
}

/** The rules that apply to the templates (they report on a type present), grouped by the types they read. */
function groupRules(
  templates: readonly { resources: Resource[] }[],
): { types: Set<string>; followReferences: boolean; rules: ControlTowerRule[] }[] {
  const present = new Set(templates.flatMap((t) => t.resources.map(([, r]) => r.Type)));
  const groups = new Map<
    string,
    { types: Set<string>; followReferences: boolean; rules: ControlTowerRule[] }
  >();
  for (const rule of controlTowerRules()) {
    if (!rule.resourceTypes.some((t) => present.has(t))) continue;
    const followReferences = rule.readsTypes === undefined;
    // A rule that follows references gets an input of its own: its resources and what they reference.
    const key = followReferences
      ? rule.file
      : rule
          .readsTypes!.filter((t) => present.has(t))
          .sort()
          .join(',');
    const group = groups.get(key) ?? { types: new Set<string>(), followReferences, rules: [] };
    for (const t of [...rule.resourceTypes, ...(rule.readsTypes ?? [])])
      if (present.has(t)) group.types.add(t);
    group.rules.push(rule);
    groups.set(key, group);
  }
  return [...groups.values()];
}

type Resource = [string, { Type: string }];

/** `selected`, plus (with `follow`) every resource they reference, transitively (Ref, GetAtt, Sub). */
function withReferences(
  all: readonly Resource[],
  selected: readonly Resource[],
  follow: boolean,
): Resource[] {
  if (!follow) return [...selected];
  const byId = new Map(all);
  const keep = new Set(selected.map(([id]) => id));
  const queue = [...keep];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value === 'string') {
      for (const m of value.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) add(m[1]);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') add(v);
      else if (k === 'Fn::GetAtt') add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      visit(v);
    }
  };
  const add = (id: string) => {
    if (byId.has(id) && !keep.has(id)) {
      keep.add(id);
      queue.push(id);
    }
  };
  while (queue.length) visit(byId.get(queue.pop()!));
  return all.filter(([id]) => keep.has(id));
}
