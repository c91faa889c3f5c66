/**
 * Relays one WebSocket client to its own engine connection. Text frames of JSON, one ChannelMessage each;
 * only call/listen/unlisten go to the engine. A frame that is not that gets a `result` reply with an
 * 'invalid-input' error (id 0 when the frame had no usable id); after MAX_BAD_MESSAGES malformed frames in a row
 * the socket is closed (1008). Frames above the host's size limit (HOST_MAX_MESSAGE_BYTES) close it with 1009.
 */
import type { WebSocket } from 'ws';
import { isChannelMessage, type ChannelMessage, type Transport } from '../common/channel.js';

export const MAX_BAD_MESSAGES = 10;

function badReply(id: number, message: string): ChannelMessage {
  return { t: 'result', id, r: { ok: false, error: { kind: 'invalid-input', message } } };
}

/** Why `m` is not a request the engine takes, or null when it is one. */
function rejectReason(m: unknown): string | null {
  if (!isChannelMessage(m)) return 'not a channel message: expected {t, id, ...} with t = call, listen or unlisten';
  if (m.t !== 'call' && m.t !== 'listen' && m.t !== 'unlisten') return `message type "${m.t}" is not accepted from a client`;
  return null;
}

export function relay(ws: WebSocket, engine: Transport & { close(): void }, maxBufferedBytes: number): void {
  const send = (m: ChannelMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const sub = engine.onMessage((m) => {
    // A slow client must not make the host buffer without bound: skip events (frames), never replies.
    if (m.t === 'event' && ws.bufferedAmount > maxBufferedBytes) return;
    send(m);
  });
  const closeSub = engine.onClose?.(() => ws.close(1011, 'engine stopped'));
  let bad = 0;
  const refuse = (id: number, message: string) => {
    send(badReply(id, message));
    if (++bad >= MAX_BAD_MESSAGES) ws.close(1008, 'too many malformed messages');
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) return refuse(0, 'binary frames are not accepted: send JSON text');
    let m: unknown;
    try {
      m = JSON.parse(data.toString());
    } catch {
      return refuse(0, 'malformed JSON');
    }
    const why = rejectReason(m);
    if (why) {
      const id = (m as { id?: unknown } | null)?.id;
      return refuse(typeof id === 'number' && Number.isSafeInteger(id) ? id : 0, why);
    }
    bad = 0;
    try {
      engine.send(m as ChannelMessage);
    } catch {
      ws.close(1011, 'engine stopped');
    }
  });
  ws.on('close', () => {
    sub.dispose();
    closeSub?.dispose();
    engine.close();
  });
  ws.on('error', () => ws.terminate());
}
