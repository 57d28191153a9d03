/**
 * The release flow behind `npm run release`, with its AWS clients, synthesis and deployment
 * injected (tests mock the clients with aws-sdk-client-mock and fake the CDK CLI):
 *
 * 1. read the deployed template and the service's names from the stack;
 * 2. write the release (the image, or the source of a build) into `releases/<env>.json` and
 *    synthesize the environment with it;
 * 3. review deployed against synthesized with the review engine: refuse any change beyond the task
 *    definition and the service (unless `allowInfra`), and always a stateful replacement;
 * 4. deploy exactly the reviewed assembly, and follow the ECS service deployment it starts (status,
 *    lifecycle stage, traffic, bake, rollback) until it ends;
 * 5. on a rollback or failure, put the previous release file back: the stack is back on it.
 */
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
import { BuildSource, ReleaseRecord, readRelease, writeRelease } from '../../lib/config/release';
import { TASK_OUTPUTS } from '../../lib/task-outputs';
import { CfnTemplate, reviewTemplates } from '../review/classify';

/** Resource types a release may change: a new task definition revision and the service using it. */
export const RELEASE_RESOURCE_TYPES = ['AWS::ECS::TaskDefinition', 'AWS::ECS::Service'] as const;
/** Changed by every synth that bundles a function differently; carries no infrastructure. */
const IGNORED_TYPES = ['AWS::CDK::Metadata'];

/** Deployment states after which ECS does nothing more for this release. */
const SUCCEEDED = ['SUCCESSFUL'];
const ROLLED_BACK = ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED', 'STOPPED'];

export interface ReleaseOptions {
  readonly env: string;
  readonly stackName: string;
  /** The pushed image to release; or {@link build}. */
  readonly image?: string;
  /** The source to release, for an environment with `service.build` (`cdk deploy` builds it). */
  readonly build?: BuildSource;
  readonly allowInfra: boolean;
  /** Project root (where `releases/` lives). */
  readonly root: string;
  /** Seconds between two looks at the deployment. @default 15 */
  readonly pollSeconds?: number;
}

export interface ReleaseDeps {
  readonly cloudFormation: CloudFormationClient;
  readonly ecs: ECSClient;
  /** Synthesize the environment (the release file is already written); the stack's template and the assembly. */
  readonly synthesize: () => Promise<{ template: CfnTemplate; assemblyDir: string }>;
  /** Deploy the stack from the synthesized assembly; resolves with the CDK CLI's exit code. */
  readonly deploy: (assemblyDir: string) => Promise<number>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** One progress line for the person at the terminal (stderr). */
  readonly say: (line: string) => void;
}

export interface ResourceChange {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly change: 'added' | 'removed' | 'replaced' | 'modified';
}

export type ReleaseOutcome = 'released' | 'unchanged' | 'refused' | 'rolled-back' | 'failed';

export interface ReleaseResult {
  readonly env: string;
  readonly stackName: string;
  /** The image released, or for a build release a description of the source (`build of <dir> at <commit>`). */
  readonly image: string;
  /** The source of a build release. */
  readonly build?: BuildSource;
  readonly previousImage?: string;
  readonly outcome: ReleaseOutcome;
  /** Why it was refused, rolled back or failed. */
  readonly reason?: string;
  readonly changes: readonly ResourceChange[];
  readonly deployment?: {
    readonly arn: string;
    readonly status?: string;
    readonly statusReason?: string;
    readonly rollbackReason?: string;
    readonly triggeredAlarms: readonly string[];
    /** Lifecycle stages seen, in order (PRE_SCALE_UP ... BAKE_TIME, CLEAN_UP). */
    readonly stages: readonly string[];
  };
}

/** How a build release is named in messages and `image`: `build of app at 0123abcd4567`. */
export function describeBuild(build: BuildSource): string {
  return `build of ${build.directory}${build.commit ? ` at ${build.commit.slice(0, 12)}` : ''}${build.uncommitted ? ' with uncommitted changes' : ''}`;
}

/** Exit status of the command for an outcome: 0 released or nothing to do, 3 refused, 1 otherwise. */
export function exitCode(outcome: ReleaseOutcome): number {
  return outcome === 'released' || outcome === 'unchanged' ? 0 : outcome === 'refused' ? 3 : 1;
}

