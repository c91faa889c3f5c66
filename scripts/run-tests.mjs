#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (through tsx), so CI reads node's summary lines.
// Usage: node scripts/run-tests.mjs [substring filter ...]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The whole suite (npm test, CI) lints first: layering and real-problem rules (eslint.config.js). A subset run
// (with filters) does not; lint one file with `npx eslint <file>`.
if (filters.length === 0) {
  const lint = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed: fix the errors above (npx eslint <file>); tests not run');
    process.exit(lint.status ?? 1);
  }
  // Prettier checks the files listed in .prettier-checked (kept formatted; the rest of the tree is not reformatted).
  const formatted = readFileSync(join(root, '.prettier-checked'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const fmt = spawnSync(process.execPath, [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', ...formatted], { cwd: root, stdio: 'inherit' });
  if (fmt.status !== 0) {
    console.error('format check failed: npx prettier --write <file>; tests not run');
    process.exit(fmt.status ?? 1);
  }
}
// Two cores: run files one at a time so timing-sensitive native work (ONNX, sharp) does not starve.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
