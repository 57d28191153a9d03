#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config/load';

const app = new App();
try {
  buildApp(app);
} catch (err) {
  if (err instanceof ConfigError) {
    // A config mistake is the user's to fix: print the list, no stack trace.
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
app.synth();
