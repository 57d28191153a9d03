import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildApp } from '../../lib/app';
import { RULES, RULE_PACK_NAME, ruleId } from '../../lib/rules';
import { noReservedConcurrency } from '../../lib/rules/no-reserved-concurrency';
import { CDK_JSON_CONTEXT } from '../helpers';
import { checkStack } from './check';

const inlineFunction = (scope: import('constructs').Construct, id: string) =>
  new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    reservedConcurrentExecutions: 1,
  });

describe('the rule pack', () => {
  test('every rule has a unique id, a description and an https source, and a test file of its own', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.source).toMatch(/^https:\/\//);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
    }
    // Each rule file of lib/rules has its test in test/rules (one file per rule, mirrored).
    const ruleFiles = fs
      .readdirSync(path.join(__dirname, '..', '..', 'lib', 'rules'))
      .filter((f) => !['index.ts', 'template.ts'].includes(f));
    expect(ruleFiles).toHaveLength(RULES.length);
    for (const file of ruleFiles) {
      expect(fs.existsSync(path.join(__dirname, file.replace(/\.ts$/, '.test.ts')))).toBe(true);
    }
  });

  test('an acknowledgement with a reason moves the finding to the suppressed list, reason kept', () => {
    // GIVEN a function that reserves concurrency because (say) the config asks for it, acknowledged as such
    const reason = 'observability.advisorReservedConcurrency is set: the operator asked for a reservation.';
    const { findings, suppressed } = checkStack((stack) => {
      Validations.of(inlineFunction(stack, 'Fn')).acknowledge({ id: ruleId(noReservedConcurrency), reason });
    });
    // THEN it fails nothing, and the report keeps the finding with its reason
    expect(findings).toEqual([]);
    expect(suppressed).toEqual([
      expect.objectContaining({ rule: 'NoReservedConcurrency', path: 'Test/Fn/Resource', reason }),
    ]);
  });

  test('buildApp registers the pack next to AwsSolutions and a finding fails the synth', () => {
    // GIVEN the dev app as `cdk synth` builds it (validation errors fail the synth), plus a deliberate violation
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-rules-'));
    try {
      const app = new App({
        outdir,
        builtinCloudFormationValidation: false, // the pack is the subject; the CloudFormation validator is not needed
        context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], envs: 'dev' },
      });
      const [stack] = buildApp(app);
      inlineFunction(stack, 'DeliberatelyReserved');
      // WHEN it is synthesized
      // THEN the synth fails, and the report names the pack, the rule and the construct
      expect(() => app.synth()).toThrow(/ScalableBackend-dev\/DeliberatelyReserved\/Resource/);
      const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
      const pack = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === RULE_PACK_NAME);
      expect(pack.conclusion).toBe('failure');
      const paths = pack.violations
        .filter((v: { ruleName: string }) => v.ruleName === 'NoReservedConcurrency')
        .flatMap((v: { violatingConstructs: { constructPath: string }[] }) =>
          v.violatingConstructs.map((c) => c.constructPath),
        );
      expect(paths).toContain('ScalableBackend-dev/DeliberatelyReserved/Resource');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
