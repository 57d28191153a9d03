#!/usr/bin/env node
/**
 * `npm run plan [-- <env>...] [--json] [-c <env>.<key>=<value>]... [--assembly <dir>]`
 *
 * Capacity plan of each stack from what would deploy: synthesizes the app into a temporary cloud
 * assembly (the same feature flags as cdk.json; Lambda bundling and the validators are skipped,
 * they do not change what is billed), reads each stack's template and prints the monthly cost at min
 * and max tasks and the modeled reaction to load steps. `--assembly cdk.out` reads an existing
 * assembly instead (after `npx cdk synth`). With `--json`, stdout holds only the JSON document.
 * `--refresh-prices` rewrites the price file from the AWS Price List API instead (bin/plan-refresh.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CliError, parseCliArgs, parseContextPairs, printJson, resolveTarget, runCli, say } from './cli';
import { explainPricingError, refreshPricesCommand } from './plan-refresh';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config/load';
import { DEFAULT_ENVIRONMENTS } from '../lib/config/presets';
import { planJson, planStack, renderPlan } from '../lib/plan';
import { CfnTemplate } from '../lib/plan/template';

export const USAGE = `Usage: npm run plan -- [<env>...] [--json] [-c <env>.<key>=<value>]... [--assembly <dir>]
       npm run plan -- --refresh-prices [--region <r>] [--prices-file <path>] [--json]

  <env>...           environments (or their stacks) to plan, e.g. staging or ScalableBackend-staging
                     (default: ${DEFAULT_ENVIRONMENTS.join(' ')})
  --json             print one JSON object keyed by stack name (stdout holds only the JSON)
  -c, --context k=v  a config override, as for cdk synth (e.g. -c prod.database.readReplicas=3)
  --assembly <dir>   read the templates of an existing cloud assembly (e.g. cdk.out) instead of synthesizing
                     (not with -c: the assembly's templates are already synthesized)
  --refresh-prices   rewrite lib/plan/prices.json from the AWS Price List API (needs AWS credentials and
                     pricing:GetProducts; prints what changed and what it could not price)
  --region <r>       the Price List API endpoint: us-east-1 (default), eu-central-1 or ap-south-1
  --prices-file <p>  the price file to refresh (default lib/plan/prices.json)`;

const SPEC = {
  usage: USAGE,
  flags: ['json', 'refresh-prices'],
  options: ['assembly', 'region', 'prices-file'],
  repeatable: ['context'],
  aliases: { c: 'context' },
};

export interface StackTemplate {
  readonly stackName: string;
  readonly region?: string;
  readonly template: CfnTemplate;
}

/** The templates (and pinned regions) of the given stacks in a cloud assembly directory. */
export function readAssembly(dir: string, stackNames: readonly string[]): StackTemplate[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile))
    throw new CliError(`${dir} is not a cloud assembly (no manifest.json); run npx cdk synth first`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; environment?: string; properties?: { templateFile?: string } }
    >;
  };
  return stackNames.map((stackName) => {
    const artifact = manifest.artifacts?.[stackName];
    if (!artifact || artifact.type !== 'aws:cloudformation:stack') {
      throw new CliError(`${dir} has no stack ${stackName}; synthesize it with -c envs=...`);
    }
    const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
    return {
      stackName,
      region: region && region !== 'unknown-region' ? region : undefined,
      template: JSON.parse(
        fs.readFileSync(
          path.join(dir, artifact.properties?.templateFile ?? `${stackName}.template.json`),
          'utf8',
        ),
      ),
    };
  });
}

/** Synthesize the selected environments into a temporary assembly and read their templates. */
export function synthesize(envs: readonly string[], overrides: Record<string, string>): StackTemplate[] {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'))
    .context as Record<string, unknown>;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-plan-'));
  try {
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: {
        ...cdkJson,
        ...overrides,
        // The plan prices what would deploy; the synth and the tests are where findings stop a change.
        '@aws-cdk/core:failSynthOnValidationErrors': false,
        'aws:cdk:bundling-stacks': [],
        envs: envs.join(','),
      },
    });
    let stacks;
    try {
      stacks = buildApp(app);
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message);
      throw e;
    }
    app.synth({ validateOnSynthesis: false });
    return readAssembly(
      outdir,
      stacks.map((s) => s.stackName),
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv, SPEC);
  const refreshOnly = ['region', 'prices-file'].filter((o) => args.options[o] !== undefined);
  if (args.flags['refresh-prices']) {
    const planArgs = [
      ...args.positionals,
      ...(args.repeated.context.length ? ['-c'] : []),
      ...(args.options.assembly ? ['--assembly'] : []),
    ];
    if (planArgs.length > 0) {
      throw new CliError(
        `--refresh-prices rewrites the price file and plans nothing: drop ${planArgs.join(', ')} (plan in a second run)\n\n${USAGE}`,
        2,
      );
    }
    return refreshPricesCommand(
      { region: args.options.region, pricesFile: args.options['prices-file'], json: args.flags.json },
      USAGE,
    );
  }
  if (refreshOnly.length > 0) {
    throw new CliError(`--${refreshOnly[0]} goes with --refresh-prices\n\n${USAGE}`, 2);
  }
  if (args.options.assembly && args.repeated.context.length > 0) {
    // The templates of an assembly are already synthesized: a -c override could not change them.
    throw new CliError(
      `--assembly reads templates synthesized earlier, so -c ${args.repeated.context[0]} would be ignored: drop --assembly to synthesize with the overrides, or synthesize the assembly with them (npx cdk synth -c ...)\n\n${USAGE}`,
      2,
    );
  }
  const targets = (args.positionals.length ? args.positionals : [...DEFAULT_ENVIRONMENTS]).map((a) =>
    resolveTarget(a, USAGE),
  );
  const envs = targets.map((t) => t.env);
  const overrides = parseContextPairs(args.repeated.context, USAGE);
  const stackNames = targets.map((t) => t.stackName);
  let stacks: StackTemplate[];
  if (args.options.assembly) {
    stacks = readAssembly(args.options.assembly, stackNames);
  } else {
    say(`Synthesizing ${envs.join(', ')} to read what would deploy...`);
    stacks = synthesize(envs, overrides);
  }
  const plans = stacks.map((s) => planStack(s.stackName, s.template, { region: s.region }));
  if (args.flags.json) {
    printJson(Object.fromEntries(plans.map((p) => [p.stackName, planJson(p)])));
  } else {
    process.stdout.write(`${plans.map(renderPlan).join('\n\n')}\n`);
  }
  return 0;
}

if (require.main === module) runCli(() => main(process.argv.slice(2)), explainPricingError);
