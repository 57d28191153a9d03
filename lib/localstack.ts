import { Aws, CfnRule, Fn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig, ResolvedEnvironment } from './config/schema';

/**
 * The LocalStack path: which endpoints count as local, the environment `cdklocal` and the SDK need,
 * the health-probe decision, and the CloudFormation rule that keeps a LocalStack stack out of real
 * accounts. Everything here except {@link LocalStackOnly} and {@link probeLocalStack} is pure, so the
 * guard logic is unit-tested without LocalStack.
 */

/** Where LocalStack listens by default (its edge port). */
export const DEFAULT_LOCALSTACK_ENDPOINT = 'http://localhost:4566';

/** The account LocalStack reports for its default `test` credentials. */
export const LOCALSTACK_ACCOUNT = '000000000000';

/**
 * Context key the `bin/local.ts` wrapper sets to the endpoint it deploys to. The app also checks
 * `AWS_ENDPOINT_URL` (which `cdklocal` always sets), so a stack with `target: localstack` cannot be
 * synthesized for a non-local endpoint either way.
 */
export const CONTEXT_LOCALSTACK_ENDPOINT = 'localstack:endpoint';

/** Host names that can only mean "this machine" or a LocalStack container/domain. */
const LOCAL_HOSTNAMES = ['localhost', 'localstack', 'host.docker.internal'];
/** Domain suffixes that resolve to LocalStack (its wildcard DNS, compose service names, `.localhost`). */
const LOCAL_SUFFIXES = ['.localhost', '.localstack', '.localstack.cloud'];

export type EndpointVerdict =
  { readonly local: true; readonly url: URL } | { readonly local: false; readonly reason: string };

/**
 * Decide whether an endpoint URL is a LocalStack the local preset may deploy to.
 *
 * Allowed: loopback addresses (127.0.0.0/8, ::1), `localhost` and `*.localhost`, the compose service
 * name `localstack` and `*.localstack`, LocalStack's own domain `*.localstack.cloud` (it resolves to
 * 127.0.0.1, or to a LocalStack sandbox), and `host.docker.internal`. Everything else is refused,
 * private IPs included: an AWS PrivateLink (interface VPC endpoint) for CloudFormation has a private
 * IP, so "private" does not mean "not AWS".
 */
export function classifyEndpoint(endpoint: string): EndpointVerdict {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return {
      local: false,
      reason: `${JSON.stringify(endpoint)} is not a URL (expected e.g. ${DEFAULT_LOCALSTACK_ENDPOINT})`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { local: false, reason: `${endpoint} uses ${url.protocol}; LocalStack speaks http or https` };
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host.endsWith('.amazonaws.com') || host.endsWith('.amazonaws.com.cn') || host.endsWith('.api.aws')) {
    return { local: false, reason: `${host} is an AWS endpoint` };
  }
  const isLoopbackIp = /^127(\.\d{1,3}){3}$/.test(host) || host === '::1' || host === '0:0:0:0:0:0:0:1';
  const isLocalName = LOCAL_HOSTNAMES.includes(host) || LOCAL_SUFFIXES.some((s) => host.endsWith(s));
  if (isLoopbackIp || isLocalName) return { local: true, url };
  return {
    local: false,
    reason:
      `${host} is not a loopback or LocalStack host (allowed: localhost, 127.x.x.x, ::1, localstack, ` +
      `*.localhost, *.localstack, *.localstack.cloud, host.docker.internal)`,
  };
}

/** Thrown when the local preset is pointed at anything but a local LocalStack endpoint. */
export class NotLocalEndpointError extends Error {
  constructor(
    readonly endpoint: string,
    reason: string,
  ) {
    super(
      `Refusing to use ${endpoint} for a LocalStack deployment: ${reason}. ` +
        `The local preset deploys only to LocalStack; set AWS_ENDPOINT_URL to your LocalStack ` +
        `(default ${DEFAULT_LOCALSTACK_ENDPOINT}), or deploy the dev/prod presets with plain cdk.`,
    );
    this.name = 'NotLocalEndpointError';
  }
}

/** {@link classifyEndpoint}, throwing a {@link NotLocalEndpointError} for anything not local. */
export function assertLocalEndpoint(endpoint: string): URL {
  const verdict = classifyEndpoint(endpoint);
  if (!verdict.local) throw new NotLocalEndpointError(endpoint, verdict.reason);
  return verdict.url;
}

