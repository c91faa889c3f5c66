/**
 * The station's store, model registry and audit trail opened from STATION_DATA_DIR for one command-line command
 * (no running station), and the command's actor in the audit trail: `cli:<os user>`.
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { userDataDir } from '../node/paths.js';
import { AuditTrail, type Actor } from '../services/audit.js';
import { ModelRegistry } from '../services/model-registry.js';
import { openStore } from '../store/store.js';
import type { StationStore } from '../store/interface.js';

export interface OfflineStation {
  readonly store: StationStore;
  readonly reg: ModelRegistry;
  readonly audit: AuditTrail;
  readonly actor: Actor;
}

/** Runs `fn` with the station opened, then closes it (registry, then store), whatever `fn` does. */
export async function withOfflineStation<T>(fn: (s: OfflineStation) => Promise<T> | T): Promise<T> {
  const dataDir = resolve(userDataDir());
  const store = openStore(join(dataDir, 'station.db'));
  const reg = new ModelRegistry(store, join(dataDir, 'models'));
  const audit = new AuditTrail(store, () => reg.productId());
  try {
    return await fn({ store, reg, audit, actor: { name: `cli:${userInfo().username}`, role: null } });
  } finally {
    await reg.dispose();
    store.close();
  }
}
