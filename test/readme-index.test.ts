import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

describe("the README's Documentation index", () => {
  test('GIVEN the pages in docs/ WHEN the index is read THEN it links every one of them', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Documentation\n');
    expect(start).toBeGreaterThan(-1);
    const next = readme.indexOf('\n## ', start + 1);
    const index = readme.slice(start, next === -1 ? undefined : next);
    const linked = new Set([...index.matchAll(/\]\((docs\/[^)#\s]+\.md)\)/g)].map((m) => m[1]));
    const pages = fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`);
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