export async function runRelease(options: ReleaseOptions, deps: ReleaseDeps): Promise<ReleaseResult> {
  const { env, stackName, root, build } = options;
  if ((options.image === undefined) === (build === undefined)) {
    throw new Error('runRelease: exactly one of image and build');
  }
  const image = options.image ?? describeBuild(build!);
  const base = { env, stackName, image, ...(build ? { build } : {}) };
  const target = await readTarget(deps.cloudFormation, stackName);
  const previous = readRelease(root, env);
  const result = (
    r: Omit<ReleaseResult, 'env' | 'stackName' | 'image' | 'build' | 'previousImage'>,
  ): ReleaseResult => ({
    ...base,
    ...(previous
      ? { previousImage: previous.image ?? (previous.build && describeBuild(previous.build)) }
      : {}),
    ...r,
  });

  const releasedAt = deps.now().toISOString();
  writeRelease(root, env, build ? { build, releasedAt } : { image, releasedAt });
  const restore = () => writeRelease(root, env, previous);
  let head: { template: CfnTemplate; assemblyDir: string };
  try {
    deps.say(`release: synthesizing ${stackName} with ${build ? image : `image ${image}`}`);
    head = await deps.synthesize();
  } catch (e) {
    restore();
    throw e;
  }

  const review = reviewTemplates({ [stackName]: target.template }, { [stackName]: head.template });
  const changes = resourceChanges(review.stacks[0]?.diff);
  for (const c of changes) deps.say(`release: ${c.change} ${c.resourceType} ${c.logicalId}`);
  if (changes.length === 0) {
    // Nothing to deploy: the deployed stack already runs this image. Keep the record as it was.
    restore();
    return result({ outcome: 'unchanged', changes });
  }
  const infra = changes.filter(
    (c) => !(RELEASE_RESOURCE_TYPES as readonly string[]).includes(c.resourceType),
  );
  if (review.blocked.length) {
    restore();
    return result({
      outcome: 'refused',
      changes,
      reason: `the change would replace or remove stateful resources (${review.blocked.map((b) => b.logicalId).join(', ')}); deploy it on purpose with npm run review and cdk deploy, not as a release`,
    });
  }
  if (infra.length && !options.allowInfra) {
    restore();
    return result({
      outcome: 'refused',
      changes,
      reason:
        `the deployed stack differs beyond the task definition and the service: ${infra.map((c) => `${c.change} ${c.resourceType} ${c.logicalId}`).join(', ')}. ` +
        'Deploy the infrastructure change first (npm run review, cdk deploy), or release with --allow-infra to deploy it with the image',
    });
  }

  const startedAt = deps.now();
  deps.say(`release: deploying ${stackName} (${changes.length} resource change(s))`);
  let deployCode: number | undefined;
  const deploying = deps.deploy(head.assemblyDir).then(
    (code) => (deployCode = code),
    (e: unknown) => {
      deps.say(`release: cdk deploy failed to run: ${(e as Error).message}`);
      return (deployCode = 1);
    },
  );
  const follower = new DeploymentFollower(deps, target.cluster, target.service, startedAt);
  const pollMs = (options.pollSeconds ?? 15) * 1000;
  for (;;) {
    await follower.poll();
    if (follower.finished) break;
    if (deployCode !== undefined) {
      // CloudFormation is done: one last look, then stop (a stack that failed before ECS started
      // anything has no deployment to wait for).
      await follower.poll();
      break;
    }
    await Promise.race([deps.sleep(pollMs), deploying]);
  }
  await deploying;
  const deployment = follower.summary();
  const status = deployment?.status;
  if (status && SUCCEEDED.includes(status) && deployCode === 0) {
    deps.say(`release: ${image} is live on ${stackName}; commit releases/${env}.json`);
    return result({ outcome: 'released', changes, deployment });
  }
  restore();
  if (status && ROLLED_BACK.includes(status)) {
    const why = [
      deployment!.rollbackReason ?? deployment!.statusReason,
      deployment!.triggeredAlarms.length
        ? `alarms in ALARM: ${deployment!.triggeredAlarms.join(', ')}`
        : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    return result({
      outcome: 'rolled-back',
      changes,
      deployment,
      reason: why || `deployment ended ${status}`,
    });
  }
  return result({
    outcome: 'failed',
    changes,
    ...(deployment ? { deployment } : {}),
    reason:
      deployCode !== 0
        ? `cdk deploy exited ${deployCode}${status ? ` (service deployment ${status})` : ' before ECS started a deployment'}; the stack rolls back to the previous release`
        : `the service deployment ended ${status ?? 'without being seen'}`,
  });
}

/** Resource differences of a review, as the release judges them. */
function resourceChanges(
  diff: ReturnType<typeof reviewTemplates>['stacks'][number]['diff'] | undefined,
): ResourceChange[] {
  const out: ResourceChange[] = [];
  diff?.resources.forEachDifference((logicalId, change) => {
    const resourceType = change.newResourceType ?? change.oldResourceType ?? 'unknown';
    if (IGNORED_TYPES.includes(resourceType)) return;
    out.push({
      logicalId,
      resourceType,
      change: change.isAddition
        ? 'added'
        : change.isRemoval
          ? 'removed'
          : change.changeImpact === 'WILL_REPLACE' || change.changeImpact === 'MAY_REPLACE'
            ? 'replaced'
            : 'modified',
    });
  });
  return out;
}

interface Target {
  readonly template: CfnTemplate;
  readonly cluster: string;
  readonly service: string;
}

async function readTarget(cfn: CloudFormationClient, stackName: string): Promise<Target> {
  let outputs: Record<string, string>;
  try {
    const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries(
      (described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (e) {
    if (/does not exist/i.test((e as Error).message)) {
      throw new ReleaseError(
        `stack ${stackName} does not exist: the first deployment of an environment is a cdk deploy (docs/first-deploy.md), releases come after`,
      );
    }
    throw e;
  }
  const cluster = outputs[TASK_OUTPUTS.clusterName];
  const service = outputs[TASK_OUTPUTS.serviceName];
  if (!cluster || !service) {
    throw new ReleaseError(
      `stack ${stackName} has no ${TASK_OUTPUTS.clusterName}/${TASK_OUTPUTS.serviceName} outputs; deploy the current version of this app once with cdk deploy`,
    );
  }
  const got = await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }));
  return { template: JSON.parse(got.TemplateBody ?? '{}') as CfnTemplate, cluster, service };
}

/** A problem the user fixes; the CLI prints it as one line. */
export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseError';
  }
}

