/**
 * Which better-sqlite3 binary to load. better-sqlite3 uses V8's API, so Node and Electron need different builds:
 * node_modules holds the Node build (tests, CLI, browser host); `npm start` with Electron builds one for Electron
 * into .electron-native/ (scripts/packaging/electron-native.ts) and names it in STATION_SQLITE_BINDING, which the
 * engine worker inherits. The packaged app needs neither: its node_modules holds the Electron build.
 */
import { join } from 'node:path';

export const SQLITE_BINDING_ENV = 'STATION_SQLITE_BINDING';

/** The development Electron build of better_sqlite3.node for this process's Electron, OS and CPU. */
export function devElectronSqliteBinding(root: string, electronVersion: string): string {
  return join(root, '.electron-native', `${electronVersion}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
}

/** better-sqlite3 options naming the binary to load, when one was chosen for this process. */
export function sqliteBindingOptions(): { nativeBinding?: string } {
  const p = process.env[SQLITE_BINDING_ENV];
  return p ? { nativeBinding: p } : {};
}
