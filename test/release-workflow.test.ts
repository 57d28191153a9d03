import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/**
 * There is no GitHub here to run the release workflow, so this checks what matters in it: when it
 * runs, that prod waits for the prod environment's reviewers, what the job may do, that it calls
 * the same release command a person runs, that inputs never become script text, and that the release
 * record is committed only after a successful release.
 */
const RAW = fs.readFileSync(path.join(__dirname, '..', '.github', 'workflows', 'release.yml'), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  environment?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: {
    workflow_dispatch: { inputs: Record<string, { type: string; required?: boolean; options?: string[] }> };
    push: { tags: string[] };
  };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const WORKFLOW = parse(RAW, { strict: true }) as Workflow;
const RELEASE = WORKFLOW.jobs.release;
const stepIndex = (match: (s: Step) => boolean) => {
  const i = RELEASE.steps.findIndex(match);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
};

test('GIVEN the triggers THEN a person picks dev or prod and the image, and a v* tag releases to prod', () => {
  const { inputs } = WORKFLOW.on.workflow_dispatch;
  expect(inputs.environment).toMatchObject({ type: 'choice', required: true, options: ['dev', 'prod'] });
  expect(inputs.image).toMatchObject({ type: 'string', required: true });
  expect(inputs['allow-infra'].type).toBe('boolean');
  expect(WORKFLOW.on.push).toEqual({ tags: ['v*'] });
  expect(RELEASE.env!.RELEASE_ENV).toBe("${{ inputs.environment || 'prod' }}");
});

test('GIVEN a release THEN it runs in the GitHub environment of its target (prod: required reviewers), one per environment at a time', () => {
  expect(RELEASE.environment).toBe("${{ inputs.environment || 'prod' }}");
  expect(WORKFLOW.concurrency).toEqual({
    group: "release-${{ inputs.environment || 'prod' }}",
    'cancel-in-progress': false,
  });
});

test('GIVEN the permissions THEN the workflow reads, and only the release job may request an OIDC token and push', () => {
  expect(WORKFLOW.permissions).toEqual({ contents: 'read' });
  expect(RELEASE.permissions).toEqual({ contents: 'write', 'id-token': 'write' });
  const role = RELEASE.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
  expect(role.with!['role-to-assume']).toBe('${{ vars.AWS_RELEASE_ROLE_ARN }}');
  expect(Object.keys(role.with!)).not.toContain('aws-access-key-id');
});

test('GIVEN the steps THEN every action is pinned to a commit', () => {
  for (const step of RELEASE.steps.filter((s) => s.uses)) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
  for (const line of RAW.split('\n').filter((l) => /uses: /.test(l))) {
    expect(line).toMatch(/@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  }
});

test('GIVEN the release step THEN it runs the same command as a person, with --json, after the role is assumed', () => {
  const role = stepIndex((s) => !!s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
  const release = stepIndex((s) => /npm run -s release -- "\$\{args\[@\]\}"/.test(s.run ?? ''));
  expect(release).toBeGreaterThan(role);
  const run = RELEASE.steps[release].run!;
  expect(run).toContain('args=("$RELEASE_ENV" --image "$RELEASE_IMAGE" --json)');
  expect(run).toContain('args+=(--allow-infra)');
});

test('GIVEN the inputs THEN no script splices them into its text (they arrive as environment variables)', () => {
  for (const step of RELEASE.steps.filter((s) => s.run)) {
    expect(step.run).not.toMatch(/\$\{\{/);
  }
});

test('GIVEN a rollback (non-zero exit) THEN nothing is committed: the record step runs only after success', () => {
  const release = stepIndex((s) => /npm run -s release/.test(s.run ?? ''));
  const record = stepIndex((s) => s.name === 'Record the release on the default branch');
  expect(record).toBeGreaterThan(release);
  // no `if: always()` or failure() override: GitHub skips it after a failed step
  expect(RELEASE.steps[record].if).toBeUndefined();
  expect(RELEASE.steps[record].run).toContain('git push origin "HEAD:$DEFAULT_BRANCH"');
  expect(RELEASE.steps[record].run).toContain('git add "releases/$RELEASE_ENV.json"');
});
