/**
 * `station run --opcua PORT --modbus PORT --mqtt URL`: the protocol adapters of the headless line runtime. The
 * stored integration configuration applies too; the flags enable an adapter for this run without saving it.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { IntegrationService, startIntegrationForRun } from '../integration/service.js';
import { userDataDir } from '../node/paths.js';
import { openStore } from '../store/store.js';
import { registerRunAdapters } from './commands-line.js';

function portOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${name} must be a TCP port (1-65535)`);
    return n;
  };
}

export function addRunAdapterOptions(cmd: Command): void {
  cmd
    .option('--opcua <port>', 'serve the line handshake as an OPC UA server on PORT (opc.tcp://HOST:PORT/UA/InspectionStation)', portOption('--opcua'))
    .option('--modbus <port>', 'serve the line handshake as a Modbus TCP server on PORT (register map in the README)', portOption('--modbus'))
    .option('--mqtt <url>', 'publish every result to the MQTT broker at URL (e.g. mqtt://127.0.0.1:1883) and take commands');
}

registerRunAdapters(addRunAdapterOptions, async (line, flags, log) => {
  const dataDir = resolve(userDataDir());
  // Its own connection to the station's store (WAL): settings and the MQTT delivery cursor.
  const store = openStore(join(dataDir, 'station.db'));
  const service = new IntegrationService({ station: line, store, dataDir, notice: (level, message) => log(`${level}: ${message}`) });
  const stop = async () => {
    await service.dispose();
    store.close();
  };
  try {
    const state = await startIntegrationForRun(service, {
      opcua: flags.opcua as number | undefined,
      modbus: flags.modbus as number | undefined,
      mqtt: flags.mqtt as string | undefined,
    });
    for (const a of state.adapters) if (a.state !== 'stopped') log(`${a.protocol}: ${a.state} ${a.endpoint}${a.message ? ` (${a.message})` : ''}`);
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return [stop];
});
