import * as fs from 'fs';
import {
  COSTS_DOC_PATH,
  README_PATH,
  renderCostsDoc,
  renderReadmeCost,
  withReadmeCost,
} from '../bin/costs-docs';
import { firstDeployPath } from '../lib/plan/first-deploy';
import { leverCosts } from '../lib/plan/levers';
import { CfnTemplate, referencedId } from '../lib/plan/template';
import { presets } from './helpers';

// GIVEN the dev and prod templates the test run synthesized once
const { templates } = presets();
const json = (env: string) => templates[env].toJSON() as unknown as CfnTemplate;

describe('docs/costs.md', () => {
  test('GIVEN the templates, prices and models WHEN the page is rendered THEN docs/costs.md is identical', () => {
    const rendered = renderCostsDoc({ dev: json('dev'), prod: json('prod') });
    if (fs.readFileSync(COSTS_DOC_PATH, 'utf8') !== rendered) {
      throw new Error('docs/costs.md differs from the plan: run npm run docs:costs and commit docs/costs.md');
    }
  });

  test('lever costs are deltas of the plan: one more replica costs what one replica line costs', () => {
    const prod = leverCosts(json('prod'));
    const byLever = Object.fromEntries(prod.map((l) => [l.lever.replace(/^\d\. /, ''), l.monthlyUsd]));
    // a prod replica: db.r7g.large 730 h + 100 GiB gp3 + 31-day Performance Insights (2 vCPUs)
    expect(byLever['Read replicas']).toBeCloseTo(175.2 + 11.5 + 3, 2);
    // one more cache.r7g.large node: 730 h x 0.219
    expect(byLever['Bigger cache nodes, then replicas']).toBeCloseTo(159.87, 2);
    // one more shard of a primary + 1 replica: two nodes
    expect(byLever['Redis cluster mode (sharding)']).toBeCloseTo(2 * 159.87, 2);
    expect(byLever['Optimize queries']).toBe(0);
  });
});

describe('the README first screen', () => {
  test('GIVEN the dev template WHEN the cost statement is rendered THEN README.md holds it, before cdk deploy', () => {
    const readme = fs.readFileSync(README_PATH, 'utf8');
    const block = renderReadmeCost(json('dev'));
    if (withReadmeCost(readme, block) !== readme) {
      throw new Error(
        'README.md cost statement differs from the plan: run npm run docs:costs and commit README.md',
      );
    }
    expect(readme.indexOf(block)).toBeLessThan(readme.indexOf('npx cdk deploy ScalableBackend-dev'));
    expect(block).toMatch(/about \*\*\$\d+\.\d\d a day,\n\$\d+ a month\*\* at 1 task/);
    expect(block.replace(/\n/g, ' ')).toContain(
      'A first deploy takes roughly 30-60 minutes, an estimate from public reports, not timed here: RDS creates the database, then its read replica from a snapshot of it, and only then can the ECS service start',
    );
  });

  // The README's account of the first deploy (primary -> replica -> service in sequence, the cache
  // and the proxy beside them) holds only while the template's references make that order.
  test.each(['dev', 'prod'])(
    'GIVEN the %s template THEN the replicas wait for the primary and the service for the replicas, proxy, cache and ALB',
    (env) => {
      const template = json(env);
      const path = firstDeployPath(template);
      expect(path.primaries).toEqual(['DatabasePrimaryEDE0B3D0']);
      expect(path.replicas).toHaveLength(env === 'dev' ? 1 : 2);
      for (const replica of path.replicas) {
        expect(referencedId(template.Resources[replica].Properties?.SourceDBInstanceIdentifier)).toBe(
          'DatabasePrimaryEDE0B3D0',
        );
      }
      const waitedTypes = path.serviceWaitsFor.map((id) => template.Resources[id].Type).sort();
      expect(waitedTypes).toEqual(
        [
          'AWS::ElastiCache::ReplicationGroup',
          'AWS::ElasticLoadBalancingV2::LoadBalancer',
          'AWS::RDS::DBInstance',
          'AWS::RDS::DBProxy',
          ...path.replicas.map(() => 'AWS::RDS::DBInstance'),
        ].sort(),
      );
    },
  );
});
