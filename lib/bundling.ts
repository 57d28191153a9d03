import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How this app bundles its Node.js functions with esbuild: minified CommonJS for the Node.js 24
 * runtime, with a source map, and the listed modules left to the runtime.
 *
 * `--preserve-symlinks` keeps module paths as the project sees them: `npm run review` synthesizes the
 * base commit in a worktree whose `node_modules` is a link to the working tree's, and without it
 * esbuild would write the link's target into the bundle (comments and source map), so a function
 * bundling a dependency (the database-role provisioner bundles `pg`) would show a different asset
 * hash for identical code.
 */
export function functionBundling(externalModules: string[]): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    target: 'node24',
    format: nodejs.OutputFormat.CJS,
    externalModules,
    esbuildArgs: { '--preserve-symlinks': true },
  };
}
