/**
 * Turns SQLite and filesystem errors into StationFaults with a message that names the database file,
 * so the operator sees "disk full" or "not a station database: <path>" instead of a bare SQLITE_* code.
 */
import { StationFault, toStationError } from '../common/result.js';

/** better-sqlite3's SqliteError carries the extended result code, e.g. 'SQLITE_CONSTRAINT_FOREIGNKEY'. */
function sqliteCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

export function toStoreFault(e: unknown, dbPath: string, doing?: string): StationFault {
  if (e instanceof StationFault) return e;
  const msg = (e as { message?: string } | null)?.message ?? String(e);
  const what = doing ? `${doing}: ` : '';
  const code = sqliteCode(e);
  if (code) {
    const base = code.split('_').slice(0, 2).join('_'); // primary result code
    switch (base) {
      case 'SQLITE_FULL':
        return new StationFault('io', `${what}disk full while writing the station database "${dbPath}" (${msg})`, { cause: e });
      case 'SQLITE_READONLY':
        return new StationFault('io', `${what}the station database "${dbPath}" is read-only (${msg})`, { cause: e });
      case 'SQLITE_CANTOPEN':
        return new StationFault('io', `${what}cannot open the station database "${dbPath}": the folder is missing or not writable (${msg})`, { cause: e });
      case 'SQLITE_IOERR':
      case 'SQLITE_PERM':
        return new StationFault('io', `${what}disk error on the station database "${dbPath}" (${code}: ${msg})`, { cause: e });
      case 'SQLITE_NOTADB':
      case 'SQLITE_CORRUPT':
        return new StationFault(
          'io',
          `${what}"${dbPath}" is not a usable station database (corrupt or not SQLite: ${msg}); move it aside to start a new log`,
          { cause: e },
        );
      case 'SQLITE_BUSY':
      case 'SQLITE_LOCKED':
        return new StationFault('busy', `${what}the station database "${dbPath}" is locked by another process (${msg})`, { cause: e });
      case 'SQLITE_CONSTRAINT':
        return new StationFault('invalid-input', `${what}${constraintMessage(code, msg)}`, { cause: e });
      default:
        return new StationFault('internal', `${what}${code}: ${msg} (database "${dbPath}")`, { cause: e });
    }
  }
  const se = toStationError(e);
  // mkdir onto a file (ENOTDIR/EEXIST) is also a location problem the operator must fix.
  const errno = (e as { code?: unknown } | null)?.code;
  const kind = errno === 'ENOTDIR' || errno === 'EEXIST' ? 'io' : se.kind;
  return new StationFault(kind, `${what}${se.message} (database "${dbPath}")`, { cause: e });
}

function constraintMessage(code: string, msg: string): string {
  if (/FOREIGN KEY/.test(msg)) code = 'SQLITE_CONSTRAINT_FOREIGNKEY'; // RESTRICT reports _TRIGGER
  switch (code) {
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return 'refers to a record that does not exist, or the record is still referenced by others';
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return `a record with that id already exists (${msg})`;
    default:
      return `rejected by the database: ${msg}`;
  }
}
