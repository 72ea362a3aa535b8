#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../config/load-config';
import { addVigilStacks } from './vigil-app';

const app = new App();
try {
  addVigilStacks(app, loadConfig(app.node.tryGetContext('env')));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad config is the user's to fix: one line naming the field beats a stack trace.
  console.error(error.message);
  process.exit(1);
}
