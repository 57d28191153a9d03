#!/usr/bin/env node
/**
 * `npm run bench [-- [<env>...] [--runs N]]`: synthesizes each preset (and all default presets
 * together) several times through the real CLI and prints the median wall time, so synth-time
 * regressions show up as numbers. No AWS account needed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError, parseCliArgs, resolveTarget, runCli } from './cli';
import { DEFAULT_ENVIRONMENTS, PRESETS } from '../lib/config/presets';

export const USAGE = `Usage: npm run bench -- [<env>[,<env>...]...] [--runs <n>]

  <env>        environments (or their stacks) to synthesize; a comma-separated list is one case
               (default: each preset, then ${DEFAULT_ENVIRONMENTS.join(',')} together)
  --runs <n>   synths per case (default 5)`;

/** The cases (each a comma-separated `envs` value) and the runs per case. */
export function parseBenchArgs(argv: readonly string[]): { cases: string[]; runs: number } {
  const args = parseCliArgs(argv, { usage: USAGE, options: ['runs'] });
  const runs = args.options.runs === undefined ? 5 : Number(args.options.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new CliError(`--runs must be a positive integer, got ${args.options.runs}\n\n${USAGE}`, 2);
  }
  const cases = args.positionals.map((c) =>
    c
      .split(',')
      .map((e) => resolveTarget(e, USAGE).env)
      .join(','),
  );
  return { cases: cases.length ? cases : [...Object.keys(PRESETS), DEFAULT_ENVIRONMENTS.join(',')], runs };
}

const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules', '.bin', 'cdk');

function timeSynth(envs: string): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  const start = process.hrtime.bigint();
  const result = spawnSync(cdk, ['synth', '--quiet', '--no-notices', '-c', `envs=${envs}`, '-o', outdir], {
    cwd: root,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new CliError(`cdk synth -c envs=${envs} failed with status ${result.status}`);
  }
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function main(argv: readonly string[]): Promise<number> {
  const { cases, runs } = parseBenchArgs(argv);
  console.log(`cdk synth wall time, ${runs} runs each (${os.cpus().length} CPUs, Node ${process.version})`);
  console.log(`${'envs'.padEnd(16)} ${'median s'.padStart(9)} ${'min s'.padStart(7)} ${'max s'.padStart(7)}`);
  for (const envs of cases) {
    const times = Array.from({ length: runs }, () => timeSynth(envs));
    const fmt = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `${envs.padEnd(16)} ${fmt(median(times)).padStart(9)} ${fmt(Math.min(...times)).padStart(7)} ${fmt(Math.max(...times)).padStart(7)}`,
    );
  }
  return 0;
}

if (require.main === module) runCli(() => main(process.argv.slice(2)));
