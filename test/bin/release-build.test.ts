/**
 * `npm run release -- <env> --build`: the image `service.build` builds from the source, recorded as
 * the source in releases/<env>.json (no image: a later cdk deploy builds the same source), and the
 * release file checked against how the environment gets its image. No Docker: the synth only
 * describes the image asset, and the deployment is faked.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { releaseCommand } from '../../bin/release';
import { ReleaseDeps, ReleaseResult } from '../../bin/release/run';
import { ConfigError } from '../../lib/config/load';
import { readRelease, releasedImageContext, writeRelease } from '../../lib/config/release';
import { variant } from '../helpers';
import { STAGING_OVERRIDES, TEST_APP, VARIANTS } from '../variants';
import { deployedStack } from '../deployed-stack';

// GIVEN staging, which builds its image from test/fixtures/app (service.build), as deployed, and the
// same app after a source change: only the asset hash in the app container's image differs
const CONTEXT = VARIANTS.stagingApp.context;
const STACK = 'ScalableBackend-staging';
const deployed = variant('stagingApp').templates.staging.toJSON();
const changed = withAssetHash(deployed, 'f'.repeat(64));
const DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/cluster/svc/abc';

function withAssetHash(template: Record<string, unknown>, hash: string): Record<string, unknown> {
  const copy = structuredClone(template) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const [taskDefinition] = Object.values(copy.Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
  const [app] = taskDefinition.Properties.ContainerDefinitions as { Image: { 'Fn::Sub': string } }[];
  // the image asset cdk deploy builds and pushes: <account>.dkr.ecr.<region>...container-assets...:<hash>
  expect(app.Image['Fn::Sub']).toMatch(/container-assets-.*:[0-9a-f]{64}$/);
  app.Image['Fn::Sub'] = app.Image['Fn::Sub'].replace(/[0-9a-f]{64}$/, hash);
  return copy;
}

const cfn = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
let root: string;
let commit: string;
let stdout: string;
let stderr: string[];

beforeEach(() => {
  cfn.reset();
  ecs.reset();
  // a git checkout: the release records its commit
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-release-build-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  fs.writeFileSync(path.join(root, 'README.md'), 'app\n');
  git('add', '.');
  git('commit', '-qm', 'initial');
  commit = git('rev-parse', 'HEAD');
  cfn
    .on(DescribeStacksCommand)
    .resolves(
      deployedStack(STACK, { ServiceClusterName: 'staging-cluster', ServiceName: 'staging-service' }),
    );
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(deployed) });
  ecs.on(DescribeServicesCommand).resolves({ services: [{ events: [] }] });
  ecs.on(ListServiceDeploymentsCommand).resolves({
    serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, createdAt: new Date(), status: 'PENDING' }],
  });
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [
      { serviceDeploymentArn: DEPLOYMENT_ARN, status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
    ],
  });
  stdout = '';
  stderr = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

function fakeDeps(head: object) {
  const seenAtSynth: unknown[] = [];
  const deploy = jest.fn(async () => 0);
  const deps: ReleaseDeps = {
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ecs: new ECSClient({ region: 'eu-west-1' }),
    synthesize: async () => {
      // what the app reads when it synthesizes: the release file, and the context it turns into
      seenAtSynth.push(readRelease(root, 'staging'), releasedImageContext(root, ['staging'], CONTEXT));
      return { template: head as never, assemblyDir: '/tmp/assembly' };
    },
    deploy,
    sleep: async () => undefined,
    now: () => new Date('2026-12-06T21:00:00.000Z'),
    say: (line) => stderr.push(line),
  };
  return { deps, deploy, seenAtSynth };
}

test('--build: the built image released, the source recorded and no image (a later cdk deploy builds the same source)', async () => {
  const { deps, deploy, seenAtSynth } = fakeDeps(changed);
  const code = await releaseCommand(['staging', '--build', '--json'], root, () => deps, CONTEXT);

  expect(code).toBe(0);
  expect(deploy).toHaveBeenCalledWith('/tmp/assembly');
  const record = {
    build: { directory: TEST_APP.buildDirectory, commit },
    releasedAt: '2026-12-06T21:00:00.000Z',
  };
  // the synth saw the build record, which sets no <env>.service.image: service.build stays in charge
  expect(seenAtSynth).toEqual([record, {}]);
  expect(readRelease(root, 'staging')).toEqual(record);
  const result = JSON.parse(stdout) as ReleaseResult;
  expect(result).toMatchObject({
    outcome: 'released',
    image: `build of ${TEST_APP.buildDirectory} at ${commit.slice(0, 12)}`,
    build: { directory: TEST_APP.buildDirectory, commit },
  });
  // a new build changes the task definition only (the asset hash in the image)
  expect(result.changes.map((c) => [c.resourceType, c.change])).toEqual([
    ['AWS::ECS::TaskDefinition', 'replaced'],
  ]);
});

test('--build with the source already live: nothing deployed, the previous record kept', async () => {
  const previous = {
    build: { directory: TEST_APP.buildDirectory, commit: 'abc1234' },
    releasedAt: '2026-12-01T10:00:00.000Z',
  };
  writeRelease(root, 'staging', previous);
  const { deps, deploy } = fakeDeps(deployed);
  expect(await releaseCommand(['staging', '--build'], root, () => deps, CONTEXT)).toBe(0);
  expect(deploy).not.toHaveBeenCalled();
  expect(stdout).toBe(
    `release unchanged: build of ${TEST_APP.buildDirectory} at ${commit.slice(0, 12)} on ${STACK}\n`,
  );
  expect(readRelease(root, 'staging')).toEqual(previous);
});

test('--build where service.build is not set: one line naming the key, exit 2, nothing written', async () => {
  const { deps, deploy } = fakeDeps(changed);
  await expect(releaseCommand(['prod', '--build'], root, () => deps, CONTEXT)).rejects.toMatchObject({
    exitCode: 2,
    message:
      '--build: prod.service.build is not set; set it to the directory of your Dockerfile, or release a pushed image with --image <ref>',
  });
  expect(deploy).not.toHaveBeenCalled();
  expect(fs.existsSync(path.join(root, 'releases'))).toBe(false);
});

test('--image where service.build is set: refused, exit 2, naming the key', async () => {
  const { deps } = fakeDeps(changed);
  await expect(
    releaseCommand(['staging', '--image', 'public.ecr.aws/nginx/nginx:1.27'], root, () => deps, CONTEXT),
  ).rejects.toMatchObject({
    exitCode: 2,
    message: expect.stringMatching(
      /^--image: staging\.service\.build is set, so staging releases the image built from its source; release with --build/,
    ),
  });
  expect(fs.existsSync(path.join(root, 'releases'))).toBe(false);
});

describe('releases/<env>.json against how the environment gets its image', () => {
  test('an image record for an environment that builds fails the synth, naming the file and the way out', () => {
    writeRelease(root, 'staging', { image: 'public.ecr.aws/nginx/nginx:1.27' });
    expect(() => releasedImageContext(root, ['staging'], CONTEXT)).toThrow(ConfigError);
    expect(() => releasedImageContext(root, ['staging'], CONTEXT)).toThrow(
      'releases/staging.json.image: staging.service.build is set, so staging releases the image built from its source, not a pushed image: release it with npm run release -- staging --build (which rewrites the file), or remove staging.service.build to run pushed images',
    );
  });

  test('a build record for an environment that runs pushed images fails the synth', () => {
    writeRelease(root, 'prod', { build: { directory: 'app' } });
    expect(() => releasedImageContext(root, ['prod'], CONTEXT)).toThrow(
      /- releases\/prod\.json\.build: prod\.service\.build is not set, so prod runs a pushed image: release it with npm run release -- prod --image <ref>/,
    );
  });

  test('the staging overrides extend prod, which runs a pushed image: only staging builds', () => {
    expect(STAGING_OVERRIDES.staging.extends).toBe('prod');
    writeRelease(root, 'prod', { image: 'public.ecr.aws/nginx/nginx:1.27' });
    writeRelease(root, 'staging', { build: { directory: TEST_APP.buildDirectory, commit } });
    expect(releasedImageContext(root, ['prod', 'staging'], CONTEXT)).toEqual({
      'prod.service.image': 'public.ecr.aws/nginx/nginx:1.27',
    });
  });

  test.each([
    [
      '{"image": "x", "build": {"directory": "app"}}',
      'releases/staging.json: image and build exclude each other',
    ],
    [
      '{"build": "app"}',
      'releases/staging.json.build: got "app"; must be {"directory": "<dir>", "commit": "<sha>"}',
    ],
    [
      '{"build": {"directory": "app", "commit": "main"}}',
      'releases/staging.json.build.commit: got "main"; must be a git commit id',
    ],
    [
      '{"build": {"directory": "app", "tag": "v1"}}',
      'releases/staging.json.build.tag: unknown key; allowed keys here: directory, commit, uncommitted',
    ],
    [
      '{"build": {"commit": "abc1234"}}',
      'releases/staging.json.build.directory: got undefined; must be the build directory',
    ],
  ])('%s fails naming the key', (content, message) => {
    fs.mkdirSync(path.join(root, 'releases'));
    fs.writeFileSync(path.join(root, 'releases', 'staging.json'), content);
    expect(() => readRelease(root, 'staging')).toThrow(message);
  });
});
