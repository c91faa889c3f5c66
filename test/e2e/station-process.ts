/**
 * Starts the real station for a test: the engine (temp data dir) behind the loopback host. The engine runs in
 * its worker thread as in production; if the worker cannot start from TypeScript sources (see
 * scratch/api-requests.md), it runs in-process behind the same channel instead, and says so.
 */
import { join } from 'node:path';
import { stationApi } from '../../main/common/api.js';
import { createLoopbackPair, serveApi, type Transport } from '../../main/common/channel.js';
import { startEngineWorker } from '../../main/node/engine-link.js';
import { startHost } from '../../main/node/host.js';

export interface RunningStation {
  readonly openUrl: string;
  readonly url: string;
  readonly dataDir: string;
  /** 'worker' (production layout) or 'in-process' (fallback). */
  readonly engineMode: 'worker' | 'in-process';
  /** Stops the host only (the browser sees the connection drop); idempotent. */
  closeHost(): Promise<void>;
  /** Stops host and engine; idempotent. */
  close(): Promise<void>;
}

interface EngineHandle {
  readonly mode: 'worker' | 'in-process';
  open(): Transport & { close(): void };
  stop(): Promise<void>;
}

async function startEngine(dataDir: string): Promise<EngineHandle> {
  try {
    const link = await startEngineWorker({ dataDir, shell: 'browser', bootstrap: false });
    return { mode: 'worker', open: () => link.open(), stop: () => link.terminate() };
  } catch (e) {
    if (!/ERR_UNKNOWN_FILE_EXTENSION|Unknown file extension/.test(String((e as Error).stack ?? e))) throw e;
    console.error(`# e2e: engine worker cannot start from sources (${(e as Error).message.split('\n')[0]}); running the engine in-process`);
  }
  const { createEngine } = await import('../../main/services/engine.js');
  const engine = await createEngine({ dataDir, shell: 'browser', bootstrap: false });
  return {
    mode: 'in-process',
    open: () => {
      const pair = createLoopbackPair();
      // Like the worker: each connection has its own login and role checks.
      const conn = engine.connect();
      const served = serveApi(stationApi, conn.api, pair[1]);
      return Object.assign(pair[0], {
        close: () => {
          served.dispose();
          conn.dispose();
          pair.close();
        },
      });
    },
    stop: () => engine.dispose(),
  };
}

export async function startStation(opts: { dataDir: string; staticDir: string }): Promise<RunningStation> {
  const engine = await startEngine(opts.dataDir);
  const host = await startHost({ connect: () => engine.open(), staticDir: opts.staticDir, mediaDir: join(opts.dataDir, 'media') });
  let hostClosed: Promise<void> | null = null;
  let closed: Promise<void> | null = null;
  const closeHost = () => (hostClosed ??= host.close());
  return {
    openUrl: host.openUrl,
    url: host.url,
    dataDir: opts.dataDir,
    engineMode: engine.mode,
    closeHost,
    close: () => (closed ??= closeHost().then(() => engine.stop())),
  };
}
