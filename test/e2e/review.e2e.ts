import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * `npm run review` end to end: a temporary git repository holding this project (its tracked and
 * new files, node_modules linked), one base commit, and a change committed on top. Every run
 * synthesizes the dev environment twice through the real CDK CLI, offline.
 */
const ROOT = path.join(__dirname, '..', '..');
const PRIMARY = 'DatabasePrimaryEDE0B3D0';
let repo: string;
let mdDir: string;

function git(...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=review-e2e', '-c', 'user.email=review-e2e@example.com', ...args],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  ).trim();
}

/** Commit `overrides` as `context.overrides` in cdk.json. */
function commitOverrides(overrides: unknown, message: string): void {
  const file = path.join(repo, 'cdk.json');
  const cdkJson = JSON.parse(fs.readFileSync(file, 'utf8'));
  cdkJson.context.overrides = overrides;
  fs.writeFileSync(file, `${JSON.stringify(cdkJson, null, 2)}\n`);
  git('commit', '-q', '-am', message);
}

function review(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', ['run', '-s', 'review', '--', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-review-e2e-'));
  mdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-review-e2e-md-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(repo, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
});

afterAll(() => {
  for (const dir of [repo, mdDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN no change THEN the review exits 0 and says there are no differences', () => {
  const result = review('--base', 'HEAD', '-c', 'envs=dev');

  expect(result.stderr).toContain('reusing its node_modules');
  expect(result.stdout).toContain('There are no differences');
  expect(result.status).toBe(0);
});

test('GIVEN a committed change of the database name THEN the review exits 1 naming the primary and DBName', () => {
  git('checkout', '-q', '-b', 'rename-database', 'main');
  commitOverrides({ dev: { database: { databaseName: 'other' } } }, 'rename the database');
  const markdown = path.join(mdDir, 'rename.md');

  const result = review('--base', 'HEAD~1', '-c', 'envs=dev', '--markdown', markdown);

  expect(result.stdout).toContain(
    `BLOCKED: ScalableBackend-dev ${PRIMARY} (AWS::RDS::DBInstance, primary database instance) would be replaced: DBName requires replacement`,
  );
  expect(result.stdout).toContain(`--allow-replace ${PRIMARY}`);
  expect(fs.readFileSync(markdown, 'utf8')).toContain(`**BLOCKED**: ScalableBackend-dev \`${PRIMARY}\``);
  expect(result.status).toBe(1);
});

test('GIVEN a committed change of the maximum task count on a branch THEN the review against the merge base with main exits 0', () => {
  git('checkout', '-q', '-b', 'more-tasks', 'main');
  commitOverrides({ dev: { service: { maxTasks: 6 } } }, 'allow more tasks');

  const result = review('-c', 'envs=dev');

  expect(result.stderr).toContain('merge base with main');
  expect(result.stdout).toMatch(
    /ScalableBackend-dev: changed; resources 0 added, 0 removed, 0 replaced, \d+ modified/,
  );
  expect(result.stdout).toContain('Data-safety gate: passed');
  expect(result.status).toBe(0);
});
