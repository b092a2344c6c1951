#!/usr/bin/env node
require('../dist/cli-bundle/launch.cjs').main();
