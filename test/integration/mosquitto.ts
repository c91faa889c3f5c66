/**
 * A real MQTT broker for tests: Debian's mosquitto on a free 127.0.0.1 port, started and stopped by the test.
 * In CI (CI=true) a missing broker fails the test; elsewhere the test is skipped and says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inCi } from '../helpers.js';

export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/** Why no broker can run here (null when it can); in CI this is an error, not a reason to skip. */
export function brokerUnavailable(): string | null {
  if (existsSync(MOSQUITTO)) return null;
  const why = `no MQTT broker at ${MOSQUITTO} (apt-get install -y mosquitto, or set MOSQUITTO_BIN)`;
  if (inCi()) throw new Error(`CI: ${why}`);
  return why;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Broker {
  private proc: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'station-mosquitto-'));
  private log = '';

  private constructor(
    readonly port: number,
    private readonly persistent: boolean,
  ) {}

  /**
   * `persistent`: the broker saves its sessions to disk every second, so a consumer's persistent session
   * (clean: false, QoS 1) survives a broker crash and the broker queues messages for it while it reconnects.
   */
  static async start(opts: { persistent?: boolean } = {}): Promise<Broker> {
    const b = new Broker(await freePort(), opts.persistent ?? false);
    await b.restart();
    return b;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    if (this.proc) throw new Error('broker already running');
    const conf = join(this.dir, 'mosquitto.conf');
    // Run as root, mosquitto drops to its own user, which cannot write into our 0700 temp folder: persistence
    // then fails (only in its log) and a "persistent" session silently does not survive the crash.
    if (this.persistent) chmodSync(this.dir, 0o777);
    const persistence = this.persistent ? `persistence true\npersistence_location ${this.dir}/\nautosave_interval 1\n` : 'persistence false\n';
    writeFileSync(conf, `listener ${this.port} 127.0.0.1\nallow_anonymous true\n${persistence}log_dest stderr\nlog_type error\n`);
    const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.proc = proc;
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${this.log.trim()}`))));
    exited.catch(() => {});
    await Promise.race([waitForPort(this.port, 10_000), exited]);
  }

  /** Kills the broker as a crash would (SIGKILL: no clean disconnects). */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
    if (this.persistent && /Error saving/.test(this.log)) throw new Error(`mosquitto could not save its sessions: ${this.log.trim()}`);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
