#!/usr/bin/env node
// Runs Jest with a JSON report and ends with the plain line CI reads: "N passed, N failed".
// Extra arguments go to Jest. Exit code: Jest's, or 1 when it ran no test at all.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, existsSync, rmSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const report = path.join(root, '.tmp', 'jest-report.json');
mkdirSync(path.dirname(report), { recursive: true });
rmSync(report, { force: true });

const jest = require.resolve('jest/bin/jest');
const args = [jest, '--json', `--outputFile=${report}`, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests + result.numRuntimeErrorTestSuites;
  skipped = result.numPendingTests + result.numTodoTests;
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
const code = run.status ?? 1;
process.exit(code !== 0 ? code : passed === 0 || failed > 0 ? 1 : 0);
