#!/usr/bin/env node
// Runs every test file (src/**/*.test.ts, test/**/*.test.ts) with node:test through tsx.
// Node 20 does not expand globs, so the files are listed here. A run that executes no
// test fails. Extra arguments are passed to node (e.g. a file list to run only those).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function findTests(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : [...findTests('src'), ...findTests('test')].sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const tap = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-tests-')), 'results.tap');
const res = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
let text = '';
try {
  text = readFileSync(tap, 'utf8');
} catch {
  /* no results written */
}
const count = (name) => Number(/^# (\w+) (\d+)$/m.test(text) ? (text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0) : 0);
const tests = count('tests');
const passed = count('pass');
const failed = count('fail') + count('cancelled');
const skipped = count('skipped');
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (tests === 0) {
  console.error('no test was executed: failing the run');
  process.exit(1);
}
process.exit(res.status ?? 1);
