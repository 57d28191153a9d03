import * as fs from 'fs';
import { RULES_DOC_PATH, currentExceptions, renderExceptions } from '../../bin/rules-docs';
import { EXCEPTIONS } from '../../lib/governance/exceptions';

describe('rule exceptions in docs/rules.md', () => {
  test('GIVEN lib/governance/exceptions.ts WHEN the table is generated THEN docs/rules.md holds exactly it', () => {
    const inDoc = currentExceptions(fs.readFileSync(RULES_DOC_PATH, 'utf8'));
    expect(inDoc).toBeDefined();
    if (inDoc !== renderExceptions()) {
      throw new Error(
        'docs/rules.md differs from lib/governance/exceptions.ts: run npm run docs:rules and commit it',
      );
    }
  });

  test('the table has one row per exception, with its reason', () => {
    const table = renderExceptions();
    for (const e of EXCEPTIONS) expect(table).toContain(e.reason.replace(/\|/g, '\\|'));
    expect(table.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(EXCEPTIONS.length);
  });
});
