/** The object the preload exposes; a function of ipcRenderer so it is testable without Electron. */
import type { StationBridge } from '../common/transports.js';
import { ELECTRON_MEDIA_BASE } from '../common/media.js';

export const IPC_CHANNEL = 'station:msg';

export interface IpcRendererLike {
  send(channel: string, msg: unknown): void;
  on(channel: string, l: (e: unknown, msg: unknown) => void): unknown;
  removeListener(channel: string, l: (e: unknown, msg: unknown) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike): StationBridge {
  return Object.freeze({
    shell: 'electron' as const,
    mediaBase: ELECTRON_MEDIA_BASE,
    send: (msg: unknown) => ipc.send(IPC_CHANNEL, msg),
    onMessage: (listener: (msg: unknown) => void) => {
      // Never hand the IpcRendererEvent (which carries `sender`) to the page.
      const h = (_e: unknown, msg: unknown) => listener(msg);
      ipc.on(IPC_CHANNEL, h);
      return () => void ipc.removeListener(IPC_CHANNEL, h);
    },
  });
}
