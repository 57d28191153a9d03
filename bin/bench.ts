#!/usr/bin/env node
/**
 * `npm run bench [-- --runs N] [-- envs...]`: synthesizes each preset (and all default presets
 * together) several times through the real CLI and prints the median wall time, so synth-time
 * regressions show up as numbers. No AWS account needed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_ENVIRONMENTS, PRESETS } from '../lib/config/presets';

const args = process.argv.slice(2);
const runsFlag = args.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: got ${args[runsFlag + 1]}; must be a positive integer`);
  process.exit(2);
}
const named = args.filter((a, i) => !a.startsWith('--') && (runsFlag < 0 || i !== runsFlag + 1));
const cases = named.length ? named : [...Object.keys(PRESETS), DEFAULT_ENVIRONMENTS.join(',')];

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
    throw new Error(`cdk synth -c envs=${envs} failed with status ${result.status}`);
  }
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

console.log(`cdk synth wall time, ${runs} runs each (${os.cpus().length} CPUs, Node ${process.version})`);
console.log(`${'envs'.padEnd(16)} ${'median s'.padStart(9)} ${'min s'.padStart(7)} ${'max s'.padStart(7)}`);
for (const envs of cases) {
  const times = Array.from({ length: runs }, () => timeSynth(envs));
  const fmt = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    `${envs.padEnd(16)} ${fmt(median(times)).padStart(9)} ${fmt(Math.min(...times)).padStart(7)} ${fmt(Math.max(...times)).padStart(7)}`,
  );
}
