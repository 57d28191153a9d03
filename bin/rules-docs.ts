#!/usr/bin/env node
/**
 * `npm run docs:rules`: regenerate the table of rule exceptions in `docs/rules.md` from
 * `lib/governance/exceptions.ts`, between `<!-- rule-exceptions:start -->` and
 * `<!-- rule-exceptions:end -->`, so the document cannot drift from what the synth acknowledges:
 * `test/governance/rules-docs.test.ts` fails when the two differ.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXCEPTIONS } from '../lib/governance/exceptions';

export const START_MARKER = '<!-- rule-exceptions:start -->';
export const END_MARKER = '<!-- rule-exceptions:end -->';
export const RULES_DOC_PATH = path.join(__dirname, '..', 'docs', 'rules.md');

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The generated table: one row per exception, in the order of the list. */
export function renderExceptions(): string {
  const rows = EXCEPTIONS.map((e) =>
    [
      `\`${e.rule}\``,
      e.pack,
      cell(e.applies),
      e.at.length ? e.at.map((p) => `\`${p}\``).join(', ') : 'the whole stack',
      cell(e.reason),
    ].join(' | '),
  );
  return [
    START_MARKER,
    '<!-- prettier-ignore-start -->',
    '',
    '| Rule | Pack | Applies when | Where | Why it is safe (or what to do instead) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
    '',
    '<!-- prettier-ignore-end -->',
    END_MARKER,
  ].join('\n');
}

/** The table currently in the document, or undefined without markers. */
export function currentExceptions(doc: string): string | undefined {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) return undefined;
  return doc.slice(start, end + END_MARKER.length);
}

if (require.main === module) {
  const doc = fs.readFileSync(RULES_DOC_PATH, 'utf8');
  const current = currentExceptions(doc);
  if (current === undefined) {
    process.stderr.write(`docs/rules.md has no ${START_MARKER} ... ${END_MARKER} section\n`);
    process.exit(1);
  }
  fs.writeFileSync(RULES_DOC_PATH, doc.replace(current, renderExceptions()));
}
