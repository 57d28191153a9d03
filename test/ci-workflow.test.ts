import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/**
 * There is no GitHub here to run the workflow, so this checks what matters in it: when it runs,
 * what each job may do, that every action is pinned, and that the steps test, synthesize, upload
 * and review the change.
 */
const ROOT = path.join(__dirname, '..');
const WORKFLOW_FILE = path.join(ROOT, '.github', 'workflows', 'ci.yml');
const RAW = fs.readFileSync(WORKFLOW_FILE, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix?: { node?: number[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

// `parse` with uniqueKeys (the default) rejects duplicate keys, which GitHub would also refuse.
const WORKFLOW = parse(RAW, { strict: true }) as Workflow;
const TEST = WORKFLOW.jobs.test;
const DEPLOYED = WORKFLOW.jobs['deployed-diff'];

const action = (s: Step) => s.uses?.split('@')[0];
const stepIndex = (job: Job, match: (s: Step) => boolean): number => {
  const i = job.steps.findIndex(match);
  if (i < 0) throw new Error(`no matching step in ${JSON.stringify(job.steps.map((s) => s.name ?? s.uses))}`);
  return i;
};

describe('.github/workflows/ci.yml', () => {
  test('GIVEN the triggers THEN it runs on pull requests and on pushes to main', () => {
    expect(Object.keys(WORKFLOW.on).sort()).toEqual(['pull_request', 'push']);
    expect(WORKFLOW.on.push).toEqual({ branches: ['main'] });
  });

  test('GIVEN the permissions THEN the workflow only reads, and only the deployed-diff job may request an OIDC token', () => {
    expect(WORKFLOW.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(WORKFLOW.jobs)) {
      const permissions = job.permissions ?? {};
      if (name === 'deployed-diff') expect(permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      else expect(Object.values(permissions)).not.toContain('write');
    }
  });

  test('GIVEN every uses: line THEN each action is pinned to a full commit SHA with its tag in a comment', () => {
    const uses = RAW.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const line of uses) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  test('GIVEN package.json engines THEN the matrix runs Node 22, plus 20 while engines allows it', () => {
    const engines: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
    const minimum = Number(/>=\s*(\d+)/.exec(engines)?.[1]);

    expect(TEST.strategy?.matrix?.node).toEqual(minimum <= 20 ? [22, 20] : [22]);
  });

  test('GIVEN the test job THEN it checks out with history, caches npm, installs, tests, synthesizes and uploads cdk.out in that order', () => {
    const checkout = stepIndex(TEST, (s) => action(s) === 'actions/checkout');
    const setupNode = stepIndex(TEST, (s) => action(s) === 'actions/setup-node');
    const install = stepIndex(TEST, (s) => /^npm ci\b/.test(s.run ?? ''));
    const test = stepIndex(TEST, (s) => s.run === 'npm test');
    const synth = stepIndex(TEST, (s) => /^npx cdk synth\b/.test(s.run ?? ''));
    const upload = stepIndex(TEST, (s) => action(s) === 'actions/upload-artifact');

    expect([checkout, setupNode, install, test, synth, upload]).toEqual(
      [checkout, setupNode, install, test, synth, upload].sort((a, b) => a - b),
    );
    expect(TEST.steps[checkout].with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    expect(TEST.steps[setupNode].with).toEqual({ 'node-version': '${{ matrix.node }}', cache: 'npm' });
    expect(TEST.steps[upload].with).toMatchObject({ path: 'cdk.out', 'if-no-files-found': 'error' });
  });

  test('GIVEN the test job THEN the integration tests (with Redis installed) and the review end to end run after npm test, as in .ci/run', () => {
    const test = stepIndex(TEST, (s) => s.run === 'npm test');
    const integration = stepIndex(TEST, (s) => /npm run test:integration/.test(s.run ?? ''));
    const e2e = stepIndex(TEST, (s) => s.run === 'npm run test:e2e');
    expect(TEST.steps[integration].run).toMatch(/apt-get install -y -qq redis-server\n/);
    expect(test).toBeLessThan(integration);
    expect(integration).toBeLessThan(e2e);
  });

  test('GIVEN style is not part of npm test THEN both the workflow and .ci/run lint after installing', () => {
    const install = stepIndex(TEST, (s) => /^npm ci\b/.test(s.run ?? ''));
    const lint = stepIndex(TEST, (s) => s.run === 'npm run lint');
    expect(lint).toBeGreaterThan(install);
    const ciRun = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8').split('\n');
    expect(ciRun.indexOf('npm run lint')).toBeGreaterThan(
      ciRun.findIndex((line) => line.startsWith('npm ci')),
    );
    expect(ciRun.indexOf('npm test')).toBeGreaterThan(-1);
  });

  test('GIVEN a pull request THEN the review runs against origin/<base branch> and writes the job summary', () => {
    const review = TEST.steps[stepIndex(TEST, (s) => /npm run review/.test(s.run ?? ''))];

    expect(review.if).toContain("github.event_name == 'pull_request'");
    expect(review.run).toBe('npm run review -- --base "origin/$BASE_REF" --markdown "$GITHUB_STEP_SUMMARY"');
    // The branch name reaches the shell as a variable, never spliced into the script.
    expect(review.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
    expect(stepIndex(TEST, (s) => s === review)).toBeGreaterThan(
      stepIndex(TEST, (s) => s.run === 'npm test'),
    );
  });

  test('GIVEN no AWS_ROLE_ARN variable THEN the deployed-diff job is skipped; with one it assumes that role and runs cdk diff', () => {
    expect(DEPLOYED.if).toContain("vars.AWS_ROLE_ARN != ''");
    expect(DEPLOYED.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    const credentials =
      DEPLOYED.steps[stepIndex(DEPLOYED, (s) => action(s) === 'aws-actions/configure-aws-credentials')];
    const diff = DEPLOYED.steps[stepIndex(DEPLOYED, (s) => /npx cdk diff\b/.test(s.run ?? ''))];

    expect(credentials.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}' });
    expect(credentials.with).not.toHaveProperty('aws-access-key-id');
    expect(diff.run).toContain('--method template');
    expect(diff.shell).toBe('bash');
  });

  test('GIVEN every run: step THEN none interpolates an expression into the script', () => {
    const runs = Object.values(WORKFLOW.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));

    for (const run of runs) expect(run).not.toMatch(/\$\{\{/);
  });
});
