#!/usr/bin/env node
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config/load';
import { releasedEnvironments, releasedImageContext } from '../lib/config/release';

let app: App;
try {
  // The images released with `npm run release` (releases/<env>.json): a plain `cdk deploy` deploys
  // them too. Context from the command line (-c <env>.service.image=...) still wins.
  const root = path.join(__dirname, '..');
  // The app's own context (cdk.json, -c), read by an app that never synthesizes: a release file must
  // match how its environment gets its image (service.image or service.build).
  const own = new App({ autoSynth: false }).node.getAllContext();
  app = new App({ context: releasedImageContext(root, releasedEnvironments(root), own) });
  // The entry point, not a construct, reads the environment: cdklocal always sets AWS_ENDPOINT_URL.
  buildApp(app, { endpoint: process.env.AWS_ENDPOINT_URL });
} catch (err) {
  if (err instanceof ConfigError) {
    // A config mistake is the user's to fix: print the list, no stack trace.
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
app.synth();
