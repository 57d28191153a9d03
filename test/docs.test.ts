import * as fs from 'fs';
import * as path from 'path';
import { AdvisorReport, analyze } from '../lambda/scaling-advisor/analysis';
import { formatReport } from '../lambda/scaling-advisor/format';
import { batchQueries, buildQueries, ids } from '../lambda/scaling-advisor/queries';
import { memberClusterIds, replicationGroupIdFor } from '../lib/cache';
import { PRESETS } from '../lib/config/presets';
import { physicalNameBase } from '../lib/database';
import { advisorThresholds } from '../lib/scaling-advisor';
import { presets } from './helpers';
import { flat, healthyFixture, makeTargets, set } from './lambda/scaling-advisor/fixtures';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

/**
 * Pages the README lists that other work adds; a link to one of them is checked once the file exists.
 */
const PLANNED_PAGES = new Set([
  'docs/first-deploy.md',
  'docs/rules.md',
  'docs/reviewing.md',
  'docs/database.md',
  'docs/going-live.md',
  'docs/costs.md',
  'docs/resilience.md',
]);

/** Lines outside fenced code blocks, tables and HTML comments. */
function proseLines(text: string): { line: string; number: number }[] {
  let fenced = false;
  const out: { line: string; number: number }[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return;
    }
    // Tables, comments and link reference definitions (a URL cannot be wrapped) are not prose.
    const notProse = line.startsWith('|') || line.startsWith('<!--') || /^\[[^\]]+\]: \S+$/.test(line);
    if (!fenced && !notProse) out.push({ line, number: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  return new Set(
    proseLines(read(file))
      .map(({ line }) => /^#{1,6}\s+(.*)$/.exec(line)?.[1])
      .filter((h): h is string => h !== undefined)
      .map(slug),
  );
}

describe('the README', () => {
  test('stays under 30 KB: long references live in docs/', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThan(30 * 1024);
  });

  test('keeps the two commands on its first screen', () => {
    const firstScreen = read('README.md').split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toContain('npm ci && npx cdk synth');
    expect(firstScreen).toContain('npm test');
  });

  test('lists every stack output of the dev and prod templates', () => {
    const readme = read('README.md');
    const { templates } = presets();
    for (const env of ['dev', 'prod'] as const) {
      const outputs = Object.keys((templates[env].toJSON() as { Outputs: object }).Outputs);
      expect(outputs.length).toBeGreaterThan(10);
      for (const key of outputs)
        expect({ key, listed: readme.includes(`\`${key}\``) }).toEqual({ key, listed: true });
    }
  });
});

describe('the container contract in the README', () => {
  test('names every DB_ and REDIS_ variable the task definition hands the container', () => {
    const readme = read('README.md');
    const { templates } = presets();
    type Container = { Environment?: { Name: string }[]; Secrets?: { Name: string }[] };
    const names = new Set<string>();
    for (const env of ['dev', 'prod'] as const) {
      type Resource = { Type: string; Properties: { ContainerDefinitions?: Container[] } };
      const resources = (templates[env].toJSON() as { Resources: Record<string, Resource> }).Resources;
      for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition')) {
        for (const c of r.Properties.ContainerDefinitions ?? []) {
          for (const v of [...(c.Environment ?? []), ...(c.Secrets ?? [])]) {
            if (/^(DB|REDIS)_/.test(v.Name)) names.add(v.Name);
          }
        }
      }
    }
    expect(names.size).toBeGreaterThanOrEqual(14);
    expect([...names].filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });
});

describe.each(DOCS)('%s', (file) => {
  test('has no prose line over 120 characters (tables and code excepted)', () => {
    const long = proseLines(read(file)).filter(({ line }) => line.length > 120);
    expect(long.map(({ number, line }) => `${file}:${number}: ${line.slice(0, 60)}...`)).toEqual([]);
  });

  test('links to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // external
      const [filePart, anchor] = target.split('#');
      const linked = filePart ? path.normalize(path.join(path.dirname(file), filePart)) : file;
      if (!fs.existsSync(path.join(ROOT, linked))) {
        if (!PLANNED_PAGES.has(linked)) broken.push(target);
        continue;
      }
      if (anchor && linked.endsWith('.md') && !anchorsOf(linked).has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });
});

describe('the advisor example in docs/scaling-advisor.md', () => {
  /** A read-bound primary on the advisor's test fixtures, as a laptop run prints it. */
  function renderExample(): string {
    // The prod preset's names, task range and thresholds, as its AdvisorTargets output holds them.
    const prod = PRESETS.prod;
    const stackName = 'ScalableBackend-prod';
    const base = physicalNameBase(stackName);
    const group = replicationGroupIdFor(stackName);
    const targets = makeTargets({
      stackName,
      minTasks: prod.service.minTasks,
      maxTasks: prod.service.maxTasks,
      dbInstanceId: `${base}-primary`,
      replicaInstanceIds: Array.from(
        { length: prod.database.readReplicas },
        (_, i) => `${base}-replica-${i + 1}`,
      ),
      proxyName: `${base}-proxy`,
      cacheReplicationGroupId: group,
      cacheClusterIds: memberClusterIds(group, prod.cache),
      thresholds: advisorThresholds(prod.observability, prod.service),
    });
    const fixture = healthyFixture(targets);
    set(fixture, ids.dbCpu, flat(90));
    const queries = buildQueries(targets);
    const report: AdvisorReport = {
      ...analyze(fixture, targets),
      stackName: targets.stackName,
      generatedAt: '2026-11-30T05:00:30.000Z',
      window: { start: '2026-11-30T04:00:00.000Z', end: '2026-11-30T05:00:00.000Z', minutes: 60 },
      previousVerdict: 'HEALTHY',
      verdictChanged: true,
      published: false,
      notified: false,
      fetch: { calls: batchQueries(queries).length, retries: 0, queries: queries.length },
    };
    return formatReport(report);
  }

  test('is what the code prints for that situation, query count included', () => {
    const doc = read('docs/scaling-advisor.md');
    const block =
      /<!-- advisor-example:start -->\s*```text\n([\s\S]*?)```\s*<!-- advisor-example:end -->/.exec(doc);
    expect(block).not.toBeNull();
    const expected = renderExample();
    if (block![1].trimEnd() !== expected.trimEnd()) {
      throw new Error(`docs/scaling-advisor.md: replace the example with the current output:\n${expected}`);
    }
  });
});
