/** The floor state (latched NG, NG-rate alarm, shift and lot counters, disk) as one hook the Live components share. */
import { useEffect, useState } from 'react';
import type { FloorState } from '../../../main/common/floor.js';
import { useStation } from '../connection.js';
import { useEvent } from './hooks.js';

export function useFloor(): FloorState | null {
  const { api, generation } = useStation();
  const [state, setState] = useState<FloorState | null>(null);
  useEffect(() => {
    let live = true;
    void api.floor.state().then((r) => {
      if (live && r.ok) setState(r.value);
    });
    return () => {
      live = false;
    };
  }, [api, generation]);
  useEvent(api.floor.onState, setState);
  return state;
}

export const fmtBytes = (b: number | null): string =>
  b === null ? '—' : b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} kB`;
