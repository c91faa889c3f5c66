/**
 * Preload (sandboxed, context-isolated): exposes ONLY the channel's send/receive and the media base as
 * `window.stationBridge`. Bundled to CommonJS (dist/main/preload/preload.cjs) by scripts/build-preload.mjs,
 * because sandboxed preloads cannot be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('stationBridge', createBridge(ipcRenderer as unknown as Parameters<typeof createBridge>[0]));
export type { IpcRendererEvent };
