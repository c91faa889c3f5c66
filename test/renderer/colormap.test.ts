/**
 * The UI's heatmap legend and fallback overlay must use the same colours as the engine's heatmap PNGs,
 * or the legend lies about what the operator sees. Also checks the chart tick helper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuantised, HEAT_LUT, heatGradientCss, paintQuantised } from '../../renderer/src/lib/colormap.js';
import { niceTicks } from '../../renderer/src/components/ScoreHistogram.js';

test('the heat table is clear far below the threshold, opaque red at twice it', () => {
  assert.equal(HEAT_LUT.length, 256 * 4);
  assert.equal(HEAT_LUT[0 * 4 + 3], 0, 'q = 0 is transparent');
  assert.equal(HEAT_LUT[39 * 4 + 3], 0, 'below ~0.3x threshold stays transparent');
  assert.deepEqual([...HEAT_LUT.subarray(128 * 4, 128 * 4 + 3)], [255, 230, 0], 'yellow at the threshold');
  assert.deepEqual([...HEAT_LUT.subarray(255 * 4, 256 * 4)], [255, 0, 0, 220]);
  for (let q = 41; q < 256; q++) assert.ok(HEAT_LUT[q * 4 + 3]! >= HEAT_LUT[(q - 1) * 4 + 3]!, 'opacity never falls as the score rises');
  assert.match(heatGradientCss(), /^linear-gradient\(to right, rgb\(0,0,255\) 0%, .* rgb\(255,0,0\) 100%\)$/);
});

test('quantised maps decode from base64 and paint through the LUT', () => {
  const q = Uint8Array.from([0, 128, 255]);
  const b64 = Buffer.from(q).toString('base64');
  const decoded = decodeQuantised(b64);
  assert.deepEqual([...decoded], [0, 128, 255]);
  const px = paintQuantised(decoded, new Uint8ClampedArray(12));
  assert.deepEqual([...px.subarray(4, 8)], [...HEAT_LUT.subarray(128 * 4, 129 * 4)]);
  assert.deepEqual([...px.subarray(8, 12)], [...HEAT_LUT.subarray(255 * 4, 256 * 4)]);
});

test('niceTicks gives round, covering ticks', () => {
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceTicks(4.7, 7.6, 6), [5, 5.5, 6, 6.5, 7, 7.5]);
  assert.deepEqual(niceTicks(3, 3, 4), [3]);
});
