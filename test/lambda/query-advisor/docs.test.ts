import * as fs from 'fs';
import * as path from 'path';
import { QueryReport } from '../../../lambda/query-advisor/analysis';
import { formatQueryReport } from '../../../lambda/query-advisor/format';
import report from './workload-report.json';

describe('the worked example in docs/scaling-advisor.md', () => {
  test('is what the code prints for the report of the integration workload', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'scaling-advisor.md'), 'utf8');
    const block = /<!-- query-example:start -->\s*```text\n([\s\S]*?)```\s*<!-- query-example:end -->/.exec(
      doc,
    );
    expect(block).not.toBeNull();
    const expected = formatQueryReport(report as unknown as QueryReport);
    if (block![1].trimEnd() !== expected.trimEnd()) {
      throw new Error(
        `docs/scaling-advisor.md: replace the query example with the current output:\n${expected}`,
      );
    }
  });

  test('the recorded report is the workload’s: the costliest statement is the filter, with its candidate', () => {
    expect(report.statements[0].query).toBe('SELECT id, total FROM orders WHERE reference = $1');
    expect(report.indexCandidates.map((c) => c.columns)).toEqual([['reference'], ['customer_id']]);
  });
});
