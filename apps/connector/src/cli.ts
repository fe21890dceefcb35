#!/usr/bin/env node
// The operator CLI's entry (package.json `bin`: scim-connector). It loads Nest and the libraries
// only once it has a command to run, so --help and --version answer at once.
import { runCli } from './cli/operator-cli.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = exitCode;
