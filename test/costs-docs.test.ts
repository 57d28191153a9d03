import * as fs from 'fs';
import { COSTS_DOC_PATH, renderCostsDoc } from '../bin/costs-docs';
import { leverCosts } from '../lib/plan/levers';
import { CfnTemplate } from '../lib/plan/template';
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
