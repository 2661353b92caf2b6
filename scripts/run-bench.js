#!/usr/bin/env node
// Runs every compiled benchmark (dist/bench/*.bench.js) one after another; each prints its figures.
// `npm run bench -- placement` runs only those whose name contains "placement".
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '..', 'dist', 'bench');
if (!existsSync(dir)) {
  console.error('dist/bench is missing: run `npm run build` (make bench does) first');
  process.exit(1);
}
const filter = process.argv[2] ?? '';
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file.replace(/\.bench\.js$/, '')}`);
  const run = spawnSync(process.execPath, ['--expose-gc', path.join(dir, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
