// What artillery loads for `engine: lawline` (it requires `artillery-engine-lawline`, which
// loadtest/package.json links to this folder). The engine and the SDK are TypeScript: they run
// from one CommonJS bundle built by esbuild (`build.cjs`), so artillery's worker threads need no
// loader hooks. `npm run loadtest` rebuilds it before every run; a bare `artillery run` builds it
// here when it is missing.
'use strict';
const { existsSync } = require('node:fs');
const { BUNDLE, buildEngine } = require('./build.cjs');

if (!existsSync(BUNDLE)) buildEngine();
module.exports = require(BUNDLE).LawlineEngine;
