/** Shared fixtures for the store tests: temp folders, a seeded product/model, inspection rows, a CSV reader. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewInspection, StationStore } from '../../main/store/interface.js';

/** A fresh folder under the OS temp dir, removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'station-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function seed(store: StationStore): { productId: string; modelId: string } {
  store.createProduct({ id: 'screw', name: 'M6 screw' });
  store.createModel({
    id: 'pc-1',
    kind: 'patchcore',
    productId: 'screw',
    artifactPath: '/models/pc-1',
    backbone: 'mobilenet_v2_imagenet',
    trainInfo: { images: 100, coreset: 0.1 },
  });
  return { productId: 'screw', modelId: 'pc-1' };
}

export function inspection(i: number, over: Partial<NewInspection> = {}): NewInspection {
  const score = (i % 10) / 10;
  return {
    time: new Date(Date.UTC(2026, 0, 1, 8, 0, 0, 0) + i * 1000).toISOString(),
    sourceId: `cam-${i % 2}`,
    sourceName: `Camera ${i % 2}`,
    productId: 'screw',
    modelId: 'pc-1',
    score,
    threshold: 0.5,
    verdict: score >= 0.5 ? 'NG' : 'OK',
    boxes: score >= 0.5 ? [{ x: i % 100, y: 10, w: 20, h: 30, score, label: 'scratch' }] : [],
    framePath: `/frames/${i}.png`,
    heatmapPath: null,
    latencyMs: 12.5,
    executionProvider: 'cpu',
    ...over,
  };
}

/** A small independent RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let field: string;
    if (text[i] === '"') {
      // Quoted: runs to the next quote that is not doubled.
      let out = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new Error(`unterminated quote at ${i}`);
        out += text.slice(j, q);
        if (text[q + 1] === '"') {
          out += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      field = out;
      i = j;
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    if (i >= n) break;
    if (text[i] === ',') {
      i += 1;
      if (i === n) row.push('');
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      rows.push(row);
      row = [];
      i += 2;
    } else if (text[i] === '\n') {
      rows.push(row);
      row = [];
      i += 1;
    } else throw new Error(`unexpected character after field at ${i}`);
  }
  if (row.length > 0) rows.push(row);
  return rows;
}
