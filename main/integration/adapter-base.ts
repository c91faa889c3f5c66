/** What every line adapter shares: its status (state, endpoint, delivered / pending counts) and the status event. */
import { Emitter } from '../common/event.js';
import type { AdapterStatus, LineProtocol } from '../common/line-io.js';

export abstract class AdapterBase {
  private readonly statusEmitter = new Emitter<AdapterStatus>();
  readonly onStatus = this.statusEmitter.event;
  private current: AdapterStatus;

  protected constructor(readonly protocol: LineProtocol, endpoint: string) {
    this.current = { protocol, state: 'stopped', endpoint, delivered: 0, pending: 0, at: new Date().toISOString() };
  }

  status(): AdapterStatus {
    return this.current;
  }

  protected setStatus(patch: Partial<Omit<AdapterStatus, 'protocol' | 'at'>>): void {
    const next = { ...this.current, ...patch, at: new Date().toISOString() };
    // A new state without a message clears the previous state's message.
    if (patch.state !== undefined && !('message' in patch)) delete (next as { message?: string }).message;
    this.current = next;
    this.statusEmitter.fire(next);
  }
}
