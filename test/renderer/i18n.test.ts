/**
 * The UI string catalogue: English and German have the same keys, no empty string, the same {{placeholders}} per
 * key, and every key the renderer asks for literally (`t('screen.key')`) exists (directly or as plural forms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { de } from '../../renderer/src/i18n/de.js';
import { en } from '../../renderer/src/i18n/en.js';
import { repoRoot } from '../../main/node/paths.js';

function flatten(o: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v as object, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

test('English and German catalogues have the same keys, none empty, the same placeholders', () => {
  const e = flatten(en);
  const d = flatten(de);
  assert.ok(e.size > 100, `a real catalogue (${e.size} keys)`);
  assert.deepEqual([...d.keys()].filter((k) => !e.has(k)), [], 'German keys missing in English');
  assert.deepEqual([...e.keys()].filter((k) => !d.has(k)), [], 'English keys missing in German');
  for (const [k, v] of e) {
    assert.ok(v.trim(), `en ${k} is empty`);
    assert.ok(d.get(k)!.trim(), `de ${k} is empty`);
    assert.deepEqual(placeholders(d.get(k)!), placeholders(v), `placeholders of ${k}`);
  }
  // Not a copy: most German strings differ from the English ones.
  const same = [...e].filter(([k, v]) => d.get(k) === v).length;
  assert.ok(same < e.size * 0.25, `${same} of ${e.size} German strings equal the English`);
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(n) ? [p] : [];
  });
}

test('every literal key the renderer uses is in the catalogue', () => {
  const e = flatten(en);
  const used = new Set<string>();
  for (const f of sources(join(repoRoot, 'renderer', 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 50, `${used.size} keys found`);
  const missing = [...used].filter((k) => !e.has(k) && !e.has(`${k}_other`) && k !== 'screen.key');
  assert.deepEqual(missing, []);
});
