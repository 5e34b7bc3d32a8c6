#!/usr/bin/env node
'use strict';
// The CLI compiled from src/cli.ts (npm run build:cli); this file only starts it.
const { main } = require('../cli/cli.js');

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  }
);