/** Follows the first service deployment created after the release started, and the service's events. */
class DeploymentFollower {
  private arn?: string;
  private last?: ServiceDeployment;
  private readonly stages: string[] = [];
  private lastEventAt: Date;

  constructor(
    private readonly deps: ReleaseDeps,
    private readonly cluster: string,
    private readonly service: string,
    private readonly startedAt: Date,
  ) {
    this.lastEventAt = startedAt;
  }

  get finished(): boolean {
    const status = this.last?.status;
    return status !== undefined && [...SUCCEEDED, ...ROLLED_BACK].includes(status);
  }

  async poll(): Promise<void> {
    const { ecs, say } = this.deps;
    await this.newEvents();
    if (!this.arn) {
      const listed = await ecs.send(
        new ListServiceDeploymentsCommand({
          cluster: this.cluster,
          service: this.service,
          createdAt: { after: this.startedAt },
        }),
      );
      const first = [...(listed.serviceDeployments ?? [])].sort(
        (a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0),
      )[0];
      if (!first?.serviceDeploymentArn) return;
      this.arn = first.serviceDeploymentArn;
      say(`release: ECS deployment ${this.arn}`);
    }
    const described = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [this.arn] }),
    );
    const now = described.serviceDeployments?.[0];
    if (!now) return;
    const before = this.last;
    this.last = now;
    if (now.lifecycleStage && now.lifecycleStage !== this.stages[this.stages.length - 1]) {
      this.stages.push(now.lifecycleStage);
      say(`release: stage ${now.lifecycleStage}`);
    }
    if (now.status !== before?.status) {
      say(`release: deployment ${now.status}${now.statusReason ? ` - ${now.statusReason}` : ''}`);
    }
    if (now.rollback?.reason && now.rollback.reason !== before?.rollback?.reason) {
      say(`release: rollback - ${now.rollback.reason}`);
    }
  }

  private async newEvents(): Promise<void> {
    const { ecs, say } = this.deps;
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: this.cluster, services: [this.service] }),
    );
    const events = (described.services?.[0]?.events ?? [])
      .filter((e) => e.createdAt && e.createdAt > this.lastEventAt)
      .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
    for (const e of events) say(`release: event ${e.createdAt!.toISOString()} ${e.message}`);
    if (events.length) this.lastEventAt = events[events.length - 1].createdAt!;
  }

  summary(): ReleaseResult['deployment'] {
    if (!this.arn) return undefined;
    const d = this.last;
    return {
      arn: this.arn,
      ...(d?.status ? { status: d.status } : {}),
      ...(d?.statusReason ? { statusReason: d.statusReason } : {}),
      ...(d?.rollback?.reason ? { rollbackReason: d.rollback.reason } : {}),
      triggeredAlarms: d?.alarms?.triggeredAlarmNames ?? [],
      stages: [...this.stages],
    };
  }
}

export type { ReleaseRecord };
