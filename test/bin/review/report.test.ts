import { reviewTemplates } from '../../../bin/review/classify';
import { renderMarkdown, renderText, ReviewSubject } from '../../../bin/review/report';
import { DEV, devTemplate, PRIMARY } from './fixture';

const SUBJECT: ReviewSubject = {
  base: 'origin/main (1234567, merge base with origin/main)',
  head: 'the working tree (HEAD 89abcde)',
  context: ['envs=dev'],
};

const dbNameChanged = () =>
  reviewTemplates(
    { [DEV]: devTemplate() },
    {
      [DEV]: devTemplate((r) => {
        r[PRIMARY].Properties.DBName = 'other';
        r.ServiceTaskCountTargetDF7542A8.Properties.MaxCapacity = 6;
      }),
    },
  );

describe('renderText', () => {
  test('GIVEN no differences THEN it says so and the gate passes', () => {
    const text = renderText(reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: devTemplate() }), SUBJECT);

    expect(text).toContain('There are no differences');
    expect(text).toContain('Data-safety gate: passed');
    expect(text).toContain('Base: origin/main (1234567, merge base with origin/main)');
  });

  test('GIVEN a replaced primary THEN the summary counts it, the full diff marks DBName and the gate says how to acknowledge', () => {
    const text = renderText(dbNameChanged(), SUBJECT);

    expect(text).toContain(`${DEV}: changed; resources 0 added, 0 removed, 1 replaced, 1 modified`);
    expect(text).toMatch(/DBName \(requires replacement\)/);
    expect(text).toContain(
      `BLOCKED: ${DEV} ${PRIMARY} (AWS::RDS::DBInstance, primary database instance) would be replaced: DBName requires replacement`,
    );
    expect(text).toContain(`--allow-replace ${PRIMARY}`);
  });
});

describe('renderMarkdown', () => {
  test('GIVEN a replaced primary THEN the table comes first, the finding is named and the diff is folded', () => {
    const md = renderMarkdown(dbNameChanged(), SUBJECT);

    const table = md.indexOf('| Stack | Status |');
    const finding = md.indexOf(`**BLOCKED**: ${DEV} \`${PRIMARY}\``);
    const details = md.indexOf(`<details><summary>Full diff: ${DEV} (changed)</summary>`);
    expect(table).toBeGreaterThan(0);
    expect(finding).toBeGreaterThan(table);
    expect(details).toBeGreaterThan(finding);
    expect(md).toContain(`| ${DEV} | changed | 0 | 0 | 1 | 1 | no changes | no changes |`);
    expect(md.slice(details)).toMatch(
      /```text\n[\s\S]*DBName \(requires replacement\)[\s\S]*\n```\n\n<\/details>/,
    );
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/\u001b\[/);
  });

  test('GIVEN a new stack THEN its row says new and the gate passes', () => {
    const md = renderMarkdown(reviewTemplates({}, { 'ScalableBackend-prod': devTemplate() }), {
      ...SUBJECT,
      context: [],
    });

    expect(md).toMatch(/^## Infrastructure review: data-safety gate passed/);
    expect(md).toMatch(/\| ScalableBackend-prod \| new \| 11 \| 0 \| 0 \| 0 \|/);
  });
});
