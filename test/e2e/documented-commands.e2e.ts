/**
 * The documented command lines, run as the user runs them (one process each, in parallel; processes
 * that synthesize, so they run with `npm run test:e2e`, not `npm test`):
 * - `npm run -s plan -- <env> --json` prints only JSON on stdout (without `-s`, npm prints its
 *   `> pkg@version script` banner on stdout first; test/docs-truth.test.ts keeps `-s` in the docs);
 * - `npm run -s advisor|task -- ... --json` keep stdout empty when they fail (no region, no
 *   credentials here): the one-line error goes to stderr; an empty AWS_REGION counts as no region;
 * - `cdk synth` with a bad value fails in validation, naming the key, and leaves no template behind.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const k of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_DEFAULT_REGION',
    ])
      delete env[k];
    Object.assign(env, extraEnv);
    env.AWS_CONFIG_FILE = env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), 'sb-no-aws-config');
    const child = spawn(command, args, { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-synth-refused-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

let runs: Record<string, Run>;
beforeAll(async () => {
  const entries = Object.entries({
    planSilent: ['npm', ['run', '-s', 'plan', '--', 'prod', '--json']],
    // An empty AWS_REGION counts as unset: the advisor says there is no region (not an SDK hostname error).
    advisor: ['npm', ['run', '-s', 'advisor', '--', 'ScalableBackend-prod', '--json'], { AWS_REGION: '' }],
    task: ['npm', ['run', '-s', 'task', '--', 'prod', '--json', '--', 'node', 'scripts/report.js']],
    synth: [
      'npx',
      ['cdk', 'synth', '-q', '-o', outdir, '-c', 'envs=dev', '-c', 'dev.database.instanceClass=t4g.mega'],
    ],
  } as Record<string, [string, string[], NodeJS.ProcessEnv?]>);
  const results = await Promise.all(entries.map(([, [cmd, args, extra]]) => run(cmd, args, extra)));
  runs = Object.fromEntries(entries.map(([name], i) => [name, results[i]]));
}, 120_000);

test('npm run -s plan -- prod --json: stdout is one JSON document', () => {
  expect(runs.planSilent.code).toBe(0);
  expect(Object.keys(JSON.parse(runs.planSilent.stdout))).toEqual(['ScalableBackend-prod']);
});

test('npm run -s advisor -- <stack> --json with an empty AWS_REGION: the no-region message, stdout empty', () => {
  expect(runs.advisor.code).toBe(1);
  expect(runs.advisor.stdout).toBe('');
  // The one-line error is the last line of stderr (Node may print its own warnings before it).
  expect(runs.advisor.stderr.trim().split('\n').pop()).toMatch(
    /^No AWS region: pass --region <region>, set AWS_REGION/,
  );
});

test('npm run -s task -- <env> --json -- <command>: a failure leaves stdout empty', () => {
  expect(runs.task.code).toBe(1);
  expect(runs.task.stdout).toBe('');
  expect(runs.task.stderr.trim().split('\n').pop()).toMatch(/^No AWS credentials found\. Configure them/);
});

test('cdk synth with a bad value fails naming the key and writes no template', () => {
  expect(runs.synth.code).not.toBe(0);
  expect(runs.synth.stderr).toContain(
    'dev.database.instanceClass: got "t4g.mega"; is not an RDS for PostgreSQL',
  );
  const written = fs.existsSync(outdir) ? fs.readdirSync(outdir, { recursive: true }).map(String) : [];
  expect(written.filter((f) => f.endsWith('.template.json'))).toEqual([]);
  expect(written.filter((f) => f.startsWith('asset.'))).toEqual([]);
});
