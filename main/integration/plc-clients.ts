/**
 * Minimal "PLC" clients that drive the station's handshake over each protocol, as a line's PLC or MES would:
 * trigger, wait for ResultsReady (or the result message), read the result, acknowledge. Used by the line
 * benchmark (trigger -> result latency) and the end-to-end tests; each is a real protocol client (node-opcua,
 * modbus-serial, mqtt.js), nothing is simulated.
 */
import ModbusSerial from 'modbus-serial';
import mqtt from 'mqtt';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType } from 'node-opcua';
import { COILS, DISCRETE_INPUTS, REGISTERS } from './modbus-map.js';
import { mqttTopics } from './mqtt-messages.js';
import type { LineResult } from '../common/line-io.js';
import { OPCUA_NAMESPACE_URI } from './opcua-nodes.js';

// The package's CommonJS export is the client class itself; its typings describe it as `.default`.
const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;

export interface CycleResult {
  readonly sequence: number;
  readonly verdict: string;
  /** Trigger sent -> result seen by the client, ms. */
  readonly latencyMs: number;
}

export interface PlcDriver {
  readonly protocol: 'opcua' | 'modbus' | 'mqtt';
  /** One full handshake: trigger, wait for the result (at most `timeoutMs`), read it, acknowledge. */
  cycle(partId: string, timeoutMs?: number): Promise<CycleResult>;
  close(): Promise<void>;
}

/** How often the polling clients (OPC UA read, Modbus read) look at ResultsReady: a PLC's cycle time. */
export const POLL_MS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function opcuaDriver(
  endpointUrl: string,
  pkiDir: string,
  opts: { userName?: string; password?: string } = {},
): Promise<PlcDriver> {
  const secure = opts.userName !== undefined;
  const client = OPCUAClient.create({
    securityMode: secure ? MessageSecurityMode.SignAndEncrypt : MessageSecurityMode.None,
    securityPolicy: secure ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None,
    endpointMustExist: false,
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true }),
    connectionStrategy: { maxRetry: 0 },
  });
  await client.connect(endpointUrl);
  const session = await client.createSession(secure ? { type: UserTokenType.UserName, userName: opts.userName!, password: opts.password ?? '' } : { type: UserTokenType.Anonymous });
  const ns = (await session.readNamespaceArray()).indexOf(OPCUA_NAMESPACE_URI);
  if (ns < 0) throw new Error(`no ${OPCUA_NAMESPACE_URI} namespace at ${endpointUrl}`);
  const id = (name: string) => `ns=${ns};s=Station.${name}`;
  const readNodes = ['ResultsReady', 'Sequence', 'ResultOK', 'ResultNG', 'Error', 'PartId'].map((n) => ({ nodeId: id(n), attributeId: AttributeIds.Value }));
  const call = (name: string, inputArguments: { dataType: DataType; value: unknown }[] = []) =>
    session.call({ objectId: `ns=${ns};s=Station`, methodId: id(name), inputArguments });
  return {
    protocol: 'opcua',
    async cycle(partId, timeoutMs = 60_000) {
      const t0 = performance.now();
      const r = await call('Trigger', [{ dataType: DataType.String, value: partId }]);
      if (r.statusCode.name !== 'Good' || r.outputArguments?.[0]?.value !== true) throw new Error(`OPC UA trigger refused: ${r.statusCode.name} ${r.outputArguments?.[2]?.value ?? ''}`);
      for (;;) {
        const [ready, seq, ok, ng, err, part] = await session.read(readNodes);
        if (ready!.value.value && part!.value.value !== partId) {
          // An older part's result (triggered before this one): acknowledge it and keep waiting for ours.
          await call('AcknowledgeResults');
        } else if (ready!.value.value) {
          const latencyMs = performance.now() - t0;
          const verdict = err!.value.value ? 'ERROR' : ng!.value.value ? 'NG' : ok!.value.value ? 'OK' : '?';
          const ack = await call('AcknowledgeResults');
          if (ack.statusCode.name !== 'Good') throw new Error(`OPC UA acknowledge: ${ack.statusCode.name}`);
          return { sequence: Number(seq!.value.value), verdict, latencyMs };
        }
        if (performance.now() - t0 > timeoutMs) throw new Error(`OPC UA: no ResultsReady within ${timeoutMs} ms`);
        await sleep(POLL_MS);
      }
    },
    async close() {
      await session.close().catch(() => {});
      await client.disconnect();
    },
  };
}

export async function modbusDriver(host: string, port: number, unitId: number): Promise<PlcDriver> {
  const client = new ModbusRTU();
  await client.connectTCP(host, { port });
  client.setID(unitId);
  client.setTimeout(10_000);
  return {
    protocol: 'modbus',
    async cycle(_partId, timeoutMs = 60_000) {
      const t0 = performance.now();
      await client.writeCoil(COILS.trigger, true);
      for (;;) {
        const d = await client.readDiscreteInputs(0, 8);
        if (d.data[DISCRETE_INPUTS.resultsReady]) {
          const latencyMs = performance.now() - t0;
          const regs = await client.readInputRegisters(0, REGISTERS.verdict + 1);
          await client.writeCoil(COILS.resultsAck, true);
          const verdict = d.data[DISCRETE_INPUTS.error] ? 'ERROR' : d.data[DISCRETE_INPUTS.resultNg] ? 'NG' : d.data[DISCRETE_INPUTS.resultOk] ? 'OK' : '?';
          return { sequence: regs.data[REGISTERS.sequenceHigh]! * 65536 + regs.data[REGISTERS.sequenceLow]!, verdict, latencyMs };
        }
        if (performance.now() - t0 > timeoutMs) throw new Error(`Modbus: no ResultsReady within ${timeoutMs} ms`);
        await sleep(POLL_MS);
      }
    },
    close: () => new Promise<void>((r) => client.close(() => r())),
  };
}

/** Triggers with a command message and waits for the result message carrying its part id; acknowledges by command. */
export async function mqttDriver(url: string, topicPrefix: string, stationId: string): Promise<PlcDriver & { readonly results: LineResult[] }> {
  const topics = mqttTopics(topicPrefix, stationId);
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 500 });
  await client.subscribeAsync(topics.result, { qos: 1 });
  const results: LineResult[] = [];
  const waiters = new Map<string, (r: LineResult) => void>();
  client.on('message', (topic, payload) => {
    if (topic !== topics.result) return;
    const r = JSON.parse(payload.toString()) as LineResult;
    results.push(r);
    waiters.get(r.partId)?.(r);
  });
  return {
    protocol: 'mqtt',
    results,
    async cycle(partId, timeoutMs = 60_000) {
      const t0 = performance.now();
      const got = new Promise<LineResult>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`MQTT: no result for ${partId} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(partId, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      await client.publishAsync(topics.cmd, JSON.stringify({ command: 'trigger', partId }), { qos: 1 });
      try {
        const r = await got;
        const latencyMs = performance.now() - t0;
        await client.publishAsync(topics.cmd, JSON.stringify({ command: 'acknowledge' }), { qos: 1 });
        return { sequence: r.sequence, verdict: r.verdict, latencyMs };
      } finally {
        waiters.delete(partId);
      }
    },
    close: () => client.endAsync(true),
  };
}

export function percentiles(values: readonly number[]): { p50: number; p90: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)) };
}
