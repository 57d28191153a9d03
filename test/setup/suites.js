/**
 * The unit test files of `npm test` and how a full run groups them into shards.
 *
 * Jest gives every test file its own module registry, so each file loads aws-cdk-lib, cdk-nag and
 * the SDK clients again (about a second of CPU per file). A full run (jest.shards.config.js) runs
 * the files in a few shards instead: each shard file (test/shards/shard-<n>.ts) requires its share
 * of the test files inside a `describe` named after the file, so a failure still names the file and
 * a file's hooks stay scoped to it. A file that uses snapshots runs on its own, since jest files a
 * snapshot under the file that runs it. `npx jest <file>` (jest.config.js) still runs one file.
 */
const fs = require('fs');
const path = require('path');

const TEST_ROOT = path.join(__dirname, '..');
/** Folders under test/ that hold no unit tests of `npm test`. */
const NOT_UNIT = new Set(['integration', 'e2e', 'shards', 'fixtures', 'setup']);
const SNAPSHOT = /\.toMatch(Inline)?Snapshot\(|\.toThrowErrorMatchingSnapshot\(/;

/** Every unit test file (`*.test.ts`), sorted, as paths relative to test/. */
function testFiles(dir = TEST_ROOT) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(dir === TEST_ROOT && NOT_UNIT.has(entry.name)) && entry.name !== '__snapshots__') {
        found.push(...testFiles(full));
      }
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(path.relative(TEST_ROOT, full));
    }
  }
  return found.sort();
}

/** Files that must run as their own jest test file (they use snapshots). */
function standaloneFiles() {
  return testFiles().filter((file) => SNAPSHOT.test(fs.readFileSync(path.join(TEST_ROOT, file), 'utf8')));
}

/** The shard files, sorted: test/shards/shard-<n>.ts. */
function shardFiles() {
  return fs
    .readdirSync(path.join(TEST_ROOT, 'shards'))
    .filter((name) => /^shard-\d+\.ts$/.test(name))
    .sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10))
    .map((name) => path.join(TEST_ROOT, 'shards', name));
}

const DURATIONS = path.join(__dirname, 'durations.json');

/**
 * What a file costs, in seconds of a one-by-one run: measured (test/setup/durations.json, refreshed
 * by `npm run test:durations`), or for a file not measured yet, estimated from its size.
 */
function weightOf(file, durations = JSON.parse(fs.readFileSync(DURATIONS, 'utf8'))) {
  return durations[file] ?? fs.statSync(path.join(TEST_ROOT, file)).size / 10_000 + 0.5;
}

/**
 * The test files (relative to test/) that shard `shardFile` runs. Files go to the lightest shard,
 * heaviest first: a stable split that keeps the shards within a few seconds of each other (a stale
 * weight only unbalances them), and every file lands in exactly one shard.
 */
function filesOfShard(shardFile) {
  const shards = shardFiles();
  const index = shards.indexOf(path.resolve(shardFile));
  if (index < 0) throw new Error(`${shardFile} is not one of the shard files: ${shards.join(', ')}`);
  const standalone = new Set(standaloneFiles());
  const durations = JSON.parse(fs.readFileSync(DURATIONS, 'utf8'));
  const weighed = testFiles()
    .filter((file) => !standalone.has(file))
    .map((file) => ({ file, weight: weightOf(file, durations) }))
    .sort((a, b) => b.weight - a.weight || a.file.localeCompare(b.file));
  const load = shards.map(() => 0);
  const files = shards.map(() => []);
  for (const { file, weight } of weighed) {
    const lightest = load.indexOf(Math.min(...load));
    load[lightest] += weight;
    files[lightest].push(file);
  }
  return files[index].sort();
}

/** Writes test/setup/durations.json from the report of `jest --json` (one-by-one run). */
function writeDurations(jestReport) {
  const report = JSON.parse(fs.readFileSync(jestReport, 'utf8'));
  const durations = {};
  for (const result of report.testResults.sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.relative(TEST_ROOT, result.name);
    durations[file] = Math.round((result.endTime - result.startTime) / 100) / 10;
  }
  fs.writeFileSync(DURATIONS, `${JSON.stringify(durations, null, 2)}\n`);
  return Object.keys(durations).length;
}

if (require.main === module) {
  const count = writeDurations(process.argv[2]);
  console.log(`test/setup/durations.json: ${count} test files`);
}

module.exports = { TEST_ROOT, testFiles, standaloneFiles, shardFiles, filesOfShard, weightOf };
