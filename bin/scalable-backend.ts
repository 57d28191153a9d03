#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config/load';

const app = new App();
try {
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
