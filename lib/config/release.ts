/**
 * Where the released image of an environment lives: `releases/<env>.json`, a file in the repository
 * that `npm run release` writes, and that is committed with the release (the CI workflow commits
 * it). The app entry point reads it into the config as `<env>.service.image`, above the presets and
 * `cdk.json`, below `-c` on the command line. So a later plain `cdk deploy` from the repository
 * deploys the released image instead of silently reverting to the preset's, and the image of every
 * environment is reviewed and versioned like the rest of the configuration.
 *
 * Kept free of aws-cdk-lib so the release command starts fast.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from './load';

/** Folder of the release files, relative to the project root. */
export const RELEASES_DIR = 'releases';

export interface ReleaseRecord {
  /** Image reference of the release, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/app@sha256:...`. */
  readonly image: string;
  /** When `npm run release` deployed it (ISO 8601). */
  readonly releasedAt?: string;
}

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
    throw new ConfigError([
      `${where}: not valid JSON (${(e as Error).message}); expected {"image": "<image ref>"}`,
    ]);
  }
  const record = parsed as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${where}: got ${JSON.stringify(parsed)}; expected {"image": "<image ref>"}`);
  } else {
    if (typeof record.image !== 'string' || record.image === '') {
      problems.push(
        `${where}.image: got ${JSON.stringify(record.image)}; must be an image reference (a non-empty string)`,
      );
    }
    for (const key of Object.keys(record).filter((k) => k !== 'image' && k !== 'releasedAt')) {
      problems.push(`${where}.${key}: unknown key; allowed keys here: image, releasedAt`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    image: record.image as string,
    ...(record.releasedAt ? { releasedAt: String(record.releasedAt) } : {}),
  };
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
 * CDK context for the released images of `environments`: `{ "<env>.service.image": "<image>" }` for
 * each one that has a release file. The entry point passes it as the app's default context, which
 * `-c` on the command line still overrides.
 */
export function releasedImageContext(root: string, environments: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const env of environments) {
    const record = readRelease(root, env);
    if (record) context[`${env}.service.image`] = record.image;
  }
  return context;
}
