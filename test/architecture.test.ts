/**
 * Layering rules, checked like a lint rule (VS Code's "common/ has no runtime imports"):
 * - main/common is pure: it imports only itself and zod (validation), never node:, electron, native modules or the DOM side;
 * - the renderer is browser-only: React, its own files, and pure main/common + main/evaluation modules;
 * - evaluation metrics are pure (the renderer bundles them);
 * - nothing in main/ imports the renderer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function files(dir: string, ext = /\.(ts|tsx)$/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'dist' && name !== 'node_modules') out.push(...files(p, ext)); }
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of src.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function target(file: string, spec: string): string {
  return relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '');
}

test('main/common imports nothing but itself and zod', () => {
  const bad: string[] = [];
  for (const f of files(join(root, 'main/common'))) {
    for (const s of imports(f)) {
      const ok = s === 'zod' || s.startsWith('@noble/hashes/') || (s.startsWith('.') && target(f, s).startsWith('main/common/'));
      if (!ok) bad.push(`${relative(root, f)} -> ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the renderer is browser-only: React, its own files and pure shared modules', () => {
  const allowedShared = [/^main\/common\//, /^main\/evaluation\/(metrics|summarize|threshold-rule)$/];
  const bad: string[] = [];
  for (const f of files(join(root, 'renderer/src'))) {
    for (const s of imports(f)) {
      if (/^(react|react-dom)(\/|$)/.test(s)) continue;
      if (s.startsWith('.')) {
        const t = target(f, s);
        if (t.startsWith('renderer/') || allowedShared.some((r) => r.test(t))) continue;
      }
      bad.push(`${relative(root, f)} -> ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('evaluation metrics are pure (the renderer bundles them)', () => {
  const bad: string[] = [];
  for (const name of ['metrics.ts', 'summarize.ts']) {
    const f = join(root, 'main/evaluation', name);
    for (const s of imports(f)) {
      const t = s.startsWith('.') ? target(f, s) : s;
      if (!(t.startsWith('main/common/') || t.startsWith('main/evaluation/'))) bad.push(`${name} -> ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('main/ never imports the renderer', () => {
  const bad = files(join(root, 'main')).flatMap((f) => imports(f).filter((s) => s.startsWith('.') && target(f, s).startsWith('renderer/')).map((s) => `${relative(root, f)} -> ${s}`));
  assert.deepEqual(bad, []);
});
