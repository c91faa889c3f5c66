/**
 * One CSV cell, for every CSV the station writes. Pure.
 * - RFC 4180: quoted (quotes doubled) when it holds a quote, comma, CR/LF or edge spaces;
 * - formula injection (OWASP "CSV Injection"): a text cell starting with `=`, `+`, `-`, `@`, tab or CR is what
 *   Excel/LibreOffice run as a formula, so it gets a leading `'` (and is quoted). Numbers are written as numbers:
 *   a negative score is data, not a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const s = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$|^'/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}
