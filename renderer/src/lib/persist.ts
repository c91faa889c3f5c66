/** UI preferences remembered in localStorage (opacity, last source...), so a restart keeps the operator's setup. */
import { useCallback, useState } from 'react';

export function usePersistent<T>(key: string, initial: T): [T, (v: T) => void] {
  const full = `station.ui.${key}`;
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(full);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (v: T) => {
      setValue(v);
      try {
        localStorage.setItem(full, JSON.stringify(v));
      } catch {
        // storage full or disabled: the preference just is not remembered
      }
    },
    [full],
  );
  return [value, set];
}
