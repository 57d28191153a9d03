import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONTROL_TOWER_PLUGIN_NAME, ControlTowerChecks } from '../../lib/governance';
import { EXCEPTIONS, exceptionsFor } from '../../lib/governance/exceptions';
import { PRESETS } from '../../lib/config/presets';
import { findings, presets } from '../helpers';

// GIVEN the presets as the jest global setup synthesized them, with Control Tower's Guard rules
// registered exactly as `cdk synth` registers them
const synthesized = presets();

interface Suppressed {
  ruleName: string;
  reason: string;
  violatingConstructs: { constructPath: string }[];
}
const report = synthesized.validationReport as unknown as {
  pluginReports: { pluginName: string; suppressedViolations?: Suppressed[] }[];
};
const controlTower = report.pluginReports.find((p) => p.pluginName === CONTROL_TOWER_PLUGIN_NAME);

/** Rules acknowledged per environment, as "rule" -> reasons. */
function acknowledged(env: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const v of controlTower?.suppressedViolations ?? []) {
    if (!v.violatingConstructs.some((c) => c.constructPath.startsWith(`ScalableBackend-${env}/`))) continue;
    out.set(v.ruleName, (out.get(v.ruleName) ?? new Set()).add(v.reason));
  }
  return out;
}

describe('AWS Control Tower proactive controls', () => {
  test('the Guard rules ran on the presets and every finding is met or an exception with a reason', () => {
    // THEN the plugin is in the report (it ran) and nothing is left unacknowledged
    expect(controlTower).toBeDefined();
    expect(
      findings(synthesized.validationReport).filter((f) => f.startsWith(CONTROL_TOWER_PLUGIN_NAME)),
    ).toEqual([]);
  });

  test('prod meets every control but its eight documented exceptions', () => {
    expect([...acknowledged('prod').keys()].sort()).toEqual([
      'CT.ELASTICACHE.PR.8',
      'CT.ELASTICLOADBALANCING.PR.1',
      'CT.LAMBDA.PR.3',
      'CT.RDS.PR.20',
      'CT.S3.PR.10',
      'CT.S3.PR.2',
      'CT.S3.PR.4',
      'CT.S3.PR.9',
    ]);
  });

  test("dev adds only its single-AZ, unprotected and short-retention choices to prod's", () => {
    const prod = new Set(acknowledged('prod').keys());
    expect([...acknowledged('dev').keys()].filter((r) => !prod.has(r)).sort()).toEqual([
      'CT.CLOUDWATCH.PR.2',
      'CT.ELASTICACHE.PR.3',
      'CT.ELASTICLOADBALANCING.PR.5',
      'CT.RDS.PR.1',
      'CT.RDS.PR.13',
      'CT.RDS.PR.2',
      'CT.RDS.PR.8',
    ]);
  });

  test.each(['dev', 'prod'])(
    'in %s every exception that applies is needed, and is acknowledged with its reason from the list',
    (env) => {
      const seen = acknowledged(env);
      const expected = new Map<string, Set<string>>();
      for (const e of exceptionsFor(PRESETS[env]).filter((x) => x.pack === CONTROL_TOWER_PLUGIN_NAME)) {
        expected.set(e.rule, (expected.get(e.rule) ?? new Set()).add(e.reason));
      }
      // an exception nothing needs any more must leave the list; each is acknowledged with its reason
      for (const [rule, reasons] of expected) {
        expect({ rule, reasons: [...(seen.get(rule) ?? [])].sort() }).toEqual({
          rule,
          reasons: [...reasons].sort(),
        });
      }
    },
  );

  test('every exception has a reason and names the rule the way the report does', () => {
    for (const e of EXCEPTIONS) {
      expect(e.reason.length).toBeGreaterThan(40);
      if (e.pack === CONTROL_TOWER_PLUGIN_NAME) expect(e.rule).toMatch(/^CT\.[A-Z0-9-]+\.PR\.\d+$/);
    }
  });

  test('the plugin reports a control a template breaks, by control id, offline', () => {
    // GIVEN a template with a log group that has neither a key nor a retention of a year
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ct-'));
    const templatePath = path.join(dir, 'Bad.template.json');
    fs.writeFileSync(
      templatePath,
      JSON.stringify({
        Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } } },
      }),
    );
    try {
      // WHEN the plugin validates it
      const result = new ControlTowerChecks().validate({ templatePaths: [templatePath] } as never);
      // THEN both CloudWatch Logs controls are reported on that resource
      expect(result.success).toBe(false);
      expect(
        result.violations
          .map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId)}`)
          .sort(),
      ).toEqual(['CT.CLOUDWATCH.PR.2 Logs', 'CT.CLOUDWATCH.PR.3 Logs']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
