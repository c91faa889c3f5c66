/** CLI output helpers: aligned tables, progress on stderr, JSON files written atomically. */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../node/atomic-write.js';
import type { Progress } from '../common/types.js';

export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3);
}

/** Progress on stderr, one line rewritten in place on a terminal, throttled lines otherwise. */
export function progressPrinter(quiet = false): (p: Progress) => void {
  let last = 0;
  return (p) => {
    if (quiet) return;
    const now = Date.now();
    if (p.done !== p.total && now - last < (process.stderr.isTTY ? 100 : 5000)) return;
    last = now;
    const text = `${p.stage} ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns ?? 100) - 1)}${p.done === p.total ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  };
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(resolve(path), JSON.stringify(value, null, 2));
}