/**
 * The S3 endpoint that matches an edge endpoint. `cdklocal` refuses `AWS_ENDPOINT_URL` without
 * `AWS_ENDPOINT_URL_S3`, and LocalStack recognises S3 requests by an `s3.` host label, so loopback
 * endpoints map to LocalStack's wildcard domain `s3.localhost.localstack.cloud` (resolves to
 * 127.0.0.1) on the same port; other hosts get an `s3.` label in front of the same host.
 */
export function s3EndpointFor(endpoint: string): string {
  const url = assertLocalEndpoint(endpoint);
  const host = url.hostname.toLowerCase();
  const isLoopback = host === 'localhost' || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
  const s3Host = isLoopback ? 's3.localhost.localstack.cloud' : host.startsWith('s3.') ? host : `s3.${host}`;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${s3Host}:${port}`;
}

export interface LocalStackEnvironmentOptions {
  /** Region of the local preset (LocalStack answers in any region; the stack is pinned to one). */
  readonly region: string;
}

/**
 * The process environment for `cdklocal` and the SDK clients of the integration test: endpoint
 * (default {@link DEFAULT_LOCALSTACK_ENDPOINT}), matching S3 endpoint, region, and credentials
 * (`test`/`test` unless set, which LocalStack maps to account 000000000000). Throws
 * {@link NotLocalEndpointError} when `AWS_ENDPOINT_URL` is not local.
 *
 * `cdklocal` (>= 3.0) strips every `AWS_*` variable except the endpoints unless it is listed in
 * `AWS_ENVAR_ALLOWLIST`; the list below keeps the region and credentials chosen here, and drops
 * profiles so a configured AWS profile cannot leak into a local run.
 */
export function localStackEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  options: LocalStackEnvironmentOptions,
): Record<string, string> {
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || DEFAULT_LOCALSTACK_ENDPOINT;
  assertLocalEndpoint(endpoint);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // Profiles, SSO and role settings point at real accounts; a local run never needs them.
    if (
      value !== undefined &&
      !/^AWS_(PROFILE|DEFAULT_PROFILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|SESSION_TOKEN|SECURITY_TOKEN)$/.test(
        key,
      )
    ) {
      out[key] = value;
    }
  }
  const hasOwnKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  Object.assign(out, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3?.trim() || s3EndpointFor(endpoint),
    AWS_ACCESS_KEY_ID: hasOwnKeys ? env.AWS_ACCESS_KEY_ID! : 'test',
    AWS_SECRET_ACCESS_KEY: hasOwnKeys ? env.AWS_SECRET_ACCESS_KEY! : 'test',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ENVAR_ALLOWLIST: 'AWS_REGION,AWS_DEFAULT_REGION,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY',
  });
  if (env.AWS_ENDPOINT_URL_S3?.trim()) assertLocalEndpoint(env.AWS_ENDPOINT_URL_S3.trim());
  return out;
}

/**
 * What an environment with `target: localstack` needs before it is deployed to LocalStack (empty
 * when ready). Synthesizing it without these is fine; deploying would fail inside LocalStack.
 */
export function localStackDeployProblems(envName: string, config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  if (!config.network.availabilityZones) {
    problems.push(
      `${envName}.network.availabilityZones: must be set to deploy to LocalStack, which has no Fn::GetAZs ` +
        `(e.g. ["${config.region ?? 'us-east-1'}a","${config.region ?? 'us-east-1'}b"])`,
    );
  }
  return problems;
}

/**
 * Problems with the endpoints an app is synthesized for (empty when fine). Any endpoint given (the
 * `localstack:endpoint` context from the wrapper, or `AWS_ENDPOINT_URL`) must be local whenever an
 * environment with `target: localstack` is selected; with a local endpoint the environment must also
 * be deployable to LocalStack. Environments with `target: aws` are not this guard's business.
 */
export function endpointProblems(
  environments: readonly ResolvedEnvironment[],
  endpoints: readonly unknown[],
): string[] {
  const localEnvs = environments.filter((e) => e.config.target === 'localstack');
  if (!localEnvs.length) return [];
  const names = localEnvs.map((e) => e.name).join(', ');
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint === undefined || endpoint === null || endpoint === '') continue;
    const verdict = classifyEndpoint(String(endpoint));
    if (verdict.local) {
      // A local endpoint means this synth is for a LocalStack deploy: it must be deployable there.
      problems.push(...localEnvs.flatMap((e) => localStackDeployProblems(e.name, e.config)));
    } else {
      problems.push(
        `${names}: target localstack refuses endpoint ${String(endpoint)}: ${verdict.reason}. ` +
          `Deploy it with npm run local:deploy against a LocalStack (AWS_ENDPOINT_URL, default ${DEFAULT_LOCALSTACK_ENDPOINT}).`,
      );
    }
  }
  return [...new Set(problems)];
}

/** What a request to `<endpoint>/_localstack/health` returned. */
export type HealthProbeResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'error'; readonly message: string };

export type HealthDecision =
  | { readonly run: true; readonly services: Readonly<Record<string, string>>; readonly missing: string[] }
  | { readonly run: false; readonly reason: string };

/**
 * Services the full stack needs from LocalStack. ECS, ELBv2, RDS, ElastiCache and Application Auto
 * Scaling are paid-plan services: on a free plan they are absent or `disabled` in the health report.
 */
export const REQUIRED_SERVICES = [
  'cloudformation',
  'ec2',
  'iam',
  's3',
  'ssm',
  'sts',
  'logs',
  'lambda',
  'cloudwatch',
  'events',
  'sns',
  'secretsmanager',
  'kms',
  'route53',
  'ecs',
  'elbv2',
  'rds',
  'elasticache',
  'application-autoscaling',
] as const;

/**
 * Decide from a health probe whether LocalStack answers. Anything but a JSON health report (no
 * connection, timeout, a non-2xx, another server on the port) means "no LocalStack": the integration
 * test then skips. When LocalStack answers, `missing` lists required services it does not offer
 * (e.g. a free plan), so the test can fail with that list instead of a CloudFormation error later.
 */
export function decideFromHealth(endpoint: string, result: HealthProbeResult): HealthDecision {
  if (result.kind === 'error')
    return { run: false, reason: `no LocalStack at ${endpoint} (${result.message})` };
  if (result.status < 200 || result.status >= 300) {
    return {
      run: false,
      reason: `no LocalStack at ${endpoint} (health endpoint answered HTTP ${result.status})`,
    };
  }
  let report: unknown;
  try {
    report = JSON.parse(result.body);
  } catch {
    return { run: false, reason: `no LocalStack at ${endpoint} (health endpoint did not return JSON)` };
  }
  const services = (report as { services?: unknown })?.services;
  if (typeof services !== 'object' || services === null) {
    return { run: false, reason: `no LocalStack at ${endpoint} (the response has no "services" map)` };
  }
  const states = services as Record<string, string>;
  // LocalStack reports available, running or disabled; anything else (missing, error) is unusable.
  const missing = REQUIRED_SERVICES.filter((s) => !['available', 'running'].includes(String(states[s])));
  return { run: true, services: states, missing };
}

/** GET `<endpoint>/_localstack/health` with a short timeout; never throws. */
export async function probeLocalStack(endpoint: string, timeoutMs = 2000): Promise<HealthProbeResult> {
  const url = new URL('/_localstack/health', endpoint).toString();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { kind: 'response', status: response.status, body: await response.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { kind: 'error', message: cause ?? (err as Error).message };
  }
}

export interface LocalStackOnlyProps {
  /** The only account the stack may be created or updated in (LocalStack's). */
  readonly account: string;
}

/**
 * A CloudFormation rule that fails CreateStack/UpdateStack/CreateChangeSet before any resource is
 * touched unless the stack is deployed into `account`. LocalStack's account (000000000000) is not a
 * real AWS account, so the template of the local preset cannot be deployed into AWS by any tool:
 * not `cdk deploy` without the wrapper, not a console upload, not `aws cloudformation deploy`.
 */
export class LocalStackOnly extends Construct {
  constructor(scope: Construct, id: string, props: LocalStackOnlyProps) {
    super(scope, id);
    new CfnRule(this, 'Rule', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.ACCOUNT_ID, props.account),
          assertDescription: `This stack uses the LocalStack preset and deploys only into LocalStack (account ${props.account}). Use the dev or prod preset for AWS.`,
        },
      ],
    });
  }
}
