/**
 * IPC registration, in one place: each window's renderer gets its own engine connection; messages are relayed
 * untouched (validation happens in the engine). Takes the electron pieces as parameters, for tests.
 */
import { isChannelMessage, type Transport } from '../common/channel.js';

export const IPC_TO_MAIN = 'station:msg';
export const IPC_TO_RENDERER = 'station:msg';

export interface IpcMainLike {
  on(channel: string, l: (e: IpcEventLike, msg: unknown) => void): unknown;
  removeAllListeners(channel: string): unknown;
}

export interface IpcEventLike {
  readonly sender: SenderLike;
  /** The frame that sent the message (Electron's `senderFrame`); null when it is gone. */
  readonly senderFrame?: { readonly url: string; readonly parent?: unknown } | null;
}

export interface SenderLike {
  readonly id: number;
  send(channel: string, msg: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', l: () => void): unknown;
}

/**
 * Relays channel messages between renderers and the engine. Only call/listen/unlisten messages from
 * renderers are forwarded; `allowSender` rejects what we did not create: a sender other than the app window, or a
 * frame whose URL is not the app's own top-level page (e.g. an iframe or a page navigated elsewhere).
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  openEngine: () => Transport & { close(): void },
  allowSender: (sender: SenderLike, frame: IpcEventLike['senderFrame']) => boolean,
): { connections(): number; dispose(): void } {
  const conns = new Map<number, Transport & { close(): void }>();
  ipcMain.on(IPC_TO_MAIN, (e, msg) => {
    const sender = e.sender;
    if (!allowSender(sender, e.senderFrame) || !isChannelMessage(msg) || (msg.t !== 'call' && msg.t !== 'listen' && msg.t !== 'unlisten')) return;
    let conn = conns.get(sender.id);
    if (!conn) {
      const c = openEngine();
      conn = c;
      conns.set(sender.id, c);
      c.onMessage((m) => {
        if (!sender.isDestroyed()) sender.send(IPC_TO_RENDERER, m);
      });
      c.onClose?.(() => conns.delete(sender.id));
      sender.once('destroyed', () => {
        conns.delete(sender.id);
        c.close();
      });
    }
    conn.send(msg);
  });
  return {
    connections: () => conns.size,
    dispose() {
      ipcMain.removeAllListeners(IPC_TO_MAIN);
      for (const c of conns.values()) c.close();
      conns.clear();
    },
  };
}
