#!/usr/bin/env node
// One CommonJS bundle (scripts/build.mjs), compiled with a private compile cache (src/cli/compile-cache.ts).
require('../dist/compile-cache.cjs').loadBundle(`${__dirname}/../dist/notar.cjs`).main(process.argv);
