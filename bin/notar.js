#!/usr/bin/env node
// CommonJS (bin/package.json): see src/cli/fast-main.ts for why.
require('../dist/cli-bundle/fast.cjs');
