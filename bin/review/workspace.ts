import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from '../cli';
import { CfnTemplate, StackTemplates } from './classify';

/**
 * The side-effect half of `npm run review`: find the base commit, check it out into a temporary
 * `git worktree`, synthesize both sides with the project's own `cdk` CLI and read the templates back.
 */

/** Run git in `cwd` and return its trimmed stdout; throws with git's message on failure. */
export function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function tryGit(cwd: string, args: readonly string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

const commitOf = (cwd: string, ref: string): string | undefined =>
  tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);

/** The commit the change is compared with, and how it was chosen. */
export interface BaseCommit {
  readonly ref: string;
  readonly sha: string;
  /** e.g. "given with --base", "merge base with origin/main". */
  readonly how: string;
}

/**
 * `ref` when given; otherwise the merge base of HEAD with `origin/main`, else with `main`, else
 * `HEAD~1`.
 */
export function resolveBase(cwd: string, ref?: string): BaseCommit {
  if (ref !== undefined) {
    const sha = commitOf(cwd, ref);
    if (!sha) {
      throw new CliError(
        `--base ${ref}: not a commit in this repository (fetch it first, e.g. git fetch origin main)`,
      );
    }
    return { ref, sha, how: 'given with --base' };
  }
  for (const candidate of ['origin/main', 'main']) {
    if (!commitOf(cwd, candidate)) continue;
    const sha = tryGit(cwd, ['merge-base', 'HEAD', candidate]);
    if (sha) return { ref: candidate, sha, how: `merge base with ${candidate}` };
  }
  const parent = commitOf(cwd, 'HEAD~1');
  if (parent)
    return { ref: 'HEAD~1', sha: parent, how: 'HEAD~1 (no origin/main or main to merge-base with)' };
  throw new CliError('no base commit: there is no origin/main, no main and no HEAD~1; pass --base <git ref>');
}

/** "HEAD 1a2b3c4" or "HEAD 1a2b3c4 plus uncommitted changes". */
export function describeWorkingTree(cwd: string): string {
  const head = tryGit(cwd, ['rev-parse', '--short', 'HEAD']) ?? '(no commit)';
  const dirty = tryGit(cwd, ['status', '--porcelain', '--untracked-files=normal']);
  return `the working tree (HEAD ${head}${dirty ? ' plus uncommitted changes' : ''})`;
}

/** A checkout of the base commit in a temporary directory; `dispose` removes it again. */
export interface BaseCheckout {
  readonly dir: string;
  /** `linked`: the working tree's node_modules is reused; `installed`: `npm ci` ran. */
  readonly modules: 'linked' | 'installed';
  dispose(): void;
}

/**
 * Check `sha` out into a temporary `git worktree` under `tmpRoot`. Its dependencies are the working
 * tree's `node_modules` (a symlink) when both `package-lock.json` files are identical; otherwise
 * `npm ci` installs the base's own.
 */
export async function checkoutBase(
  repoRoot: string,
  sha: string,
  tmpRoot: string,
  log: (line: string) => void,
): Promise<BaseCheckout> {
  const dir = path.join(tmpRoot, 'base');
  git(repoRoot, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
  const dispose = () => {
    const modules = path.join(dir, 'node_modules');
    // Unlink the symlink first so nothing ever deletes through it into the working tree's modules.
    if (fs.lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(modules);
    if (!tryGit(repoRoot, ['worktree', 'remove', '--force', dir])) {
      fs.rmSync(dir, { recursive: true, force: true });
      tryGit(repoRoot, ['worktree', 'prune']);
    }
  };
  try {
    const headLock = readIfExists(path.join(repoRoot, 'package-lock.json'));
    const baseLock = readIfExists(path.join(dir, 'package-lock.json'));
    const headModules = path.join(repoRoot, 'node_modules');
    // Lookups cached by the working tree (cdk.context.json) apply to the base too, so both sides
    // resolve the same availability zones and AMIs offline.
    const contextCache = path.join(repoRoot, 'cdk.context.json');
    if (fs.existsSync(contextCache) && !fs.existsSync(path.join(dir, 'cdk.context.json'))) {
      fs.copyFileSync(contextCache, path.join(dir, 'cdk.context.json'));
    }
    if (headLock !== undefined && headLock === baseLock && fs.existsSync(headModules)) {
      fs.symlinkSync(headModules, path.join(dir, 'node_modules'), 'dir');
      log('base: package-lock.json matches the working tree; reusing its node_modules');
      return { dir, modules: 'linked', dispose };
    }
    log('base: package-lock.json differs from the working tree; running npm ci in the base checkout');
    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, 'npm ci in the base checkout');
    return { dir, modules: 'installed', dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/**
 * Synthesize the app in `projectDir` into `outdir` with that project's own `cdk` CLI and the given
 * `-c key=value` pairs. No AWS account or credentials are involved (`cdk synth` is offline).
 */
export async function synthesize(
  projectDir: string,
  outdir: string,
  context: readonly string[],
  label: string,
) {
  let cdkCli: string;
  try {
    cdkCli = require.resolve('aws-cdk/bin/cdk', { paths: [projectDir] });
  } catch {
    throw new CliError(`${label}: the aws-cdk CLI is not installed in ${projectDir} (run npm ci)`);
  }
  const args = [cdkCli, 'synth', '--quiet', '--no-notices', '--output', outdir];
  for (const c of context) args.push('--context', c);
  await run(process.execPath, args, projectDir, `cdk synth of ${label}`);
}

const running = new Set<ChildProcess>();

/** Stop the syntheses and installs still running (on Ctrl-C), so none writes into removed directories. */
export function stopRunning(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** Run a command; on failure throw a CliError with the last lines of its output. */
function run(command: string, args: readonly string[], cwd: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', FORCE_COLOR: '0' },
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => reject(new CliError(`${what} could not start: ${e.message}`)));
    child.on('close', (code) => {
      running.delete(child);
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').slice(-15).join('\n');
      reject(new CliError(`${what} failed (exit ${code}):\n${tail}`));
    });
  });
}

/** The stack templates of a cloud assembly, by stack name, read from its manifest. */
export function readAssembly(outdir: string): StackTemplates {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; displayName?: string; properties?: { templateFile?: string } }
    >;
  };
  const templates: Record<string, CfnTemplate> = {};
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const file = path.join(outdir, artifact.properties.templateFile);
    templates[artifact.displayName ?? id] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return templates;
}

/** A fresh temporary directory for one review run. */
export function makeTempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sb-review-'));
}
