#!/usr/bin/env node
/**
 * `npm run local:bootstrap | local:deploy | local:destroy`: run `cdklocal` for the `local` preset,
 * and only against a local LocalStack.
 *
 *   AWS_ENDPOINT_URL   LocalStack edge endpoint (default http://localhost:4566); refused unless it
 *                      is a loopback or LocalStack host (see lib/localstack.ts)
 *   AWS_ENDPOINT_URL_S3  derived from AWS_ENDPOINT_URL when unset (cdklocal requires both)
 *
 * `-c key=value` goes to cdk (`npm run local:deploy -- -c local.service.maxTasks=3`); other cdk
 * arguments go after `--` (`npm run local:deploy -- -- --verbose`). Unknown options: usage, exit 2.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CliError, parseCliArgs } from './cli';
import { stackName } from '../lib/app';
import { ConfigError, loadEnvironments } from '../lib/config/load';
import { EnvironmentConfig } from '../lib/config/schema';
import {
  CONTEXT_LOCALSTACK_ENDPOINT,
  DEFAULT_LOCALSTACK_ENDPOINT,
  HealthProbeResult,
  NotLocalEndpointError,
  assertLocalEndpoint,
  decideFromHealth,
  localStackDeployProblems,
  localStackEnvironment,
  probeLocalStack,
} from '../lib/localstack';

/** The environment (preset) this wrapper deploys. */
export const LOCAL_ENV = 'local';
/** Cloud assembly directory of local runs, apart from `cdk.out` so a parallel `cdk synth` is untouched. */
export const LOCAL_OUTDIR = 'cdk.out.local';

export type LocalCommand = 'bootstrap' | 'deploy' | 'destroy';
const COMMANDS: readonly LocalCommand[] = ['bootstrap', 'deploy', 'destroy'];

const ROOT = path.join(__dirname, '..');

/** `-c key=value` / `--context key=value` / `--context=key=value` pairs in cdk arguments. */
export function contextFromArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let pair: string | undefined;
    if (a === '-c' || a === '--context') pair = args[++i];
    else if (a.startsWith('--context=')) pair = a.slice('--context='.length);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * The validated config of the local preset, read exactly as the CDK app reads it: `cdk.json`
 * context, then `-c` arguments. The integration test takes its expected values from here.
 */
export function localConfig(extraArgs: readonly string[] = []): EnvironmentConfig {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
  const context = { ...(cdkJson.context ?? {}), ...contextFromArgs(extraArgs), envs: LOCAL_ENV };
  const [local] = loadEnvironments(context);
  return local.config;
}

/** The `cdklocal` arguments of a command (pure, unit-tested). */
export function cdkLocalArgs(
  command: LocalCommand,
  config: EnvironmentConfig,
  endpoint: string,
  extraArgs: readonly string[] = [],
): string[] {
  const common = [
    '-c',
    `envs=${LOCAL_ENV}`,
    '-c',
    `${CONTEXT_LOCALSTACK_ENDPOINT}=${endpoint}`,
    '--output',
    LOCAL_OUTDIR,
  ];
  const stack = stackName(LOCAL_ENV);
  switch (command) {
    case 'bootstrap':
      return ['bootstrap', `aws://${config.account}/${config.region}`, ...common, ...extraArgs];
    case 'deploy':
      return ['deploy', stack, '--require-approval', 'never', ...common, ...extraArgs];
    case 'destroy':
      return ['destroy', stack, '--force', ...common, ...extraArgs];
  }
}

/**
 * Run one cdklocal command for the local preset and return its exit status. Throws
 * {@link NotLocalEndpointError} before anything runs when the endpoint is not local.
 */
