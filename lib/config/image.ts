/**
 * Container image references: which ones live in a private Amazon ECR registry, and where.
 *
 * `ContainerImage.fromRegistry` grants the task execution role nothing, so an image in a private ECR
 * repository (this account's or another's) needs pull permissions granted explicitly, or every task
 * fails with CannotPullContainerError
 * (docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html).
 */

/** Where an ECR image lives: enough to build the repository ARN the pull permissions name. */
export interface EcrImage {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** Repository name, with its namespace (`team/app`). */
  readonly repository: string;
}

// Registry hosts of private ECR: <account>.dkr.ecr.<region>.amazonaws.com, .amazonaws.com.cn in
// China (docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html), ecr-fips for the FIPS
// endpoints and <account>.dkr-ecr.<region>.on.aws for dual-stack
// (docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html).
const ECR_HOST =
  /^(?<account>\d{12})\.(?:dkr\.ecr(?:-fips)?\.(?<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?<cn>\.cn)?|dkr-ecr\.(?<dsRegion>[a-z]{2}(?:-[a-z]+)+-\d)\.on\.aws)$/;

// Repository names: lower-case components separated by / (docs: CreateRepository, repositoryName).
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Whether the image names a private ECR registry host (well formed or not). */
export function looksLikeEcr(image: string): boolean {
  const host = image.split('/')[0];
  return /\.dkr\.ecr(-fips)?\.|\.dkr-ecr\./.test(host);
}

/**
 * The ECR repository of `image` (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`),
 * or undefined when the image is not in a private ECR registry (public images, Docker Hub, ...) or
 * is malformed (the schema reports that, see {@link looksLikeEcr}).
 */
export function parseEcrImage(image: string): EcrImage | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  const m = ECR_HOST.exec(host);
  if (!m?.groups) return undefined;
  let rest = image.slice(slash + 1);
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1))) return undefined;
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    if (!TAG.test(rest.slice(colon + 1))) return undefined;
    rest = rest.slice(0, colon);
  }
  if (!REPOSITORY.test(rest) || rest.length > 256) return undefined;
  const region = m.groups.region ?? m.groups.dsRegion;
  return {
    account: m.groups.account,
    region,
    partition: partitionOf(region, !!m.groups.cn),
    repository: rest,
  };
}

function partitionOf(region: string, chinaHost: boolean): string {
  if (chinaHost || region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The repository ARN pull permissions are scoped to. */
export function ecrRepositoryArn(image: EcrImage): string {
  return `arn:${image.partition}:ecr:${image.region}:${image.account}:repository/${image.repository}`;
}
