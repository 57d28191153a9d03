import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, stackName } from '../lib/app';
import { PLAIN_HTTP_WARNING, ScalableBackendStack } from '../lib/scalable-backend-stack';
import { VARIANTS, Variant, VariantName } from './variants';

/** The context `cdk.json` gives the CLI (feature flags, strict validation), so tests synth the same app. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

export interface Synthesized {
  readonly app: App;
  readonly stacks: Record<string, ScalableBackendStack>;
  readonly templates: Record<string, Template>;
  /** Parsed `validation-report.json` (cdk-nag and the CloudFormation validator). */
  readonly validationReport: ValidationReport;
  readonly outdir: string;
}

export interface ValidationReport {
  readonly pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; description: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * Synthesize the app once for the given environments (each test file calls this once per preset
 * and shares the result). Lambda bundling is skipped unless `bundle` is set: one dedicated test
 * bundles for real.
 */
export function synth(
  envs: string[],
  context: Record<string, unknown> = {},
  opts: {
    bundle?: boolean;
    /** Run the CloudFormation validator (about 4 s the first time in a process); cdk-nag always runs. */
    validate?: boolean;
    beforeSynth?: (stacks: ScalableBackendStack[]) => void;
    /** Run Control Tower's Guard rules (seconds per template; the global setup runs them on every preset). */
    controlTower?: boolean;
  } = {},
): Synthesized {
  const outdir = scratchDir();
  const app = new App({
    outdir,
    builtinCloudFormationValidation: opts.validate ?? true,
    context: {
      ...CDK_JSON_CONTEXT,
      // Report findings as data; the tests assert the report is clean.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      envs: envs.join(','),
      ...context,
    },
  });
  const built = buildApp(app, { controlTower: opts.controlTower ?? false });
  opts.beforeSynth?.(built);
  app.synth();
  const stacks: Record<string, ScalableBackendStack> = {};
  const templates: Record<string, Template> = {};
  for (const stack of built) {
    const env = stack.stackName.replace(/^ScalableBackend-/, '');
    stacks[env] = stack;
    templates[env] = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
  }
  const validationReport = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  return { app, stacks, templates, validationReport, outdir };
}

/**
 * A folder for one synth's cloud assembly. Under jest's global setup it sits in that run's folder,
 * which the global teardown removes; a test file may then keep reading it until the end, whichever
 * shard or order it runs in (test/setup/suites.js). Elsewhere (the integration tests) it is removed
 * when the process exits.
 */
function scratchDir(): string {
  const run = process.env.SB_PRESETS_OUTDIR;
  if (run && fs.existsSync(run)) {
    fs.mkdirSync(path.join(run, 'scratch'), { recursive: true });
    return fs.mkdtempSync(path.join(run, 'scratch', 'sb-test-'));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-test-'));
  if (leftovers.push(dir) === 1) {
    process.once('exit', () => leftovers.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  }
  return dir;
}
const leftovers: string[] = [];

export interface PresetTemplates {
  readonly templates: Record<string, Template>;
  readonly validationReport: ValidationReport;
}

/**
 * The dev, prod and local presets as synthesized once per jest run by test/setup/global-setup.ts
 * (no synth in the calling test file). Falls back to synthesizing when run outside that setup.
 */
export function presets(): PresetTemplates {
  const dir = process.env.SB_PRESETS_OUTDIR;
  if (!dir || !fs.existsSync(dir)) return synth(['dev', 'prod', 'local'], {}, { controlTower: true });
  return loadAssembly(dir, ['dev', 'prod', 'local']);
}

/**
 * A config variant of test/variants.ts as synthesized once per jest run by the global setup (with
 * cdk-nag and the CloudFormation validator). Falls back to synthesizing it here.
 */
export function variant(name: VariantName): PresetTemplates {
  const variantConfig: Variant = VARIANTS[name];
  const { envs, context } = variantConfig;
  const dir = process.env.SB_PRESETS_OUTDIR && path.join(process.env.SB_PRESETS_OUTDIR, 'variants', name);
  if (!dir || !fs.existsSync(dir))
    return synth([...envs], context, { controlTower: variantConfig.controlTower });
  return loadAssembly(dir, envs);
}

function loadAssembly(dir: string, envs: readonly string[]): PresetTemplates {
  const templates: Record<string, Template> = {};
  for (const env of envs) {
    const file = path.join(dir, `${stackName(env)}.template.json`);
    templates[env] = Template.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')), {
      skipCyclicalDependenciesCheck: true,
    });
  }
  return {
    templates,
    validationReport: JSON.parse(fs.readFileSync(path.join(dir, 'validation-report.json'), 'utf8')),
  };
}

/**
 * Warnings the product raises on purpose, as "rule at path" prefixes: prod without a domain or
 * certificate serves plain HTTP (a first deploy must work, but not silently). test/service/domain.test.ts
 * asserts it is there, and gone with a domain.
 */
export const DELIBERATE_WARNINGS = [
  `Construct Annotations: Annotation::${PLAIN_HTTP_WARNING} at ScalableBackend-prod/Service/LoadBalancer:`,
] as const;

/** Findings as "rule at path" lines, for readable failures, without the deliberate warnings. */
export function findings(report: ValidationReport): string[] {
  return allFindings(report).filter((f) => !DELIBERATE_WARNINGS.some((w) => f.startsWith(w)));
}

/** Every finding of the report, the deliberate warnings included. */
export function allFindings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((p) =>
    p.violations.flatMap((v) =>
      v.violatingConstructs.map(
        (c) => `${p.pluginName}: ${v.ruleName} at ${c.constructPath}: ${v.description}`,
      ),
    ),
  );
}

/** Resources of a type, as [logicalId, resource] pairs. */
export function resourcesOf(
  template: Template,
  type: string,
): [string, { Properties?: Record<string, unknown>; [k: string]: unknown }][] {
  return Object.entries(template.findResources(type)) as never;
}

export { stackName };

/** cdk.json's feature flags without the validators' settings: construct-level stacks check what they change. */
const UNVALIDATED_CONTEXT = Object.fromEntries(
  Object.entries(CDK_JSON_CONTEXT).filter(
    ([key]) => !/validateAgainstDefaultRules|validationReportJson|strictCfnValidateErrors/.test(key),
  ),
);

/**
 * An app for construct-level tests: the project's feature flags, no CloudFormation validator (it
 * costs seconds per process; the presets run it in the global setup), no Lambda bundling (the
 * database tier holds a NodejsFunction; one dedicated test bundles for real).
 */
export function constructTestApp(): App {
  return new App({
    context: { ...UNVALIDATED_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

/** The one resource of `type` whose logical id starts with `idPrefix` (fails the test otherwise). */
export function singleResource(template: Template, type: string, idPrefix = '') {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(idPrefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0];
}

/** Database handles imported into `stack` (primary, one replica, proxy), for construct-level tests. */
export function importedDatabase(stack: Stack) {
  const instance = (id: string) =>
    rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, id, {
      instanceIdentifier: id.toLowerCase(),
      instanceEndpointAddress: `${id}.example.internal`,
      port: 5432,
      securityGroups: [],
    });
  return {
    primary: instance('Primary'),
    replicas: [instance('Replica1')],
    proxy: rds.DatabaseProxy.fromDatabaseProxyAttributes(stack, 'Proxy', {
      dbProxyName: 'proxy',
      dbProxyArn: 'arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123456789abcdef0',
      endpoint: 'proxy.example.internal',
      securityGroups: [],
    }),
  };
}
