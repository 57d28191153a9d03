import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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
  needs?: string | string[];
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: {
    workflow_dispatch: {
      inputs: Record<string, { type: string; required?: boolean; default?: unknown; options?: string[] }>;
    };
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

test('GIVEN the triggers THEN a person picks dev or prod and the image or build, and a v* tag releases to prod', () => {
  const { inputs } = WORKFLOW.on.workflow_dispatch;
  expect(inputs.environment).toMatchObject({ type: 'choice', required: true, options: ['dev', 'prod'] });
  // not required by GitHub: exactly one of image and build is checked by the check-inputs job
  expect(inputs.image).toMatchObject({ type: 'string', required: false });
  expect(inputs.build).toMatchObject({ type: 'boolean', default: false });
  expect(inputs['allow-infra'].type).toBe('boolean');
  expect(WORKFLOW.on.push).toEqual({ tags: ['v*'] });
  expect(RELEASE.env!.RELEASE_ENV).toBe("${{ inputs.environment || 'prod' }}");
  // a tag push releases the tag's image; a manual run its image input, empty with build
  expect(RELEASE.env!.RELEASE_IMAGE).toBe(
    "${{ github.event_name == 'push' && format('{0}:{1}', vars.IMAGE_REPOSITORY, github.ref_name) || inputs.image }}",
  );
  expect(RELEASE.env!.RELEASE_BUILD).toBe("${{ inputs.build && 'true' || 'false' }}");
});

/** Runs `script` with bash in a temporary directory whose PATH starts with a fake `npm` that prints its arguments. */
function runScript(script: string, env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-workflow-'));
  try {
    fs.writeFileSync(path.join(dir, 'npm'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('image or build: exactly one, checked before the release job', () => {
  const CHECK = WORKFLOW.jobs['check-inputs'];
  const check = CHECK.steps.find((s) => s.name === 'image or build, exactly one')!;

  test('GIVEN the jobs THEN the release job needs the check, which has no environment (no reviewer waits) and no permissions', () => {
    expect(RELEASE.needs).toBe('check-inputs');
    expect(CHECK.environment).toBeUndefined();
    expect(CHECK.permissions).toEqual({});
    expect(CHECK.env).toEqual({
      INPUT_IMAGE: '${{ inputs.image }}',
      INPUT_BUILD: "${{ inputs.build && 'true' || 'false' }}",
    });
    // a tag push has no inputs: it releases the tag's image
    expect(check.if).toBe("github.event_name == 'workflow_dispatch'");
  });

  test.each([
    [
      'both',
      { INPUT_IMAGE: 'repo/app@sha256:abc', INPUT_BUILD: 'true' },
      '::error::image and build exclude each other: release a pushed image (image) or the one service.build builds from this commit (build), not both',
    ],
    [
      'neither',
      { INPUT_IMAGE: '', INPUT_BUILD: 'false' },
      '::error::give the image to release, or check build to release the image service.build builds from this commit',
    ],
  ])('GIVEN %s THEN the check fails with a message naming both inputs', (_, env, message) => {
    const result = runScript(check.run!, env);
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toBe(message);
  });

  test.each([
    ['an image', { INPUT_IMAGE: 'repo/app@sha256:abc', INPUT_BUILD: 'false' }],
    ['build', { INPUT_IMAGE: '', INPUT_BUILD: 'true' }],
  ])('GIVEN %s alone THEN the check passes', (_, env) => {
    expect(runScript(check.run!, env)).toMatchObject({ status: 0, stdout: '' });
  });
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

describe('the release step passes the inputs through to npm run release', () => {
  const run = () => RELEASE.steps.find((s) => /npm run -s release/.test(s.run ?? ''))!.run!;
  const argsOf = (env: Record<string, string>) => {
    const result = runScript(run(), env);
    expect(result.status).toBe(0);
    return result.stdout.trim().split('\n');
  };

  test.each([
    [
      'build',
      { RELEASE_ENV: 'prod', RELEASE_IMAGE: '', RELEASE_BUILD: 'true', ALLOW_INFRA: 'false' },
      ['run', '-s', 'release', '--', 'prod', '--build', '--json'],
    ],
    [
      'build with --allow-infra',
      { RELEASE_ENV: 'dev', RELEASE_IMAGE: '', RELEASE_BUILD: 'true', ALLOW_INFRA: 'true' },
      ['run', '-s', 'release', '--', 'dev', '--build', '--json', '--allow-infra'],
    ],
    [
      'an image',
      { RELEASE_ENV: 'prod', RELEASE_IMAGE: 'repo/app:v1', RELEASE_BUILD: 'false', ALLOW_INFRA: 'false' },
      ['run', '-s', 'release', '--', 'prod', '--image', 'repo/app:v1', '--json'],
    ],
  ])('GIVEN %s THEN npm gets exactly the arguments of the command a person runs', (_, env, args) => {
    expect(argsOf(env)).toEqual(args);
  });

  test('GIVEN build THEN QEMU is set up for an arm64 image build before the release, and only then', () => {
    const qemu = stepIndex((s) => !!s.uses?.startsWith('docker/setup-qemu-action@'));
    const release = stepIndex((s) => /npm run -s release/.test(s.run ?? ''));
    expect(qemu).toBeLessThan(release);
    expect(RELEASE.steps[qemu].if).toBe("env.RELEASE_BUILD == 'true'");
    expect(RELEASE.steps[qemu].with).toEqual({ platforms: 'arm64' });
  });
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