export function runCdkLocal(
  command: LocalCommand,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const config = localConfig(extraArgs);
  const problems = localStackDeployProblems(LOCAL_ENV, config);
  if (problems.length) throw new ConfigError(problems);
  const localEnv = localStackEnvironment(env, { region: config.region ?? 'us-east-1' });
  const endpoint = localEnv.AWS_ENDPOINT_URL;
  assertLocalEndpoint(endpoint);
  const cdklocal = require.resolve('aws-cdk-local/bin/cdklocal');
  const args = cdkLocalArgs(command, config, endpoint, extraArgs);
  console.error(
    `> cdklocal ${args.join(' ')}   (AWS_ENDPOINT_URL=${endpoint}, AWS_ENDPOINT_URL_S3=${localEnv.AWS_ENDPOINT_URL_S3})`,
  );
  const result = spawnSync(process.execPath, [cdklocal, ...args], {
    cwd: ROOT,
    env: localEnv,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** LocalStack does not answer at the endpoint: nothing was run. */
export class LocalStackUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStackUnreachableError';
  }
}

/**
 * Probe LocalStack's health endpoint before cdklocal runs. Without this, a stopped LocalStack shows up
 * as cdk's misleading "no credentials have been configured".
 */
export async function assertLocalStackReachable(
  endpoint: string,
  probe: (endpoint: string) => Promise<HealthProbeResult> = probeLocalStack,
): Promise<void> {
  const decision = decideFromHealth(endpoint, await probe(endpoint));
  if (!decision.run) {
    const detail = decision.reason.slice(`no LocalStack at ${endpoint}`.length).trim();
    throw new LocalStackUnreachableError(
      `LocalStack is not reachable at ${endpoint}${detail ? ` ${detail}` : ''}. ` +
        'Start it (LOCALSTACK_AUTH_TOKEN=<token> localstack start -d) or set AWS_ENDPOINT_URL to where it runs.',
    );
  }
}

export interface LocalMainDeps {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly probe?: (endpoint: string) => Promise<HealthProbeResult>;
  readonly run?: typeof runCdkLocal;
}

export const USAGE = `usage: npm run local:<${COMMANDS.join('|')}> -- [-c <key>=<value>]... [-- <cdk arguments>]

Deploys the local preset to LocalStack at AWS_ENDPOINT_URL (default ${DEFAULT_LOCALSTACK_ENDPOINT}).
  -c, --context k=v  context for cdk, e.g. -c local.service.maxTasks=3 (repeatable)
  -- <args>          any other cdk arguments, passed as given (e.g. -- --verbose)`;

/** The cdklocal command and the cdk arguments of a command line (parsed with the tools' parser). */
export function parseLocalArgs(argv: readonly string[]): { command: LocalCommand; cdkArgs: string[] } {
  const split = argv.indexOf('--');
  const parsed = parseCliArgs(split < 0 ? argv : argv.slice(0, split), {
    usage: USAGE,
    repeatable: ['context'],
    aliases: { c: 'context' },
  });
  const [command, ...extra] = parsed.positionals;
  if (!COMMANDS.includes(command as LocalCommand) || extra.length > 0) {
    throw new CliError(
      `${command ? `expected one of ${COMMANDS.join(', ')}, got ${[command, ...extra].join(' ')}` : 'missing the command'}\n\n${USAGE}`,
      2,
    );
  }
  return {
    command: command as LocalCommand,
    cdkArgs: [
      ...parsed.repeated.context.flatMap((c) => ['-c', c]),
      ...(split < 0 ? [] : argv.slice(split + 1)),
    ],
  };
}

/** The command line: endpoint guard, then reachability, then cdklocal. Returns the exit status. */
export async function main(argv: string[], deps: LocalMainDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  let command: LocalCommand;
  let rest: string[];
  try {
    ({ command, cdkArgs: rest } = parseLocalArgs(argv));
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    (err.exitCode === 0 ? console.log : console.error)(err.message);
    return err.exitCode;
  }
  try {
    // The region does not change the endpoint; the guard refuses a non-local endpoint first.
    const endpoint = localStackEnvironment(env, { region: 'us-east-1' }).AWS_ENDPOINT_URL;
    assertLocalEndpoint(endpoint);
    await assertLocalStackReachable(endpoint, deps.probe);
    return (deps.run ?? runCdkLocal)(command, rest, env);
  } catch (err) {
    if (
      err instanceof NotLocalEndpointError ||
      err instanceof ConfigError ||
      err instanceof LocalStackUnreachableError
    ) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
