/**
 * Process integration as the API shows it: the configuration of the line adapters (OPC UA server, Modbus TCP
 * server, MQTT client), validated with zod, and the state of the adapters and the live signal monitor.
 * Pure: shared by the engine (which persists the configuration in the store), the CLI and the Integration screen.
 */
import { z } from 'zod';
import { StationFault } from './result.js';
import type { AdapterStatus, LineProtocol } from './line-io.js';

const port = z.number().int().min(1).max(65535);
/** Where a server listens: `0.0.0.0` on the line network, `127.0.0.1` for a PLC simulator on the same PC. */
const host = z.string().trim().min(1).max(255);

/**
 * Each section is a plain object schema (no zod defaults, so a patch never fills in fields it does not name)
 * plus its defaults, merged in before validation.
 */
const OpcuaFields = z.object({
  enabled: z.boolean(),
  port,
  host,
  /**
   * Security policy None (no signing, no encryption, anonymous access) for commissioning. Off on a running line:
   * then only Basic256Sha256 Sign&Encrypt with the user below is offered.
   */
  allowInsecure: z.boolean(),
  userName: z.string().trim().max(100),
  /** scrypt hash of the password (`scrypt$<salt hex>$<hash hex>`), never the password itself. */
  passwordHash: z.string().max(500),
});
const OPCUA_DEFAULTS: z.infer<typeof OpcuaFields> = { enabled: false, port: 4840, host: '0.0.0.0', allowInsecure: true, userName: '', passwordHash: '' };

const ModbusFields = z.object({
  enabled: z.boolean(),
  /** 502 is the Modbus standard but needs root on Linux; 5020 works for any user. */
  port,
  host,
  unitId: z.number().int().min(0).max(255),
});
const MODBUS_DEFAULTS: z.infer<typeof ModbusFields> = { enabled: false, port: 5020, host: '0.0.0.0', unitId: 1 };

const MqttFields = z.object({
  enabled: z.boolean(),
  url: z
    .string()
    .trim()
    .max(2000)
    .regex(/^(mqtts?|wss?|tcp):\/\/[^\s]+$/, 'the broker URL looks like mqtt://host:1883 or mqtts://host:8883'),
  /** Topics are `<topicPrefix>/<stationId>/result|state|cmd|cmd/reply`. */
  topicPrefix: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^#+\s]+$/, 'a topic prefix cannot hold #, + or spaces'),
  userName: z.string().max(200),
  /** The broker needs the password itself, so it is kept (the API never returns it). */
  password: z.string().max(500),
});
const MQTT_DEFAULTS: z.infer<typeof MqttFields> = { enabled: false, url: 'mqtt://127.0.0.1:1883', topicPrefix: 'inspection', userName: '', password: '' };

const withDefaults = <T extends z.ZodObject>(schema: T, defaults: z.infer<T>) =>
  z.preprocess((v) => ({ ...defaults, ...(v && typeof v === 'object' ? v : {}) }), schema);

export const OpcuaConfigSchema = withDefaults(OpcuaFields, OPCUA_DEFAULTS);
export const ModbusConfigSchema = withDefaults(ModbusFields, MODBUS_DEFAULTS);
export const MqttConfigSchema = withDefaults(MqttFields, MQTT_DEFAULTS);

export const IntegrationConfigSchema = z.object({
  opcua: OpcuaConfigSchema,
  modbus: ModbusConfigSchema,
  mqtt: MqttConfigSchema,
});

export type OpcuaConfig = z.infer<typeof OpcuaConfigSchema>;
export type ModbusConfig = z.infer<typeof ModbusConfigSchema>;
export type MqttConfig = z.infer<typeof MqttConfigSchema>;
export type IntegrationConfig = z.infer<typeof IntegrationConfigSchema>;

export const DEFAULT_INTEGRATION_CONFIG: IntegrationConfig = IntegrationConfigSchema.parse({});

/**
 * What the UI sends to change the configuration: any part of it; `opcua.password` (plain) replaces the stored
 * hash, an empty string removes it; `mqtt.password` undefined keeps the stored one.
 */
export const IntegrationConfigPatchSchema = z.object({
  opcua: OpcuaFields.omit({ passwordHash: true })
    .extend({ password: z.string().max(500) })
    .partial()
    .optional(),
  modbus: ModbusFields.partial().optional(),
  mqtt: MqttFields.partial().optional(),
});
export type IntegrationConfigPatch = z.input<typeof IntegrationConfigPatchSchema>;

/** The configuration as shown to a client: secrets replaced by whether they are set. */
export interface IntegrationConfigView {
  readonly opcua: Omit<OpcuaConfig, 'passwordHash'> & { readonly hasPassword: boolean };
  readonly modbus: ModbusConfig;
  readonly mqtt: Omit<MqttConfig, 'password'> & { readonly hasPassword: boolean };
}

export function redactConfig(c: IntegrationConfig): IntegrationConfigView {
  const { passwordHash, ...opcua } = c.opcua;
  const { password, ...mqtt } = c.mqtt;
  return { opcua: { ...opcua, hasPassword: passwordHash !== '' }, modbus: c.modbus, mqtt: { ...mqtt, hasPassword: password !== '' } };
}

/**
 * Applies a patch; `hashPassword` turns a new OPC UA password into the stored hash (node's scrypt, done by the
 * caller so this module stays pure). Throws a zod error or a StationFault on bad input.
 */
export function applyConfigPatch(current: IntegrationConfig, patch: IntegrationConfigPatch, hashPassword: (p: string) => string): IntegrationConfig {
  const p = IntegrationConfigPatchSchema.parse(patch);
  const { password: opcuaPassword, ...opcua } = p.opcua ?? {};
  const next = {
    opcua: { ...current.opcua, ...opcua },
    modbus: { ...current.modbus, ...p.modbus },
    mqtt: { ...current.mqtt, ...p.mqtt },
  };
  if (opcuaPassword !== undefined) next.opcua.passwordHash = opcuaPassword === '' ? '' : hashPassword(opcuaPassword);
  if (p.mqtt && p.mqtt.password === undefined) next.mqtt.password = current.mqtt.password;
  const parsed = IntegrationConfigSchema.parse(next);
  if (parsed.opcua.enabled && !parsed.opcua.allowInsecure && (parsed.opcua.userName === '' || parsed.opcua.passwordHash === '')) {
    throw new StationFault('invalid-input', 'OPC UA without security policy None needs a user name and a password');
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------
// State (the Integration screen)
// ---------------------------------------------------------------------------------------------------------

/** The adapters' protocol and status: the line I/O contract's own types (main/common/line-io.ts). */
export type IntegrationProtocol = LineProtocol;
export type AdapterStatusDto = AdapterStatus;

/** One handshake signal in the live monitor: its state now and when it last changed. */
export interface SignalMonitorEntry {
  /** The PLC-side name (OPC UA browse name), e.g. `TriggerReady`. */
  readonly name: string;
  readonly value: boolean | number | string;
  /** ISO time of the last change; null when unchanged since the station started. */
  readonly changedAt: string | null;
  /** Changes since the station started. */
  readonly changes: number;
}

export interface IntegrationState {
  readonly stationId: string;
  readonly config: IntegrationConfigView;
  readonly adapters: readonly AdapterStatusDto[];
  readonly signals: readonly SignalMonitorEntry[];
  readonly at: string;
}
