#!/usr/bin/env node
// `make audit` (issue 13): `npm audit` of the production dependencies, judged against
// config/audit-allowlist.json, where each accepted advisory names its id (GHSA-..., as in the
// advisory's URL), the package, why it is accepted and, optionally, a date after which the entry
// no longer counts (so it is looked at again). Not part of CI (.ci/run): advisories change daily.
//
//   node scripts/audit.js                    runs `npm audit --omit=dev --json`
//   node scripts/audit.js --report FILE      judges a saved report instead (offline, or to test this script)
//   node scripts/audit.js --allowlist FILE   another allowlist
//
// Exit 0: every advisory is allowed. 1: some advisory is not (each is listed). 2: the allowlist is
// invalid, or npm could not fetch advisories (the registry refused or was unreachable): never a pass.
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function argument(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

function fail(code, message) {
  console.error(`audit: ${message}`);
  process.exit(code);
}

/** The allowlist, checked: every entry has an id, a package and a reason; expires is YYYY-MM-DD. */
function readAllowlist(file) {
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(2, `cannot read the allowlist ${file}: ${err.message}`);
  }
  const entries = parsed && Array.isArray(parsed.advisories) ? parsed.advisories : fail(2, `${file}: "advisories" must be a list`);
  const problems = [];
  entries.forEach((e, i) => {
    const where = `${file}: advisories[${i}]`;
    if (typeof e !== 'object' || e === null) return problems.push(`${where} must be an object`);
    if (typeof e.id !== 'string' || !/^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|npm-\d+)$/.test(e.id)) problems.push(`${where}.id must be a GHSA id (GHSA-xxxx-xxxx-xxxx) or npm-<number>`);
    if (typeof e.package !== 'string' || e.package === '') problems.push(`${where}.package must name the package`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) problems.push(`${where}.reason must say why it is accepted (10 characters or more)`);
    if (e.expires !== undefined && (typeof e.expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(e.expires) || Number.isNaN(Date.parse(e.expires)))) problems.push(`${where}.expires must be a date YYYY-MM-DD`);
  });
  if (problems.length > 0) fail(2, `the allowlist is invalid:\n  ${problems.join('\n  ')}`);
  return entries;
}

/** npm audit's JSON report (auditReportVersion 2), from a file or from npm itself. */
function readReport(file) {
  let text;
  if (file !== undefined) {
    text = readFileSync(file, 'utf8');
  } else {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.error) fail(2, `cannot run npm audit: ${run.error.message}`);
    text = run.stdout; // npm exits 1 when it finds vulnerabilities: the report is on stdout either way
  }
  let report;
  try {
    report = JSON.parse(text);
  } catch {
    fail(2, 'npm audit printed no JSON report (is the registry reachable?)');
  }
  if (report === null || typeof report !== 'object' || typeof report.vulnerabilities !== 'object' || report.vulnerabilities === null) {
    const reason = (report && (report.message || (report.error && (report.error.summary || report.error.code)))) || 'no "vulnerabilities" in the report';
    fail(2, `npm audit could not fetch advisories, so nothing was checked: ${reason}`);
  }
  return report;
}

/** One row per advisory and package: the advisory objects of each vulnerability's `via`. */
function advisoriesOf(report) {
  const rows = new Map();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via || []) {
      if (typeof via !== 'object' || via === null) continue; // a string names another vulnerable package
      const ghsa = typeof via.url === 'string' ? /GHSA(-[0-9a-z]{4}){3}/i.exec(via.url) : null;
      const id = ghsa ? ghsa[0] : `npm-${via.source}`;
      const pkg = via.name || vulnerability.name;
      rows.set(`${id} ${pkg}`, { id, package: pkg, severity: via.severity || vulnerability.severity, title: via.title || '', range: via.range || '' });
    }
  }
  return [...rows.values()].sort((a, b) => (a.package === b.package ? a.id.localeCompare(b.id) : a.package.localeCompare(b.package)));
}

const allowlistFile = path.resolve(root, argument('--allowlist') || 'config/audit-allowlist.json');
const allowlist = readAllowlist(allowlistFile);
const reportFile = argument('--report');
const advisories = advisoriesOf(readReport(reportFile === undefined ? undefined : path.resolve(reportFile)));
const today = new Date().toISOString().slice(0, 10);

const used = new Set();
const refused = [];
for (const a of advisories) {
  const entry = allowlist.find((e) => e.id === a.id && e.package === a.package);
  const label = `${a.id} ${a.package} (${a.severity}${a.range ? `, ${a.range}` : ''}): ${a.title}`;
  if (entry !== undefined && (entry.expires === undefined || entry.expires >= today)) {
    used.add(entry);
    console.log(`allowed   ${label}\n          because: ${entry.reason}${entry.expires ? ` (until ${entry.expires})` : ''}`);
  } else {
    refused.push(a);
    console.log(`REFUSED   ${label}${entry !== undefined ? `\n          its allowlist entry expired on ${entry.expires}` : ''}`);
  }
}
for (const e of allowlist) {
  if (!used.has(e) && !refused.some((a) => a.id === e.id && a.package === e.package)) console.log(`unused    ${e.id} ${e.package}: no such advisory now; remove the entry`);
}
console.log(`${advisories.length} advisories in production dependencies: ${advisories.length - refused.length} allowed, ${refused.length} refused`);
process.exit(refused.length === 0 ? 0 : 1);
