import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from '../../../bin/cli';
import { checkoutBase, readAssembly, resolveBase } from '../../../bin/review/workspace';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-review-test-'));
  dirs.push(dir);
  return dir;
}

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();
}

/** A repository with commits `main1`, `main2` on main and `topic1` on a branch from `main1`. */
function repository(): { dir: string; main1: string; main2: string; topic1: string } {
  const dir = tempDir();
  sh(dir, 'init', '-q', '-b', 'main');
  const commit = (file: string, text: string) => {
    fs.writeFileSync(path.join(dir, file), text);
    sh(dir, 'add', '-A');
    sh(dir, 'commit', '-q', '-m', file);
    return sh(dir, 'rev-parse', 'HEAD');
  };
  const main1 = commit('package-lock.json', '{"lockfileVersion": 3}\n');
  sh(dir, 'checkout', '-q', '-b', 'topic');
  const topic1 = commit('topic.txt', 'topic');
  sh(dir, 'checkout', '-q', 'main');
  const main2 = commit('main.txt', 'main');
  sh(dir, 'checkout', '-q', 'topic');
  return { dir, main1, main2, topic1 };
}

describe('resolveBase', () => {
  test('GIVEN --base THEN that commit is the base', () => {
    const repo = repository();

    expect(resolveBase(repo.dir, 'main')).toEqual({ ref: 'main', sha: repo.main2, how: 'given with --base' });
  });

  test('GIVEN an unknown --base THEN a CliError says to fetch it', () => {
    const repo = repository();

    expect(() => resolveBase(repo.dir, 'origin/nope')).toThrow(CliError);
    expect(() => resolveBase(repo.dir, 'origin/nope')).toThrow(/not a commit in this repository/);
  });

  test('GIVEN only main THEN the default base is the merge base with main, not its tip', () => {
    const repo = repository();

    expect(resolveBase(repo.dir)).toEqual({ ref: 'main', sha: repo.main1, how: 'merge base with main' });
  });

  test('GIVEN origin/main THEN it is preferred over main', () => {
    const repo = repository();
    // origin/main at topic1: its merge base with HEAD is topic1, where main's would be main1.
    sh(repo.dir, 'update-ref', 'refs/remotes/origin/main', repo.topic1);

    expect(resolveBase(repo.dir)).toEqual({
      ref: 'origin/main',
      sha: repo.topic1,
      how: 'merge base with origin/main',
    });
  });

  test('GIVEN neither origin/main nor main THEN the base is HEAD~1', () => {
    const repo = repository();
    sh(repo.dir, 'branch', '-q', '-m', 'main', 'trunk');

    expect(resolveBase(repo.dir)).toEqual(
      expect.objectContaining({ ref: 'HEAD~1', sha: repo.main1, how: expect.stringMatching(/^HEAD~1/) }),
    );
  });
});

describe('checkoutBase', () => {
  test('GIVEN the same package-lock.json THEN node_modules is linked, and dispose removes the worktree but not the modules', async () => {
    const repo = repository();
    fs.mkdirSync(path.join(repo.dir, 'node_modules', 'marker'), { recursive: true });
    const log: string[] = [];

    const checkout = await checkoutBase(repo.dir, repo.main1, tempDir(), (l) => log.push(l));

    expect(checkout.modules).toBe('linked');
    expect(fs.realpathSync(path.join(checkout.dir, 'node_modules'))).toBe(
      fs.realpathSync(path.join(repo.dir, 'node_modules')),
    );
    expect(fs.existsSync(path.join(checkout.dir, 'topic.txt'))).toBe(false);
    expect(log.join('\n')).toMatch(/reusing its node_modules/);
    checkout.dispose();
    expect(fs.existsSync(checkout.dir)).toBe(false);
    expect(fs.existsSync(path.join(repo.dir, 'node_modules', 'marker'))).toBe(true);
    expect(sh(repo.dir, 'worktree', 'list')).not.toContain(checkout.dir);
  });
});

describe('readAssembly', () => {
  test('GIVEN a cloud assembly manifest THEN the stack templates are read by stack name', () => {
    const outdir = tempDir();
    fs.writeFileSync(
      path.join(outdir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          'ScalableBackend-dev': {
            type: 'aws:cloudformation:stack',
            displayName: 'ScalableBackend-dev',
            properties: { templateFile: 'ScalableBackend-dev.template.json' },
          },
          Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
        },
      }),
    );
    fs.writeFileSync(
      path.join(outdir, 'ScalableBackend-dev.template.json'),
      JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }),
    );

    expect(readAssembly(outdir)).toEqual({
      'ScalableBackend-dev': { Resources: { Q: { Type: 'AWS::SQS::Queue' } } },
    });
  });
});
