import * as path from 'path';
import { PolicyViolation } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CONTROL_TOWER_RULES_DIR, ControlTowerChecks } from '../../lib/governance/control-tower';
import { stackName, synth } from '../helpers';

/**
 * The Control Tower plugin hands each group of Guard rules only the resources it reads, to keep a
 * synth fast. This checks that shortcut against the plain way (every published rule on the whole
 * template) on the synthesized presets and on an opted-out dev, which breaks more controls: the
 * verdicts must be identical, finding for finding.
 */

// GIVEN the templates, synthesized without the plugin (the test runs it itself)
const presets = synth(['dev', 'prod'], {}, { validate: false });
const optedOut = synth(
  ['dev'],
  { 'dev.service.user': 'null', 'dev.service.readonlyRootFilesystem': 'false' },
  { validate: false },
);
const templates: [string, string][] = [
  ['the dev preset', path.join(presets.outdir, `${stackName('dev')}.template.json`)],
  ['the prod preset', path.join(presets.outdir, `${stackName('prod')}.template.json`)],
  ['dev as root with a writable filesystem', path.join(optedOut.outdir, `${stackName('dev')}.template.json`)],
];

const findings = (violations: PolicyViolation[], guardName: (v: PolicyViolation) => string) =>
  violations
    .flatMap((v) =>
      v.violatingResources.map(
        (r) =>
          `${guardName(v)} ${r.resourceLogicalId} in ${path.basename(path.dirname(r.templatePath ?? ''))}`,
      ),
    )
    .sort();

test.each(templates)(
  'GIVEN %s THEN the grouped run finds exactly what every rule on the whole template finds',
  (_name, template) => {
    // WHEN both run
    const grouped = new ControlTowerChecks().validate({ templatePaths: [template] } as never);
    const full = new CfnGuardValidator({
      controlTowerRulesEnabled: false,
      rules: [CONTROL_TOWER_RULES_DIR],
      maxBuffer: 256 * 1024 * 1024,
    }).validate({ templatePaths: [template] } as never);
    // THEN the findings are the same (the plugin names rules by control id and keeps the Guard name
    // in the description)
    const ours = findings(grouped.violations, (v) => /\((\w+)\)$/.exec(v.description)![1]);
    expect(ours).toEqual(findings(full.violations, (v) => v.ruleName));
    expect(ours.length).toBeGreaterThan(0);
  },
);
