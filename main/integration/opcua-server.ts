/**
 * OPC UA server adapter (node-opcua): one `Station` object whose variables mirror the LineSignals and whose
 * methods are the PLC's commands. Security policy None (anonymous) only while commissioning; otherwise
 * Basic256Sha256 Sign&Encrypt with user name + password. The server's self-signed application certificate is
 * created on first start under `<pkiDir>/own` (node-opcua's certificate manager, no network needed) and kept.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type UAObject,
  type UAVariable,
  setWarningLogger,
} from 'node-opcua';
import { DisposableStore } from '../common/event.js';
import type { OpcuaConfig } from '../common/integration.js';
import { AdapterBase } from './adapter-base.js';
import type { LineAdapter, LineSignals, LineStation } from '../common/line-io.js';
import { OPCUA_METHODS, OPCUA_NAMESPACE_URI, OPCUA_OBJECT, OPCUA_RESOURCE_PATH, OPCUA_VARIABLES, type OpcuaType } from './opcua-nodes.js';

// node-opcua prints its warnings with console.log; stdout belongs to `station run --jsonl` (one JSON line per part).
setWarningLogger((_context?: unknown, ...args: unknown[]) => console.error('node-opcua:', ...args));

const TYPES: Record<OpcuaType, DataType> = {
  Boolean: DataType.Boolean,
  Double: DataType.Double,
  UInt32: DataType.UInt32,
  UInt16: DataType.UInt16,
  String: DataType.String,
};

/** `scrypt$<salt hex>$<hash hex>`: how the configuration keeps the OPC UA password. */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('hex')}$${scryptSync(password, salt, 32).toString('hex')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [kind, saltHex, hashHex] = stored.split('$');
  if (kind !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const got = scryptSync(password, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(expected, got);
}

function coerce(type: OpcuaType, value: unknown): unknown {
  switch (type) {
    case 'Boolean':
      return Boolean(value);
    case 'String':
      return String(value ?? '');
    case 'Double':
      return Number.isFinite(value) ? Number(value) : 0;
    case 'UInt16':
      return Math.max(0, Math.min(0xffff, Math.trunc(Number(value) || 0)));
    case 'UInt32':
      return Math.max(0, Math.min(0xffffffff, Math.trunc(Number(value) || 0)));
  }
}

export interface OpcuaServerOptions {
  readonly config: OpcuaConfig;
  /** Folder of the server's PKI (own certificate + key, trusted / rejected client certificates). */
  readonly pkiDir: string;
}

export class OpcuaServerAdapter extends AdapterBase implements LineAdapter {
  private server: OPCUAServer | null = null;
  private subscriptions = new DisposableStore();
  private delivered = 0;
  private lastSequence = 0;

  constructor(private readonly opts: OpcuaServerOptions) {
    super('opcua', `opc.tcp://${opts.config.host}:${opts.config.port}${OPCUA_RESOURCE_PATH}`);
  }

  /** The endpoint URL clients connect to (the configured host; 0.0.0.0 means every interface). */
  get endpointUrl(): string {
    const host = this.opts.config.host === '0.0.0.0' ? '127.0.0.1' : this.opts.config.host;
    return `opc.tcp://${host}:${this.opts.config.port}${OPCUA_RESOURCE_PATH}`;
  }

  async start(station: LineStation): Promise<void> {
    if (this.server) throw new Error('the OPC UA server is already running');
    const c = this.opts.config;
    this.setStatus({ state: 'starting' });
    this.subscriptions = new DisposableStore();
    try {
      const certificateManager = new OPCUACertificateManager({ rootFolder: this.opts.pkiDir, automaticallyAcceptUnknownCertificate: true });
      await certificateManager.initialize();
      const server = new OPCUAServer({
        port: c.port,
        host: c.host,
        hostname: c.host === '0.0.0.0' ? undefined : c.host,
        resourcePath: OPCUA_RESOURCE_PATH,
        serverCertificateManager: certificateManager,
        securityPolicies: c.allowInsecure ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256] : [SecurityPolicy.Basic256Sha256],
        securityModes: c.allowInsecure ? [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.SignAndEncrypt],
        allowAnonymous: c.allowInsecure,
        userManager: {
          isValidUser: (userName: string, password: string) => c.userName !== '' && userName === c.userName && verifyPassword(password, c.passwordHash),
        },
        buildInfo: { productName: 'Inspection Station', manufacturerName: 'inspection-station', softwareVersion: '1' },
        serverInfo: { applicationName: { text: 'Inspection Station' }, productUri: 'inspection-station' },
        // No local discovery server on a line PC: do not try to register with one.
        registerServerMethod: 1 /* RegisterServerMethod.HIDDEN */,
      });
      await server.initialize();
      this.buildAddressSpace(server, station);
      await server.start();
      this.server = server;
      this.setStatus({ state: 'running', endpoint: this.endpointUrl, message: c.allowInsecure ? 'security policy None allowed (commissioning)' : 'Basic256Sha256 Sign&Encrypt, user name + password' });
    } catch (e) {
      this.subscriptions.dispose();
      this.setStatus({ state: 'failed', message: `OPC UA server did not start on port ${c.port}: ${(e as Error).message}` });
      throw e;
    }
  }

  private buildAddressSpace(server: OPCUAServer, station: LineStation): void {
    const addressSpace = server.engine.addressSpace!;
    const ns = addressSpace.registerNamespace(OPCUA_NAMESPACE_URI);
    const obj: UAObject = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: OPCUA_OBJECT, nodeId: `s=${OPCUA_OBJECT}` });
    const vars = new Map<keyof LineSignals, { node: UAVariable; type: OpcuaType }>();
    const initial = station.signals();
    for (const spec of OPCUA_VARIABLES) {
      const dataType = TYPES[spec.type];
      const node = ns.addVariable({
        componentOf: obj,
        browseName: spec.name,
        nodeId: `s=${OPCUA_OBJECT}.${spec.name}`,
        description: spec.description,
        dataType,
        accessLevel: spec.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        userAccessLevel: spec.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        minimumSamplingInterval: 0, // values are pushed on change, not polled
        value: new Variant({ dataType, value: coerce(spec.type, initial[spec.signal]) }),
      });
      vars.set(spec.signal, { node, type: spec.type });
      if (spec.signal === 'lotName') {
        // A client write goes to the station; the station's signal change then updates the node.
        node.on('value_changed', (dv) => {
          const name = String(dv.value.value ?? '');
          if (name !== station.signals().lotName) station.setLotName('opcua', name);
        });
      }
    }
    const push = (s: LineSignals, force = false) => {
      for (const [signal, { node, type }] of vars) {
        const value = coerce(type, s[signal]);
        if (!force && node.readValue().value.value === value) continue;
        node.setValueFromSource(new Variant({ dataType: TYPES[type], value }), StatusCodes.Good);
      }
      if (s.resultsReady && s.sequence !== this.lastSequence) {
        this.lastSequence = s.sequence;
        this.delivered++;
      }
    };
    this.subscriptions.add(station.onSignals((s) => push(s)));
    push(station.signals(), true);
    this.subscriptions.add(station.onResult(() => this.setStatus({ delivered: this.delivered })));

    const args = (list: readonly { name: string; type: OpcuaType }[]) => list.map((a) => ({ name: a.name, dataType: TYPES[a.type] }));
    for (const spec of OPCUA_METHODS) {
      const method = ns.addMethod(obj, {
        browseName: spec.name,
        nodeId: `s=${OPCUA_OBJECT}.${spec.name}`,
        description: spec.description,
        inputArguments: args(spec.inputs),
        outputArguments: args(spec.outputs),
      });
      // Two parameters: node-opcua tells promise-returning methods from callback ones by their arity.
      method.bindMethod(async (inputs: Variant[], _context: unknown) => {
        try {
          if (spec.name === 'Trigger') {
            const partId = String(inputs[0]?.value ?? '').trim();
            const reply = await station.trigger('opcua', partId === '' ? undefined : partId);
            return {
              statusCode: StatusCodes.Good,
              outputArguments: [
                { dataType: DataType.Boolean, value: reply.accepted },
                { dataType: DataType.String, value: reply.accepted ? reply.partId : partId },
                { dataType: DataType.String, value: reply.accepted ? '' : `${reply.reason}: ${reply.message}` },
              ],
            };
          }
          if (spec.name === 'AcknowledgeResults') {
            station.acknowledge('opcua');
            return { statusCode: StatusCodes.Good };
          }
          const r = await station.selectProduct('opcua', Number(inputs[0]?.value ?? 0));
          return { statusCode: r.ok ? StatusCodes.Good : StatusCodes.BadInvalidArgument };
        } catch {
          return { statusCode: StatusCodes.BadInternalError };
        }
      });
    }
  }

  async stop(): Promise<void> {
    this.subscriptions.dispose();
    const server = this.server;
    this.server = null;
    if (server) await server.shutdown(0);
    this.setStatus({ state: 'stopped' });
  }
}
