#!/usr/bin/env node
/**
 * `npm run release -- <env> --image <ref> [--allow-infra] [--region <region>] [--json]`
 *
 * Deploys a new image of the service and nothing else: reviews the deployed stack against the app
 * synthesized with the image (refusing any other change unless --allow-infra), deploys the reviewed
 * assembly, follows the ECS deployment (stages, traffic shift, bake, result) and exits non-zero on a
 * rollback. The image is recorded in releases/<env>.json, which a later `cdk deploy` reads too.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CliError, printJson, resolveTarget, runCli, say } from './cli';
import { ReleaseDeps, ReleaseError, exitCode, runRelease } from './release/run';
import { makeTempRoot, readAssembly, synthesize } from './review/workspace';

export const USAGE = `usage: npm run release -- <env> --image <image ref> [--allow-infra] [--region <region>] [--json]

Deploys a new image of the service: reviews the change, deploys it, follows the ECS deployment.
  <env>                 environment to release (dev, prod, an environment of cdk.json, or its stack name)
  --image <ref>         the image to release, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:...
  --allow-infra         also deploy infrastructure changes the review finds (else the release is refused)
  --region <region>     region of the stack (default: AWS_REGION or your profile's region)
  --json                print the result as JSON on stdout (progress goes to stderr)
Exit status: 0 released (or already live), 1 rolled back or failed, 2 usage, 3 refused by the review.
The image is recorded in releases/<env>.json: commit it, so a later cdk deploy keeps it.`;

export interface ReleaseArgs {
  readonly env: string;
  readonly image: string;
  readonly allowInfra: boolean;
  readonly region?: string;
  readonly json: boolean;
}

/** Parse and check the arguments (a usage mistake is a CliError with exit status 2). */
export function parseReleaseArgs(argv: readonly string[]): ReleaseArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        image: { type: 'string' },
        'allow-infra': { type: 'boolean', default: false },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new CliError(USAGE, 0);
  if (positionals.length !== 1) {
    throw new CliError(
      `expected one environment, got ${positionals.length ? positionals.join(' ') : 'none'}\n\n${USAGE}`,
      2,
    );
  }
  // An environment (a preset or one declared in cdk.json) or its stack name; one that does not
  // exist is refused when the synth does not know it.
  const { env } = resolveTarget(positionals[0], USAGE);
  if (!values.image) throw new CliError(`--image <ref> is required\n\n${USAGE}`, 2);
  return {
    env,
    image: values.image,
    allowInfra: values['allow-infra'] ?? false,
    json: values.json ?? false,
    ...(values.region ? { region: values.region } : {}),
  };
}

/** The real synthesis and deployment: the project's own CDK CLI, output kept until the deploy ends. */
function cliDeps(root: string, args: ReleaseArgs): ReleaseDeps {
  const outdir = path.join(makeTempRoot(), 'cdk.out');
  const region = args.region ? { region: args.region } : {};
  return {
    cloudFormation: new CloudFormationClient(region),
    ecs: new ECSClient({ maxAttempts: 5, ...region }),
    synthesize: async () => {
      await synthesize(root, outdir, [`envs=${args.env}`], `environment ${args.env}`);
      const stack = `ScalableBackend-${args.env}`;
      return { template: readAssembly(outdir)[stack], assemblyDir: outdir };
    },
    deploy: (assemblyDir) =>
      new Promise((resolve, reject) => {
        const cdk = require.resolve('aws-cdk/bin/cdk', { paths: [root] });
        // The reviewed assembly itself is deployed (--app <dir>), not a new synth.
        const child = spawn(
          process.execPath,
          [
            cdk,
            'deploy',
            `ScalableBackend-${args.env}`,
            '--app',
            assemblyDir,
            '--require-approval',
            'never',
            '--no-notices',
          ],
          {
            cwd: root,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, ...(args.region ? { AWS_REGION: args.region } : {}), FORCE_COLOR: '0' },
          },
        );
        const forward = (d: Buffer) =>
          d
            .toString()
            .split('\n')
            .filter((l) => l.trim())
            .forEach((l) => say(`cdk: ${l}`));
        child.stdout.on('data', forward);
        child.stderr.on('data', forward);
        child.on('error', reject);
        child.on('close', (code) => {
          fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
          resolve(code ?? 1);
        });
      }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => new Date(),
    say,
  };
}

/**
 * The command: parse `argv`, run the release with `makeDeps`' clients, print the result (`--json`:
 * stdout holds only the JSON document) and return the exit status.
 */
export async function releaseCommand(
  argv: readonly string[],
  root: string,
  makeDeps: (root: string, args: ReleaseArgs) => ReleaseDeps = cliDeps,
): Promise<number> {
  const args = parseReleaseArgs(argv);
  const result = await runRelease(
    {
      env: args.env,
      stackName: `ScalableBackend-${args.env}`,
      image: args.image,
      allowInfra: args.allowInfra,
      root,
    },
    makeDeps(root, args),
  );
  const line = `release ${result.outcome}: ${result.image} on ${result.stackName}${result.reason ? ` - ${result.reason}` : ''}`;
  if (args.json) {
    printJson(result);
    say(line);
  } else {
    process.stdout.write(`${line}\n`);
  }
  return exitCode(result.outcome);
}

if (require.main === module) {
  runCli(
    () => releaseCommand(process.argv.slice(2), path.join(__dirname, '..')),
    (e) => (e instanceof ReleaseError ? new CliError(e.message) : e),
  );
}
