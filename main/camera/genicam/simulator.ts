/**
 * Aravis's GigE Vision camera simulator (`arv-fake-gv-camera-0.8`, Debian `aravis-tools`) on loopback, for the
 * tests and the benchmark: a real camera protocol (GVCP control, GVSP stream over UDP) serving a test pattern.
 * It can only bind 127.0.0.1's GVCP port once per machine, so a start waits (bounded) while another one runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { StationFault } from '../../common/result.js';
import { genicamAddon } from './native.js';

export const SIMULATOR_BIN = 'arv-fake-gv-camera-0.8';

export function simulatorInstalled(): boolean {
  return spawnSync(SIMULATOR_BIN, ['--help'], { stdio: 'ignore' }).status === 0;
}

export interface Simulator {
  /** The device id the camera is listed and opened by (`Aravis-Fake-<serial>`). */
  readonly id: string;
  /** The simulator's process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Kills the simulator (SIGKILL: the camera vanishes as a powered-off one would). */
  kill(): Promise<void>;
  /** Starts it again with the same serial (same id). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSimulator(opts: { serial?: string; waitMs?: number } = {}): Promise<Simulator> {
  const serial = opts.serial ?? 'GV01';
  const id = `Aravis-Fake-${serial}`;
  const waitMs = opts.waitMs ?? 60_000;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const p = spawn(SIMULATOR_BIN, ['-i', '127.0.0.1', '-s', serial], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
      p.once('error', () => {});
      // Running after a moment = it bound the GVCP port; exiting = the port is taken (another simulator) or no binary.
      const early = await Promise.race([exited, sleep(400).then(() => 'running' as const)]);
      if (early === 'running') {
        child = p;
        break;
      }
      if (Date.now() > deadline) throw new StationFault('io', `${SIMULATOR_BIN} does not start (${stderr.trim() || `exit ${early}`}); is another one running on 127.0.0.1?`);
      await sleep(500 + 250 * Math.min(attempt, 8));
    }
    // Listed = answering discovery.
    const deadline2 = Date.now() + 15_000;
    while (Date.now() < deadline2) {
      const list = await genicamAddon().listCameras();
      if (list.some((c) => c.id === id)) return;
      await sleep(200);
    }
    throw new StationFault('io', `${SIMULATOR_BIN} started but ${id} is not discovered on 127.0.0.1`);
  };

  const kill = async (): Promise<void> => {
    const p = child;
    child = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };

  await launch();
  return {
    id,
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    kill,
    restart: launch,
    stop: kill,
  };
}
