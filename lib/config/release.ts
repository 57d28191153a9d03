/**
 * Where the released image of an environment lives: `releases/<env>.json`, a file in the repository
 * that `npm run release` writes, and that is committed with the release (the CI workflow commits
 * it). It records one of two kinds of release, matching how the environment gets its image:
 *
 * - a pushed image (`{"image": "<ref>"}`, environments with `service.image`): the app entry point
 *   reads it into the config as `<env>.service.image`, above the presets and `cdk.json`, below `-c`
 *   on the command line. So a later plain `cdk deploy` deploys the released image instead of
 *   silently reverting to the preset's;
 * - a build (`{"build": {"directory": ..., "commit": ...}}`, environments with `service.build`): the
 *   image is built from the source at deploy time, so the record only names the source released (the
 *   build directory and the git commit) and sets nothing: a later `cdk deploy` of the same commit
 *   builds the same image (same asset hash, no change), and a later commit is a new release.
 *
 * A record that does not match the environment (an image for an environment that builds, a build for
 * one that runs pushed images) fails the synth naming the file: the environment has one source of
 * truth for its image, never both.
 *
 * Kept free of aws-cdk-lib so the release command starts fast.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, loadEnvironments } from './load';

/** Folder of the release files, relative to the project root. */
export const RELEASES_DIR = 'releases';

/** The source of a build release: what `cdk deploy` built the image from. */
export interface BuildSource {
  /** `service.build.directory` of the environment when it was released. */
  readonly directory: string;
  /** Git commit of the project at release time (absent outside a git checkout). */
  readonly commit?: string;
  /** True when the build directory had uncommitted changes: the commit alone does not rebuild it. */
  readonly uncommitted?: boolean;
}

/** Exactly one of `image` and `build`. */
export interface ReleaseRecord {
  /** Image reference of a pushed-image release, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/app@sha256:...`. */
  readonly image?: string;
  /** Source of a build release (`npm run release -- <env> --build`). */
  readonly build?: BuildSource;
  /** When `npm run release` deployed it (ISO 8601). */
  readonly releasedAt?: string;
}

const EXPECTED = 'expected {"image": "<image ref>"} or {"build": {"directory": "<dir>", "commit": "<sha>"}}';

export function releaseFile(root: string, env: string): string {
  return path.join(root, RELEASES_DIR, `${env}.json`);
}

/** The release record of `env`, or undefined when it was never released with `npm run release`. */
export function readRelease(root: string, env: string): ReleaseRecord | undefined {
  const file = releaseFile(root, env);
  if (!fs.existsSync(file)) return undefined;
  const where = path.join(RELEASES_DIR, `${env}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`${where}: not valid JSON (${(e as Error).message}); ${EXPECTED}`]);
  }
  const record = parsed as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${where}: got ${JSON.stringify(parsed)}; ${EXPECTED}`]);
  }
  if (record.image !== undefined && record.build !== undefined) {
    problems.push(`${where}: image and build exclude each other; ${EXPECTED}`);
  } else if (record.build !== undefined) {
    problems.push(...buildProblems(`${where}.build`, record.build));
  } else if (typeof record.image !== 'string' || record.image === '') {
    problems.push(
      `${where}.image: got ${JSON.stringify(record.image)}; must be an image reference (a non-empty string)`,
    );
  }
  for (const key of Object.keys(record).filter((k) => !['image', 'build', 'releasedAt'].includes(k))) {
    problems.push(`${where}.${key}: unknown key; allowed keys here: image, build, releasedAt`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    ...(record.image !== undefined ? { image: record.image as string } : {}),
    ...(record.build !== undefined ? { build: record.build as BuildSource } : {}),
    ...(record.releasedAt ? { releasedAt: String(record.releasedAt) } : {}),
  };
}

function buildProblems(where: string, build: unknown): string[] {
  if (typeof build !== 'object' || build === null || Array.isArray(build)) {
    return [`${where}: got ${JSON.stringify(build)}; must be {"directory": "<dir>", "commit": "<sha>"}`];
  }
  const b = build as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.directory !== 'string' || b.directory === '') {
    problems.push(
      `${where}.directory: got ${JSON.stringify(b.directory)}; must be the build directory (a non-empty string)`,
    );
  }
  if (b.commit !== undefined && (typeof b.commit !== 'string' || !/^[0-9a-f]{7,64}$/.test(b.commit))) {
    problems.push(`${where}.commit: got ${JSON.stringify(b.commit)}; must be a git commit id (hexadecimal)`);
  }
  if (b.uncommitted !== undefined && typeof b.uncommitted !== 'boolean') {
    problems.push(`${where}.uncommitted: got ${JSON.stringify(b.uncommitted)}; must be true or false`);
  }
  for (const key of Object.keys(b).filter((k) => !['directory', 'commit', 'uncommitted'].includes(k))) {
    problems.push(`${where}.${key}: unknown key; allowed keys here: directory, commit, uncommitted`);
  }
  return problems;
}

/** Write (or, with `undefined`, remove) the release record of `env`. */
export function writeRelease(root: string, env: string, record: ReleaseRecord | undefined): void {
  const file = releaseFile(root, env);
  if (record === undefined) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Environments with a release file (`releases/<env>.json`). */
export function releasedEnvironments(root: string): string[] {
  const dir = path.join(root, RELEASES_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * The `service.build` of `env` under `context` (the app's context: cdk.json, cdk.context.json, -c), or
 * undefined when the environment runs a pushed image. `null` when the config does not load (unknown
 * environment, invalid config): the synth reports that itself.
 */
export function imageBuildOf(
  context: Record<string, unknown>,
  env: string,
): { readonly directory: string } | undefined | null {
  try {
    const [resolved] = loadEnvironments({ ...context, envs: env });
    return resolved?.config.service.build ?? undefined;
  } catch (e) {
    if (e instanceof ConfigError) return null;
    throw e;
  }
}

/**
 * CDK context for the released images of `environments`: `{ "<env>.service.image": "<image>" }` for
 * each one with an image release file; a build release sets nothing (the environment's
 * `service.build` builds the source). The entry point passes it as the app's default context, which
 * `-c` on the command line still overrides. `context` is the app's own context, used to refuse a
 * release file that does not match how the environment gets its image.
 */
export function releasedImageContext(
  root: string,
  environments: readonly string[],
  context: Record<string, unknown> = {},
): Record<string, string> {
  const released: Record<string, string> = {};
  const problems: string[] = [];
  for (const env of environments) {
    const record = readRelease(root, env);
    if (!record) continue;
    const build = imageBuildOf(context, env);
    const where = path.join(RELEASES_DIR, `${env}.json`);
    if (record.image !== undefined && build) {
      problems.push(
        `${where}.image: ${env}.service.build is set, so ${env} releases the image built from its source, not a pushed image: ` +
          `release it with npm run release -- ${env} --build (which rewrites the file), or remove ${env}.service.build to run pushed images`,
      );
    } else if (record.build !== undefined && build === undefined) {
      problems.push(
        `${where}.build: ${env}.service.build is not set, so ${env} runs a pushed image: ` +
          `release it with npm run release -- ${env} --image <ref> (which rewrites the file), or set ${env}.service.build`,
      );
    } else if (record.image !== undefined) {
      released[`${env}.service.image`] = record.image;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return released;
}
