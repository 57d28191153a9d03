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
  ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseReleaseArgs, releaseCommand } from '../../bin/release';
import { ReleaseDeps, ReleaseResult } from '../../bin/release/run';
import {
  readRelease,
  releasedEnvironments,
  releasedImageContext,
  writeRelease,
} from '../../lib/config/release';
import { ConfigError } from '../../lib/config/load';
import { presets, variant } from '../helpers';
import { deployedStack } from '../deployed-stack';

// GIVEN the prod stack as deployed (the preset's template running the previous image), the app
// synthesized with the new image (a new image changes only the app container's Image, checked by
// hand with cdk synth), and a synth with infrastructure changes too (test/variants.ts: routineChanges)
const PRESET_IMAGE = 'public.ecr.aws/nginx/nginx-unprivileged:stable';
const NEW_IMAGE = 'public.ecr.aws/nginx/nginx:1.27-alpine';
const OLD_IMAGE = 'public.ecr.aws/nginx/nginx:1.26';
const preset = presets().templates.prod.toJSON();
const withNewImage = withImage(preset, NEW_IMAGE);
const deployed = withImage(preset, OLD_IMAGE);
const withInfraChange = variant('routineChanges').templates.prod.toJSON();

function withImage(template: Record<string, unknown>, image: string): Record<string, unknown> {
  const copy = structuredClone(template) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const taskDefinitions = Object.values(copy.Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
  expect(taskDefinitions).toHaveLength(1);
  const [app] = taskDefinitions[0].Properties.ContainerDefinitions as { Image: string }[];
  expect(app.Image).toBe(PRESET_IMAGE);
  app.Image = image;
  return copy;
}
const DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/cluster/svc/abc';

const cfn = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
let root: string;
let stdout: string;
let stderr: string[];

beforeEach(() => {
  cfn.reset();
  ecs.reset();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-release-'));
  writeRelease(root, 'prod', { image: OLD_IMAGE, releasedAt: '2026-12-01T10:00:00.000Z' });
  cfn.on(DescribeStacksCommand).resolves(
    deployedStack('ScalableBackend-prod', {
      ServiceClusterName: 'prod-cluster',
      ServiceName: 'prod-service',
    }),
  );
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(deployed) });
  ecs.on(DescribeServicesCommand).resolves({ services: [{ events: [] }] });
  ecs.on(ListServiceDeploymentsCommand).resolves({
    serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, createdAt: new Date(), status: 'PENDING' }],
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

/**
 * The clients above, a synth returning `head`, and a CDK CLI that ends with `deployExit` once ECS
 * reports the deployment's last state (`states`, one per look).
 */
function fakeDeps(head: object, states: ServiceDeployment[], deployExit: number) {
  let finishDeploy: (code: number) => void = () => undefined;
  const deploying = new Promise<number>((resolve) => (finishDeploy = resolve));
  const describe = ecs.on(DescribeServiceDeploymentsCommand);
  states.forEach((state, i) => {
    describe.callsFakeOnce(async () => {
      if (i === states.length - 1) finishDeploy(deployExit);
      return { serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, ...state }] };
    });
  });
  const deploy = jest.fn(() => deploying);
  const deps: ReleaseDeps = {
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ecs: new ECSClient({ region: 'eu-west-1' }),
    synthesize: async () => {
      // The release file is written before the synth reads it.
      expect(readRelease(root, 'prod')?.image).toBe(NEW_IMAGE);
      return { template: head as never, assemblyDir: '/tmp/assembly' };
    },
    deploy,
    sleep: async () => undefined,
    now: () => new Date('2026-12-06T21:00:00.000Z'),
    say: (line) => stderr.push(line),
  };
  return { deps, deploy };
}

