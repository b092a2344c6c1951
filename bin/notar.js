#!/usr/bin/env node
// One CommonJS bundle (scripts/build.mjs), loaded after Node's compile cache is on (Node >= 22.1; src/cli/compile-cache.ts).
require('../dist/compile-cache.cjs').enableNodeCompileCache(require('node:module'));
require('../dist/notar.cjs').main(process.argv);
