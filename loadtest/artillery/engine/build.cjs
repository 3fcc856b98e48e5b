// Bundles engine.ts with the SDK and the protocol into dist/engine.cjs (esbuild, the product's
// own bundler, found in the checkout's node_modules). Written to a temporary name and renamed,
// so artillery workers building at once never load half a file.
'use strict';
const { renameSync } = require('node:fs');
const path = require('node:path');
const { threadId } = require('node:worker_threads');

const BUNDLE = path.join(__dirname, 'dist', 'engine.cjs');

function buildEngine() {
  const esbuild = require('esbuild');
  const tmp = `${BUNDLE}.${process.pid}-${threadId}.tmp`;
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'engine.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: tmp,
    // Optional native speed-ups that ws and msgpackr load when present and do without otherwise.
    external: ['bufferutil', 'utf-8-validate', 'msgpackr-extract'],
    logLevel: 'warning',
  });
  renameSync(tmp, BUNDLE);
}

module.exports = { BUNDLE, buildEngine };
