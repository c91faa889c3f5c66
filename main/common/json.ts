/** JSON from files the user names: errors say where the text breaks, never quote it (it may be any file). Pure. */
import { StationFault } from './result.js';

/** " (at character N)" from a JSON.parse error, or "": V8's own message quotes the start of the text. */
export function jsonSyntaxWhere(e: unknown): string {
  const pos = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
  return pos !== undefined ? ` (at character ${pos})` : '';
}

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StationFault('invalid-input', `${what} is not valid JSON${jsonSyntaxWhere(e)}`);
  }
}
