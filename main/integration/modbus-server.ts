/**
 * Modbus TCP server adapter (modbus-serial's ServerTCP): the handshake as coils (commands), discrete inputs
 * (signals) and registers (sequence, score, error code, product index); see modbus-map.ts for the map.
 */
import ModbusRTU from 'modbus-serial';
import { DisposableStore } from '../common/event.js';
import type { ModbusConfig } from '../common/integration.js';
import { AdapterBase } from './adapter-base.js';
import type { LineAdapter, LineStation, TriggerReply } from '../common/line-io.js';
import { COILS, COMMAND_CODES, REGISTER_COUNT, REGISTERS, discreteInputs, registers } from './modbus-map.js';

type ServerTCP = InstanceType<typeof ModbusRTU.ServerTCP>;

/** A Modbus exception: modbus-serial answers the request with this code. */
const exception = (code: number, msg: string) => Object.assign(new Error(msg), { modbusErrorCode: code });
const ILLEGAL_ADDRESS = 0x02;
const ILLEGAL_VALUE = 0x03;
const DEVICE_FAILURE = 0x04;
const DEVICE_BUSY = 0x06;

export class ModbusServerAdapter extends AdapterBase implements LineAdapter {
  private server: ServerTCP | null = null;
  private subscriptions = new DisposableStore();
  private triggerRefused = false;
  private delivered = 0;

  constructor(private readonly config: ModbusConfig) {
    super('modbus', `modbus-tcp://${config.host}:${config.port} unit ${config.unitId}`);
  }

  async start(station: LineStation): Promise<void> {
    if (this.server) throw new Error('the Modbus server is already running');
    const c = this.config;
    this.setStatus({ state: 'starting' });
    this.subscriptions = new DisposableStore();
    const trigger = async () => {
      let reply: TriggerReply;
      try {
        reply = await station.trigger('modbus');
      } catch (e) {
        this.triggerRefused = true;
        throw exception(DEVICE_FAILURE, (e as Error).message);
      }
      this.triggerRefused = !reply.accepted;
      if (!reply.accepted) throw exception(reply.reason === 'busy' ? DEVICE_BUSY : DEVICE_FAILURE, reply.message);
    };
    const acknowledge = () => {
      if (station.signals().resultsReady) this.setStatus({ delivered: ++this.delivered });
      station.acknowledge('modbus');
    };
    const register = (addr: number) => {
      if (addr >= REGISTER_COUNT) throw exception(ILLEGAL_ADDRESS, `no register ${addr}`);
      return registers(station.signals(), this.triggerRefused)[addr]!;
    };
    const vector = {
      getCoil: (addr: number) => {
        if (addr > COILS.resultsAck) throw exception(ILLEGAL_ADDRESS, `no coil ${addr}`);
        return false;
      },
      getDiscreteInput: (addr: number) => {
        const bits = discreteInputs(station.signals(), this.triggerRefused);
        if (addr >= bits.length) throw exception(ILLEGAL_ADDRESS, `no discrete input ${addr}`);
        return bits[addr]!;
      },
      getInputRegister: register,
      getHoldingRegister: register,
      // One snapshot for a multi-register read, so Sequence high/low and the score always belong together.
      getMultipleInputRegisters: (addr: number, length: number) => {
        if (addr + length > REGISTER_COUNT) throw exception(ILLEGAL_ADDRESS, `registers ${addr}..${addr + length - 1} are not all mapped`);
        return registers(station.signals(), this.triggerRefused).slice(addr, addr + length);
      },
      getMultipleHoldingRegisters: (addr: number, length: number) => {
        if (addr + length > REGISTER_COUNT) throw exception(ILLEGAL_ADDRESS, `registers ${addr}..${addr + length - 1} are not all mapped`);
        return registers(station.signals(), this.triggerRefused).slice(addr, addr + length);
      },
      setCoil: async (addr: number, value: boolean) => {
        if (addr === COILS.trigger) {
          if (value) await trigger();
        } else if (addr === COILS.resultsAck) {
          if (value) acknowledge();
        } else throw exception(ILLEGAL_ADDRESS, `no coil ${addr}`);
      },
      setRegister: async (addr: number, value: number) => {
        if (addr === REGISTERS.productIndex) {
          const r = await station.selectProduct('modbus', value);
          if (!r.ok) throw exception(ILLEGAL_VALUE, r.error.message);
        } else if (addr === REGISTERS.command) {
          if (value === COMMAND_CODES.trigger) await trigger();
          else if (value === COMMAND_CODES.acknowledge) acknowledge();
          else if (value !== 0) throw exception(ILLEGAL_VALUE, `unknown command ${value}`);
        } else throw exception(ILLEGAL_ADDRESS, `register ${addr} is read-only`);
      },
    };
    try {
      this.server = await new Promise<ServerTCP>((resolve, reject) => {
        const server = new ModbusRTU.ServerTCP(vector, { host: c.host, port: c.port, unitID: c.unitId });
        server.once('initialized', () => resolve(server));
        server.once('serverError', (e: Error | null) => reject(e ?? new Error('server error')));
      });
    } catch (e) {
      this.setStatus({ state: 'failed', message: `Modbus server did not start on port ${c.port}: ${(e as Error).message}` });
      throw e;
    }
    this.server.on('serverError', (e: Error | null) => this.setStatus({ state: 'degraded', message: `Modbus server error: ${e?.message}` }));
    this.server.on('socketError', () => {
      /* a PLC dropping its connection is normal: it reconnects */
    });
    this.subscriptions.add(
      station.onSignals((s) => {
        const pending = s.queueDepth + (s.resultsReady ? 1 : 0);
        if (pending !== this.status().pending) this.setStatus({ pending });
      }),
    );
    this.setStatus({ state: 'running', endpoint: `modbus-tcp://${c.host}:${c.port} unit ${c.unitId}` });
  }

  async stop(): Promise<void> {
    this.subscriptions.dispose();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.setStatus({ state: 'stopped' });
  }
}
