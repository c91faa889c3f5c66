/**
 * Starting the station's worker threads the same way everywhere: the entry beside its caller is `.js` when built and
 * `.ts` when run from source through tsx. From source, tsx's loader is registered inside the worker before the entry
 * is imported: loader hooks of the parent thread do not reliably reach worker threads.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The file of a worker entry given as its built `.js` URL (`new URL('./x-worker.js', import.meta.url)`): that, or the `.ts` source beside it. */
export function workerEntry(js: URL): string {
  const path = fileURLToPath(js);
  return existsSync(path) ? path : path.replace(/\.js$/, '.ts');
}

/** A worker on `path` (from workerEntry), through tsx when it is TypeScript source. */
export function startWorker(path: string, options: WorkerOptions = {}): Worker {
  if (!path.endsWith('.ts')) return new Worker(path, options);
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(path).href)}); })`, { ...options, eval: true });
}
