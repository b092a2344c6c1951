#!/usr/bin/env node
// The whole CLI is one CommonJS bundle (scripts/build.mjs); Node >= 22.1 caches its compiled code.
require('node:module').enableCompileCache?.();
require('../dist/notar.cjs').main(process.argv);
