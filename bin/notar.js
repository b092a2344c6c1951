#!/usr/bin/env node
// CommonJS (bin/package.json). `verify` and `prove` start from one CommonJS
// bundle, without the ESM loader (src/cli/fast-main.ts); the rest is ESM.
const command = process.argv[2];
if (command === 'verify' || command === 'prove') require('../dist/cli-bundle/fast.cjs');
else import('../dist/cli-bundle/main.js');
