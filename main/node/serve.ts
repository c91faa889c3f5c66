/**
 * Browser mode: engine worker + loopback host; prints the URL with the token. Used by `npm start` when the
 * Electron binary is not installed, and runnable directly: `tsx main/node/serve.ts [--port N]`.
 */
import { join } from 'node:path';
import { startEngineWorker } from './engine-link.js';
import { startHost, type RunningHost } from './host.js';
import { repoRoot, userDataDir } from './paths.js';

export async function serveStation(opts: { port?: number; dataDir?: string; bootstrap?: boolean } = {}): Promise<{ host: RunningHost; stop(): Promise<void> }> {
  const dataDir = opts.dataDir ?? userDataDir();
  const link = await startEngineWorker(
    { dataDir, shell: 'browser', bootstrap: opts.bootstrap },
    { onExit: (code) => code !== 0 && console.error(`engine worker exited with code ${code}`) },
  );
  const host = await startHost({
    connect: () => link.open(),
    staticDir: join(repoRoot, 'renderer', 'dist'),
    mediaDir: join(dataDir, 'media'),
    port: opts.port,
  });
  return {
    host,
    async stop() {
      await host.close();
      await link.terminate();
    },
  };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.STATION_PORT) || 0;
  serveStation({ port })
    .then(({ host, stop }) => {
      console.log(`Inspection station running (browser mode).\nOpen: ${host.openUrl}`);
      const bye = () => void stop().finally(() => process.exit(0));
      process.on('SIGINT', bye);
      process.on('SIGTERM', bye);
    })
    .catch((e: Error) => {
      console.error(`station failed to start: ${e.message}`);
      process.exit(1);
    });
}
