#!/usr/bin/env node
/**
 * `npm run review [-- [<env>...] --base <git ref>] [-c key=value ...] [--allow-replace <LogicalId> ...]
 * [--markdown <file>] [--json]`
 *
 * Synthesizes the base commit (in a temporary git worktree) and the working tree with the same
 * context, prints a summary and the full diff per stack, and exits 1 when the change would replace
 * or remove a stateful resource that no `--allow-replace` acknowledges. Offline: no AWS account.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliError, parseCliArgs, parseContextPairs, printJson, resolveTarget, runCli, say } from './cli';
import { reviewTemplates, StackTemplates } from './review/classify';
import { renderMarkdown, renderText, ReviewSubject, stripAnsi } from './review/report';
import {
  BaseCheckout,
  BaseCommit,
  checkoutBase,
  describeWorkingTree,
  git,
  makeTempRoot,
  readAssembly,
  resolveBase,
  stopRunning,
  synthesize,
} from './review/workspace';

const USAGE = `usage: npm run review -- [<env>...] [--base <git ref>] [-c key=value ...] [--allow-replace <LogicalId> ...]
                        [--markdown <file>] [--json]

Compares the stacks synthesized from the working tree with those of a base commit, offline.
  <env>...                   environments (or their stacks) to review, e.g. staging; the same as
                             -c envs=staging (default: the app's default environments)
  --base <ref>               commit to compare with (default: merge base with origin/main, else main,
                             else HEAD~1)
  -c, --context key=value    context for both synths, e.g. -c envs=dev (repeatable)
  --allow-replace <id>       acknowledge replacing or removing this stateful resource (logical id, or
                             Stack/LogicalId for one stack only; repeatable)
  --markdown <file>          also write the report as Markdown (e.g. "$GITHUB_STEP_SUMMARY")
  --json                     print the findings as JSON on stdout (the report goes to stderr)
Exit status: 0 when no stateful resource is replaced or removed, and no create-before-delete conflict,
network change under an instance or regenerated credential is found, without acknowledgement; 1 otherwise.`;

/** The parsed command line and the context both synths get (`<env>...` becomes `-c envs=...`). */
export function parseReviewArgs(argv: readonly string[]) {
  const args = parseCliArgs(argv, {
    usage: USAGE,
    flags: ['json'],
    options: ['base', 'markdown'],
    repeatable: ['context', 'allow-replace'],
    aliases: { c: 'context' },
  });
  // Refuse a malformed pair before anything is checked out; both synths get the pairs as given.
  const pairs = parseContextPairs(args.repeated.context, USAGE);
  const context = [...args.repeated.context];
  if (args.positionals.length) {
    if ('envs' in pairs)
      throw new CliError(`give the environments as arguments or as -c envs=..., not both\n\n${USAGE}`, 2);
    context.push(`envs=${args.positionals.map((a) => resolveTarget(a, USAGE).env).join(',')}`);
  }
  return { args, context };
}

async function main(): Promise<number> {
  const { args, context } = parseReviewArgs(process.argv.slice(2));
  const cwd = process.cwd();
  let repoRoot: string;
  try {
    repoRoot = git(cwd, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new CliError('npm run review needs a git repository (the base is a commit)');
  }
  const base = resolveBase(repoRoot, args.options.base);
  const subject: ReviewSubject = {
    base: `${base.ref} (${base.sha.slice(0, 7)}, ${base.how})`,
    head: describeWorkingTree(repoRoot),
    context,
  };
  say(`review: base ${subject.base}`);

  const templates = await synthesizeBoth(repoRoot, base, context);
  const review = reviewTemplates(templates.base, templates.head, args.repeated['allow-replace']);

  const text = renderText(review, subject);
  if (args.flags.json) {
    process.stderr.write(text);
    printJson({
      base: { ref: base.ref, sha: base.sha, how: base.how },
      context,
      hasDifferences: review.hasDifferences,
      stacks: review.stacks.map(({ stackName, status, counts, security }) => ({
        stackName,
        status,
        counts,
        security,
      })),
      statefulChanges: review.statefulChanges,
      gate: review.blocked.length ? 'blocked' : 'passed',
      unusedAllowances: review.unusedAllowances,
    });
  } else {
    process.stdout.write(text);
  }
  if (args.options.markdown) {
    fs.writeFileSync(args.options.markdown, stripAnsi(renderMarkdown(review, subject)));
    say(`review: Markdown report written to ${args.options.markdown}`);
  }
  return review.blocked.length ? 1 : 0;
}

/**
 * Synthesize the base commit (in a temporary worktree) and the working tree at once, with the same
 * context, and read both assemblies. Everything temporary is removed afterwards, also on Ctrl-C.
 */
async function synthesizeBoth(
  repoRoot: string,
  base: BaseCommit,
  context: readonly string[],
): Promise<{ base: StackTemplates; head: StackTemplates }> {
  const tmpRoot = makeTempRoot();
  // Each output directory sits inside its project at the same depth: the source maps of bundled
  // functions hold paths relative to it, so identical code hashes identically on both sides.
  const outName = `cdk.out.review-${process.pid}`;
  const headOut = path.join(repoRoot, outName);
  let checkout: BaseCheckout | undefined;
  const cleanUp = () => {
    checkout?.dispose();
    checkout = undefined;
    fs.rmSync(tmpRoot, { recursive: true, force: true });
    fs.rmSync(headOut, { recursive: true, force: true });
  };
  const onInterrupt = () => {
    stopRunning();
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    checkout = await checkoutBase(repoRoot, base.sha, tmpRoot, (l) => say(`review: ${l}`));
    const baseOut = path.join(checkout.dir, outName);
    say('review: synthesizing the base and the working tree (cdk synth, offline)');
    const started = Date.now();
    await Promise.all([
      synthesize(checkout.dir, baseOut, context, `the base ${base.ref}`),
      synthesize(repoRoot, headOut, context, 'the working tree'),
    ]);
    say(`review: synthesized both in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { base: readAssembly(baseOut), head: readAssembly(headOut) };
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    cleanUp();
  }
}

if (require.main === module) runCli(main);
