import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvCell, csvLine } from '../main/common/csv.js';
import { exportInspections } from '../main/store/export.js';
import { openStore } from '../main/store/store.js';
import { inspection, parseCsv, seed, tempDir } from './store/helpers.js';

test('csvCell: RFC 4180 quoting', () => {
  assert.equal(csvCell('abc'), 'abc');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('x\ny'), '"x\ny"');
  assert.equal(csvCell(' x'), '" x"');
  assert.equal(csvCell(null), '');
  assert.equal(csvLine(['a', 1, null]), 'a,1,\r\n');
});

test('csvCell neutralises formula starts (OWASP): = + - @ tab CR; numbers stay numbers', () => {
  assert.equal(csvCell('=HYPERLINK(1)'), `"'=HYPERLINK(1)"`);
  assert.equal(csvCell('+1'), `"'+1"`);
  assert.equal(csvCell('-2+3'), `"'-2+3"`);
  assert.equal(csvCell('@SUM(A1)'), `"'@SUM(A1)"`);
  assert.equal(csvCell('\t=1'), `"'\t=1"`);
  assert.equal(csvCell('\r=1'), `"'\r=1"`);
  assert.equal(csvCell('=a,"b"'), `"'=a,""b"""`);
  assert.equal(csvCell(-5), '-5');
  assert.equal(csvCell(0.25), '0.25');
  // a cell that already starts with ' is quoted, so a reader cannot confuse it with an escape the station added
  assert.equal(csvCell("'x"), `"'x"`);
  assert.equal(csvCell('a=b'), 'a=b');
});

test('the log export writes a hot folder named =HYPERLINK(1) as inert text', async (t) => {
  const dir = tempDir(t);
  const store = openStore(join(dir, 's.db'), { durability: 'normal' });
  t.after(() => store.close());
  seed(store);
  store.recordInspections([inspection(0, { sourceName: '=HYPERLINK(1)', framePath: '=HYPERLINK(1)/0.png' }), inspection(1, { sourceName: '@cmd' })]);
  const out = join(dir, 'log.csv');
  assert.equal(await exportInspections(store, {}, 'csv', out), 2);
  const rows = parseCsv(readFileSync(out, 'utf8'));
  const header = rows[0]!;
  const cells = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  assert.equal(cells[0]!.sourceName, "'=HYPERLINK(1)");
  assert.equal(cells[0]!.framePath, "'=HYPERLINK(1)/0.png");
  assert.equal(cells[1]!.sourceName, "'@cmd");
  for (const r of rows.slice(1)) for (const c of r) assert.doesNotMatch(c, /^[=+@\t\r]/);
});
