#!/usr/bin/env node
/**
 * `npm run release -- <env> (--image <ref> | --build) [--allow-infra] [--region <region>] [--json]`
 *
 * Deploys a new image of the service (a pushed image, or with --build the image `service.build`
 * builds from the source) and nothing else: reviews the deployed stack against the app
 * synthesized with the image (refusing any other change unless --allow-infra), deploys the reviewed
 * assembly, follows the ECS deployment (stages, traffic shift, bake, result) and exits non-zero on a
 * rollback. The release is recorded in releases/<env>.json, which a later `cdk deploy` reads too.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient } from '@aws-sdk/client-ecs';
import { BuildSource, imageBuildOf } from '../lib/config/release';
import { CliError, printJson, resolveTarget, runCli, say } from './cli';
import { ReleaseDeps, ReleaseError, exitCode, runRelease } from './release/run';
import { makeTempRoot, readAssembly, synthesize } from './review/workspace';

export const USAGE = `usage: npm run release -- <env> (--image <image ref> | --build) [--allow-infra] [--region <region>] [--json]

Deploys a new image of the service: reviews the change, deploys it, follows the ECS deployment.
  <env>                 environment to release (dev, prod, an environment of cdk.json, or its stack name)
  --image <ref>         the image to release, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:...
  --build               release the image service.build builds from the source (cdk deploy builds it with Docker)
  --allow-infra         also deploy infrastructure changes the review finds (else the release is refused)
  --region <region>     region of the stack (default: AWS_REGION or your profile's region)
  --json                print the result as JSON on stdout (progress goes to stderr)
Exit status: 0 released (or already live), 1 rolled back or failed, 2 usage, 3 refused by the review.
The release is recorded in releases/<env>.json: commit it, so a later cdk deploy keeps it.`;

export interface ReleaseArgs {
  readonly env: string;
  /** The pushed image to release; absent with {@link build}. */
  readonly image?: string;
  /** Release the image `service.build` builds (`--build`). */
  readonly build: boolean;
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
        build: { type: 'boolean', default: false },
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
  if (values.image !== undefined && values.build) {
    throw new CliError(
      `--image and --build exclude each other: release a pushed image or the built one\n\n${USAGE}`,
      2,
    );
  }
  if (!values.image && !values.build)
    throw new CliError(`--image <ref> or --build is required\n\n${USAGE}`, 2);
  return {
    env,
    ...(values.image ? { image: values.image } : {}),
    build: values.build ?? false,
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
 * The app's context as `cdk synth` in `root` sees it without `-c`: cdk.json's `context`, then
 * cdk.context.json (the CDK CLI's order).
 */
export function projectContext(root: string): Record<string, unknown> {
  const read = (file: string, key?: string): Record<string, unknown> => {
    const full = path.join(root, file);
    if (!fs.existsSync(full)) return {};
    const parsed = JSON.parse(fs.readFileSync(full, 'utf8')) as Record<string, unknown>;
    return ((key ? parsed[key] : parsed) ?? {}) as Record<string, unknown>;
  };
  return { ...read('cdk.json', 'context'), ...read('cdk.context.json') };
}

/**
 * The release must match how the environment gets its image: `--build` needs `service.build`,
 * `--image` is refused where `service.build` is set (the environment builds its image from its
 * source; see lib/config/release.ts). Returns the environment's `service.build` for `--build`.
 */
export function checkImageSource(
  args: ReleaseArgs,
  context: Record<string, unknown>,
): { readonly directory: string } | undefined {
  const build = imageBuildOf(context, args.env);
  if (build === null) {
    throw new CliError(
      `${args.env}: the configuration does not load; npx cdk synth -c envs=${args.env} names the problem`,
    );
  }
  if (args.build && !build) {
    throw new CliError(
      `--build: ${args.env}.service.build is not set; set it to the directory of your Dockerfile, or release a pushed image with --image <ref>`,
      2,
    );
  }
  if (args.image && build) {
    throw new CliError(
      `--image: ${args.env}.service.build is set, so ${args.env} releases the image built from its source; release with --build, or remove ${args.env}.service.build to run pushed images`,
      2,
    );
  }
  return build;
}

/** The source a build release deploys: the build directory, the git commit, uncommitted changes in it. */
export function buildSource(root: string, directory: string): BuildSource {
  const git = (...gitArgs: string[]) =>
    execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', 'HEAD');
    const uncommitted = git('status', '--porcelain', '--', directory) !== '';
    return { directory, commit, ...(uncommitted ? { uncommitted } : {}) };
  } catch {
    // Not a git checkout (or git missing): the directory alone.
    return { directory };
  }
}

/**
 * The command: parse `argv`, run the release with `makeDeps`' clients, print the result (`--json`:
 * stdout holds only the JSON document) and return the exit status.
 */
export async function releaseCommand(
  argv: readonly string[],
  root: string,
  makeDeps: (root: string, args: ReleaseArgs) => ReleaseDeps = cliDeps,
  context: Record<string, unknown> = projectContext(root),
): Promise<number> {
  const args = parseReleaseArgs(argv);
  const build = checkImageSource(args, context);
  const result = await runRelease(
    {
      env: args.env,
      stackName: `ScalableBackend-${args.env}`,
      ...(args.image ? { image: args.image } : { build: buildSource(root, build!.directory) }),
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
