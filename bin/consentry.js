#!/usr/bin/env node
// Entry point: runs the CLI from its bundle (cli-bundle.js), or from the TypeScript sources
// through tsx when no bundle can be had or CONSENTRY_NO_BUNDLE is set.
import { cliBundle } from './cli-bundle.js';

const bundle = await cliBundle();
let main;
if (bundle !== null) {
  // Source locations in stack traces: node --enable-source-maps bin/consentry.js …
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