const canary: ServiceDeployment[] = [
  { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
  { status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' },
  { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' },
  { status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' },
  { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
];

test('a successful canary: exit 0, the reviewed assembly deployed, stages followed, image recorded', async () => {
  const { deps, deploy } = fakeDeps(withNewImage, canary, 0);
  const code = await releaseCommand(['prod', '--image', NEW_IMAGE], root, () => deps);
  expect(code).toBe(0);
  expect(deploy).toHaveBeenCalledWith('/tmp/assembly');
  expect(stdout).toBe(`release released: ${NEW_IMAGE} on ScalableBackend-prod\n`);
  expect(readRelease(root, 'prod')).toEqual({ image: NEW_IMAGE, releasedAt: '2026-12-06T21:00:00.000Z' });
  expect(stderr.filter((l) => l.startsWith('release: stage '))).toEqual([
    'release: stage SCALE_UP',
    'release: stage POST_TEST_TRAFFIC_SHIFT',
    'release: stage PRODUCTION_TRAFFIC_SHIFT',
    'release: stage BAKE_TIME',
    'release: stage CLEAN_UP',
  ]);
  expect(stderr).toContain(
    `release: ${NEW_IMAGE} is live on ScalableBackend-prod; commit releases/prod.json`,
  );
  // the deployment the release follows is the one created after it started
  expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toEqual({
    cluster: 'prod-cluster',
    service: 'prod-service',
    createdAt: { after: new Date('2026-12-06T21:00:00.000Z') },
  });
});

test('a rollback: exit 1, the reason and the alarms printed, the previous release file back', async () => {
  const { deps } = fakeDeps(
    withNewImage,
    [
      { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' },
      {
        status: 'ROLLBACK_IN_PROGRESS',
        lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
        rollback: {
          reason: 'Deployment alarm ScalableBackend-prod-ReleaseAlternateErrorRate is in ALARM state',
        },
      },
      {
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'rolled back to the previous service revision',
        rollback: {
          reason: 'Deployment alarm ScalableBackend-prod-ReleaseAlternateErrorRate is in ALARM state',
        },
        alarms: { triggeredAlarmNames: ['ScalableBackend-prod-ReleaseAlternateErrorRate'] },
      },
    ],
    1,
  );
  const code = await releaseCommand(['prod', '--image', NEW_IMAGE], root, () => deps);
  expect(code).toBe(1);
  expect(stdout).toBe(
    `release rolled-back: ${NEW_IMAGE} on ScalableBackend-prod - Deployment alarm ScalableBackend-prod-ReleaseAlternateErrorRate is in ALARM state; ` +
      'alarms in ALARM: ScalableBackend-prod-ReleaseAlternateErrorRate\n',
  );
  expect(stderr).toContain(
    'release: rollback - Deployment alarm ScalableBackend-prod-ReleaseAlternateErrorRate is in ALARM state',
  );
  expect(readRelease(root, 'prod')).toEqual({ image: OLD_IMAGE, releasedAt: '2026-12-01T10:00:00.000Z' });
});

test('an infrastructure change is refused before anything is deployed (exit 3), unless --allow-infra', async () => {
  const { deps, deploy } = fakeDeps(withInfraChange, canary, 0);
  const code = await releaseCommand(['prod', '--image', NEW_IMAGE], root, () => deps);
  expect(code).toBe(3);
  expect(deploy).not.toHaveBeenCalled();
  expect(stdout).toMatch(
    /^release refused: .* - the deployed stack differs beyond the task definition and the service: /,
  );
  expect(stdout).toMatch(/AWS::RDS::DBInstance/);
  expect(stdout).toMatch(/--allow-infra/);
  expect(readRelease(root, 'prod')?.image).toBe(OLD_IMAGE);
  expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);

  const allowed = fakeDeps(withInfraChange, canary, 0);
  expect(
    await releaseCommand(['prod', '--image', NEW_IMAGE, '--allow-infra'], root, () => allowed.deps),
  ).toBe(0);
  expect(allowed.deploy).toHaveBeenCalledTimes(1);
});

test('--json: stdout holds only the result document; progress goes to stderr', async () => {
  const { deps } = fakeDeps(withNewImage, canary, 0);
  const code = await releaseCommand(['prod', '--image', NEW_IMAGE, '--json'], root, () => deps);
  expect(code).toBe(0);
  const result = JSON.parse(stdout) as ReleaseResult;
  expect(result).toMatchObject({
    env: 'prod',
    stackName: 'ScalableBackend-prod',
    image: NEW_IMAGE,
    previousImage: OLD_IMAGE,
    outcome: 'released',
    deployment: {
      arn: DEPLOYMENT_ARN,
      status: 'SUCCESSFUL',
      stages: ['SCALE_UP', 'POST_TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP'],
      triggeredAlarms: [],
    },
  });
  // a new image replaces the task definition (the service follows it), nothing else
  expect(result.changes.map((c) => [c.resourceType, c.change])).toEqual([
    ['AWS::ECS::TaskDefinition', 'replaced'],
  ]);
  expect(stderr).toContain(`release: deployment SUCCESSFUL`);
});

test('the image already live: nothing deployed, exit 0, the release file unchanged', async () => {
  const { deps, deploy } = fakeDeps(deployed, canary, 0);
  expect(
    await releaseCommand(['prod', '--image', OLD_IMAGE], root, () => ({
      ...deps,
      synthesize: async () => ({ template: deployed as never, assemblyDir: '/tmp/a' }),
    })),
  ).toBe(0);
  expect(deploy).not.toHaveBeenCalled();
  expect(stdout).toBe(`release unchanged: ${OLD_IMAGE} on ScalableBackend-prod\n`);
  expect(readRelease(root, 'prod')?.releasedAt).toBe('2026-12-01T10:00:00.000Z');
});

describe('arguments', () => {
  test.each([
    [['prod'], '--image <ref> or --build is required'],
    [['prod', '--image', 'x', '--build'], '--image and --build exclude each other'],
    [['--image', 'x'], 'expected one environment, got none'],
    [['Staging', '--image', 'x'], 'not an environment or stack name: Staging'],
    [['prod', '--image', 'x', '--force'], "Unknown option '--force'"],
  ])('%j is a usage error (exit 2)', (argv, message) => {
    expect(() => parseReleaseArgs(argv)).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }),
    );
  });
});

describe('releases/<env>.json', () => {
  test('becomes <env>.service.image for the app (a later cdk deploy keeps the released image)', () => {
    expect(releasedEnvironments(root)).toEqual(['prod']);
    expect(releasedImageContext(root, releasedEnvironments(root))).toEqual({
      'prod.service.image': OLD_IMAGE,
    });
  });

  test('a malformed file fails the synth naming the file, the key and what is allowed', () => {
    fs.writeFileSync(path.join(root, 'releases', 'dev.json'), '{"image": 3, "tag": "x"}');
    expect(() => releasedImageContext(root, ['dev'])).toThrow(ConfigError);
    expect(() => releasedImageContext(root, ['dev'])).toThrow(
      /releases\/dev\.json\.image: got 3; must be an image reference[\s\S]*releases\/dev\.json\.tag: unknown key; allowed keys here: image, build, releasedAt/,
    );
  });
});
