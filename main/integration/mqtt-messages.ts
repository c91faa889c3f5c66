/**
 * MQTT topics and payloads of the station (documented in the README). Pure: the client adapter, the CLI and
 * the Integration screen share them.
 *
 *   <prefix>/<stationId>/result     every verdict, QoS 1, not retained: ResultMessage (JSON)
 *   <prefix>/<stationId>/state      retained, QoS 1: StateMessage; the broker publishes the last will
 *                                   `{"stationId":…,"state":"offline"}` when the station drops off
 *   <prefix>/<stationId>/cmd        commands to the station: CommandMessage (JSON)
 *   <prefix>/<stationId>/cmd/reply  one reply per command: CommandReply (JSON)
 */
import { z } from 'zod';
import type { LineResult, LineSignals } from '../common/line-io.js';

export interface MqttTopics {
  readonly result: string;
  readonly state: string;
  readonly cmd: string;
  readonly reply: string;
}

export function mqttTopics(prefix: string, stationId: string): MqttTopics {
  const base = `${prefix.replace(/\/+$/, '')}/${stationId}`;
  return { result: `${base}/result`, state: `${base}/state`, cmd: `${base}/cmd`, reply: `${base}/cmd/reply` };
}

/** A result as published: the LineResult fields; `stationId` + `sequence` identify it (de-duplicate on them). */
export type ResultMessage = LineResult;

export interface StateMessage {
  readonly stationId: string;
  readonly state: 'online' | 'offline';
  /** Present while online. */
  readonly signals?: LineSignals;
  readonly at: string;
}

export const CommandMessageSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('trigger'), partId: z.string().trim().min(1).max(200).optional(), id: z.string().max(200).optional() }),
  z.object({ command: z.literal('acknowledge'), id: z.string().max(200).optional() }),
  z.object({ command: z.literal('selectProduct'), index: z.number().int().min(0).max(65535), id: z.string().max(200).optional() }),
  z.object({ command: z.literal('setLotName'), lotName: z.string().max(200), id: z.string().max(200).optional() }),
]);
export type CommandMessage = z.infer<typeof CommandMessageSchema>;

export type CommandReply =
  | { readonly id?: string; readonly command: string; readonly ok: true; readonly partId?: string }
  | { readonly id?: string; readonly command: string; readonly ok: false; readonly reason: string; readonly message: string };

/** Parses a command payload; a bad one gives an error reply instead of throwing. */
export function parseCommand(payload: Buffer | string): { ok: true; value: CommandMessage } | { ok: false; reply: CommandReply } {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reply: { command: 'unknown', ok: false, reason: 'invalid-input', message: 'the command is not JSON' } };
  }
  const parsed = CommandMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const j = json as { command?: unknown; id?: unknown };
  return {
    ok: false,
    reply: {
      ...(typeof j?.id === 'string' ? { id: j.id } : {}),
      command: typeof j?.command === 'string' ? j.command : 'unknown',
      ok: false,
      reason: 'invalid-input',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; '),
    },
  };
}
