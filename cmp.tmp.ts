import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { ControlTowerChecks, CONTROL_TOWER_RULES_DIR } from './lib/governance/control-tower';
for (const dir of ['/tmp/gov-out', '/tmp/gov-out2']) for (const e of ['dev', 'prod']) {
  const p = `${dir}/ScalableBackend-${e}.template.json`;
  let t = Date.now();
  const mine = new ControlTowerChecks().validate({ templatePaths: [p] } as never);
  const tm = Date.now() - t; t = Date.now();
  const full = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CONTROL_TOWER_RULES_DIR], maxBuffer: 1 << 28 }).validate({ templatePaths: [p] } as never);
  const tf = Date.now() - t;
  const key = (v: { ruleName: string; violatingResources: { resourceLogicalId?: string; templatePath: string }[] }) => v.violatingResources.map((r) => `${r.resourceLogicalId}@${r.templatePath}`).sort().join(',');
  const a = new Set(mine.violations.map((v) => `${(v.description.match(/\((\w+)\)$/) ?? [])[1]} ${key(v)}`));
  const b = new Set(full.violations.map((v) => `${v.ruleName} ${key(v)}`));
  const onlyA = [...a].filter((x) => !b.has(x)), onlyB = [...b].filter((x) => !a.has(x));
  console.log(dir, e, 'grouped', tm, 'ms', 'full', tf, 'ms', 'violations', a.size, b.size, 'diff', onlyA, onlyB);
}
