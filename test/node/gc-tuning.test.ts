/**
 * The engine's heap setting (main/node/gc-tuning.ts): V8's `--heap-growing-percent` at 100 unless the environment
 * says otherwise, 0 leaving V8's heuristic, anything else refused with the variable's name; applied once per process.
 * (Its effect, full GCs per part and CPU per part, is measured by `npm run bench -- --genicam`, not asserted here.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { HEAP_GROWING_ENV, heapGrowingFlag } from '../../main/node/gc-tuning.js';

test('the flag: 100 % by default, an integer override, 0 for V8 default, malformed values refused', () => {
  assert.equal(heapGrowingFlag({}), '--heap-growing-percent=100');
  assert.equal(heapGrowingFlag({ [HEAP_GROWING_ENV]: '' }), '--heap-growing-percent=100');
  assert.equal(heapGrowingFlag({ [HEAP_GROWING_ENV]: '150' }), '--heap-growing-percent=150');
  assert.equal(heapGrowingFlag({ [HEAP_GROWING_ENV]: '0' }), null);
  for (const bad of ['-5', '1.5', 'lots', '401']) {
    assert.throws(
      () => heapGrowingFlag({ [HEAP_GROWING_ENV]: bad }),
      new RegExp(`${HEAP_GROWING_ENV} must be an integer percent.*"${bad.replace('.', '\\.')}"`),
    );
  }
});

test('an engine process applies it once: the first call decides, later calls report the same flag', () => {
  const script = `
    import { tuneGc } from './main/node/gc-tuning.ts';
    const first = tuneGc({ ${HEAP_GROWING_ENV}: '120' });
    const again = tuneGc({ ${HEAP_GROWING_ENV}: '0' });
    console.log(JSON.stringify([first, again]));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), ['--heap-growing-percent=120', '--heap-growing-percent=120']);
});
