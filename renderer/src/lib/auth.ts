/** This connection's login (auth.state + auth.onState), for showing or hiding what the role may do. The engine
 * enforces the same table (main/common/accounts.ts) on every call: hiding is a courtesy, not the protection. */
import { useEffect, useState } from 'react';
import type { AuthState, Permission } from '../../../main/common/accounts.js';
import { useStation } from '../connection.js';
import { useEvent, useLoad } from './hooks.js';

export function useAuth(): { state: AuthState | null; can: (p: Permission) => boolean; reload: () => void } {
  const { api } = useStation();
  const loaded = useLoad('Login state', (a) => a.auth.state());
  const [state, setState] = useState<AuthState | null>(null);
  useEffect(() => setState(loaded.value), [loaded.value]);
  useEvent(api.auth.onState, setState);
  // Before the state arrives nothing is hidden (open mode is the common case; the engine refuses anyway).
  return { state, can: (p) => !state || state.permissions.includes(p), reload: loaded.reload };
}
