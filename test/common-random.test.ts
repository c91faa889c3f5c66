import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, hashSeed, mulberry32 } from '../main/common/random.js';

test('mulberry32 is deterministic, seed-dependent and uniform-ish in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 10000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.notEqual(xs[0], c());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});

test('createRng int covers both ends inclusively and uniform stays in range', () => {
  const r = createRng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 6);
    assert.ok(Number.isInteger(v) && v >= 3 && v <= 6);
    seen.add(v);
    const u = r.uniform(-2, 5);
    assert.ok(u >= -2 && u < 5);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
});

test('hashSeed depends on every part and on their boundaries', () => {
  const s = hashSeed(1, 'brightness', 'test/good/000.png');
  assert.equal(s, hashSeed(1, 'brightness', 'test/good/000.png'));
  assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
  const others = [
    hashSeed(2, 'brightness', 'test/good/000.png'),
    hashSeed(1, 'background', 'test/good/000.png'),
    hashSeed(1, 'brightness', 'test/good/001.png'),
    hashSeed('1b', 'rightness', 'test/good/000.png'),
  ];
  for (const o of others) assert.notEqual(o, s);
});
