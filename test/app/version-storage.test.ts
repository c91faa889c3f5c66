/**
 * Deleting versions that share storage: a threshold version shares its parent's model folder, which stays while
 * either uses it and goes with the last one; bank chunks another model folder refers to are never collected.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store/store.js';
import { ModelRegistry } from '../../main/services/model-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'station-version-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a shared model folder and its chunks outlive every version but the last one using them', async () => {
  const store = openStore(join(dir, 'station.db'));
  const reg = new ModelRegistry(store, join(dir, 'models'));
  try {
    const chunk = (name: string) => join(reg.chunkDir, `${name.repeat(64)}.f32`);
    const folder = (id: string, chunks: string[]) => {
      mkdirSync(join(dir, 'models', id), { recursive: true });
      writeFileSync(join(dir, 'models', id, 'model.json'), JSON.stringify({ bank: { segments: chunks.map((c) => ({ chunk: c.repeat(64), from: 0, rows: 1 })) } }));
      store.createModel({ id, kind: 'patchcore', productId: 'default', name: id, artifactPath: join(dir, 'models', id), backbone: 'b', trainInfo: { defaultThreshold: 2 } });
    };
    mkdirSync(reg.chunkDir, { recursive: true });
    for (const c of ['a', 'b', 'c']) {
      writeFileSync(chunk(c), 'x');
      utimesSync(chunk(c), new Date(0), new Date(0)); // past the collection grace period
    }
    folder('m1', ['a', 'b']);
    folder('m2', ['b', 'c']); // a learned version sharing chunk b
    store.updateProduct('default', { activeModelId: 'm1' });
    const t = reg.setThreshold({ value: 1.5, reason: 'trial', who: 'ann' });
    assert.equal(reg.activeId(), t.modelId, 'the threshold version of the active model is active');
    assert.equal(store.getModel(t.modelId)!.artifactPath, join(dir, 'models', 'm1'));

    await reg.remove('m1');
    assert.ok(existsSync(join(dir, 'models', 'm1', 'model.json')), 'the threshold version still uses the folder');
    assert.ok(existsSync(chunk('a')) && existsSync(chunk('b')));
    await reg.remove(t.modelId);
    assert.equal(existsSync(join(dir, 'models', 'm1')), false, 'gone with the last version using it');
    assert.equal(existsSync(chunk('a')), false, 'chunk only m1 used is collected');
    assert.ok(existsSync(chunk('b')) && existsSync(chunk('c')), "m2's chunks stay");
  } finally {
    await reg.dispose();
    store.close();
  }
});
